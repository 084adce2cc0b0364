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
  const first = period - 1;
  for (let i = 0; i < Math.min(first, n); i++) {
    const v = x[i]!;
    run = v === prev ? run + 1 : 1;
    prev = v;
    const d = v - shift;
    s1 += d;
    s2 += d * d;
    out[i] = Number.NaN;
  }
  // Blocks: the first (bars period − 1 .. 2·period − 2) continues the warm-up sums; each later one starts
  // by re-anchoring (shift = its first value, sums recomputed from the window), then slides.
  for (let start = first; start < n; ) {
    const end = Math.min(start === first ? 2 * period - 1 : start + period, n);
    if (start === first) {
      const d = x[start]! - shift;
      s1 += d;
      s2 += d * d;
    } else {
      shift = x[start]!;
      s1 = 0;
      s2 = 0;
      for (let j = start - period + 1; j <= start; j++) {
        const d = x[j]! - shift;
        s1 += d;
        s2 += d * d;
      }
    }
    for (let i = start; i < end; i++) {
      const v = x[i]!;
      run = v === prev ? run + 1 : 1;
      prev = v;
      if (i !== start) {
        const d = v - shift;
        const o = x[i - period]! - shift;
        s1 += d - o;
        s2 += d * d - o * o;
      }
      const m = s1 * invPeriod;
      const variance = (s2 - s1 * m) * invDivisor;
      out[i] =
        run >= period ? flatValue : variance > 0 ? (v - (shift + m)) / Math.sqrt(variance) : variance === variance ? flatValue : Number.NaN;
    }
    start = end;
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
