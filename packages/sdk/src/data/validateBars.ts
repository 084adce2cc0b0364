import type { Bars } from '../features/types.ts';
import { isoTime, optionalColumnsOf } from './bars.ts';
import { isBarTime, timeOutOfRange } from './timeBounds.ts';

export type ValidationErrorKind =
  | 'non-finite'
  | 'time-range'
  | 'non-monotonic'
  | 'duplicate-time'
  | 'misaligned'
  | 'ohlc'
  | 'non-positive-price'
  | 'negative'
  | 'non-integer'
  | 'empty';
export type ValidationWarningKind = 'gap' | 'zero-volume' | 'buy-sell-sum';

export interface ValidationFinding<K extends string> {
  kind: K;
  /** Row index (0-based); -1 when the finding is about the whole series. */
  row: number;
  /** ISO time of that row, when it has a valid one. */
  time?: string;
  message: string;
}

export interface ValidationStats {
  rows: number;
  firstTime: string | null;
  lastTime: string | null;
  /** Bar length the checks used: the given timeframe, else the most frequent spacing. */
  timeframeMs: number | null;
  gaps: { count: number; missingBars: number; largestMs: number; largestAt: string | null };
  duplicates: number;
  nonMonotonic: number;
  ohlcViolations: number;
  /** Rows with a time outside 2009-01-01 ≤ t < 2100-01-01. */
  outOfRange: number;
  /** Rows with an open, high, low or close ≤ 0. */
  nonPositivePrices: number;
  nonFinite: number;
  zeroVolumeBars: number;
  zeroVolumeShare: number;
  /** Bars with open = high = low = close. */
  flatBars: number;
}

export interface ValidationReport {
  /** Problems that make the series unusable (the lake refuses to write or read it). */
  errors: ValidationFinding<ValidationErrorKind>[];
  /** Facts worth knowing that do not block use (gaps, many zero-volume bars). */
  warnings: ValidationFinding<ValidationWarningKind>[];
  /** How many findings of each kind there were in all; `errors`/`warnings` keep the first few of each. */
  counts: Partial<Record<ValidationErrorKind | ValidationWarningKind, number>>;
  stats: ValidationStats;
  ok: boolean;
}

export interface ValidateBarsOptions {
  /** Expected bar length in ms; enables the alignment check and exact gap counting. */
  timeframeMs?: number;
  /** Findings kept per kind (counts in `stats` stay exact). Default 20. */
  maxFindingsPerKind?: number;
  /** Warn when more than this share of bars has zero volume. Default 0.05. */
  zeroVolumeWarnShare?: number;
  /**
   * How the series stores bar periods without trades (a manifest's `emptyBars`). With `flat`, a zero-volume
   * bar whose open = high = low = close = the previous close (and trades = 0 when counted) stands for a
   * missing bar: it is reported as part of a gap, exactly as if the row were omitted, and not as a
   * zero-volume bar. Default `omit`: every row is a bar.
   */
  emptyBars?: 'omit' | 'flat';
}

function mostFrequentSpacing(time: Float64Array): number | null {
  const counts = new Map<number, number>();
  const step = Math.max(1, Math.floor(time.length / 5000));
  for (let i = step; i < time.length; i += step) {
    const d = (time[i] as number) - (time[i - 1] as number);
    if (d > 0) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let best: number | null = null;
  let bestCount = 0;
  for (const [d, c] of counts) if (c > bestCount || (c === bestCount && d < (best ?? Infinity))) [best, bestCount] = [d, c];
  return best;
}

function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${ms / 1000}s`;
}

/**
 * Checks a bar series. Errors: non-finite values, times outside 2009-01-01 ≤ t < 2100-01-01 (the
 * message names the unit the number looks like), times not strictly increasing (duplicates reported
 * apart), bars off the timeframe grid, OHLC inconsistencies (high below open/close/low, low above
 * open/close), prices ≤ 0, negative volumes or counts, trade counts that are not whole numbers. Warnings: gaps, a high zero-volume share,
 * buy + sell volume differing from volume. Every message names the row and its time.
 */
export function validateBars(bars: Bars, options: ValidateBarsOptions = {}): ValidationReport {
  const limit = options.maxFindingsPerKind ?? 20;
  const errors: ValidationFinding<ValidationErrorKind>[] = [];
  const warnings: ValidationFinding<ValidationWarningKind>[] = [];
  const perKind = new Map<string, number>();
  const keep = (kind: string) => {
    const n = (perKind.get(kind) ?? 0) + 1;
    perKind.set(kind, n);
    return n <= limit;
  };
  const { length: n, time, open, high, low, close, volume } = bars;
  const at = (i: number) => {
    const t = time[i] as number;
    return Number.isFinite(t) ? isoTime(t) : undefined;
  };
  const where = (i: number) => {
    const t = at(i);
    return t ? `row ${i} (${t})` : `row ${i}`;
  };
  const error = (kind: ValidationErrorKind, i: number, message: string) => {
    if (keep(kind)) errors.push({ kind, row: i, ...(at(i) ? { time: at(i) } : {}), message: `${where(i)}: ${message}` });
  };

  const stats: ValidationStats = {
    rows: n,
    firstTime: n ? (at(0) ?? null) : null,
    lastTime: n ? (at(n - 1) ?? null) : null,
    timeframeMs: options.timeframeMs ?? mostFrequentSpacing(time),
    gaps: { count: 0, missingBars: 0, largestMs: 0, largestAt: null },
    duplicates: 0,
    nonMonotonic: 0,
    ohlcViolations: 0,
    outOfRange: 0,
    nonPositivePrices: 0,
    nonFinite: 0,
    zeroVolumeBars: 0,
    zeroVolumeShare: 0,
    flatBars: 0,
  };
  if (n === 0) {
    errors.push({ kind: 'empty', row: -1, message: 'no bars' });
    return { errors, warnings, counts: { empty: 1 }, stats, ok: false };
  }
  const tf = stats.timeframeMs;
  const grid = options.timeframeMs ?? 0;
  let largestGapRow = -1;
  const fillers = options.emptyBars === 'flat';
  const tradeCounts = bars.trades;
  // Time of the last bar that is not a `flat` filler: gaps are measured from it, so filled and omitted
  // periods are reported alike.
  let lastReal = Number.NaN;

  for (let i = 0; i < n; i++) {
    const t = time[i] as number;
    const o = open[i] as number;
    const h = high[i] as number;
    const l = low[i] as number;
    const c = close[i] as number;
    const v = volume[i] as number;
    // One combined finiteness test keeps the common path to a single branch.
    if (!Number.isFinite(t + o + h + l + c + v)) {
      stats.nonFinite++;
      const bad = (
        [
          ['time', t],
          ['open', o],
          ['high', h],
          ['low', l],
          ['close', c],
          ['volume', v],
        ] as const
      ).filter(([, x]) => !Number.isFinite(x));
      error('non-finite', i, `${bad.map(([name, x]) => `${name} is ${x}`).join(', ')}`);
      continue;
    }
    if (!isBarTime(t)) {
      stats.outOfRange++;
      error('time-range', i, timeOutOfRange(t, { value: t, unit: 'ms' }) as string);
    }
    const filler = fillers && i > 0 && v === 0 && o === h && h === l && l === c && c === close[i - 1] && (tradeCounts === undefined || tradeCounts[i] === 0);
    if (i > 0) {
      const prev = fillers ? lastReal : (time[i - 1] as number);
      const d = t - (time[i - 1] as number);
      const span = t - prev;
      if (d === 0) {
        stats.duplicates++;
        error('duplicate-time', i, `time ${at(i)} repeats row ${i - 1}`);
      } else if (d < 0) {
        stats.nonMonotonic++;
        error('non-monotonic', i, `time ${at(i)} is before row ${i - 1} (${isoTime(prev)}); times must increase`);
      } else if (!filler && tf !== null && span > tf && Number.isFinite(prev)) {
        stats.gaps.count++;
        stats.gaps.missingBars += Math.round(span / tf) - 1;
        if (span > stats.gaps.largestMs) {
          stats.gaps.largestMs = span;
          largestGapRow = i;
        }
      }
    }
    if (!filler) lastReal = t;
    // floor-multiply instead of `%`: a float modulo costs about as much as the rest of the loop.
    if (grid !== 0 && Math.floor(t / grid) * grid !== t) error('misaligned', i, `time ${at(i)} is not on the ${formatDuration(grid)} grid (UTC)`);
    if (h < o || h < c || h < l || l > o || l > c) {
      stats.ohlcViolations++;
      error('ohlc', i, `OHLC inconsistent: open ${o}, high ${h}, low ${l}, close ${c} (need low ≤ open, close ≤ high)`);
    }
    if (!(o > 0 && h > 0 && l > 0 && c > 0)) {
      stats.nonPositivePrices++;
      error('non-positive-price', i, `prices must be > 0: open ${o}, high ${h}, low ${l}, close ${c}`);
    }
    if (filler) {
      // A stored stand-in for a missing bar: counted in the gap above.
    } else if (v > 0) {
      if (o === h && h === l && l === c) stats.flatBars++;
    } else if (v === 0) {
      stats.zeroVolumeBars++;
      if (o === h && h === l && l === c) stats.flatBars++;
    } else error('negative', i, `volume ${v} is negative`);
  }

  for (const name of optionalColumnsOf(bars)) {
    const col = bars[name] as Float64Array;
    for (let i = 0; i < n; i++) {
      const x = col[i] as number;
      if (x >= 0 && x !== Infinity) {
        if (name === 'trades' && !(Number.isInteger(x) && x <= 2147483647)) error('non-integer', i, `trades ${x} is not a whole number (0 ≤ trades ≤ 2147483647)`);
        continue;
      }
      if (Number.isFinite(x)) error('negative', i, `${name} ${x} is negative`);
      else {
        stats.nonFinite++;
        error('non-finite', i, `${name} is ${x}`);
      }
    }
  }
  const buy = bars.buy_volume;
  const sell = bars.sell_volume;
  if (buy && sell) {
    for (let i = 0; i < n; i++) {
      const v = volume[i] as number;
      const sum = (buy[i] as number) + (sell[i] as number);
      if (Math.abs(sum - v) > 1e-9 * Math.max(1, v) && keep('buy-sell-sum')) {
        warnings.push({ kind: 'buy-sell-sum', row: i, ...(at(i) ? { time: at(i) } : {}), message: `${where(i)}: buy_volume + sell_volume = ${sum}, volume = ${v}` });
      }
    }
  }

  stats.zeroVolumeShare = stats.zeroVolumeBars / n;
  if (stats.gaps.count > 0 && tf !== null) {
    stats.gaps.largestAt = at(largestGapRow) ?? null;
    warnings.unshift({
      kind: 'gap',
      row: largestGapRow,
      ...(stats.gaps.largestAt ? { time: stats.gaps.largestAt } : {}),
      message: `${stats.gaps.count.toLocaleString('en-US')} gap(s), ${stats.gaps.missingBars.toLocaleString('en-US')} missing ${formatDuration(tf)} bar(s); largest ${formatDuration(stats.gaps.largestMs)} before ${where(largestGapRow)}`,
    });
  }
  if (stats.zeroVolumeShare > (options.zeroVolumeWarnShare ?? 0.05)) {
    warnings.push({
      kind: 'zero-volume',
      row: -1,
      message: `${(stats.zeroVolumeShare * 100).toFixed(2)} % of bars (${stats.zeroVolumeBars}) have zero volume`,
    });
  }
  if (stats.gaps.count > 0) perKind.set('gap', 1);
  if (warnings.some((w) => w.kind === 'zero-volume')) perKind.set('zero-volume', 1);
  return { errors, warnings, counts: Object.fromEntries(perKind), stats, ok: errors.length === 0 };
}
