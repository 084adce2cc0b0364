import type { Behaviour } from './behaviour.ts';
import type { PolicyMetrics } from './metrics.ts';
import type { ExcessReturnInterval } from './significance.ts';
import { esc } from './svg.ts';
import type { Trade } from './trades.ts';
import type { ResultWarning } from './warnings.ts';

/** A policy's numbers in the report: its metrics and what it did. */
export type PolicySummary = PolicyMetrics & { readonly behaviour: Behaviour };

export interface ReportInput {
  readonly id: string;
  readonly title: string;
  readonly seed: number;
  readonly backend: string;
  readonly dataset: string;
  readonly synthetic: boolean;
  readonly splits: readonly { fold: number; trainBars: number; testBars: number; testFrom: string; testTo: string }[];
  /** Policy name → numbers over the whole test (walk-forward: the chained folds). */
  readonly policies: Readonly<Record<string, PolicySummary>>;
  /** Each fold's own numbers (shown when there is more than one fold). */
  readonly folds: readonly Readonly<Record<string, PolicyMetrics>>[];
  readonly warnings: readonly ResultWarning[];
  /** Baseline name → the agent's excess return over it. */
  readonly significance: Readonly<Record<string, ExcessReturnInterval>>;
  readonly randomSpread: { readonly seeds: number; readonly p05: number; readonly p50: number; readonly p95: number };
  /** The agent's round trips, with their fold. */
  readonly trades: readonly (Trade & { readonly fold: number })[];
  readonly equitySvg: string;
  readonly priceSvg: string;
  /** Learning curves; empty when the run kept none. */
  readonly curvesSvg: string;
  readonly trainSteps: number;
  readonly trainSeconds: number;
}

const pct = (v: number | null) => (v === null || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(2)} %`);
const num = (v: number | null, d = 2) => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(d));
const int = (v: number) => v.toLocaleString('en-US');
const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

export const POLICY_LABELS: Readonly<Record<string, string>> = {
  agent: 'agent',
  'buy-and-hold': 'buy & hold (market reference, outside the guard)',
  'always-long': 'always long (guarded)',
  flat: 'flat',
  random: 'random (guarded)',
};
const label = (name: string) => POLICY_LABELS[name] ?? name;

const METRIC_ROWS: readonly [string, (m: PolicySummary) => string][] = [
  ['Return', (m) => pct(m.totalReturn)],
  ['Annualised return', (m) => pct(m.annualizedReturn)],
  ['Sharpe (daily, × √365)', (m) => num(m.sharpe)],
  ['Sortino (daily, × √365)', (m) => num(m.sortino)],
  ['Calmar', (m) => num(m.calmar)],
  ['Max drawdown', (m) => pct(m.maxDrawdown)],
  ['Trades', (m) => int(m.trades)],
  ['Closed / open at the end', (m) => `${int(m.closedTrades)} / ${int(m.openTrades)}`],
  ['Win rate (closed trades)', (m) => pct(m.winRate)],
  ['Profit factor', (m) => num(m.profitFactor)],
  ['Average win / loss', (m) => `${pct(m.avgWin)} / ${pct(m.avgLoss)}`],
  ['Exposure', (m) => pct(m.exposure)],
  ['Return per unit of exposure', (m) => pct(m.exposureAdjustedReturn)],
  ['Turnover (× equity)', (m) => num(m.turnover)],
  ['Fees paid', (m) => num(m.feesPaid)],
  ['Fee drag', (m) => pct(m.feeDrag)],
  ['Stop-outs (share of closed)', (m) => `${int(m.stopOuts)} (${pct(m.stopOutShare)})`],
  ['Stop excess loss', (m) => num(m.stopExcess)],
  ['Ruined', (m) => (m.ruined ? 'yes' : 'no')],
  ['Final equity', (m) => num(m.finalEquity)],
];

const BEHAVIOUR_COLUMNS: readonly [string, (b: Behaviour) => string][] = [
  ['Long', (b) => pct(b.timeLong)],
  ['Short', (b) => pct(b.timeShort)],
  ['Flat', (b) => pct(b.timeFlat)],
  ['Longest holding (bars)', (b) => `${int(b.longestHoldingBars)} (${pct(b.longestHoldingShare)})`],
  ['Trades per day', (b) => num(b.tradesPerDay)],
  ['Limit entries', (b) => pct(b.limitShare)],
  ['Maker share of fees', (b) => pct(b.makerFeeShare)],
];

function topActions(actions: Readonly<Record<string, number>>): string {
  const total = Object.values(actions).reduce((s, c) => s + c, 0);
  return Object.entries(actions)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, c]) => `${esc(name)} ${pct(c / total)}`)
    .join(', ');
}

function table(id: string, head: readonly string[], rows: readonly (readonly string[])[]): string {
  return `<table id="${id}"><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>\n${rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`).join('\n')}\n</tbody></table>`;
}

function tradeRows(trades: readonly (Trade & { fold: number })[], folds: boolean): string[][] {
  return trades.map((t) => [
    ...(folds ? [String(t.fold)] : []),
    `${t.side === 1 ? 'long' : 'short'} ${t.entryType}`,
    iso(t.entryTime),
    num(t.entryPrice),
    t.open ? `${iso(t.exitTime)} (open)` : iso(t.exitTime),
    num(t.exitPrice),
    t.exitReason,
    int(t.barsHeld),
    num(t.fees),
    num(t.pnl),
    pct(t.returnPct),
  ]);
}

/**
 * A self-contained HTML report (inline CSS and SVG, no scripts, no external requests): warnings, the
 * agent beside the baselines, whether the difference is significant, the equity and the price chart
 * with every trade, what the agent did, its trades and how it learned.
 */
export function reportHtml(r: ReportInput): string {
  const names = Object.keys(r.policies);
  const multiFold = r.folds.length > 1;
  const head = ['', ...names.map((n) => esc(label(n)))];
  const metrics = table('metrics', head, METRIC_ROWS.map(([l, f]) => [esc(l), ...names.map((n) => f(r.policies[n]!))]));
  const behaviour = table(
    'behaviour',
    ['', ...BEHAVIOUR_COLUMNS.map(([l]) => esc(l))],
    names.map((n) => [esc(label(n)), ...BEHAVIOUR_COLUMNS.map(([, f]) => f(r.policies[n]!.behaviour))]),
  );
  const actions = `<ul class="actions">${names.map((n) => `<li><b>${esc(label(n))}</b>: ${topActions(r.policies[n]!.behaviour.actions)}</li>`).join('')}</ul>`;
  const significance = table(
    'significance',
    ['Agent minus', 'Excess return', '95 % interval', 'Agent ahead in'],
    Object.entries(r.significance).map(([name, s]) => [esc(label(name)), pct(s.excessReturn), `${pct(s.low)} to ${pct(s.high)}`, pct(s.shareAhead)]),
  );
  const tradeHead = [...(multiFold ? ['Fold'] : []), 'Trade', 'Entry', 'Entry price', 'Exit', 'Exit price', 'Reason', 'Bars', 'Fees', 'P&amp;L', 'Return'];
  const closed = r.trades.filter((t) => !t.open);
  const byPnl = [...closed].sort((a, b) => a.pnl - b.pnl);
  const tradeSections = r.trades.length
    ? [
        `<h3>First trades</h3>${table('trades-first', tradeHead, tradeRows(r.trades.slice(0, 10), multiFold))}`,
        `<h3>Worst trades</h3>${table('trades-worst', tradeHead, tradeRows(byPnl.slice(0, 5), multiFold))}`,
        `<h3>Best trades</h3>${table('trades-best', tradeHead, tradeRows(byPnl.slice(-5).reverse(), multiFold))}`,
      ].join('\n')
    : '<p class="note">The agent did not trade.</p>';
  const foldTable = multiFold
    ? `<h2>Walk-forward folds</h2>\n${table(
        'folds',
        ['Fold', ...names.map((n) => `${esc(label(n))} return`), 'Agent trades'],
        r.folds.map((f, k) => [String(k), ...names.map((n) => pct(f[n]?.totalReturn ?? null)), int(f.agent?.trades ?? 0)]),
      )}\n<p class="note">The headline numbers above are the folds chained: each fold's test after the previous one with the equity carried over (return = Π(1 + fold return) − 1), counts summed — what running the walk-forward procedure would have earned.</p>`
    : '';
  const warnings = r.warnings.length
    ? `<section id="warnings" class="warnings"><h2>Read this first</h2><ul>${r.warnings.map((w) => `<li data-kind="${w.kind}">${esc(w.message)}</li>`).join('')}</ul></section>`
    : '';
  const splitRows = r.splits.map((s) => [String(s.fold), int(s.trainBars), int(s.testBars), esc(s.testFrom), esc(s.testTo)]);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(r.title)}</title>
<style>
  body { font-family: system-ui, -apple-system, sans-serif; margin: 24px auto; max-width: 960px; color: #111827; padding: 0 16px; line-height: 1.45; }
  h1 { font-size: 22px; margin-bottom: 4px; }
  h2 { font-size: 17px; margin-top: 32px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
  h3 { font-size: 14px; margin: 18px 0 4px; }
  .meta { color: #4b5563; font-size: 13px; }
  table { border-collapse: collapse; font-size: 12.5px; margin-top: 8px; }
  th, td { border-bottom: 1px solid #e5e7eb; padding: 4px 9px; text-align: right; white-space: nowrap; }
  th[scope="row"] { text-align: left; font-weight: 500; }
  thead th { background: #f9fafb; font-weight: 600; white-space: normal; vertical-align: bottom; }
  figure { margin: 8px 0 0; }
  figure svg { max-width: 100%; height: auto; }
  .note { color: #6b7280; font-size: 12px; }
  .warnings { background: #fff7ed; border: 1px solid #fdba74; border-radius: 6px; padding: 4px 16px 8px; margin-top: 16px; }
  .warnings h2 { border: 0; margin-top: 10px; color: #9a3412; }
  .warnings li { margin: 4px 0; }
  .synthetic { color: #9a3412; font-weight: 600; }
  .actions { font-size: 12.5px; color: #374151; margin-top: 0; }
</style>
</head>
<body>
<h1>${esc(r.title)}</h1>
<p class="meta">Run <code>${esc(r.id)}</code> · seed ${r.seed} · backend ${esc(r.backend)} · dataset <code>${esc(r.dataset)}</code>${r.synthetic ? ' <span class="synthetic">(synthetic data)</span>' : ''} · ${int(r.trainSteps)} training steps in ${r.trainSeconds.toFixed(1)} s</p>
${warnings}
<h2>Agent and baselines on the test split</h2>
${metrics}
<p class="note">Sharpe and Sortino are computed from daily returns (UTC days) and annualised with √365; Calmar = annualised return / max drawdown. Win rate, profit factor and average win/loss count closed trades only; a trade still open at the end is marked to market and shown apart. Buy &amp; hold buys once at the first test bar's open with the full notional allowed (maxLeverage) and no stop: it is the market reference, outside the risk guard. Always long, random and the agent have every entry sized by the guard.</p>
<h2>Is the difference real?</h2>
${significance}
<p class="note">Block bootstrap over days of the test (${r.significance.flat?.resamples ?? 0} resamples, blocks of ${r.significance.flat?.blockDays ?? 1} day(s)). The random baseline over ${r.randomSpread.seeds} seeds returned ${pct(r.randomSpread.p05)} to ${pct(r.randomSpread.p95)} (5–95 %), median ${pct(r.randomSpread.p50)}.</p>
<h2>Equity and drawdown</h2>
<figure>
${r.equitySvg}
</figure>
<h2>What the agent did</h2>
<figure>
${r.priceSvg}
</figure>
${behaviour}
<p class="note">Share of steps ending long, short or flat; the longest round trip and its share of the test; trades opened per day. Most used actions:</p>
${actions}
<h2>Trades</h2>
${tradeSections}
<h2>How it learned</h2>
${r.curvesSvg ? `<figure>\n${r.curvesSvg}\n</figure>` : '<p class="note">No training curves were kept for this run.</p>'}
${foldTable}
<h2>Splits</h2>
${table('splits', ['Fold', 'Train bars', 'Test bars', 'Test from', 'Test to'], splitRows)}
</body>
</html>
`;
}
