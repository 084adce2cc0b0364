import { RollingMoments } from '@tradecore/plugin-zscore';

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
 * BBANDS with SMA), plus %b and bandwidth. σ uses the cancellation-free rolling scheme of
 * `@tradecore/plugin-zscore` (`rollingMeanStd`: sums of x − shift, re-anchored every `period` bars,
 * exact σ = 0 for a flat window), fused here into one pass; TA-Lib's own E[x²] − E[x]² differs from
 * exact by up to ~1e−6 at BTC prices. NaN for the first `period − 1` bars. `std` (optional) receives σ.
 */
export function bollinger(close: Float64Array, out: BollingerOutputs, period = 20, k = 2): void {
  const { upper, middle, lower, percentB, bandwidth, std } = out;
  const n = close.length;
  const invPeriod = 1 / period;
  let shift = n > 0 ? close[0]! : 0;
  let s1 = 0;
  let s2 = 0;
  let run = 0;
  let prev = Number.NaN;
  const first = period - 1;
  for (let i = 0; i < Math.min(first, n); i++) {
    const v = close[i]!;
    run = v === prev ? run + 1 : 1;
    prev = v;
    const d = v - shift;
    s1 += d;
    s2 += d * d;
    upper[i] = middle[i] = lower[i] = percentB[i] = bandwidth[i] = Number.NaN;
    if (std) std[i] = Number.NaN;
  }
  // Blocks as in `rollingMeanStd`: the first continues the warm-up sums, later ones re-anchor, then slide.
  for (let start = first; start < n; ) {
    const end = Math.min(start === first ? 2 * period - 1 : start + period, n);
    if (start === first) {
      const d = close[start]! - shift;
      s1 += d;
      s2 += d * d;
    } else {
      shift = close[start]!;
      s1 = 0;
      s2 = 0;
      for (let j = start - period + 1; j <= start; j++) {
        const d = close[j]! - shift;
        s1 += d;
        s2 += d * d;
      }
    }
    for (let i = start; i < end; i++) {
      const v = close[i]!;
      run = v === prev ? run + 1 : 1;
      prev = v;
      if (i !== start) {
        const d = v - shift;
        const o = close[i - period]! - shift;
        s1 += d - o;
        s2 += d * d - o * o;
      }
      const m0 = s1 * invPeriod;
      const variance = (s2 - s1 * m0) * invPeriod;
      const flat = run >= period;
      const m = flat ? v : shift + m0;
      const sigma = flat ? 0 : variance > 0 ? Math.sqrt(variance) : variance === variance ? 0 : Number.NaN;
      const width = k * sigma;
      const u = m + width;
      const l = m - width;
      middle[i] = m;
      upper[i] = u;
      lower[i] = l;
      percentB[i] = u > l ? (v - l) / (u - l) : u === l ? 0.5 : Number.NaN;
      bandwidth[i] = (u - l) / m;
      if (std) std[i] = sigma;
    }
    start = end;
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
