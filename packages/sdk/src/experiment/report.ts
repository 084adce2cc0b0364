import type { PolicyMetrics } from './metrics.ts';

export interface ReportInput {
  readonly id: string;
  readonly title: string;
  readonly seed: number;
  readonly backend: string;
  readonly dataset: string;
  readonly splits: readonly { fold: number; trainBars: number; testBars: number; testFrom: string; testTo: string }[];
  /** Policy name → metrics (mean over folds). */
  readonly policies: Readonly<Record<string, PolicyMetrics>>;
  /** Policy name → stop-out count and stop excess loss, as the mean over folds (like `policies`). */
  readonly stops: Readonly<Record<string, { stopOuts: number; stopExcess: number }>>;
  /** The equity/drawdown chart, inlined. */
  readonly svg: string;
  readonly trainSteps: number;
  readonly trainSeconds: number;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
const num = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '–');
/** A count: whole in one run, possibly fractional as a mean over walk-forward folds (never rounded away). */
const count = (v: number) => (Number.isInteger(v) ? String(v) : num(v));

const ROWS: readonly [string, (m: PolicyMetrics) => string][] = [
  ['Return', (m) => pct(m.totalReturn)],
  ['Sharpe (annualised)', (m) => num(m.sharpe)],
  ['Sortino (annualised)', (m) => num(m.sortino)],
  ['Max drawdown', (m) => pct(m.maxDrawdown)],
  ['Trades', (m) => count(m.trades)],
  ['Win rate', (m) => pct(m.winRate)],
  ['Exposure', (m) => pct(m.exposure)],
  ['Turnover (× equity)', (m) => num(m.turnover)],
  ['Final equity', (m) => num(m.finalEquity)],
];

/**
 * A self-contained HTML report (inline CSS and SVG, no scripts, no external requests): the equity
 * and drawdown chart against the baselines, the metrics table, and the fee and stop-out breakdown.
 */
export function reportHtml(r: ReportInput): string {
  const names = Object.keys(r.policies);
  const head = names.map((n) => `<th>${esc(n)}</th>`).join('');
  const metricRows = ROWS.map(([label, f]) => `<tr><th scope="row">${esc(label)}</th>${names.map((n) => `<td>${f(r.policies[n]!)}</td>`).join('')}</tr>`).join('\n');
  const feeRows = names
    .map((n) => {
      const m = r.policies[n]!;
      const s = r.stops[n] ?? { stopOuts: 0, stopExcess: 0 };
      return `<tr><th scope="row">${esc(n)}</th><td>${num(m.feesPaid)}</td><td>${pct(m.totalReturn + m.feeDrag)}</td><td>${pct(m.totalReturn)}</td><td>${pct(m.feeDrag)}</td><td>${count(s.stopOuts)}</td><td>${pct(m.stopOutShare)}</td><td>${num(s.stopExcess)}</td></tr>`;
    })
    .join('\n');
  const splitRows = r.splits
    .map((s) => `<tr><td>${s.fold}</td><td>${s.trainBars}</td><td>${s.testBars}</td><td>${esc(s.testFrom)}</td><td>${esc(s.testTo)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(r.title)}</title>
<style>
  body { font-family: system-ui, -apple-system, sans-serif; margin: 24px auto; max-width: 960px; color: #111827; padding: 0 16px; }
  h1 { font-size: 22px; margin-bottom: 4px; }
  h2 { font-size: 17px; margin-top: 28px; }
  .meta { color: #4b5563; font-size: 13px; }
  table { border-collapse: collapse; font-size: 13px; margin-top: 8px; }
  th, td { border-bottom: 1px solid #e5e7eb; padding: 5px 10px; text-align: right; }
  th[scope="row"] { text-align: left; font-weight: 500; }
  thead th { background: #f9fafb; }
  figure { margin: 0; }
  figure svg { max-width: 100%; height: auto; }
  .note { color: #6b7280; font-size: 12px; }
</style>
</head>
<body>
<h1>${esc(r.title)}</h1>
<p class="meta">Run <code>${esc(r.id)}</code> · seed ${r.seed} · backend ${esc(r.backend)} · dataset <code>${esc(r.dataset)}</code> · ${r.trainSteps.toLocaleString('en-US')} training steps in ${r.trainSeconds.toFixed(1)} s</p>
<h2>Equity and drawdown on the test split</h2>
<figure>
${r.svg}
</figure>
<h2>Metrics</h2>
<table id="metrics"><thead><tr><th></th>${head}</tr></thead><tbody>
${metricRows}
</tbody></table>
<p class="note">The agent acts deterministically (argmax of the masked policy). Baselines: flat never trades; buy-and-hold goes long with the widest stop and re-enters after a stop-out; random picks uniformly among the allowed actions. Every entry is sized by the risk guard. With walk-forward folds each number is the mean over folds.</p>
<h2>Fees and stop-outs</h2>
<table id="fees"><thead><tr><th></th><th>Fees paid</th><th>Return at zero fees</th><th>Return</th><th>Fee drag</th><th>Stop-outs</th><th>Stop-out share</th><th>Stop excess loss</th></tr></thead><tbody>
${feeRows}
</tbody></table>
<p class="note">Fee drag = return at zero fees − return. Stop excess loss = loss of stopped trades beyond what the guard planned (gaps through the stop, slippage), in quote currency. With walk-forward folds every column is the mean over folds.</p>
<h2>Splits</h2>
<table id="splits"><thead><tr><th>Fold</th><th>Train bars</th><th>Test bars</th><th>Test from</th><th>Test to</th></tr></thead><tbody>
${splitRows}
</tbody></table>
</body>
</html>
`;
}
