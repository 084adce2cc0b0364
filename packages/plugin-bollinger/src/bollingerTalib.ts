import type { BollingerOutputs } from './bollinger.ts';

/** TA-Lib's `TA_EPSILON`: a variance below it gives σ = 0 (`TA_IS_ZERO_OR_NEG`). */
const TALIB_EPSILON = 1e-14;

/**
 * Bollinger Bands as TA-Lib computes them, bit for bit: `BBANDS(close, period, k, k, SMA)` — the SMA
 * from one running sum started at bar 0 (`TA_INT_SMA`), σ from a running sum of squares minus the
 * squared SMA (`TA_INT_stddev_using_precalc_ma`, 0 when that variance is below 1e-14), bands `SMA ± σ·k`;
 * %b and bandwidth from those bands as in {@link bollinger}. TA-Lib's σ loses digits to cancellation
 * (off by up to 1.3e−6 at BTC prices, ≈ 1.4e−3 instead of 0 on a flat window): use it only to reproduce
 * TA-Lib. NaN for the first `period − 1` bars.
 */
export function bollingerTalib(close: Float64Array, out: BollingerOutputs, period = 20, k = 2): void {
  const { upper, middle, lower, percentB, bandwidth, std } = out;
  const n = close.length;
  const head = Math.min(period - 1, n);
  for (let i = 0; i < head; i++) {
    upper[i] = middle[i] = lower[i] = percentB[i] = bandwidth[i] = Number.NaN;
    if (std) std[i] = Number.NaN;
  }
  let total = 0;
  let total2 = 0;
  for (let i = 0; i < head; i++) {
    const v = close[i]!;
    total += v;
    total2 += v * v;
  }
  for (let i = period - 1; i < n; i++) {
    const v = close[i]!;
    const oldest = close[i - period + 1]!;
    total += v;
    const m = total / period;
    total -= oldest;
    total2 += v * v;
    const meanSquare = total2 / period;
    total2 -= oldest * oldest;
    const variance = meanSquare - m * m;
    const sigma = variance < TALIB_EPSILON ? 0 : Math.sqrt(variance);
    const width = sigma * k;
    const u = m + width;
    const l = m - width;
    middle[i] = m;
    upper[i] = u;
    lower[i] = l;
    percentB[i] = u > l ? (v - l) / (u - l) : u === l ? 0.5 : Number.NaN;
    bandwidth[i] = (u - l) / m;
    if (std) std[i] = sigma;
  }
}

/** Streaming TA-Lib Bollinger Bands, bit-identical to {@link bollingerTalib}: `[upper, middle, lower, %b, bandwidth]` (reused). */
export class BollingerTalibState {
  readonly #period: number;
  readonly #k: number;
  readonly #window: Float64Array;
  readonly #values = new Float64Array(5).fill(Number.NaN);
  #count = 0;
  #total = 0;
  #total2 = 0;

  constructor(period = 20, k = 2) {
    this.#period = period;
    this.#k = k;
    this.#window = new Float64Array(period);
  }

  update(close: number): Float64Array {
    const period = this.#period;
    const i = this.#count++;
    this.#window[i % period] = close;
    if (i < period - 1) {
      this.#total += close;
      this.#total2 += close * close;
      return this.#values;
    }
    const oldest = this.#window[(i + 1) % period]!;
    this.#total += close;
    const m = this.#total / period;
    this.#total -= oldest;
    this.#total2 += close * close;
    const meanSquare = this.#total2 / period;
    this.#total2 -= oldest * oldest;
    const variance = meanSquare - m * m;
    const sigma = variance < TALIB_EPSILON ? 0 : Math.sqrt(variance);
    const width = sigma * this.#k;
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
