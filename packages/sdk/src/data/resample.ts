import type { Bars } from '../features/types.ts';
import { type MutableBars, allocateBars, isoTime, optionalColumnsOf } from './bars.ts';
import { DataError } from './errors.ts';
import { bucketStart, parseTimeframe } from './timeframe.ts';

/**
 * Neumaier-compensated running sum: the result is the exact sum rounded once, so a day of hourly
 * volumes matches a venue's own daily figure to the last printed decimal instead of drifting by
 * one rounding error per addition.
 */
class CompensatedSum {
  sum = 0;
  #carry = 0;
  add(x: number): void {
    const t = this.sum + x;
    this.#carry += Math.abs(this.sum) >= Math.abs(x) ? this.sum - t + x : x - t + this.sum;
    this.sum = t;
  }
  get value(): number {
    return this.sum + this.#carry;
  }
  reset(): void {
    this.sum = 0;
    this.#carry = 0;
  }
}

/**
 * Aggregates bars into a coarser UTC-aligned timeframe: open = first open, high = max, low = min,
 * close = last close, volume / trades / buy / sell volume = sums. Empty buckets (sparse input)
 * produce no bar. `toTf` must be a whole multiple of `fromTf`; the input must be sorted.
 */
export function resampleBars(bars: Bars, fromTf: string, toTf: string): Bars {
  const from = parseTimeframe(fromTf);
  const to = parseTimeframe(toTf);
  if (to.ms < from.ms || to.ms % from.ms !== 0) {
    throw new DataError(`cannot resample ${from.label} to ${to.label}: the target must be a whole multiple of the source timeframe`);
  }
  const n = bars.length;
  const { time, open, high, low, close, volume } = bars;
  const optional = optionalColumnsOf(bars);

  let buckets = 0;
  let previous = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const t = time[i] as number;
    if (!(t > previous)) throw new DataError(`resample: row ${i} (${isoTime(t)}) is not after row ${i - 1}; sort and de-duplicate first`);
    if (i === 0 || bucketStart(t, to.ms) !== bucketStart(previous, to.ms)) buckets++;
    previous = t;
  }

  const out = allocateBars(buckets, optional) as MutableBars;
  const sums = [volume, ...optional.map((name) => bars[name] as Float64Array)];
  const outSums = [out.volume, ...optional.map((name) => out[name] as Float64Array)];
  const acc = sums.map(() => new CompensatedSum());
  let b = -1;
  let bucket = Number.NaN;
  const flush = () => {
    if (b < 0) return;
    acc.forEach((a, k) => {
      (outSums[k] as Float64Array)[b] = a.value;
      a.reset();
    });
  };
  for (let i = 0; i < n; i++) {
    const start = bucketStart(time[i] as number, to.ms);
    if (start !== bucket) {
      flush();
      b++;
      bucket = start;
      out.time[b] = start;
      out.open[b] = open[i] as number;
      out.high[b] = high[i] as number;
      out.low[b] = low[i] as number;
    } else {
      if ((high[i] as number) > (out.high[b] as number)) out.high[b] = high[i] as number;
      if ((low[i] as number) < (out.low[b] as number)) out.low[b] = low[i] as number;
    }
    out.close[b] = close[i] as number;
    for (let k = 0; k < sums.length; k++) (acc[k] as CompensatedSum).add((sums[k] as Float64Array)[i] as number);
  }
  flush();
  return out;
}
