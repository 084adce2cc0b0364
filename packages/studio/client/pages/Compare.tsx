import { useMemo, useState } from 'preact/hooks';
import uPlot from 'uplot';
import type { Comparison, RunDetail, RunList } from '../../src/api.ts';
import { api } from '../api.ts';
import { LineChart, type LineSeries } from '../charts/LineChart.tsx';
import { ResultChecks } from '../components/ResultChecks.tsx';
import { Card, Empty, ErrorNotice, Loading, PageHead, StatusPill } from '../components/ui.tsx';
import { fixed, int, pct, signClass } from '../lib/format.ts';
import { href, navigate } from '../lib/router.ts';
import { useAsync } from '../lib/useAsync.ts';

export const RUN_COLORS = ['#4f46e5', '#0891b2', '#d97706', '#db2777', '#059669', '#7c3aed', '#475569', '#dc2626'];
const POLICY_ORDER = ['agent', 'buy-and-hold', 'always-long', 'flat', 'random'];

const POLICY_TITLES: Record<string, string> = {
  'buy-and-hold': 'buy & hold: the market reference, bought at the first test bar outside the risk guard',
  'always-long': 'always long, through the risk guard (its sizing and stops)',
  random: 'random actions through the risk guard',
};

const METRIC_COLUMNS: { key: string; label: string; format: (v: number) => string; signed?: boolean }[] = [
  { key: 'totalReturn', label: 'return', format: (v) => pct(v), signed: true },
  { key: 'sharpe', label: 'Sharpe', format: (v) => fixed(v) },
  { key: 'sortino', label: 'Sortino', format: (v) => fixed(v) },
  { key: 'maxDrawdown', label: 'max DD', format: (v) => pct(v) },
  { key: 'trades', label: 'trades', format: (v) => fixed(v, v % 1 === 0 ? 0 : 1) },
  { key: 'winRate', label: 'win rate', format: (v) => pct(v, 1) },
  { key: 'profitFactor', label: 'profit factor', format: (v) => fixed(v) },
  { key: 'feesPaid', label: 'fees', format: (v) => fixed(v) },
  { key: 'feeDrag', label: 'fee drag', format: (v) => pct(v) },
  { key: 'turnover', label: 'turnover', format: (v) => fixed(v, 1) },
  { key: 'stopOutShare', label: 'stop-outs', format: (v) => pct(v, 1) },
  { key: 'exposure', label: 'exposure', format: (v) => pct(v, 1) },
];

/** Every policy of every run (agent first, then the baselines), one row each. */
export function MetricsTable({ runs }: { runs: readonly RunDetail[] }) {
  const several = runs.length > 1;
  return (
    <div class="table-wrap">
      <table class="compact" id="metrics-table">
        <thead>
          <tr>
            {several && <th>run</th>}
            <th>policy</th>
            {METRIC_COLUMNS.map((c) => (
              <th key={c.key} class="num">
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {runs.flatMap((run, r) => {
            const policies = run.metrics?.policies ?? {};
            const names = Object.keys(policies).sort((a, b) => (POLICY_ORDER.indexOf(a) + 99 * +(POLICY_ORDER.indexOf(a) < 0)) - (POLICY_ORDER.indexOf(b) + 99 * +(POLICY_ORDER.indexOf(b) < 0)));
            return names.map((name, i) => (
              <tr key={`${run.row.id}-${name}`} data-run={run.row.id} data-policy={name} style={i === 0 && r > 0 ? { borderTop: '2px solid var(--line)' } : undefined}>
                {several && (
                  <td class="mono nowrap" style={{ fontSize: '12px' }}>
                    {i === 0 && (
                      <>
                        <span class="swatch" style={{ background: RUN_COLORS[r % RUN_COLORS.length] }} />
                        {run.row.id}
                      </>
                    )}
                  </td>
                )}
                <td class={name === 'agent' ? 'best' : 'muted'} title={POLICY_TITLES[name]}>{name}</td>
                {METRIC_COLUMNS.map((c) => {
                  const raw = policies[name]?.[c.key];
                  const v = typeof raw === 'number' ? raw : null;
                  return (
                    <td key={c.key} class={`num ${c.signed ? signClass(v) : ''}`}>
                      {v === null ? '–' : c.format(v)}
                    </td>
                  );
                })}
              </tr>
            ));
          })}
        </tbody>
      </table>
    </div>
  );
}

function shortId(id: string): string {
  return id.length > 24 ? `${id.slice(0, 15)}…${id.slice(-4)}` : id;
}

function Curves({ data }: { data: Comparison }) {
  const aligned = useMemo(() => {
    if (data.curves.length === 0) return null;
    const tables = data.curves.map((c) => [c.time.map((t) => t), c.returnPct.slice(), c.drawdownPct.slice()] as uPlot.AlignedData);
    const joined = uPlot.join(tables as [uPlot.AlignedData, ...uPlot.AlignedData[]]);
    const x = Array.from(joined[0] as ArrayLike<number>);
    const ret: LineSeries[] = [];
    const dd: LineSeries[] = [];
    data.curves.forEach((c, k) => {
      const color = RUN_COLORS[data.runs.findIndex((r) => r.row.id === c.id) % RUN_COLORS.length]!;
      ret.push({ label: shortId(c.id), color, values: Array.from(joined[1 + 2 * k] as ArrayLike<number | null>) });
      dd.push({ label: shortId(c.id), color, values: Array.from(joined[2 + 2 * k] as ArrayLike<number | null>) });
    });
    return { x, ret, dd };
  }, [data]);
  if (!aligned) return <Empty>None of these runs has a ledger yet.</Empty>;
  return (
    <div class="grid" style={{ gap: '8px' }}>
      <h3>Agent return, %</h3>
      <LineChart x={aligned.x} series={aligned.ret} time height={240} yFormat={(v) => `${v.toFixed(1)}%`} id="compare-equity" />
      <h3>Drawdown, %</h3>
      <LineChart x={aligned.x} series={aligned.dd} time height={150} yFormat={(v) => `${v.toFixed(1)}%`} id="compare-drawdown" />
    </div>
  );
}

function show(value: unknown): string {
  if (value === null || value === undefined) return '–';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function Picker({ ids }: { ids: string[] }) {
  const list = useAsync(() => api.get<RunList>('/api/runs'), []);
  const [picked, setPicked] = useState<string[]>(ids);
  if (list.error) return <ErrorNotice error={list.error} />;
  if (!list.data) return <Loading />;
  const runs = list.data.runs.filter((r) => r.status === 'complete');
  return (
    <Card title="Choose runs to compare" sub="complete runs, newest first" flush actions={<button class="primary" disabled={picked.length < 2} onClick={() => navigate(['compare'], { ids: picked.join(',') })}>Compare {picked.length}</button>}>
      {runs.length === 0 ? (
        <Empty>No complete runs yet.</Empty>
      ) : (
        <table class="compact">
          <tbody>
            {runs.slice(0, 200).map((r) => (
              <tr key={r.id}>
                <td style={{ width: '28px' }}>
                  <input type="checkbox" checked={picked.includes(r.id)} onChange={() => setPicked(picked.includes(r.id) ? picked.filter((p) => p !== r.id) : [...picked, r.id].slice(-8))} />
                </td>
                <td class="mono">{r.id}</td>
                <td>{r.dataset}</td>
                <td class={`num ${signClass(r.metrics?.totalReturn)}`}>{pct(r.metrics?.totalReturn)}</td>
                <td class="num">{int(r.metrics?.trades)} trades</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

export function ComparePage({ ids }: { ids: string[] }) {
  const data = useAsync(() => (ids.length >= 2 ? api.get<Comparison>(`/api/compare?ids=${ids.map(encodeURIComponent).join(',')}`) : Promise.resolve(null)), [ids.join(',')]);
  if (ids.length < 2) {
    return (
      <>
        <PageHead title="Compare" sub="Two or more runs side by side: metrics, equity and drawdown, and the settings that differ." />
        <Picker ids={ids} />
      </>
    );
  }
  return (
    <>
      <PageHead
        title="Compare"
        sub={`${ids.length} runs side by side`}
        actions={
          <a href="#/compare">
            <button>Change runs</button>
          </a>
        }
      />
      {data.error && <ErrorNotice error={data.error} />}
      {!data.data ? (
        !data.error && <Loading />
      ) : (
        <div class="grid">
          <div class="btn-row">
            {data.data.runs.map((r, k) => (
              <a key={r.row.id} href={href(['runs', r.row.id])} class="chip" style={{ borderColor: RUN_COLORS[k % RUN_COLORS.length] }}>
                <span class="swatch" style={{ background: RUN_COLORS[k % RUN_COLORS.length] }} />
                <span class="mono">{r.row.id}</span> <StatusPill status={r.row.status} />
              </a>
            ))}
          </div>
          <Card title="Is the result real?" sub="warnings, and the agent's excess return over each baseline with its 95 % bootstrap interval" flush>
            <ResultChecks runs={data.data.runs} />
          </Card>
          <Card title="Metrics" sub="evaluation on the test bars, folds chained; every baseline beside each agent" flush>
            <MetricsTable runs={data.data.runs} />
          </Card>
          <Card title="Equity and drawdown" sub="agent, chained over folds">
            <Curves data={data.data} />
          </Card>
          <Card title="Config diff" sub={`${data.data.configDiff.length} setting${data.data.configDiff.length === 1 ? '' : 's'} differ`} flush>
            {data.data.configDiff.length === 0 ? (
              <Empty>The configs are identical.</Empty>
            ) : (
              <div class="table-wrap">
                <table class="compact diff-table" id="config-diff">
                  <thead>
                    <tr>
                      <th>setting</th>
                      {data.data.runs.map((r, k) => (
                        <th key={r.row.id}>
                          <span class="swatch" style={{ background: RUN_COLORS[k % RUN_COLORS.length] }} />
                          {shortId(r.row.id)}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {data.data.configDiff.map((d) => (
                      <tr key={d.path} data-path={d.path}>
                        <td class="path">{d.path}</td>
                        {d.values.map((v, k) => (
                          <td key={k}>{show(v)}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
        </div>
      )}
    </>
  );
}
