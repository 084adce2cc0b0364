import { rollingMeanStd, RollingMoments, type Deviation } from './rollingMoments.ts';

/**
 * Rolling z-score `z[i] = (x[i] − mean) / σ` over the last `period` values of `x` (population σ by
 * default, sample σ with N − 1 on request). A flat window (σ = 0) gives `flatValue` (default 0: the
 * value sits exactly at its mean). NaN for the first `period − 1` bars. `mean` and `std` are scratch
 * arrays of the same length (they receive the rolling mean and σ).
 */
export function zscore(
  x: Float64Array,
  out: Float64Array,
  mean: Float64Array,
  std: Float64Array,
  period = 20,
  deviation: Deviation = 'population',
  flatValue = 0,
): void {
  rollingMeanStd(x, period, deviation, mean, std);
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const s = std[i]!;
    out[i] = s > 0 ? (x[i]! - mean[i]!) / s : s === 0 ? flatValue : Number.NaN;
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
