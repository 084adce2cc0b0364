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
    expect(parseOverride('trainer.hidden=[32,32]')).toEqual({ path: ['trainer', 'hidden'], value: [32, 32] });
    expect(parseOverride('dataset=my-set')).toEqual({ path: ['dataset'], value: 'my-set' });
    expect(() => parseOverride('novalue')).toThrow(OverrideError);
    expect(() => parseOverride('plugins.0=x')).toThrow(/plugins/);
  });
  it('applies nested overrides without touching the original', () => {
    const base = { run: { seed: 0, split: { testFraction: 0.2 } }, dataset: 'a' };
    const out = applyOverrides(base, ['run.split.testFraction=0.3', 'run.seed=4', 'trainer.totalSteps=10']);
    expect(out).toEqual({ run: { seed: 4, split: { testFraction: 0.3 } }, dataset: 'a', trainer: { totalSteps: 10 } });
    expect(base.run.split.testFraction).toBe(0.2);
    expect(() => applyOverrides(base, ['dataset.x=1'])).toThrow(/"dataset" is not an object/);
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
