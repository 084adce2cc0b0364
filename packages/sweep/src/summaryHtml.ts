import type { ResultWarning } from '@tradecore/sdk';
import { rankedSettings, type Stat, type SummarySettingRow, type SummaryTrialRow, type SweepSummary } from './summary.ts';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const PERCENT = new Set(['totalReturn', 'annualizedReturn', 'maxDrawdown', 'winRate', 'avgWin', 'avgLoss', 'feeDrag', 'stopOutShare', 'exposure', 'exposureAdjustedReturn']);

/** A metric's value; '–' where it is undefined (null in metrics.json: no closed trade, no drawdown…). */
function fmt(key: string, v: unknown): string {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  if (PERCENT.has(key)) return `${(v * 100).toFixed(2)}%`;
  if (key === 'trades' || key === 'steps') return v.toFixed(1).replace(/\.0$/, '');
  return v.toFixed(3);
}

/** mean ± std; `of` seeds complete: when the metric is undefined for some of them, says over how many it is. */
function fmtStat(key: string, s: Stat | undefined, of: number): string {
  if (!s || s.mean === null) return '–';
  const std = s.std === null ? '' : ` <span class="pm">± ${fmt(key, s.std)}</span>`;
  const partial = s.n < of ? ` <span class="pm" title="defined for ${s.n} of ${of} seeds">(${s.n}/${of})</span>` : '';
  return `${fmt(key, s.mean)}${std}${partial}`;
}

const metricOf = (t: SummaryTrialRow, policy: string, key: string): unknown => (t.metrics?.[policy] as Readonly<Record<string, unknown>> | undefined)?.[key];

function trialWarnings(warnings: readonly ResultWarning[] | undefined): string {
  if (!warnings || warnings.length === 0) return '';
  return warnings.map((w) => `<span class="w" title="${escape(w.message)}">${escape(w.kind)}</span>`).join(' ');
}

function settingWarnings(s: SummarySettingRow): string {
  return Object.entries(s.warnings)
    .map(([kind, count]) => `<span class="w">${escape(kind)}</span> ${count}/${s.complete}`)
    .join('<br>');
}

const values = (v: Readonly<Record<string, unknown>>) =>
  Object.entries(v)
    .map(([k, x]) => `<code>${escape(k)}=${escape(JSON.stringify(x))}</code>`)
    .join('<br>') || '<em>config as is</em>';

const BASE_COLUMNS = ['totalReturn', 'sharpe', 'maxDrawdown', 'trades', 'feeDrag'];
// flat never trades: its numbers are all zero and would only take room.
const BASELINES = ['buy-and-hold', 'random'] as const;

/** `summary.html`: settings ranked by the chosen metric (mean ± std over seeds), every trial, and the selection-bias warning. */
export function summaryHtml(summary: SweepSummary, { runsHref = '../../runs' }: { runsHref?: string } = {}): string {
  const { metric, goal } = summary.selection;
  const AGENT_COLUMNS = BASE_COLUMNS.includes(metric) ? BASE_COLUMNS : [metric, ...BASE_COLUMNS];
  const settingRows = rankedSettings(summary)
    .map((s) => {
      const best = summary.best?.setting === s.id;
      const cells = AGENT_COLUMNS.map((k) => `<td class="num${k === metric ? ' chosen' : ''}">${fmtStat(k, s.metrics.agent?.[k], s.complete)}</td>`).join('');
      const baselines = BASELINES.map((p) => `<td class="num">${fmtStat(metric, s.metrics[p]?.[metric], s.complete)}</td>`).join('');
      return `<tr${best ? ' class="best"' : ''}><td>${escape(s.id)}${best ? ' <span class="tag">best</span>' : ''}</td><td>${values(s.values)}</td><td class="num">${s.complete}/${s.trials.length}</td>${cells}${baselines}<td>${settingWarnings(s)}</td></tr>`;
    })
    .join('\n');
  const trialRows = summary.trials
    .map((t) => {
      const cells = AGENT_COLUMNS.map((k) => `<td class="num">${fmt(k, metricOf(t, 'agent', k))}</td>`).join('');
      const link = t.status === 'complete' ? `<a href="${escape(`${runsHref}/${t.id}/report.html`)}">${escape(t.id)}</a>` : escape(t.id);
      const status = t.status === 'failed' ? `<span class="failed" title="${escape(t.error ?? '')}">failed</span>` : escape(t.status);
      return `<tr><td>${link}</td><td>${escape(t.setting)}</td><td class="num">${t.seed}</td><td>${status}</td>${cells}<td class="num">${fmt(metric, metricOf(t, 'buy-and-hold', metric))}</td><td>${trialWarnings(t.warnings)}</td></tr>`;
    })
    .join('\n');
  const head = AGENT_COLUMNS.map((k) => `<th${k === metric ? ' class="chosen"' : ''}>${escape(k)}</th>`).join('');
  const best = summary.best
    ? `<p class="best-line">Best setting by agent <b>${escape(metric)}</b> (${goal === 'max' ? 'highest' : 'lowest'} mean over seeds, test split): <b>${escape(summary.best.setting)}</b> — ${values(summary.best.values)} — ${fmtStat(metric, summary.best.stat, summary.best.stat.n)} over ${summary.best.stat.n} seed(s).</p>`
    : `<p class="best-line">No setting has a value of agent <b>${escape(metric)}</b> yet (no complete trial, or the metric is undefined in every one).</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>TradeCore sweep ${escape(summary.sweep)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px;color:#111827;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.meta{color:#4b5563}.warn{border-left:4px solid #d97706;background:#fffbeb;padding:10px 14px;margin:16px 0;max-width:980px}
.warn ul{margin:6px 0 0 18px;padding:0}
table{border-collapse:collapse;font-size:13px}th,td{border-bottom:1px solid #e5e7eb;padding:5px 9px;text-align:left;vertical-align:top}
th{background:#f9fafb;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.chosen{background:#eef2ff}tr.best td{background:#ecfdf5}.tag{background:#059669;color:#fff;border-radius:3px;padding:0 5px;font-size:11px}
.pm{color:#6b7280}.w{background:#fef3c7;color:#92400e;border-radius:3px;padding:0 4px;font-size:11px;white-space:nowrap;cursor:help}.failed{color:#b91c1c;font-weight:600}code{font-size:12px}
</style></head><body>
<h1>Sweep ${escape(summary.sweep)}</h1>
<p class="meta">config <code>${escape(summary.config)}</code> · dataset <code>${escape(summary.dataset)}</code> · ${summary.settings.length} setting(s) × ${summary.seeds.length} seed(s) · ${summary.counts.complete}/${summary.counts.trials} trials complete${summary.counts.failed ? `, <span class="failed">${summary.counts.failed} failed</span>` : ''}${summary.counts.missing ? `, ${summary.counts.missing} missing` : ''}</p>
${best}
<div class="warn" id="selection-bias"><b>Selection bias.</b> ${escape(summary.selection.warning)}<ul>${summary.selection.alternatives.map((a) => `<li>${escape(a)}</li>`).join('')}</ul></div>
<h2>Settings (mean ± std over seeds; agent on the test split, then the baselines' ${escape(metric)})</h2>
<table id="settings"><thead><tr><th>setting</th><th>values</th><th>done</th>${head}${BASELINES.map((p) => `<th>${escape(p)} ${escape(metric)}</th>`).join('')}<th>warnings (trials)</th></tr></thead>
<tbody>
${settingRows}
</tbody></table>
<h2>Trials</h2>
<p class="meta">– : the metric is undefined for that run (e.g. win rate without a closed trade). Warnings are the run's reasons not to read its result as skill; hover for the details, or open the trial's report.</p>
<table id="trials"><thead><tr><th>trial</th><th>setting</th><th>seed</th><th>status</th>${head}<th>buy-and-hold ${escape(metric)}</th><th>warnings</th></tr></thead>
<tbody>
${trialRows}
</tbody></table>
</body></html>
`;
}
