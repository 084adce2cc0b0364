import { RollingMoments, type Deviation } from './rollingMoments.ts';

/**
 * Rolling z-score `z[i] = (x[i] − mean) / σ` over the last `period` values of `x` (population σ by
 * default, sample σ with N − 1 on request). A flat window (σ = 0) gives `flatValue` (default 0: the
 * value sits exactly at its mean). NaN for the first `period − 1` bars. Same arithmetic as
 * `rollingMeanStd` (shifted sums, re-anchored every `period` bars), fused into one pass.
 */
export function zscore(x: Float64Array, out: Float64Array, period = 20, deviation: Deviation = 'population', flatValue = 0): void {
  const n = x.length;
  const invPeriod = 1 / period;
  const invDivisor = 1 / (deviation === 'population' ? period : period - 1);
  let shift = n > 0 ? x[0]! : 0;
  let s1 = 0;
  let s2 = 0;
  let run = 0;
  let prev = Number.NaN;
  const warm = Math.min(period - 1, n);
  for (let i = 0; i < warm; i++) {
    const v = x[i]!;
    run = v === prev ? run + 1 : 1;
    prev = v;
    const d = v - shift;
    s1 += d;
    s2 += d * d;
    out[i] = Number.NaN;
  }
  let left = period - 1;
  for (let i = warm; i < n; i++) {
    const v = x[i]!;
    run = v === prev ? run + 1 : 1;
    prev = v;
    if (i < period) {
      const d = v - shift;
      s1 += d;
      s2 += d * d;
    } else if (left === 0) {
      left = period - 1;
      shift = v;
      s1 = 0;
      s2 = 0;
      for (let j = i - period + 1; j <= i; j++) {
        const d = x[j]! - shift;
        s1 += d;
        s2 += d * d;
      }
    } else {
      left--;
      const d = v - shift;
      const o = x[i - period]! - shift;
      s1 += d - o;
      s2 += d * d - o * o;
    }
    if (run >= period) {
      out[i] = flatValue;
      continue;
    }
    const m = s1 * invPeriod;
    const variance = (s2 - s1 * m) * invDivisor;
    out[i] = variance > 0 ? (v - (shift + m)) / Math.sqrt(variance) : variance === variance ? flatValue : Number.NaN;
  }
}

/** Streaming rolling z-score, bit-identical to {@link zscore}. */
export class ZScoreState {
  readonly #moments: RollingMoments;
  readonly #flatValue: number;
  readonly #values = new Float64Array(1);

  constructor(period = 20, deviation: Deviation = 'population', flatValue = 0) {
    this.#moments = new RollingMoments(period, deviation);
    this.#flatValue = flatValue;
  }

  /** Adds one value and returns `[z]` (a reused array). */
  update(x: number): Float64Array {
    const m = this.#moments;
    m.update(x);
    const s = m.std;
    this.#values[0] = s > 0 ? (x - m.mean) / s : s === 0 ? this.#flatValue : Number.NaN;
    return this.#values;
  }
}
