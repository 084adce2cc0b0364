import { MeanStdChunks, RollingMoments, type Deviation } from './rollingMoments.ts';

/**
 * Rolling z-score `z[i] = (x[i] − mean) / σ` over the last `period` values of `x` (population σ by
 * default, sample σ with N − 1 on request). A flat window (σ = 0) gives `flatValue` (default 0: the
 * value sits exactly at its mean). NaN for the first `period − 1` bars. The moments are those of
 * `rollingMeanStd`, taken chunk by chunk ({@link MeanStdChunks}) while they are in cache.
 */
export function zscore(x: Float64Array, out: Float64Array, period = 20, deviation: Deviation = 'population', flatValue = 0): void {
  const chunks = new MeanStdChunks(x, period, deviation);
  while (chunks.next()) {
    const { from, to, mean, std } = chunks;
    // σ is > 0, 0 or NaN, and (x − mean) / NaN is NaN, so only σ = 0 needs fixing up (a store after
    // the division runs faster than a select between the two).
    for (let i = from; i < to; i++) {
      const s = std[i - from]!;
      out[i] = (x[i]! - mean[i - from]!) / s;
      if (s === 0) out[i] = flatValue;
    }
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
