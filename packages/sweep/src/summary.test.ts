import type { PolicyMetrics, RunMetrics } from '@tradecore/sdk';
import { describe, expect, it } from 'vitest';
import type { SweepPlan } from './plan.ts';
import { expandSettings, resolveSpec, settingOverrides } from './spec.ts';
import { buildSummary, stat, type TrialOutcome } from './summary.ts';
import { summaryHtml } from './summaryHtml.ts';

function plan(goal: 'max' | 'min' = 'max'): SweepPlan {
  const spec = resolveSpec(undefined, { grid: ['trainer.learningRate=0.001,0.003'], seeds: '0..2', metric: 'sharpe', goal });
  const settings = expandSettings(spec);
  const trials = settings.flatMap((s, i) => spec.seeds.map((seed, k) => ({ sweepId: 'sw-1', trialId: `t-${i}${k}`, index: i * 3 + k, setting: s.id, seed, overrides: settingOverrides(s.values), configFile: 'c.ts', configHash: 'h', datasetChecksum: 'd' })));
  return { id: 'sw-1', spec, settings, trials, configFile: 'c.ts', dataset: 'tiny', configHash: 'h', datasetChecksum: 'd' };
}

const metrics = (sharpe: number): RunMetrics => {
  const m = { totalReturn: sharpe / 100, sharpe, sortino: 0, maxDrawdown: 0.1, trades: 3, winRate: 0.5, feesPaid: 1, feeDrag: 0.01, turnover: 1, stopOutShare: 0, exposure: 0.5, initialEquity: 1, finalEquity: 1, steps: 10 } as PolicyMetrics;
  return { format: 'tradecore-metrics/1', dataset: 'tiny', seed: 0, policies: { agent: m, 'buy-and-hold': { ...m, sharpe: 0.5 } }, folds: [] };
};

describe('sweep summary', () => {
  it('mean ± sample std over seeds per setting; best by the metric and goal; failed and missing trials counted', () => {
    const p = plan();
    const outcomes = new Map<string, TrialOutcome>([
      ['t-00', { status: 'complete', metrics: metrics(1) }],
      ['t-01', { status: 'complete', metrics: metrics(2) }],
      ['t-02', { status: 'complete', metrics: metrics(3) }],
      ['t-10', { status: 'complete', metrics: metrics(4) }],
      ['t-11', { status: 'failed', error: 'boom' }],
    ]);
    const summary = buildSummary(p, outcomes);
    expect(summary.counts).toEqual({ trials: 6, complete: 4, failed: 1, missing: 1 });
    expect(summary.settings[0]!.metrics.agent!.sharpe).toEqual({ mean: 2, std: 1, n: 3 });
    expect(summary.settings[1]!.metrics.agent!.sharpe, 'one seed: no std').toEqual({ mean: 4, std: null, n: 1 });
    expect(summary.best?.setting).toBe('s1');
    expect(buildSummary(plan('min'), outcomes).best?.setting).toBe('s0');
    expect(summary.trials.find((t) => t.id === 't-11')).toMatchObject({ status: 'failed', error: 'boom' });
    expect(summary.selection.warning).toMatch(/selection bias/);
    expect(summary.selection.alternatives.join(' ')).toMatch(/walk-forward/);
    const html = summaryHtml(summary);
    expect(html).toContain('id="selection-bias"');
    expect(html).toMatch(/<tr class="best"><td>s1 <span class="tag">best<\/span>/);
    expect(html).toContain('href="../../runs/t-00/report.html"');
    expect(html).not.toContain('href="../../runs/t-11/');
  });

  it('refuses a metric the runs do not have, naming the known ones', () => {
    const p = { ...plan(), spec: { ...plan().spec, metric: 'sharp' } };
    expect(() => buildSummary(p, new Map([['t-00', { status: 'complete', metrics: metrics(1) }]]))).toThrow(/--metric sharp: not a metric of the runs \(known: totalReturn, sharpe/);
  });

  it('escapes what it prints', () => {
    const p = plan();
    const summary = buildSummary(p, new Map([['t-00', { status: 'failed', error: '<script>alert(1)</script>' }]]));
    expect(summaryHtml(summary)).not.toContain('<script>');
    expect(stat([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3), n: 4 });
  });
});
