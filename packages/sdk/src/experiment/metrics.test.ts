import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readParquetTable } from '../data/parquet.ts';
import { generateSynthetic } from '../data/synthetic.ts';
import type { ActionSpace } from '../env/actionSpace.ts';
import { createEnvContext } from '../env/context.ts';
import { runEpisode } from '../env/runEpisode.ts';
import { TradingEnv } from '../env/TradingEnv.ts';
import type { Policy } from '../env/types.ts';
import { sizeByRisk } from '../execution/sizing.ts';
import type { RiskRules } from '../execution/types.ts';
import { definePlugin } from '../plugin/definePlugin.ts';
import { STAGE } from '../plugin/stages.ts';
import { alwaysLongPolicy, buyAndHoldEpisode, flatPolicy, randomPolicy } from './baselines.ts';
import { behaviourSummary } from './behaviour.ts';
import { chainFolds } from './chain.ts';
import { dailyReturns, dailySharpe, dailySortino } from './daily.ts';
import { buyAndHoldSpec, createTestContexts, evaluatePolicies, randomReturns, type PolicySpec } from './evaluate.ts';
import { barsPerYear, computeMetrics } from './metrics.ts';
import { reportHtml } from './report.ts';
import { summarizeEvaluation } from './results.ts';
import { bootstrapExcessReturn } from './significance.ts';
import { TrainLog } from './trainLog.ts';
import { deriveTrades } from './trades.ts';

const DAY = 86_400_000;

/** A risk guard that records every entry it sizes: an account of the fills independent of the broker's own log. */
function recordingGuard(rules: RiskRules & { buckets: number }) {
  const sized: { side: number; qty: number; price: number; stop: number; type: string }[] = [];
  const plugin = definePlugin({
    name: 'recording-guard',
    version: '0.0.0',
    kind: 'risk-guard',
    setup(hooks) {
      hooks.order.tap({ name: 'recording-guard', stage: STAGE.RISK_GUARD }, (intent) => {
        const out = sizeByRisk(intent, rules);
        if (!out.rejected && out.qty > 0) sized.push({ side: out.side, qty: out.qty, price: out.fillPrice, stop: out.stopPrice, type: out.type });
        return out;
      });
    },
  })({ ...rules } as never);
  return { plugin, sized };
}

/** Daily returns the plain way: group by the ISO date string. */
function naiveDaily(time: ArrayLike<number>, equity: ArrayLike<number>, initial: number): number[] {
  const lastOfDay = new Map<string, number>();
  for (let i = 0; i < equity.length; i++) lastOfDay.set(new Date(time[i]!).toISOString().slice(0, 10), equity[i]!);
  const closes = [initial, ...lastOfDay.values()];
  return closes.slice(1).map((e, k) => e / closes[k]! - 1);
}

/** The random baseline acting on one step in 20 (holding otherwise): still every case, without fees eating the account. */
function sparseRandom(seed: number): Policy {
  const random = randomPolicy(seed);
  let step = 0;
  return (observation, mask, info) => (step++ % 20 === 0 ? random(observation, mask, info) : 0);
}

const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('daily returns, Sharpe and Sortino', () => {
  it('one return per UTC day, from the last equity of the day', () => {
    const t0 = Date.UTC(2024, 0, 1, 22);
    const time = [t0, t0 + 3_600_000, t0 + 2 * 3_600_000, t0 + 26 * 3_600_000, t0 + 50 * 3_600_000];
    const d = dailyReturns(time, [101, 102, 99, 110, 121], 100);
    expect(Array.from(d.day)).toEqual([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 2), Date.UTC(2024, 0, 3), Date.UTC(2024, 0, 4)]);
    expect(Array.from(d.returns)).toEqual([102 / 100 - 1, 99 / 102 - 1, 110 / 99 - 1, 121 / 110 - 1]);
  });

  it('Sharpe = mean / sample std × √365, Sortino = mean / downside deviation × √365', () => {
    const r = [0.02, -0.01, 0.03, -0.02];
    const mean = 0.005;
    const std = Math.sqrt(r.reduce((s, x) => s + (x - mean) ** 2, 0) / 3);
    const down = Math.sqrt((0.01 ** 2 + 0.02 ** 2) / 4);
    expect(dailySharpe(r)).toBeCloseTo((mean / std) * Math.sqrt(365), 12);
    expect(dailySortino(r)).toBeCloseTo((mean / down) * Math.sqrt(365), 12);
    expect([dailySharpe([0.01]), dailySharpe([0.01, 0.01]), dailySortino([0.01, 0.02])]).toEqual([0, 0, 0]);
  });
});

describe('bars per year and the years a test spans, on data with gaps', () => {
  const MINUTE = 60_000;
  const YEAR = 365 * 86_400_000;
  // Sparse minutes first (an archive's early years: one bar in ten), then a dense stretch.
  const time = Float64Array.from([...Array.from({ length: 2000 }, (_, i) => i * 10 * MINUTE), ...Array.from({ length: 1000 }, (_, i) => (20_000 + i) * MINUTE)]);

  it('the bar length is the smallest spacing, whatever share of bars is missing', () => {
    expect(barsPerYear(time)).toBe(525_600);
    expect(barsPerYear(time.subarray(0, 2000))).toBe(52_560);
    expect(barsPerYear(new Float64Array([0]))).toBe(1);
  });

  it('annualizedReturn compounds over the calendar span, gaps included, not over the number of steps', () => {
    const n = time.length;
    const equity = Float64Array.from({ length: n }, (_, i) => 10_000 * (1 + (0.1 * (i + 1)) / n));
    const zeros = new Float64Array(n);
    const ledger = { time, equity, fee: zeros, stopExcess: zeros, position: zeros } as unknown as Parameters<typeof computeMetrics>[0]['ledger'];
    const m = computeMetrics({ ledger, trades: [], initialEquity: 10_000, barsPerYear: 525_600, zeroFeeReturn: 0, ruined: false });
    const years = (time[n - 1]! - time[0]! + MINUTE) / YEAR;
    expect(m.totalReturn).toBeCloseTo(0.1, 12);
    expect(m.annualizedReturn).toBeCloseTo(1.1 ** (1 / years) - 1, 9);
    // Steps alone would say 3,000 minutes: a far higher annual rate than the 21,000 minutes the test spans.
    expect(m.annualizedReturn).toBeLessThan(1.1 ** (525_600 / n) - 1);
  });
});

describe('trades and metrics of real episodes, recomputed independently', () => {
  const bars = generateSynthetic({ seed: 5, days: 4, timeframe: '1m', annualVolatility: 1.5 });
  const rules = { riskPct: 0.002, stopStepBps: 6, buckets: 3, maxLeverage: 3, qtyStep: 0.00001, minQty: 0.00001 };
  const execution = { takerFeeBps: 5, makerFeeBps: 2, slippageBps: 1, limitOffsetBps: 2, limitTtlBars: 2 };
  const env = { ruinDrawdown: 0.95 };

  it.each([
    ['random', (_: ActionSpace) => sparseRandom(11)],
    ['always-long', (space: ActionSpace) => alwaysLongPolicy(space)],
  ] as const)('%s', async (_name, make) => {
    const guard = recordingGuard(rules);
    const ctx = await createEnvContext({ bars, plugins: [guard.plugin], execution, env, range: { start: 2000, end: bars.length - 1 } });
    const result = runEpisode(new TradingEnv(ctx), make(ctx.actionSpace));
    expect(result.ruined, 'the episode runs over several days').toBe(false);
    const l = result.ledger;
    const e0 = result.initialEquity;
    const trades = deriveTrades({ fills: result.fills, ledger: l, initialEquity: e0, time: bars.time, close: bars.close });

    // Entries: exactly what the guard sized, in order.
    expect(trades.map((t) => [t.side, t.qty, t.entryPrice, t.stopPrice])).toEqual(guard.sized.map((s) => [s.side, s.qty, s.price, s.stop]));
    // Accounting: every cash movement is a fill of some trade.
    const pnl = trades.reduce((s, t) => s + t.pnl, 0);
    expect(pnl).toBeCloseTo(result.finalEquity - e0, 6);
    expect(trades.reduce((s, t) => s + t.fees, 0)).toBeCloseTo(Array.from(l.fee).reduce((a, b) => a + b, 0), 8);
    expect(trades.filter((t) => t.exitReason === 'stop').length).toBe(Array.from(l.stopTriggered).reduce((a, b) => a + b, 0));
    const open = trades.filter((t) => t.open);
    expect(open.length).toBe(l.position[l.position.length - 1] !== 0 ? 1 : 0);
    for (const t of open) expect(t.exitPrice).toBe(bars.close[l.index[l.index.length - 1]!]);

    const A = barsPerYear(bars.time);
    const m = computeMetrics({ ledger: l, trades, initialEquity: e0, barsPerYear: A, zeroFeeReturn: 0.01, ruined: result.ruined });
    const daily = naiveDaily(l.time, l.equity, e0);
    const mu = meanOf(daily);
    const sd = Math.sqrt(daily.reduce((s, r) => s + (r - mu) ** 2, 0) / (daily.length - 1));
    const dd = Math.sqrt(daily.reduce((s, r) => s + Math.min(r, 0) ** 2, 0) / daily.length);
    expect(m.days).toBe(daily.length);
    expect(daily.length).toBeGreaterThan(2);
    expect(m.sharpe).toBeCloseTo((mu / sd) * Math.sqrt(365), 9);
    expect(m.sortino).toBeCloseTo(dd > 0 ? (mu / dd) * Math.sqrt(365) : 0, 9);
    expect(m.totalReturn).toBeCloseTo(result.finalEquity / e0 - 1, 12);
    let peak = e0;
    let maxDd = 0;
    for (const e of l.equity) {
      peak = Math.max(peak, e);
      maxDd = Math.max(maxDd, 1 - e / peak);
    }
    expect(m.maxDrawdown).toBeCloseTo(maxDd, 12);
    const years = l.equity.length / 525_600;
    const annual = (result.finalEquity / e0) ** (1 / years) - 1;
    expect(m.annualizedReturn).toBeCloseTo(annual, 9);
    expect(m.calmar).toBeCloseTo(annual / maxDd, 9);

    const closed = trades.filter((t) => !t.open);
    const wins = closed.filter((t) => t.pnl > 0);
    const losses = closed.filter((t) => t.pnl <= 0);
    expect(m.trades).toBe(guard.sized.length);
    expect(m.closedTrades + m.openTrades).toBe(m.trades);
    expect(m.winRate).toBe(closed.length ? wins.length / closed.length : null);
    expect(m.profitFactor).toBeCloseTo(wins.reduce((s, t) => s + t.pnl, 0) / -losses.reduce((s, t) => s + t.pnl, 0), 9);
    if (wins.length) expect(m.avgWin).toBeCloseTo(meanOf(wins.map((t) => t.pnl / (t.returnPct === 0 ? 1 : t.pnl / t.returnPct))), 12);
    expect(m.exposureAdjustedReturn).toBeCloseTo(m.totalReturn / m.exposure, 12);
    expect(m.feeDrag).toBeCloseTo(0.01 - m.totalReturn, 12);
    const notional = guard.sized.reduce((s, e) => s + e.qty * e.price, 0) + closed.reduce((s, t) => s + t.qty * t.exitPrice, 0);
    expect(m.turnover).toBeCloseTo(notional / e0, 9);

    const b = behaviourSummary(l, trades, ctx.actionSpace, A / 365);
    expect(Object.values(b.actions).reduce((a, c) => a + c, 0)).toBe(l.action.length);
    expect(b.timeLong + b.timeShort + b.timeFlat).toBeCloseTo(1, 12);
    expect(b.limitShare).toBeCloseTo(guard.sized.filter((s) => s.type === 'limit').length / guard.sized.length, 12);
    if (_name === 'random') {
      // the episode exercises the hard cases: reversals, limit fills as maker and entries stopped in their fill bar
      expect(trades.some((t) => t.exitReason === 'reversal')).toBe(true);
      expect(trades.some((t) => t.exitReason === 'stop' && t.barsHeld === 1)).toBe(true);
      expect(trades.some((t) => t.entryLiquidity === 'maker')).toBe(true);
      expect(b.makerFeeShare).toBeGreaterThan(0);
    } else {
      expect(b.limitShare).toBe(0);
      expect(b.timeShort).toBe(0);
    }
  });
});

describe('baselines', () => {
  const bars = generateSynthetic({ seed: 9, days: 2, timeframe: '1m' });
  const guard = recordingGuard({ riskPct: 0.01, stopStepBps: 50, buckets: 2, maxLeverage: 2, qtyStep: 0.00001, minQty: 0.00001 });

  it.each([1, 2])('true buy & hold at leverage %d: return = L × (close_end / (open_first × (1 + slippage) × (1 + fee)) − 1)', async (leverage) => {
    const ctx = await createEnvContext({ bars, plugins: [guard.plugin], execution: { takerFeeBps: 5, slippageBps: 2 }, range: { start: 1000, end: 2000 } });
    const result = buyAndHoldEpisode(ctx, 2000, leverage);
    const first = ctx.minStart + 1;
    const price = bars.open[first]! * 1.0002;
    const expected = leverage * (bars.close[2000]! / (price * 1.0005) - 1);
    expect(result.finalEquity / result.initialEquity - 1).toBeCloseTo(expected, 12);
    expect(result.ledger.index[0]).toBe(first);
    expect(Array.from(result.ledger.position).every((q) => q === result.ledger.position[0])).toBe(true);
    expect(result.fills.index.length, 'one buy, never a stop').toBe(1);
  });

  it('the market reference uses the guard\'s maxLeverage and appears in the evaluation as buy-and-hold', async () => {
    const [hold] = await evaluatePolicies({ bars, plugins: [guard.plugin], execution: {}, env: {}, testStart: 1000, testEnd: 2000, policies: [buyAndHoldSpec] });
    expect(hold!.name).toBe('buy-and-hold');
    expect(hold!.trades).toHaveLength(1);
    expect(hold!.trades[0]!.qty * hold!.trades[0]!.entryPrice * 1.0005).toBeCloseTo(2 * 10_000, 6);
    expect(hold!.behaviour.actions).toEqual({ 'buy (outside the guard)': 1, hold: hold!.metrics.steps - 1 });
  });
});

describe('walk-forward chaining, significance and warnings', () => {
  const bars = generateSynthetic({ seed: 21, days: 6, timeframe: '1m', annualVolatility: 1.2 });
  const guard = recordingGuard({ riskPct: 0.01, stopStepBps: 30, buckets: 2, maxLeverage: 1, qtyStep: 0.00001, minQty: 0.00001 });
  const shortOnceAndHold = (space: ActionSpace): Policy => {
    const enter = space.encode({ kind: 'short', stopBucket: space.buckets, type: 'market' });
    let done = false;
    return (_o, mask) => {
      if (!done && mask[enter]) {
        done = true;
        return enter;
      }
      return 0;
    };
  };

  async function evaluateFolds(agent: (space: ActionSpace) => Policy, ranges: [number, number][], plugin = guard.plugin) {
    return Promise.all(
      ranges.map(async ([testStart, testEnd], k) => {
        const options = { bars, plugins: [plugin], execution: { takerFeeBps: 5 }, env: {}, testStart, testEnd };
        const contexts = await createTestContexts(options);
        const policies: PolicySpec[] = [{ name: 'agent', make: agent }, buyAndHoldSpec, { name: 'flat', make: () => flatPolicy() }, { name: 'random', make: () => randomPolicy(k) }];
        return {
          split: { fold: k, trainStart: 0, trainEnd: testStart - 1, testStart, testEnd },
          policies: await evaluatePolicies({ ...options, policies }, contexts),
          randomReturns: randomReturns(contexts.withFees, testEnd, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
        };
      }),
    );
  }

  it('the chained equity is the product of the folds\' returns; counts are totals', async () => {
    const folds = await evaluateFolds(() => randomPolicy(4), [
      [3000, 5000],
      [5001, 7000],
      [7001, bars.length - 1],
    ]);
    const agentFolds = folds.map((f) => f.policies[0]!);
    const chained = chainFolds(agentFolds, (await createTestContexts({ bars, plugins: [guard.plugin], execution: {}, env: {}, testStart: 3000, testEnd: 5000 })).withFees.actionSpace, barsPerYear(bars.time));
    const product = agentFolds.reduce((g, p) => g * (1 + p.metrics.totalReturn), 1);
    expect(1 + chained.metrics.totalReturn).toBeCloseTo(product, 12);
    expect(chained.metrics.trades).toBe(agentFolds.reduce((s, p) => s + p.metrics.trades, 0));
    expect(chained.metrics.steps).toBe(agentFolds.reduce((s, p) => s + p.metrics.steps, 0));
    expect(chained.trades.reduce((s, t) => s + t.pnl, 0)).toBeCloseTo(chained.metrics.finalEquity - chained.metrics.initialEquity, 6);
    const summary = summarizeEvaluation({ dataset: 'd', seed: 1, bars, space: chained.behaviour ? (await createTestContexts({ bars, plugins: [guard.plugin], execution: {}, env: {}, testStart: 3000, testEnd: 5000 })).withFees.actionSpace : (undefined as never), folds });
    expect(summary.metrics.policies.agent!.totalReturn).toBeCloseTo(product - 1, 12);
    expect(summary.metrics.folds.map((f) => f.policies.agent!.totalReturn)).toEqual(agentFolds.map((p) => p.metrics.totalReturn));
    const randomProduct = (s: number) => folds.reduce((g, f) => g * (1 + f.randomReturns[s]!), 1) - 1;
    const sorted = Array.from({ length: 10 }, (_, s) => randomProduct(s)).sort((a, b) => a - b);
    expect(summary.metrics.randomSpread.p50).toBeCloseTo((sorted[4]! + sorted[5]!) / 2, 12);
  });

  it('a policy that shorts once and holds is flagged as degenerate, with few trades', async () => {
    const wide = recordingGuard({ riskPct: 0.01, stopStepBps: 2000, buckets: 2, maxLeverage: 1, qtyStep: 0.00001, minQty: 0.00001 });
    const folds = await evaluateFolds(shortOnceAndHold, [[3000, bars.length - 1]], wide.plugin);
    const ctx = await createTestContexts({ bars, plugins: [wide.plugin], execution: {}, env: {}, testStart: 3000, testEnd: bars.length - 1 });
    const { metrics } = summarizeEvaluation({ dataset: 'd', seed: 1, bars, space: ctx.withFees.actionSpace, folds });
    const agent = metrics.policies.agent!;
    expect(agent.trades).toBe(1);
    expect(agent.openTrades, 'still open at the end: marked to market, not a loss of the win rate').toBe(1);
    expect(agent.winRate).toBeNull();
    expect(agent.behaviour.timeShort).toBeGreaterThan(0.99);
    const kinds = metrics.warnings.map((w) => w.kind);
    expect(kinds).toContain('degenerate-holding');
    expect(kinds).toContain('few-trades');
    expect(metrics.warnings.find((w) => w.kind === 'degenerate-holding')?.message ?? '').toMatch(/short from/);
  });

  it('the bootstrap interval is seeded and brackets the observed excess of identical series at 0', () => {
    const a = [0.01, -0.02, 0.015, 0.003, -0.007, 0.02, -0.01];
    const b = [0.002, -0.01, 0.01, 0.0, -0.004, 0.01, 0.001];
    expect(bootstrapExcessReturn(a, b, 7)).toEqual(bootstrapExcessReturn(a, b, 7));
    const same = bootstrapExcessReturn(a, a, 3);
    expect([same.excessReturn, same.low, same.high, same.shareAhead]).toEqual([0, 0, 0, 0]);
    const ci = bootstrapExcessReturn(a, b, 3);
    const observed = a.reduce((g, r) => g * (1 + r), 1) - b.reduce((g, r) => g * (1 + r), 1);
    expect(ci.excessReturn).toBeCloseTo(observed, 15);
    expect(ci.low).toBeLessThanOrEqual(ci.high);
    expect(ci.blockDays).toBe(2);
  });
});

describe('train.parquet', () => {
  const progress = (steps: number, policyLoss: number) => ({ steps, totalSteps: 1000, meanEpisodeReturn: steps / 1000, meanStepReward: 0, stepsPerSecond: 100, stats: { policyLoss, update: steps / 100 } });

  it('keeps one row per update, survives a reopen and drops rows a resumed fold re-does', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'tc-train-')), 'train.parquet');
    const log = await TrainLog.open(file);
    for (const s of [100, 200, 300]) log.append(0, progress(s, s / 10), 1_700_000_000_000 + s);
    await log.flush();
    const reopened = await TrainLog.open(file);
    expect(reopened.rows).toBe(3);
    reopened.append(0, progress(200, -1), 1_700_000_000_999);
    reopened.append(1, progress(100, 5), 1_700_000_001_000);
    await reopened.flush();
    const table = await readParquetTable(file, { numbersAsFloat64: true });
    expect(Array.from(table.columns.fold as Int32Array)).toEqual([0, 0, 1]);
    expect(Array.from(table.columns.steps as Float64Array)).toEqual([100, 200, 100]);
    expect(Array.from(table.columns.policyLoss as Float64Array)).toEqual([10, -1, 5]);
    expect(table.types.time).toBe('timestamp[ms, UTC]');
  });
});

describe('report.html', () => {
  it('shows warnings first, escapes names and marks trades at their fill prices', async () => {
    const bars = generateSynthetic({ seed: 3, days: 2, timeframe: '1m' });
    const guard = recordingGuard({ riskPct: 0.01, stopStepBps: 20, buckets: 2, maxLeverage: 1, qtyStep: 0.00001, minQty: 0.00001 });
    const options = { bars, plugins: [guard.plugin], execution: {}, env: {}, testStart: 1500, testEnd: bars.length - 1 };
    const contexts = await createTestContexts(options);
    const policies = await evaluatePolicies({ ...options, policies: [{ name: 'agent', make: () => randomPolicy(2) }, buyAndHoldSpec, { name: 'flat', make: () => flatPolicy() }] }, contexts);
    const folds = [{ split: { fold: 0, trainStart: 0, trainEnd: 1499, testStart: 1500, testEnd: bars.length - 1 }, policies, randomReturns: [0, 0.01] }];
    const { metrics } = summarizeEvaluation({ dataset: 'd', seed: 1, bars, space: contexts.withFees.actionSpace, folds });
    const { priceSvg } = await import('./charts.ts');
    const trades = policies[0]!.trades.map((t) => ({ ...t, fold: 0 }));
    const html = reportHtml({
      id: 'r<1>',
      title: 'T',
      seed: 1,
      backend: 'wasm',
      dataset: 'd',
      synthetic: true,
      splits: [],
      policies: metrics.policies,
      folds: metrics.folds.map((f) => f.policies),
      warnings: [{ kind: 'few-trades', message: 'only <2> trades' }],
      significance: metrics.significance,
      randomSpread: metrics.randomSpread,
      trades,
      equitySvg: '<svg id="equity-plot"></svg>',
      priceSvg: priceSvg({ bars, from: 1501, to: bars.length - 1, trades }),
      curvesSvg: '',
      trainSteps: 1,
      trainSeconds: 1,
    });
    expect(html.indexOf('id="warnings"')).toBeLessThan(html.indexOf('id="metrics"'));
    expect(html).toContain('only &lt;2&gt; trades');
    expect(html).toContain('r&lt;1&gt;');
    const prices = [...html.matchAll(/class="marker entry[^"]*" data-time="(\d+)" data-price="([^"]+)"/g)].map((m) => Number(m[2]));
    expect(prices).toEqual(trades.map((t) => t.entryPrice));
    expect(prices.length).toBeGreaterThan(0);
  });
});
