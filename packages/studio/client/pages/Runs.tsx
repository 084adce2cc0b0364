import { Component } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { RunList, RunRow, RunStatus } from '../../src/api.ts';
import { api, applyRunEvent, live } from '../api.ts';
import { Card, Empty, ErrorNotice, Loading, PageHead, Progress, StatusPill } from '../components/ui.tsx';
import { ago, compact, duration, fixed, int, isNum, pct, signClass } from '../lib/format.ts';
import { href, navigate } from '../lib/router.ts';
import { useAsync } from '../lib/useAsync.ts';
import { SweepsCard } from './Sweeps.tsx';

type SortKey = 'createdAt' | 'status' | 'id' | 'dataset' | 'seed' | 'return' | 'sharpe' | 'drawdown' | 'trades' | 'feeDrag' | 'seconds' | 'backend';

const STATUSES: RunStatus[] = ['running', 'complete', 'failed', 'cancelled', 'interrupted'];
const PAGE = 300;

function sortValue(row: RunRow, key: SortKey): number | string {
  switch (key) {
    case 'return':
      return row.metrics?.totalReturn ?? -Infinity;
    case 'sharpe':
      return row.metrics?.sharpe ?? -Infinity;
    case 'drawdown':
      return row.metrics?.maxDrawdown ?? Infinity;
    case 'trades':
      return row.metrics?.trades ?? -1;
    case 'feeDrag':
      return row.metrics?.feeDrag ?? Infinity;
    case 'seconds':
      return row.seconds ?? -1;
    case 'seed':
      return row.seed;
    case 'dataset':
      return row.dataset ?? '';
    case 'backend':
      return row.backend ?? '';
    default:
      return row[key];
  }
}

/** The live progress cell of a running run. */
export function LiveProgress({ row }: { row: RunRow }) {
  const p = row.progress;
  if (!p) return <span class="sub">starting…</span>;
  const frac = p.totalSteps > 0 ? p.steps / p.totalSteps : 0;
  return (
    <div class="two-line" data-testid="live-progress" data-steps={p.steps}>
      <div style={{ display: 'flex', alignItems: 'center', gap: '8px' }}>
        <Progress value={frac} />
        <span class="mono nowrap" style={{ fontSize: '12px' }}>
          {compact(p.steps)}/{compact(p.totalSteps)}
        </span>
      </div>
      <span class="sub nowrap">
        {p.folds > 1 ? `fold ${p.fold + 1}/${p.folds} · ` : ''}
        {isNum(p.stepsPerSecond) ? `${compact(p.stepsPerSecond)} steps/s` : ''}
        {isNum(p.meanEpisodeReturn) ? ` · reward ${fixed(p.meanEpisodeReturn, 4)}` : ''}
        {isNum(p.etaSeconds) ? ` · ETA ${duration(p.etaSeconds)}` : ''}
      </span>
    </div>
  );
}

export function RunActions({ row, onError, large }: { row: RunRow; onError: (e: unknown) => void; large?: boolean }) {
  const size = large ? '' : 'small';
  const [busy, setBusy] = useState(false);
  const act = async (what: 'cancel' | 'resume') => {
    setBusy(true);
    try {
      await api.post(`/api/runs/${encodeURIComponent(row.id)}/${what}`);
    } catch (e) {
      onError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="btn-row" style={{ flexWrap: 'nowrap' }}>
      {row.canCancel && (
        <button class={`${size} danger`} disabled={busy} onClick={() => void act('cancel')}>
          Cancel
        </button>
      )}
      {row.canResume && (
        <button class={size} disabled={busy} onClick={() => void act('resume')}>
          Resume
        </button>
      )}
      {row.status === 'complete' && (
        <a href={href(['replay', row.id])}>
          <button class={size}>Replay</button>
        </a>
      )}
    </div>
  );
}

interface RowProps {
  row: RunRow;
  selected: boolean;
  toggle: (id: string) => void;
  onError: (e: unknown) => void;
}

/** One run's row; re-rendered only when its row object or selection changes (live updates touch one row). */
class RunRowView extends Component<RowProps> {
  override shouldComponentUpdate(next: RowProps): boolean {
    return next.row !== this.props.row || next.selected !== this.props.selected;
  }

  override render({ row: r, selected, toggle, onError }: RowProps) {
    return (
      <tr data-run={r.id} data-status={r.status} class={selected ? 'selected' : ''}>
        <td>
          <input type="checkbox" checked={selected} onChange={() => toggle(r.id)} aria-label={`select ${r.id}`} />
        </td>
        <td>
          <StatusPill status={r.status} />
        </td>
        <td>
          <div class="two-line">
            <a href={href(['runs', r.id])} class="mono">
              {r.id}
            </a>
            {r.status === 'running' ? (
              <LiveProgress row={r} />
            ) : r.error ? (
              <span class="sub ellipsis" style={{ maxWidth: '360px' }} title={r.error}>
                {r.error}
              </span>
            ) : null}
          </div>
        </td>
        <td class="nowrap">{r.dataset ?? '–'}</td>
        <td class="num">{r.seed}</td>
        <td class={`num ${signClass(r.metrics?.totalReturn)}`}>
          {r.metrics && r.metrics.warnings.length > 0 && (
            <span class="warn-mark" title={`warnings: ${r.metrics.warnings.join(', ')}`} data-testid="run-warnings">
              ⚠{' '}
            </span>
          )}
          {pct(r.metrics?.totalReturn)}
        </td>
        <td class="num">{fixed(r.metrics?.sharpe)}</td>
        <td class="num">{pct(r.metrics?.maxDrawdown)}</td>
        <td class="num">{int(r.metrics?.trades)}</td>
        <td class="num">{pct(r.metrics?.feeDrag)}</td>
        <td class="nowrap">{r.backend ?? '–'}</td>
        <td class="num">{duration(r.seconds)}</td>
        <td class="nowrap muted" title={r.createdAt}>
          {ago(r.createdAt)}
        </td>
        <td>
          <RunActions row={r} onError={onError} />
        </td>
      </tr>
    );
  }
}

export function RunsPage() {
  const list = useAsync(() => api.get<RunList>('/api/runs'), []);
  const [rows, setRows] = useState<readonly RunRow[]>([]);
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: 'createdAt', desc: true });
  const [query, setQuery] = useState('');
  const [status, setStatus] = useState<RunStatus | 'all'>('all');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [limit, setLimit] = useState(PAGE);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (list.data) setRows(list.data.runs);
  }, [list.data]);
  useEffect(() => live.subscribe((event) => setRows((current) => applyRunEvent(current, event))), []);

  const counts = useMemo(() => {
    const c: Record<string, number> = { all: rows.length };
    for (const r of rows) c[r.status] = (c[r.status] ?? 0) + 1;
    return c;
  }, [rows]);

  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    const filtered = rows.filter(
      (r) => (status === 'all' || r.status === status) && (!q || r.id.toLowerCase().includes(q) || (r.dataset ?? '').toLowerCase().includes(q) || (r.backend ?? '').toLowerCase().includes(q) || String(r.seed) === q),
    );
    const dir = sort.desc ? -1 : 1;
    return filtered.slice().sort((a, b) => {
      const x = sortValue(a, sort.key);
      const y = sortValue(b, sort.key);
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
  }, [rows, query, status, sort]);

  const header = (key: SortKey, label: string, numeric = false) => (
    <th
      class={`sortable ${numeric ? 'num' : ''}`}
      onClick={() => setSort({ key, desc: sort.key === key ? !sort.desc : numeric })}
      aria-sort={sort.key === key ? (sort.desc ? 'descending' : 'ascending') : 'none'}
    >
      {label}
      {sort.key === key ? (sort.desc ? ' ↓' : ' ↑') : ''}
    </th>
  );

  // Functional update: rows that were not re-rendered still hold an older `toggle`.
  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <>
      <PageHead
        title="Runs"
        sub={list.data ? `${int(rows.length)} archive${rows.length === 1 ? '' : 's'} in the runs folder${list.data.skipped.length ? ` · ${list.data.skipped.length} folders skipped` : ''}` : ' '}
        actions={
          <>
            <button disabled={selected.size < 2} onClick={() => navigate(['compare'], { ids: [...selected].join(',') })}>
              Compare {selected.size > 0 ? `(${selected.size})` : ''}
            </button>
            <a href="#/control">
              <button class="primary">New run</button>
            </a>
          </>
        }
      />
      <ErrorNotice error={list.error ?? error} />
      <SweepsCard />
      <Card
        flush
        title={
          <div class="toolbar">
            <input type="search" placeholder="Filter runs…" value={query} onInput={(e) => setQuery((e.currentTarget as HTMLInputElement).value)} />
            {(['all', ...STATUSES] as const).map((s) => (
              <span key={s} class={`chip ${status === s ? 'active' : ''}`} onClick={() => setStatus(s)} role="button">
                {s} <span class="count">{counts[s] ?? 0}</span>
              </span>
            ))}
          </div>
        }
      >
        {list.loading && !list.data ? (
          <Loading />
        ) : rows.length === 0 ? (
          <Empty>
            No runs yet. <a href="#/control">Configure and launch one</a>, or run <code>tradecore run</code>.
          </Empty>
        ) : (
          <div class="table-wrap">
            <table id="runs-table">
              <thead>
                <tr>
                  <th style={{ width: '28px' }} />
                  {header('status', 'status')}
                  {header('id', 'run')}
                  {header('dataset', 'dataset')}
                  {header('seed', 'seed', true)}
                  {header('return', 'return', true)}
                  {header('sharpe', 'Sharpe', true)}
                  {header('drawdown', 'max DD', true)}
                  {header('trades', 'trades', true)}
                  {header('feeDrag', 'fee drag', true)}
                  {header('backend', 'backend')}
                  {header('seconds', 'duration', true)}
                  {header('createdAt', 'started')}
                  <th />
                </tr>
              </thead>
              <tbody>
                {shown.slice(0, limit).map((r) => (
                  <RunRowView key={r.id} row={r} selected={selected.has(r.id)} toggle={toggle} onError={setError} />
                ))}
              </tbody>
            </table>
            {shown.length > limit && (
              <div class="empty">
                <button onClick={() => setLimit(limit + PAGE * 4)}>Show more ({int(shown.length - limit)} hidden)</button>
              </div>
            )}
            {shown.length === 0 && <Empty>No run matches the filter.</Empty>}
          </div>
        )}
      </Card>
    </>
  );
}
