import type { RunDetail } from '../../src/api.ts';
import { pct, signClass } from '../lib/format.ts';

const COLORS = ['#4f46e5', '#0891b2', '#d97706', '#db2777', '#059669', '#7c3aed', '#475569', '#dc2626'];

const BASELINE_LABELS: Record<string, string> = {
  'buy-and-hold': 'buy & hold',
  'always-long': 'always long',
  flat: 'flat',
  random: 'random',
};

function daysNote(days: number): string {
  if (days < 2) return `Bootstrap over ${days} test day: one day cannot be resampled, so the interval is the observed value and says nothing about chance.`;
  return `Circular block bootstrap over ${days} test days, 2.5–97.5 % percentiles. Few days give a wide interval: that is the point.`;
}

/**
 * Why a result may not be skill, before any number: the archive's warnings, then the agent's excess return over
 * each baseline with its bootstrap interval, and the random baseline's spread. Older archives say what they lack.
 */
export function ResultChecks({ runs }: { runs: readonly RunDetail[] }) {
  const several = runs.length > 1;
  return (
    <div class={`result-checks${several ? ' several' : ''}`}>
      {runs.map((run, r) => {
        const m = run.metrics;
        const agent = m?.policies.agent?.totalReturn;
        const significance = Object.entries(m?.significance ?? {});
        return (
          <section key={run.row.id} data-run={run.row.id} class="result-check">
            {several && (
              <h3 class="mono">
                <span class="swatch" style={{ background: COLORS[r % COLORS.length] }} />
                {run.row.id}
              </h3>
            )}
            {run.metricsProblem && (
              <div class={`notice ${m ? 'info' : 'error'}`} data-testid="metrics-problem">
                {run.metricsProblem}
              </div>
            )}
            {!m && !run.metricsProblem && <div class="muted">No metrics yet: they are written when the run completes.</div>}
            {m?.warnings && m.warnings.length > 0 && (
              <div class="notice warn" data-testid="result-warnings">
                <b>
                  {m.warnings.length} warning{m.warnings.length === 1 ? '' : 's'}: do not read this result as skill without checking
                </b>
                <ul>
                  {m.warnings.map((w) => (
                    <li key={w.kind} data-kind={w.kind}>
                      <span class="mono">{w.kind}</span> — {w.message}
                    </li>
                  ))}
                </ul>
              </div>
            )}
            {m?.warnings && m.warnings.length === 0 && <div class="notice info">No warnings: the checks of the evaluation (number of trades, one long bet, random spread, ruin, significance over buy &amp; hold and flat) flagged nothing.</div>}
            {significance.length > 0 && (
              <table class="compact significance" data-testid="significance">
                <thead>
                  <tr>
                    <th>agent minus</th>
                    <th class="num">excess return</th>
                    <th class="num">95 % interval</th>
                    <th class="num">agent ahead in</th>
                  </tr>
                </thead>
                <tbody>
                  {significance.map(([name, s]) => {
                    const clear = s.low > 0 || s.high < 0;
                    return (
                      <tr key={name} data-baseline={name}>
                        <td>{BASELINE_LABELS[name] ?? name}</td>
                        <td class={`num ${signClass(s.excessReturn)}`}>{pct(s.excessReturn)}</td>
                        <td class="num" title={clear ? 'the interval excludes 0' : 'the interval includes 0: not significant'}>
                          {pct(s.low)} to {pct(s.high)} {clear ? '' : <span class="muted">(includes 0)</span>}
                        </td>
                        <td class="num">{pct(s.shareAhead, 0)}</td>
                      </tr>
                    );
                  })}
                  {m?.randomSpread && m.randomSpread.seeds > 0 && (
                    <tr data-baseline="random-spread">
                      <td>random, {m.randomSpread.seeds} seeds</td>
                      <td class="num muted">agent {pct(typeof agent === 'number' ? agent : null)}</td>
                      <td class="num" title="5th to 95th percentile of the random baseline's return">
                        {pct(m.randomSpread.p05)} to {pct(m.randomSpread.p95)}
                      </td>
                      <td class="num muted">median {pct(m.randomSpread.p50)}</td>
                    </tr>
                  )}
                </tbody>
              </table>
            )}
            {significance.length > 0 && (
              <div class="sub" data-testid="significance-days">
                {daysNote(significance[0]![1].days)}
              </div>
            )}
          </section>
        );
      })}
    </div>
  );
}
