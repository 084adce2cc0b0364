import type { PolicyResult, ResultWarning, RunMetrics } from '@tradecore/sdk';
import { describe, expect, it } from 'vitest';
import type { SweepPlan } from './plan.ts';
import { expandSettings, resolveSpec, settingOverrides } from './spec.ts';
import { buildSummary, rankedSettings, stat, type TrialOutcome } from './summary.ts';
import { summaryHtml } from './summaryHtml.ts';

function plan(goal: 'max' | 'min' = 'max'): SweepPlan {
  const spec = resolveSpec(undefined, { grid: ['trainer.learningRate=0.001,0.003'], seeds: '0..2', metric: 'sharpe', goal });
  const settings = expandSettings(spec);
  const trials = settings.flatMap((s, i) => spec.seeds.map((seed, k) => ({ sweepId: 'sw-1', trialId: `t-${i}${k}`, index: i * 3 + k, setting: s.id, seed, overrides: settingOverrides(s.values), configFile: 'c.ts', configHash: 'h', datasetChecksum: 'd' })));
  return { id: 'sw-1', spec, settings, trials, configFile: 'c.ts', dataset: 'tiny', configHash: 'h', datasetChecksum: 'd' };
}

const behaviour = { longestHoldingShare: 0.2 } as PolicyResult['behaviour'];
const metrics = (sharpe: number, { winRate = 0.5 as number | null, calmar = 1 as number | null, warnings = [] as ResultWarning[] } = {}): RunMetrics => {
  const m = {
    totalReturn: sharpe / 100,
    sharpe,
    sortino: 0,
    calmar,
    maxDrawdown: 0.1,
    trades: 3,
    winRate,
    feesPaid: 1,
    feeDrag: 0.01,
    turnover: 1,
    stopOutShare: null,
    exposure: 0.5,
    initialEquity: 1,
    finalEquity: 1,
    steps: 10,
    behaviour,
  } as unknown as PolicyResult;
  return {
    format: 'tradecore-metrics/2',
    dataset: 'tiny',
    seed: 0,
    policies: { agent: m, 'buy-and-hold': { ...m, sharpe: 0.5 }, 'always-long': { ...m, sharpe: 0.4 } },
    randomSpread: { seeds: 20, p05: -0.02, p50: 0, p95: 0.02 },
    significance: {},
    warnings,
    folds: [],
  };
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
    expect(summary.format).toBe('tradecore-sweep-summary/2');
    expect(summary.settings[0]!.metrics.agent!.sharpe).toEqual({ mean: 2, std: 1, n: 3 });
    expect(summary.settings[0]!.metrics.agent, 'behaviour is not a metric').not.toHaveProperty('behaviour');
    expect(summary.settings[0]!.metrics.agent!.stopOutShare, 'null for every seed').toEqual({ mean: null, std: null, n: 0 });
    expect(summary.settings[0]!.metrics['always-long']!.sharpe!.mean).toBeCloseTo(0.4, 12);
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

  it('v2 nulls: means over the seeds with a value, settings without one ranked last and shown as –; warnings per trial and per setting', () => {
    const p = { ...plan(), spec: { ...plan().spec, metric: 'winRate' } };
    const few: ResultWarning = { kind: 'few-trades', message: 'Only 3 trades in the test: too few to judge a policy by.' };
    const outcomes = new Map<string, TrialOutcome>([
      ['t-00', { status: 'complete', metrics: metrics(1, { winRate: null, warnings: [few] }) }],
      ['t-01', { status: 'complete', metrics: metrics(2, { winRate: null, warnings: [few] }) }],
      ['t-10', { status: 'complete', metrics: metrics(4, { winRate: 0.2 }) }],
      ['t-11', { status: 'complete', metrics: metrics(5, { winRate: null, warnings: [few] }) }],
      ['t-12', { status: 'complete', metrics: metrics(6, { winRate: 0.4 }) }],
    ]);
    const summary = buildSummary(p, outcomes);
    expect(summary.settings[0]!.metrics.agent!.winRate).toEqual({ mean: null, std: null, n: 0 });
    expect(summary.settings[1]!.metrics.agent!.winRate!.n).toBe(2);
    expect(summary.settings[1]!.metrics.agent!.winRate!.mean).toBeCloseTo(0.3, 12);
    expect(summary.best?.setting, 'a null mean never wins, even with goal max').toBe('s1');
    expect(rankedSettings(summary).map((s) => s.id)).toEqual(['s1', 's0']);
    const pMin = { ...p, spec: { ...p.spec, goal: 'min' as const } };
    const minSummary = buildSummary(pMin, outcomes);
    expect(minSummary.best?.setting, 'nor with goal min').toBe('s1');
    expect(rankedSettings(minSummary).map((s) => s.id)).toEqual(['s1', 's0']);
    expect(summary.settings[0]!.warnings).toEqual({ 'few-trades': 2 });
    expect(summary.settings[1]!.warnings).toEqual({ 'few-trades': 1 });
    expect(summary.trials.find((t) => t.id === 't-00')!.warnings).toEqual([few]);
    expect(summary.trials.find((t) => t.id === 't-10')!.warnings).toEqual([]);
    expect(summary.trials.find((t) => t.id === 't-10')!.randomSpread).toEqual({ seeds: 20, p05: -0.02, p50: 0, p95: 0.02 });
    const html = summaryHtml(summary);
    const settingsTable = html.slice(html.indexOf('id="settings"'), html.indexOf('id="trials"'));
    expect(settingsTable.indexOf('<td>s1'), 'the setting with a value first').toBeLessThan(settingsTable.indexOf('<td>s0'));
    const s0 = settingsTable.slice(settingsTable.indexOf('<td>s0'));
    expect(s0).toMatch(/<td class="num chosen">–<\/td>/);
    expect(s0).toContain('<span class="w">few-trades</span> 2/2');
    expect(settingsTable).toMatch(/30\.00%.*\(2\/3\)/);
    const t00 = html.slice(html.indexOf('runs/t-00/report.html'));
    expect(t00.slice(0, t00.indexOf('</tr>'))).toContain(`<span class="w" title="${few.message}">few-trades</span>`);
    expect(html).not.toContain('NaN');
    expect(html).not.toContain('null');
    const none = buildSummary(p, new Map([['t-00', { status: 'complete', metrics: metrics(1, { winRate: null }) }]]));
    expect(none.best).toBeNull();
    expect(summaryHtml(none)).toMatch(/No setting has a value of agent <b>winRate<\/b>/);
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
    expect(stat([1, null, 3])).toEqual({ mean: 2, std: Math.sqrt(2), n: 2 });
    expect(stat([null])).toEqual({ mean: null, std: null, n: 0 });
  });
});
