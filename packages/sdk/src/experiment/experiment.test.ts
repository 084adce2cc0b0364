import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LedgerColumns } from '../execution/Ledger.ts';
import { LEDGER_COLUMNS } from '../execution/Ledger.ts';
import { newRunId, readRunRecord, resolveRunDir, RunArchiveError } from './archive.ts';
import { barsPerYear, computeMetrics, drawdownSeries } from './metrics.ts';
import { applyOverrides, OverrideError, parseOverride } from './overrides.ts';
import { reportHtml } from './report.ts';
import { timeSplit, SplitError } from './split.ts';
import { equitySvg } from './svg.ts';
import { buyAndHoldPolicy, flatPolicy, randomPolicy } from './baselines.ts';
import { evaluatePolicies } from './evaluate.ts';
import { generateSynthetic } from '../data/synthetic.ts';
import { createEnvContext } from '../env/context.ts';
import type { ActionSpace } from '../env/actionSpace.ts';
import { runEpisode } from '../env/runEpisode.ts';
import { TradingEnv } from '../env/TradingEnv.ts';
import { sizeByRisk } from '../execution/sizing.ts';
import type { RiskRules } from '../execution/types.ts';
import { definePlugin } from '../plugin/definePlugin.ts';
import { STAGE } from '../plugin/stages.ts';

function ledger(rows: { equity: number; position?: number; fee?: number; qty?: number; fillPrice?: number; stopTriggered?: number; filled?: number }[]): LedgerColumns {
  const n = rows.length;
  const out = {} as Record<string, Float64Array | Int32Array | Uint8Array>;
  for (const name of LEDGER_COLUMNS) out[name] = ['index', 'action'].includes(name) ? new Int32Array(n) : ['submitted', 'filled', 'rejected', 'expired', 'stopTriggered', 'stopGapped'].includes(name) ? new Uint8Array(n) : new Float64Array(n);
  const l = out as unknown as LedgerColumns;
  rows.forEach((r, i) => {
    l.equity[i] = r.equity;
    l.position[i] = r.position ?? 0;
    l.fee[i] = r.fee ?? 0;
    l.qty[i] = r.qty ?? 0;
    l.fillPrice[i] = r.fillPrice ?? Number.NaN;
    l.stopTriggered[i] = r.stopTriggered ?? 0;
    l.filled[i] = r.filled ?? 0;
  });
  return l;
}

describe('timeSplit', () => {
  it('holds out the last fraction, chronologically', () => {
    expect(timeSplit({ length: 100, testFraction: 0.2, walkForwardFolds: 0 })).toEqual([{ fold: 0, trainStart: 0, trainEnd: 79, testStart: 80, testEnd: 99 }]);
  });
  it('anchored walk-forward: consecutive test windows, each trained on everything before it', () => {
    const folds = timeSplit({ length: 100, testFraction: 0.3, walkForwardFolds: 3 });
    expect(folds.map((f) => [f.trainEnd, f.testStart, f.testEnd])).toEqual([[69, 70, 79], [79, 80, 89], [89, 90, 99]]);
  });
  it('refuses splits that leave too few bars, naming the setting', () => {
    expect(() => timeSplit({ length: 30, testFraction: 0.2, walkForwardFolds: 3, minBars: 10 })).toThrow(SplitError);
    expect(() => timeSplit({ length: 30, testFraction: 0.2, walkForwardFolds: 3, minBars: 10 })).toThrow(/run\.split/);
  });
});

describe('metrics', () => {
  it('computes return, drawdown, trades, wins, stop-outs, fees, turnover and exposure from a ledger', () => {
    // flat → long (fee 1) → up → down → stopped out (fee 1) → flat → short → close
    const l = ledger([
      { equity: 1000 },
      { equity: 999, position: 1, fee: 1, qty: 1, fillPrice: 100 },
      { equity: 1019, position: 1 },
      { equity: 1009, position: 1 },
      { equity: 989, position: 0, fee: 1, qty: -1, fillPrice: 90, stopTriggered: 1 },
      { equity: 989 },
      { equity: 988, position: -1, fee: 1, qty: -1, fillPrice: 100 },
      { equity: 997, position: 0, fee: 1, qty: 1, fillPrice: 91 },
    ]);
    const m = computeMetrics(l, 1000, 365, -0.001);
    expect(m.totalReturn).toBeCloseTo(-0.003, 12);
    expect(m.trades).toBe(2);
    expect(m.winRate, 'the short made money, the long did not').toBe(0.5);
    expect(m.stopOutShare).toBe(0.5);
    expect(m.feesPaid).toBe(4);
    expect(m.feeDrag).toBeCloseTo(-0.001 + 0.003, 12);
    expect(m.turnover).toBeCloseTo((100 + 90 + 100 + 91) / 1000, 12);
    expect(m.exposure).toBe(4 / 8);
    expect(m.maxDrawdown).toBeCloseTo(1 - 988 / 1019, 12);
    expect(m.finalEquity).toBe(997);
  });
  it('annualises Sharpe and Sortino by the bar spacing', () => {
    const time = Float64Array.from({ length: 10 }, (_, i) => i * 3_600_000);
    expect(barsPerYear(time)).toBeCloseTo(365 * 24, 6);
    const l = ledger([{ equity: 1010 }, { equity: 1000 }, { equity: 1020 }, { equity: 1030 }]);
    const r = [0.01, 1000 / 1010 - 1, 0.02, 1030 / 1020 - 1];
    const mean = r.reduce((a, b) => a + b) / 4;
    const std = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
    const down = Math.sqrt((1000 / 1010 - 1) ** 2 / 4);
    const m = computeMetrics(l, 1000, 100, 0);
    expect(m.sharpe).toBeCloseTo((mean / std) * 10, 10);
    expect(m.sortino).toBeCloseTo((mean / down) * 10, 10);
  });
  it('drawdownSeries tracks the running peak', () => {
    expect(Array.from(drawdownSeries(100, [110, 99, 121]))).toEqual([0, 1 - 99 / 110, 0]);
  });
});

describe('overrides', () => {
  it('parses JSON values and falls back to strings', () => {
    expect(parseOverride('trainer.hidden=[32,32]')).toEqual({ text: 'trainer.hidden=[32,32]', path: ['trainer', 'hidden'], value: [32, 32] });
    expect(parseOverride('dataset=my-set')).toEqual({ text: 'dataset=my-set', path: ['dataset'], value: 'my-set' });
    expect(parseOverride('plugins.risk-guard.riskPct=0.005')).toMatchObject({ path: ['plugins', 'risk-guard', 'riskPct'], value: 0.005 });
    expect(() => parseOverride('novalue')).toThrow(OverrideError);
    expect(() => parseOverride('plugins.rsi=x')).toThrow(/plugins\.rsi\.period=21/);
    expect(() => parseOverride('run.__proto__.x=1')).toThrow(OverrideError);
  });
  it('applies nested overrides without touching the original', () => {
    const base = { run: { seed: 0, split: { testFraction: 0.2 } }, dataset: 'a' };
    const out = applyOverrides(base, ['run.split.testFraction=0.3', 'run.seed=4', 'trainer.totalSteps=10']);
    expect(out).toEqual({ run: { seed: 4, split: { testFraction: 0.3 } }, dataset: 'a', trainer: { totalSteps: 10 } });
    expect(base.run.split.testFraction).toBe(0.2);
    expect(() => applyOverrides(base, ['dataset.x=1'])).toThrow(/"dataset" is not an object/);
    expect(applyOverrides(base, ['plugins.rsi.period=21']), 'plugin overrides are applied where plugins are resolved').toEqual(base);
  });
});

describe('archive helpers', () => {
  it('run ids sort by start time and carry the seed', () => {
    expect(newRunId(3, new Date('2026-11-24T01:02:03Z'))).toMatch(/^20261124-010203-s3-[0-9a-f]{4}$/);
  });
  it('resolves --resume by folder or id, and explains what it looked for', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'tc-archive-'));
    const dir = path.join(out, 'abc');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ format: 'tradecore-run/1', id: 'abc', seed: 1, configFile: '/x/tradecore.config.ts', status: 'running' }));
    expect(resolveRunDir('abc', out, '/')).toBe(dir);
    expect(resolveRunDir(dir, '/nowhere', '/')).toBe(dir);
    expect(readRunRecord(dir)).toMatchObject({ id: 'abc', foldsTrained: [], resumes: 0 });
    expect(() => resolveRunDir('nope', out, '/')).toThrow(RunArchiveError);
    writeFileSync(path.join(dir, 'run.json'), '{"format":"other"}');
    expect(() => readRunRecord(dir)).toThrow(/not a TradeCore run record/);
  });
});

describe('equity.svg and report.html', () => {
  const time = Float64Array.from({ length: 5 }, (_, i) => Date.UTC(2024, 0, 1) + i * 60_000);
  const svg = equitySvg(time, [{ name: 'agent', color: '#00f', values: [0, 1, 2, 1, 3] }], [{ name: 'agent', color: '#00f', values: [0, 0, 0, -1, 0] }]);
  it('is deterministic and draws one polyline per series and panel', () => {
    expect(equitySvg(time, [{ name: 'agent', color: '#00f', values: [0, 1, 2, 1, 3] }], [{ name: 'agent', color: '#00f', values: [0, 0, 0, -1, 0] }])).toBe(svg);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('2024-01-01 00:00');
  });
  it('escapes names in the report and inlines the chart', () => {
    const m = computeMetrics(ledger([{ equity: 1000 }]), 1000, 1, 0);
    const html = reportHtml({ id: 'r<1>', title: 'T', seed: 1, backend: 'wasm', dataset: 'd', splits: [], policies: { '<agent>': m }, stops: {}, svg, trainSteps: 1, trainSeconds: 1 });
    expect(html).toContain('&lt;agent&gt;');
    expect(html).not.toContain('<agent>');
    expect(html).toContain(svg);
  });
});

describe('metrics: review checks', () => {
  it('annualises 1m bars of a 24/7 market with 525,600 bars a year (365 days)', () => {
    const time = Float64Array.from({ length: 100 }, (_, i) => i * 60_000);
    expect(barsPerYear(time)).toBe(525_600);
    expect(barsPerYear(Float64Array.from({ length: 10 }, (_, i) => i * 86_400_000))).toBe(365);
  });

  it('known Sharpe, Sortino and drawdown of a hand-made equity series', () => {
    // r = +10 %, −10 %, +10 %, −10 %: mean 0 → Sharpe 0, Sortino 0.
    const zero = computeMetrics(ledger([{ equity: 110 }, { equity: 99 }, { equity: 108.9 }, { equity: 98.01 }]), 100, 4, 0);
    expect(zero.sharpe).toBeCloseTo(0, 12);
    expect(zero.sortino).toBeCloseTo(0, 12);
    expect(zero.maxDrawdown).toBeCloseTo(1 - 98.01 / 110, 12);
    // r = +20 %, −10 %: mean 0.05, sample std √((0.15² + 0.15²)/1) = 0.15·√2, downside √(0.01/2); A = 4.
    const m = computeMetrics(ledger([{ equity: 120 }, { equity: 108 }]), 100, 4, 0);
    expect(m.sharpe).toBeCloseTo((0.05 / (0.15 * Math.SQRT2)) * 2, 12);
    expect(m.sortino).toBeCloseTo((0.05 / Math.sqrt(0.01 / 2)) * 2, 12);
    expect(m.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(m.totalReturn).toBeCloseTo(0.08, 12);
  });

  it('zero-variance and no-downside cases give 0, never NaN or Infinity', () => {
    const flat = computeMetrics(ledger([{ equity: 100 }, { equity: 100 }, { equity: 100 }]), 100, 525_600, 0);
    expect([flat.sharpe, flat.sortino, flat.maxDrawdown, flat.totalReturn]).toEqual([0, 0, 0, 0]);
    const up = computeMetrics(ledger([{ equity: 101 }, { equity: 103 }]), 100, 525_600, 0);
    expect(up.sortino).toBe(0);
    expect(Number.isFinite(up.sharpe) && up.sharpe > 0).toBe(true);
    const one = computeMetrics(ledger([{ equity: 101 }]), 100, 525_600, 0);
    expect(one.sharpe).toBe(0);
  });

  it('an entry stopped out in its own fill bar is a trade, a closed trade and a stop-out', () => {
    // flat → (long filled and stopped in the same bar: 2 fills, net qty 0) → flat
    const l = ledger([
      { equity: 1000 },
      { equity: 990, position: 0, fee: 2, qty: 0, fillPrice: 99, stopTriggered: 1, filled: 2 },
      { equity: 990 },
    ]);
    const m = computeMetrics(l, 1000, 365, 0);
    expect(m.trades).toBe(1);
    expect(m.stopOutShare).toBe(1);
    expect(m.winRate).toBe(0);
  });

  it('a reversal whose new position is stopped in the same bar: two trades, one stop-out', () => {
    const l = ledger([
      { equity: 999, position: 1, fee: 1, qty: 1, fillPrice: 100, filled: 1 },
      { equity: 1020, position: 1, filled: 0 },
      // long closed at the open (+), short entered and stopped in the same bar: 3 fills, net qty −1
      { equity: 1010, position: 0, fee: 3, qty: -1, fillPrice: 121, stopTriggered: 1, filled: 3 },
    ]);
    const m = computeMetrics(l, 1000, 365, 0);
    expect(m.trades).toBe(2);
    expect(m.stopOutShare, 'the short was stopped, the long was closed by the reversal').toBe(0.5);
    expect(m.winRate, 'the long ended above its entry, the short lost').toBe(0.5);
  });

  it('a reversal step belongs to the trade it closes; the new trade starts from the equity after it', () => {
    const l = ledger([
      { equity: 999, position: 1, fee: 1, qty: 1, fillPrice: 100, filled: 1 },
      { equity: 1050, position: 1 },
      { equity: 1040, position: -1, fee: 2, qty: -2, fillPrice: 150, filled: 2 }, // reversal
      { equity: 1044, position: 0, fee: 1, qty: 1, fillPrice: 146, filled: 1 }, // short closed with a gain
    ]);
    const m = computeMetrics(l, 1000, 365, 0);
    expect(m.trades).toBe(2);
    expect(m.winRate, 'both the long (1000 → 1040) and the short (1040 → 1044) made money').toBe(1);
  });
});

describe('metrics of real episodes, recomputed naively from the ledger', () => {
  const entries = { count: 0, notional: 0 };
  const countingGuard = definePlugin({
    name: 'counting-guard',
    version: '0.0.0',
    kind: 'risk-guard',
    setup(hooks, { options }) {
      hooks.order.tap({ name: 'counting-guard', stage: STAGE.RISK_GUARD }, (intent) => {
        const sized = sizeByRisk(intent, options as unknown as RiskRules);
        if (!sized.rejected && sized.qty > 0) {
          entries.count++;
          entries.notional += sized.qty * sized.fillPrice;
        }
        return sized;
      });
    },
  });
  const bars = generateSynthetic({ seed: 5, days: 3, timeframe: '1m', annualVolatility: 1.5 });
  const rules = { riskPct: 0.02, stopStepBps: 5, buckets: 3, maxLeverage: 3, qtyStep: 0.00001, minQty: 0.00001 };

  it.each(['random', 'buy-and-hold'] as const)('%s: every metric matches a naive recomputation, trades match the fills the guard sized', async (_name) => {
    const ctx = await createEnvContext({ bars, plugins: [countingGuard(rules as never)], execution: { takerFeeBps: 5, makerFeeBps: 2 }, range: { start: 2000, end: bars.length - 1 } });
    entries.count = 0;
    entries.notional = 0;
    const policy = _name === 'random' ? randomPolicy(11) : buyAndHoldPolicy(ctx.actionSpace as ActionSpace);
    const result = runEpisode(new TradingEnv(ctx), policy);
    const l = result.ledger;
    const e0 = result.initialEquity;
    const A = barsPerYear(bars.time);
    expect(A).toBe(525_600);
    const m = computeMetrics(l, e0, A, 0.01);
    const T = l.equity.length;
    expect(m.steps).toBe(T);
    // returns, Sharpe, Sortino, drawdown: two-pass, from plain arrays
    const eq = [e0, ...Array.from(l.equity)];
    const r = eq.slice(1).map((e, t) => e / eq[t]! - 1);
    const mean = r.reduce((a, b) => a + b, 0) / T;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / (T - 1));
    const dd = Math.sqrt(r.reduce((a, b) => a + Math.min(b, 0) ** 2, 0) / T);
    expect(m.totalReturn).toBeCloseTo(eq[T]! / e0 - 1, 12);
    expect(m.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(525_600), 6);
    expect(m.sortino).toBeCloseTo((mean / dd) * Math.sqrt(525_600), 6);
    let maxDd = 0;
    for (let t = 0; t <= T; t++) maxDd = Math.max(maxDd, 1 - eq[t]! / Math.max(...eq.slice(0, t + 1)));
    expect(m.maxDrawdown).toBeCloseTo(maxDd, 12);
    // fees: the ledger's sum is what the account paid
    expect(m.feesPaid).toBeCloseTo(result.totalFees, 8);
    expect(m.feesPaid).toBeCloseTo(Array.from(l.fee).reduce((a, b) => a + b, 0), 8);
    expect(m.feeDrag).toBeCloseTo(0.01 - m.totalReturn, 12);
    // trades: every entry the guard sized and the broker filled; closed = opened − still open at the end
    expect(m.trades).toBe(entries.count);
    const stopOuts = Array.from(l.stopTriggered).reduce((a, b) => a + b, 0);
    const closed = entries.count - (l.position[T - 1] !== 0 ? 1 : 0);
    expect(m.stopOutShare).toBeCloseTo(closed > 0 ? stopOuts / closed : 0, 12);
    expect(m.exposure).toBeCloseTo(Array.from(l.position).filter((p) => p !== 0).length / T, 12);
    let notional = 0;
    for (let t = 0; t < T; t++) if (Number.isFinite(l.fillPrice[t]!)) notional += Math.abs(l.qty[t]!) * l.fillPrice[t]!;
    expect(m.turnover).toBeCloseTo(notional / e0, 12);
    expect(m.finalEquity).toBe(result.finalEquity);
    if (_name === 'random') {
      // the episode exercises the hard cases: reversals and entries stopped in their fill bar
      let sameBarStops = 0;
      let reversals = 0;
      for (let t = 0; t < T; t++) {
        const before = t > 0 ? Math.sign(l.position[t - 1]!) : 0;
        const after = Math.sign(l.position[t]!);
        if (l.stopTriggered[t] && before === 0) sameBarStops++;
        if (before !== 0 && after === -before) reversals++;
      }
      expect(sameBarStops).toBeGreaterThan(0);
      expect(reversals).toBeGreaterThan(0);
    }
  });
});

describe('split and evaluation ranges', () => {
  it('train and test never overlap; test windows are consecutive and cover the held-out tail', () => {
    for (const length of [50, 97, 1000, 1234]) {
      for (const testFraction of [0.1, 0.25, 0.5]) {
        for (const walkForwardFolds of [0, 1, 2, 3, 5]) {
          let folds;
          try {
            folds = timeSplit({ length, testFraction, walkForwardFolds, minBars: 3 });
          } catch (error) {
            expect(error).toBeInstanceOf(SplitError);
            continue;
          }
          expect(folds[0]!.testStart).toBe(length - Math.floor(length * testFraction));
          expect(folds.at(-1)!.testEnd).toBe(length - 1);
          folds.forEach((f, k) => {
            expect(f.trainStart).toBe(0);
            expect(f.trainEnd).toBe(f.testStart - 1);
            expect(f.testEnd).toBeGreaterThanOrEqual(f.testStart);
            if (k > 0) expect(f.testStart).toBe(folds[k - 1]!.testEnd + 1);
          });
        }
      }
    }
  });

  it('the evaluation episode trades only test bars; earlier bars only warm up its features and window', async () => {
    const bars = generateSynthetic({ seed: 2, days: 1, timeframe: '5m' });
    const guard = definePlugin({
      name: 'g',
      version: '0.0.0',
      kind: 'risk-guard',
      setup(hooks, { options }) {
        hooks.order.tap({ name: 'g', stage: STAGE.RISK_GUARD }, (intent) => sizeByRisk(intent, options as unknown as RiskRules));
      },
    })({ riskPct: 0.01, stopStepBps: 50, buckets: 2, maxLeverage: 1, qtyStep: 0.00001, minQty: 0.00001 } as never);
    const [fold] = timeSplit({ length: bars.length, testFraction: 0.25, walkForwardFolds: 0, minBars: 10 });
    const evaluated = await evaluatePolicies({
      bars,
      plugins: [guard],
      execution: {},
      env: { window: 8 },
      testStart: fold!.testStart,
      testEnd: fold!.testEnd,
      policies: [
        { name: 'flat', make: () => flatPolicy() },
        { name: 'buy-and-hold', make: (space) => buyAndHoldPolicy(space) },
        { name: 'random', make: () => randomPolicy(3) },
      ],
    });
    for (const p of evaluated) {
      // the first decision is taken on the close of the first test bar and executes on the next one
      expect(p.ledger.index[0]).toBe(fold!.testStart + 1);
      expect(p.ledger.index.at(-1)).toBe(fold!.testEnd);
      expect(p.metrics.steps).toBe(fold!.testEnd - fold!.testStart);
    }
    const [flat, hold, random] = evaluated;
    expect(flat!.metrics).toMatchObject({ totalReturn: 0, sharpe: 0, sortino: 0, maxDrawdown: 0, trades: 0, feesPaid: 0, feeDrag: 0, turnover: 0, exposure: 0 });
    expect(hold!.ledger.position[0]).toBeGreaterThan(0);
    expect(hold!.metrics.feeDrag).toBeGreaterThan(0);
    expect(random!.metrics.trades).toBeGreaterThan(0);
    // the random baseline is seeded: the same decisions again
    const again = await evaluatePolicies({ bars, plugins: [guard], execution: {}, env: { window: 8 }, testStart: fold!.testStart, testEnd: fold!.testEnd, policies: [{ name: 'random', make: () => randomPolicy(3) }] });
    expect(Array.from(again[0]!.ledger.action)).toEqual(Array.from(random!.ledger.action));
    expect(again[0]!.metrics).toEqual(random!.metrics);
  });
});

describe('report.html shows the numbers of metrics.json', () => {
  it('a mean over folds is not rounded to a whole number of trades', () => {
    const m = { ...computeMetrics(ledger([{ equity: 1000 }]), 1000, 1, 0), trades: 2.5, feesPaid: 1.25 };
    const html = reportHtml({ id: 'r', title: 'T', seed: 1, backend: 'wasm', dataset: 'd', splits: [], policies: { agent: m }, stops: { agent: { stopOuts: 1.5, stopExcess: 0 } }, svg: '', trainSteps: 1, trainSeconds: 1 });
    const row = html.split('\n').find((line) => line.includes('>Trades<'))!;
    expect(row).toContain('<td>2.50</td>');
    expect(html.split('\n').find((line) => line.includes('<th scope="row">agent</th>'))).toContain('<td>1.50</td>');
  });
});
