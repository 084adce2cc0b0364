import { MeanStdChunks, RollingMoments, type Deviation } from './rollingMoments.ts';

/**
 * Rolling z-score `z[i] = (x[i] − mean) / σ` over the last `period` values of `x` (population σ by
 * default, sample σ with N − 1 on request). A flat window (σ = 0) gives `flatValue` (default 0: the
 * value sits exactly at its mean). NaN for the first `period − 1` bars. The moments are those of
 * `rollingMeanStd`; the kernel ({@link MeanStdChunks}) writes z in the same loop.
 */
export function zscore(x: Float64Array, out: Float64Array, period = 20, deviation: Deviation = 'population', flatValue = 0): void {
  const chunks = new MeanStdChunks(x, period, deviation, { out, flatValue });
  while (chunks.next());
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
