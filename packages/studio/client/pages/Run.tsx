import { useEffect, useMemo, useState } from 'preact/hooks';
import type { EquityCurve, RunDetail, RunRow, TradeList, TrainingCurves } from '../../src/api.ts';
import { api, live } from '../api.ts';
import { LineChart, type LineSeries } from '../charts/LineChart.tsx';
import { ResultChecks } from '../components/ResultChecks.tsx';
import { Card, Empty, ErrorNotice, Loading, PageHead, Stat, StatusPill } from '../components/ui.tsx';
import { duration, fixed, int, pct, price, signClass, utc } from '../lib/format.ts';
import { href } from '../lib/router.ts';
import { useAsync } from '../lib/useAsync.ts';
import { LiveProgress, RunActions } from './Runs.tsx';
import { MetricsTable } from './Compare.tsx';

const CURVE_GROUPS: { title: string; keys: string[]; colors: string[] }[] = [
  { title: 'Reward', keys: ['meanEpisodeReturn', 'meanStepReward'], colors: ['#4f46e5', '#0891b2'] },
  { title: 'Losses', keys: ['policyLoss', 'valueLoss'], colors: ['#0891b2', '#d97706'] },
  { title: 'Entropy, KL, clip fraction', keys: ['entropy', 'approxKl', 'clipFraction'], colors: ['#7c3aed', '#db2777', '#059669'] },
  { title: 'Throughput and learning rate', keys: ['stepsPerSecond', 'learningRate'], colors: ['#475569', '#ea580c'] },
];

function TrainingCharts({ id, running }: { id: string; running: boolean }) {
  const curves = useAsync(() => api.get<TrainingCurves>(`/api/runs/${encodeURIComponent(id)}/training`), [id]);
  const [extra, setExtra] = useState<{ steps: number; values: Record<string, number | null> }[]>([]);
  useEffect(() => {
    if (!running) return;
    return live.subscribe((event) => {
      if (event.type !== 'progress' || event.id !== id) return;
      const p = event.progress;
      setExtra((list) => [...list, { steps: p.steps, values: { meanEpisodeReturn: p.meanEpisodeReturn, stepsPerSecond: p.stepsPerSecond, ...p.stats } }]);
    });
  }, [id, running]);
  const data = useMemo(() => {
    if (!curves.data) return null;
    const steps = [...curves.data.steps];
    const series: Record<string, (number | null)[]> = Object.fromEntries(Object.entries(curves.data.series).map(([k, v]) => [k, [...v]]));
    const last = steps.at(-1) ?? -1;
    for (const point of extra) {
      if (point.steps <= last) continue;
      steps.push(point.steps);
      for (const key of new Set([...Object.keys(series), ...Object.keys(point.values)])) {
        const list = (series[key] ??= new Array<number | null>(steps.length - 1).fill(null));
        list.push(point.values[key] ?? null);
      }
    }
    return { steps, series };
  }, [curves.data, extra]);
  if (curves.error) return <ErrorNotice error={curves.error} />;
  if (!data) return <Loading />;
  if (data.steps.length === 0) {
    return <Empty>No training curves: this run was not started from the panel and its archive has no train.parquet.</Empty>;
  }
  const groups = CURVE_GROUPS.map((g) => ({
    ...g,
    series: g.keys
      .filter((k) => data.series[k]?.some((v) => v !== null))
      .map((k): LineSeries => ({ label: k, color: g.colors[g.keys.indexOf(k)] ?? '#334155', values: data.series[k]!, ...(k === 'learningRate' || k === 'meanStepReward' ? { scale: 'y2' as const } : {}) })),
  })).filter((g) => g.series.length > 0);
  return (
    <div class="grid cols-2">
      {groups.map((g) => (
        <div key={g.title}>
          <h3 style={{ margin: '0 0 6px' }}>{g.title}</h3>
          <LineChart x={data.steps} series={g.series} height={200} xLabel="steps" />
        </div>
      ))}
    </div>
  );
}

function EquityChart({ id }: { id: string }) {
  const curve = useAsync(() => api.get<EquityCurve>(`/api/runs/${encodeURIComponent(id)}/equity`), [id]);
  const series = useMemo<LineSeries[]>(
    () => (curve.data ? [{ label: 'return %', color: '#4f46e5', values: curve.data.returnPct }, { label: 'drawdown %', color: '#dc2626', values: curve.data.drawdownPct, fill: 'rgba(220,38,38,0.08)' }] : []),
    [curve.data],
  );
  if (curve.error) return <ErrorNotice error={curve.error} />;
  if (!curve.data) return <Loading />;
  return <LineChart x={curve.data.time} series={series} time height={240} yFormat={(v) => `${v.toFixed(1)}%`} />;
}

const TRADES_SHOWN = 200;

/** The agent's round trips from trades.parquet, each linking to its entry in the replay. */
function TradesCard({ id, folds }: { id: string; folds: number }) {
  const list = useAsync(() => api.get<TradeList>(`/api/runs/${encodeURIComponent(id)}/trades`), [id]);
  if (list.error) return <ErrorNotice error={list.error} />;
  if (!list.data) return <Loading />;
  const { trades, total } = list.data;
  if (total === 0) return <Empty>The agent made no trade on the test bars.</Empty>;
  const closed = trades.filter((t) => !t.open);
  const byReason = closed.reduce<Record<string, number>>((acc, t) => ((acc[t.exitReason] = (acc[t.exitReason] ?? 0) + 1), acc), {});
  return (
    <>
      <div class="sub" style={{ padding: '8px 14px' }} data-testid="trades-summary">
        {int(total)} trade{total === 1 ? '' : 's'}
        {closed.length > 0 && ` · ended by ${Object.entries(byReason).sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${reason} ${int(n)}`).join(', ')}`}
        {trades.some((t) => t.open) && ' · one open at the end (marked to the last close)'}
        {total > TRADES_SHOWN && ` · the first ${TRADES_SHOWN} shown`}
      </div>
      <div class="table-wrap trades-table">
        <table class="compact" id="trades-table">
          <thead>
            <tr>
              {folds > 1 && <th class="num">fold</th>}
              <th>trade</th>
              <th>entry (UTC)</th>
              <th class="num">entry price</th>
              <th class="num">stop at entry</th>
              <th>exit (UTC)</th>
              <th class="num">exit price</th>
              <th>reason</th>
              <th class="num">bars</th>
              <th class="num">fees</th>
              <th class="num">P&amp;L</th>
              <th class="num">return</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {trades.slice(0, TRADES_SHOWN).map((t) => (
              <tr key={`${t.fold}-${t.trade}`} data-trade={t.trade} data-fold={t.fold}>
                {folds > 1 && <td class="num">{t.fold}</td>}
                <td class="nowrap">
                  <span class={t.side === 'long' ? 'pos' : 'neg'}>{t.side}</span> <span class="muted">{t.entryType}</span>
                </td>
                <td class="nowrap mono">{utc(t.entryTime)}</td>
                <td class="num">{price(t.entryPrice)}</td>
                <td class="num muted">{price(t.stopPrice)}</td>
                <td class="nowrap mono">{t.open ? <span class="muted">open</span> : utc(t.exitTime)}</td>
                <td class="num">{price(t.exitPrice)}</td>
                <td class={t.exitReason === 'stop' ? 'neg' : ''}>
                  {t.exitReason}
                  {t.stopGapped ? ' (gapped)' : ''}
                </td>
                <td class="num">{int(t.barsHeld)}</td>
                <td class="num">{fixed(t.fees)}</td>
                <td class={`num ${signClass(t.pnl)}`}>{fixed(t.pnl)}</td>
                <td class={`num ${signClass(t.returnPct)}`}>{pct(t.returnPct)}</td>
                <td>
                  <a href={href(['replay', id], { fold: t.fold, time: t.entryTime })}>replay</a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function LogCard({ id, row }: { id: string; row: RunRow }) {
  const log = useAsync(() => api.get<{ lines: string[]; stderr: string }>(`/api/runs/${encodeURIComponent(id)}/log`), [id, row.status]);
  const [lines, setLines] = useState<string[]>([]);
  useEffect(() => live.subscribe((e) => e.type === 'log' && e.id === id && setLines((l) => [...l.slice(-200), e.message])), [id]);
  if (!row.launched) return null;
  const all = [...(log.data?.lines ?? []), ...lines];
  return (
    <Card title="Log" sub="stages and messages of the run">
      <div class="log">{all.length ? all.join('\n') : 'no messages yet'}</div>
      {log.data?.stderr && row.status !== 'running' && row.status !== 'complete' && (
        <>
          <h3 style={{ margin: '12px 0 6px' }}>stderr</h3>
          <div class="log">{log.data.stderr}</div>
        </>
      )}
    </Card>
  );
}

export function RunPage({ id }: { id: string }) {
  const detail = useAsync(() => api.get<RunDetail>(`/api/runs/${encodeURIComponent(id)}`), [id]);
  const [row, setRow] = useState<RunRow | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => setRow(detail.data?.row ?? null), [detail.data]);
  useEffect(
    () =>
      live.subscribe((event) => {
        if (event.type === 'run' && event.row.id === id) {
          setRow((prev) => {
            if (prev && prev.status !== event.row.status) detail.reload();
            return event.row;
          });
        } else if (event.type === 'progress' && event.id === id) setRow((prev) => (prev ? { ...prev, progress: event.progress } : prev));
      }),
    [id],
  );
  if (detail.error) return <ErrorNotice error={detail.error} title={`Run ${id}`} />;
  if (!detail.data || !row) return <Loading />;
  const d = detail.data;
  const m = row.metrics;
  return (
    <>
      <PageHead
        title={id}
        sub={
          <span style={{ display: 'inline-flex', gap: '10px', alignItems: 'center' }}>
            <StatusPill status={row.status} /> {row.dataset ?? 'no dataset'} · seed {row.seed} · {row.trainer ?? 'trainer ?'} on {row.backend ?? '…'} · started {utc(row.createdAt)} UTC ·{' '}
            {duration(row.seconds)}
          </span>
        }
        actions={
          <>
            <RunActions row={row} onError={setError} large />
            {d.files.includes('report.html') && (
              <a href={api.url(`/api/runs/${encodeURIComponent(id)}/report`)} target="_blank" rel="noreferrer">
                <button>Report</button>
              </a>
            )}
            <a href={href(['compare'], { ids: id })}>
              <button>Compare…</button>
            </a>
          </>
        }
      />
      <ErrorNotice error={error} />
      <div class="grid">
        {row.status === 'running' && (
          <Card title="Training" sub="live">
            <LiveProgress row={row} />
          </Card>
        )}
        {row.error && <div class="notice error">{row.error}</div>}
        {(d.metrics || d.metricsProblem) && (
          <Card title="Is the result real?" sub="warnings first, then the agent's excess return over each baseline (95 % block-bootstrap interval)" flush>
            <ResultChecks runs={[d]} />
          </Card>
        )}
        {m && (
          <div class="stats">
            <Stat label="agent return" value={pct(m.totalReturn)} class={signClass(m.totalReturn)} />
            <Stat label="buy & hold" value={pct(m.buyAndHoldReturn)} class={signClass(m.buyAndHoldReturn)} />
            <Stat label="Sharpe" value={fixed(m.sharpe)} />
            <Stat label="max drawdown" value={pct(m.maxDrawdown)} />
            <Stat label="trades" value={int(m.trades)} />
            <Stat label="win rate" value={pct(m.winRate, 1)} />
            <Stat label="fee drag" value={pct(m.feeDrag)} />
            <Stat label="stop-outs" value={pct(m.stopOutShare, 1)} />
          </div>
        )}
        <Card title="Learning curves" sub={row.status === 'running' ? 'updating live' : undefined}>
          <TrainingCharts id={id} running={row.status === 'running'} />
        </Card>
        {d.hasLedger && (
          <div class="grid">
            <Card title="Agent equity on the test bars" sub="return and drawdown, chained over folds">
              <EquityChart id={id} />
            </Card>
            <Card title="Evaluation" sub={d.metrics?.format === 'tradecore-metrics/1' ? 'mean over folds' : 'folds chained'} flush>
              {d.metrics ? <MetricsTable runs={[d]} /> : <Empty>no metrics.json</Empty>}
            </Card>
          </div>
        )}
        {d.hasTrades && (
          <Card title="Trades" sub="the agent's round trips on the test bars (trades.parquet)" flush>
            <TradesCard id={id} folds={d.metrics?.folds.length ?? 1} />
          </Card>
        )}
        <LogCard id={id} row={row} />
        <div class="grid cols-2">
          <Card title="config.json" sub="the resolved config this run used">
            <pre class="log" style={{ maxHeight: '360px', background: '#f8fafc', color: 'var(--ink-2)', border: '1px solid var(--line)' }}>
              {d.config ? JSON.stringify(d.config, null, 2) : 'not written yet'}
            </pre>
          </Card>
          <Card title="Archive" sub={`runs/${id}/`}>
            <ul class="summary-list">
              {d.files.map((f) => (
                <li key={f} class="mono">
                  {f}
                </li>
              ))}
            </ul>
          </Card>
        </div>
      </div>
    </>
  );
}
