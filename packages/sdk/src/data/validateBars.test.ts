import { describe, expect, it } from 'vitest';
import type { Bars } from '../features/types.ts';
import { minuteBars } from './_testing.ts';
import { validateBars } from './validateBars.ts';

function withChange(bars: Bars, change: (b: { -readonly [K in keyof Bars]: Bars[K] }) => void): Bars {
  const copy = { ...bars, time: bars.time.slice(), open: bars.open.slice(), high: bars.high.slice(), low: bars.low.slice(), close: bars.close.slice(), volume: bars.volume.slice() };
  change(copy);
  return copy;
}

describe('validateBars', () => {
  it('accepts a clean series and reports its stats', () => {
    const report = validateBars(minuteBars(100), { timeframeMs: 60_000 });
    expect(report.ok).toBe(true);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.stats).toMatchObject({ rows: 100, firstTime: '2024-01-01T00:00:00.000Z', lastTime: '2024-01-01T01:39:00.000Z', timeframeMs: 60_000, zeroVolumeShare: 0 });
  });

  it('flags duplicate and non-monotonic times with row and time', () => {
    const bars = withChange(minuteBars(10), (b) => {
      b.time[3] = b.time[2] as number;
      b.time[7] = (b.time[5] as number) - 60_000;
    });
    const report = validateBars(bars);
    expect(report.ok).toBe(false);
    expect(report.stats.duplicates).toBe(1);
    expect(report.stats.nonMonotonic).toBe(1);
    expect(report.errors.map((e) => e.message)).toEqual([
      'row 3 (2024-01-01T00:02:00.000Z): time 2024-01-01T00:02:00.000Z repeats row 2',
      'row 7 (2024-01-01T00:04:00.000Z): time 2024-01-01T00:04:00.000Z is before row 6 (2024-01-01T00:06:00.000Z); times must increase',
    ]);
  });

  it('warns about gaps with count and largest, without failing', () => {
    const bars = withChange(minuteBars(10), (b) => {
      for (let i = 4; i < 10; i++) b.time[i] = (b.time[i] as number) + 180_000;
      for (let i = 8; i < 10; i++) b.time[i] = (b.time[i] as number) + 60_000;
    });
    const report = validateBars(bars, { timeframeMs: 60_000 });
    expect(report.ok).toBe(true);
    expect(report.stats.gaps).toEqual({ count: 2, missingBars: 4, largestMs: 240_000, largestAt: '2024-01-01T00:07:00.000Z' });
    expect(report.warnings[0]?.message).toBe('2 gap(s), 4 missing 1m bar(s); largest 4m before row 4 (2024-01-01T00:07:00.000Z)');
  });

  it('rejects OHLC inconsistencies, non-finite values and misaligned bars', () => {
    const bars = withChange(minuteBars(6), (b) => {
      b.high[1] = 50;
      b.close[2] = Number.NaN;
      b.time[4] = (b.time[4] as number) + 1_000;
    });
    const report = validateBars(bars, { timeframeMs: 60_000 });
    expect(report.stats.ohlcViolations).toBe(1);
    expect(report.stats.nonFinite).toBe(1);
    expect(report.errors.map((e) => [e.kind, e.row])).toEqual([
      ['ohlc', 1],
      ['non-finite', 2],
      ['misaligned', 4],
    ]);
    expect(report.errors[0]?.message).toContain('row 1 (2024-01-01T00:01:00.000Z): OHLC inconsistent: open 101, high 50');
    expect(report.errors[1]?.message).toBe('row 2 (2024-01-01T00:02:00.000Z): close is NaN');
  });

  it('measures the zero-volume share and warns above the threshold', () => {
    const bars = withChange(minuteBars(20), (b) => {
      for (let i = 0; i < 4; i++) b.volume[i] = 0;
    });
    const report = validateBars(bars);
    expect(report.stats.zeroVolumeShare).toBeCloseTo(0.2, 12);
    expect(report.warnings.map((w) => w.kind)).toEqual(['zero-volume']);
    expect(report.ok).toBe(true);
  });

  it('caps findings per kind but keeps exact counts', () => {
    const bars = withChange(minuteBars(100), (b) => b.time.fill(Date.UTC(2024, 0, 1)));
    const report = validateBars(bars, { maxFindingsPerKind: 5 });
    expect(report.errors).toHaveLength(5);
    expect(report.stats.duplicates).toBe(99);
    expect(report.counts).toEqual({ 'duplicate-time': 99 });
  });

  it('refuses times outside 2009-01-01 … 2100-01-01 and names the unit they look like', () => {
    const micro = withChange(minuteBars(3), (b) => b.time.set([1_700_000_000_000_000, 1_700_000_000_060_000, 1_700_000_000_120_000]));
    const report = validateBars(micro);
    expect(report.stats.outOfRange).toBe(3);
    expect(report.errors[0]?.kind).toBe('time-range');
    expect(report.errors[0]?.message).toBe(
      "row 0 (+055840-11-08T22:13:20.000Z): time +055840-11-08T22:13:20.000Z is outside 2009-01-01 ≤ time < 2100-01-01 (UTC) (read as milliseconds); the value looks like microseconds: use --time-unit us (timeUnit: 'us')",
    );
    const nano = withChange(minuteBars(1), (b) => b.time.set([1.7e18]));
    expect(validateBars(nano).errors[0]?.message).toContain('outside 2009-01-01 ≤ time < 2100-01-01 (UTC) (read as milliseconds); the value looks like nanoseconds: use --time-unit ns');
    const seconds = withChange(minuteBars(1), (b) => b.time.set([1_700_000_000]));
    expect(validateBars(seconds).errors[0]?.message).toContain('1970-01-20T16:13:20.000Z is outside 2009-01-01 ≤ time < 2100-01-01 (UTC) (read as milliseconds); the value looks like seconds: use --time-unit s');
    expect(validateBars(withChange(minuteBars(1), (b) => b.time.set([Date.UTC(2100, 0, 1)]))).ok).toBe(false);
    expect(validateBars(withChange(minuteBars(1), (b) => b.time.set([Date.UTC(2009, 0, 1)]))).ok).toBe(true);
  });

  it('refuses prices that are zero or negative, naming the row', () => {
    const bars = withChange(minuteBars(4), (b) => {
      b.open.set([-1, -1, -1, -1]);
      b.high.set([-0.5, -0.5, -0.5, -0.5]);
      b.low.set([-2, -2, -2, -2]);
      b.close.set([-1, -1, -1, -1]);
    });
    const report = validateBars(bars);
    expect(report.ok).toBe(false);
    expect(report.stats.nonPositivePrices).toBe(4);
    expect(report.errors[0]?.message).toBe('row 0 (2024-01-01T00:00:00.000Z): prices must be > 0: open -1, high -0.5, low -2, close -1');
    const zero = withChange(minuteBars(2), (b) => b.low.set([0, 99.5]));
    expect(validateBars(zero).errors.map((e) => e.kind)).toEqual(['non-positive-price']);
  });

  it('reports an empty series as an error', () => {
    expect(validateBars(minuteBars(0)).errors.map((e) => e.kind)).toEqual(['empty']);
  });
});
