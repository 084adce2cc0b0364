import type { SweepDetail, SweepRow } from '../../src/api.ts';
import { api } from '../api.ts';
import { Card, Empty, ErrorNotice, Loading, PageHead, Progress } from '../components/ui.tsx';
import { ago, duration, fixed, int } from '../lib/format.ts';
import { href, navigate } from '../lib/router.ts';
import { useAsync } from '../lib/useAsync.ts';

const STATE_CLASS: Record<string, string> = { running: 'running', complete: 'complete', failed: 'failed', interrupted: 'interrupted', pending: 'neutral' };

function statePill(state: string) {
  return <span class={`pill ${STATE_CLASS[state] ?? 'neutral'}`}>{state}</span>;
}

/** The sweeps of the project, above the runs table (hidden when there are none). */
export function SweepsCard() {
  const list = useAsync(() => api.get<{ sweeps: SweepRow[] }>('/api/sweeps'), []);
  const sweeps = list.data?.sweeps ?? [];
  if (list.error) return <ErrorNotice error={list.error} />;
  if (sweeps.length === 0) return null;
  return (
    <Card title="Sweeps" sub={`${sweeps.length} in sweeps/`} flush class="spaced">
      <table class="compact">
        <thead>
          <tr>
            <th>state</th>
            <th>sweep</th>
            <th>dataset</th>
            <th>trials</th>
            <th class="num">metric</th>
            <th>best setting</th>
            <th>started</th>
          </tr>
        </thead>
        <tbody>
          {sweeps.map((s) => (
            <tr key={s.id} data-sweep={s.id}>
              <td>{statePill(s.state)}</td>
              <td>
                <a class="mono" href={href(['sweeps', s.id])}>
                  {s.id}
                </a>
              </td>
              <td>{s.dataset ?? '–'}</td>
              <td style={{ minWidth: '180px' }}>
                <div style={{ display: 'flex', gap: '8px', alignItems: 'center' }}>
                  <Progress value={s.counts.total > 0 ? (s.counts.complete + s.counts.failed) / s.counts.total : 0} />
                  <span class="mono nowrap" style={{ fontSize: '12px' }}>
                    {s.counts.complete}/{s.counts.total}
                    {s.counts.failed ? `, ${s.counts.failed} failed` : ''}
                  </span>
                </div>
              </td>
              <td class="num">
                {s.metric ?? '–'} {s.goal ? `(${s.goal})` : ''}
              </td>
              <td class="mono" style={{ fontSize: '12px' }}>
                {s.best ? `${Object.entries(s.best.values).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')} → ${fixed(s.best.mean, 4)}` : '–'}
              </td>
              <td class="muted nowrap">{ago(s.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Card>
  );
}

/** `#/sweeps/<id>`: every trial with its status, setting and metric; complete trials open as runs. */
export function SweepPage({ id }: { id: string }) {
  const detail = useAsync(() => api.get<SweepDetail>(`/api/sweeps/${encodeURIComponent(id)}`), [id]);
  if (detail.error) return <ErrorNotice error={detail.error} title={`Sweep ${id}`} />;
  if (!detail.data) return <Loading />;
  const { sweep, trials } = detail.data;
  const runs = trials.filter((t) => t.hasRun).map((t) => t.id);
  return (
    <>
      <PageHead
        title={`Sweep ${sweep.id}`}
        sub={
          <span style={{ display: 'inline-flex', gap: '8px', alignItems: 'center' }}>
            {statePill(sweep.state)} {sweep.dataset ?? ''} · {sweep.counts.complete}/{sweep.counts.total} trials complete · {sweep.mode ?? ''}
            {sweep.etaSeconds !== null && sweep.state === 'running' ? ` · ETA ${duration(sweep.etaSeconds)}` : ''}
          </span>
        }
        actions={
          <>
            <button onClick={() => detail.reload()}>Refresh</button>
            <button disabled={runs.length < 2} onClick={() => navigate(['compare'], { ids: runs.slice(0, 8).join(',') })}>
              Compare trials
            </button>
          </>
        }
      />
      <Card flush>
        {trials.length === 0 ? (
          <Empty>No trials.</Empty>
        ) : (
          <table class="compact">
            <thead>
              <tr>
                <th class="num">#</th>
                <th>status</th>
                <th>trial</th>
                <th>setting</th>
                <th class="num">seed</th>
                <th>progress</th>
                <th class="num">{sweep.metric ?? 'metric'}</th>
                <th class="num">time</th>
                <th>worker</th>
              </tr>
            </thead>
            <tbody>
              {trials.map((t) => (
                <tr key={t.id} data-trial={t.id}>
                  <td class="num">{t.index}</td>
                  <td>{statePill(t.status)}</td>
                  <td class="mono" style={{ fontSize: '12px' }}>
                    {t.hasRun ? <a href={href(['runs', t.id])}>{t.id}</a> : t.id}
                  </td>
                  <td class="mono" style={{ fontSize: '12px' }} title={t.overrides.join(' ')}>
                    {t.overrides.join(' ') || t.setting || '–'}
                  </td>
                  <td class="num">{t.seed ?? '–'}</td>
                  <td style={{ minWidth: '120px' }}>{t.progress ? <Progress value={t.progress.totalSteps ? t.progress.steps / t.progress.totalSteps : 0} /> : t.error ? <span class="neg" title={t.error}>error</span> : '–'}</td>
                  <td class="num">
                    {t.warnings.length > 0 ? (
                      <span class="warn-mark" title={t.warnings.join('\n')} data-warnings={t.warnings.length}>
                        ⚠{' '}
                      </span>
                    ) : null}
                    {fixed(t.metric, 4)}
                  </td>
                  <td class="num">{duration(t.seconds)}</td>
                  <td class="muted">{t.worker ?? '–'}{t.attempts > 1 ? ` (${int(t.attempts)} attempts)` : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
