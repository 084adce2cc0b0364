import { MeanStdChunks, RollingMoments } from '@tradecore/plugin-zscore';

/** Output arrays of {@link bollinger}, each as long as the input. */
export interface BollingerOutputs {
  upper: Float64Array;
  middle: Float64Array;
  lower: Float64Array;
  /** `(close − lower) / (upper − lower)`; 0.5 when the bands touch (flat window). */
  percentB: Float64Array;
  /** `(upper − lower) / middle`. */
  bandwidth: Float64Array;
  /** Optional: receives the rolling population σ. */
  std?: Float64Array;
}

/**
 * Bollinger Bands: `middle = SMA(period)`, `upper/lower = middle ± k·σ` with POPULATION σ (TA-Lib
 * BBANDS with SMA), plus %b and bandwidth. The mean and σ are those of `rollingMeanStd` from
 * `@tradecore/plugin-zscore` (the cancellation-free rolling scheme: sums of x − shift, re-anchored every
 * `period` bars, exact σ = 0 for a flat window), taken chunk by chunk while they are in cache; TA-Lib's own
 * E[x²] − E[x]² differs from exact by up to ~1e−6 at BTC prices. NaN for the first `period − 1` bars.
 * `std` (optional) receives σ.
 */
export function bollinger(close: Float64Array, out: BollingerOutputs, period = 20, k = 2): void {
  const { upper, middle, lower, percentB, bandwidth, std } = out;
  const chunks = new MeanStdChunks(close, period, 'population');
  while (chunks.next()) {
    const { from, to, mean, std: sd } = chunks;
    for (let i = from; i < to; i++) {
      const v = close[i]!;
      const m = mean[i - from]!;
      const sigma = sd[i - from]!;
      const width = k * sigma;
      const u = m + width;
      const l = m - width;
      middle[i] = m;
      upper[i] = u;
      lower[i] = l;
      percentB[i] = u > l ? (v - l) / (u - l) : u === l ? 0.5 : Number.NaN;
      bandwidth[i] = (u - l) / m;
    }
    if (std) std.set(sd.subarray(0, to - from), from);
  }
}

/** Streaming Bollinger Bands, bit-identical to {@link bollinger}: `[upper, middle, lower, %b, bandwidth]` (reused). */
export class BollingerState {
  readonly #moments: RollingMoments;
  readonly #k: number;
  readonly #values = new Float64Array(5);

  constructor(period = 20, k = 2) {
    this.#moments = new RollingMoments(period, 'population');
    this.#k = k;
  }

  update(close: number): Float64Array {
    const moments = this.#moments;
    moments.update(close);
    const m = moments.mean;
    const width = this.#k * moments.std;
    const u = m + width;
    const l = m - width;
    const v = this.#values;
    v[0] = u;
    v[1] = m;
    v[2] = l;
    v[3] = u > l ? (close - l) / (u - l) : u === l ? 0.5 : Number.NaN;
    v[4] = (u - l) / m;
    return v;
  }
}
