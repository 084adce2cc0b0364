/**
 * How an EMA starts.
 * - `first`: EMA[0] = x[0] (pandas `ewm(adjust=False)`; the StockCharts Keltner sheet). Defined from bar 0.
 * - `sma`: EMA[n−1] = mean(x[0..n−1]) (TA-Lib), NaN before.
 */
export type EmaSeed = 'first' | 'sma';

/** Index of the first finite EMA. */
export function emaWarmup(period: number, seed: EmaSeed): number {
  return seed === 'first' ? 0 : period - 1;
}

/**
 * Exponential moving average, α = 2/(period + 1): `EMA = EMA_prev + α·(x − EMA_prev)` (TA-Lib's
 * arithmetic: `(x − prev)·α + prev`), seeded as `seed` says.
 */
export function ema(x: Float64Array, out: Float64Array, period: number, seed: EmaSeed = 'first'): void {
  const n = x.length;
  if (n === 0) return;
  const alpha = 2 / (period + 1);
  let value: number;
  let from: number;
  if (seed === 'first') {
    value = x[0]!;
    out[0] = value;
    from = 1;
  } else {
    if (period > n) {
      out.fill(Number.NaN);
      return;
    }
    let sum = 0;
    for (let i = 0; i < period; i++) {
      sum += x[i]!;
      out[i] = Number.NaN;
    }
    value = sum / period;
    out[period - 1] = value;
    from = period;
  }
  for (let i = from; i < n; i++) {
    value += alpha * (x[i]! - value);
    out[i] = value;
  }
}

/** Streaming {@link ema}, bit-identical to it. */
export class EmaState {
  readonly #period: number;
  readonly #seed: EmaSeed;
  readonly #alpha: number;
  #count = 0;
  #sum = 0;
  #value = Number.NaN;

  constructor(period: number, seed: EmaSeed = 'first') {
    this.#period = period;
    this.#seed = seed;
    this.#alpha = 2 / (period + 1);
  }

  /** Adds a value and returns the EMA after it (NaN in warm-up). */
  update(x: number): number {
    const i = this.#count++;
    if (this.#seed === 'first' && i === 0) this.#value = x;
    else if (this.#seed === 'sma' && i < this.#period) {
      this.#sum += x;
      if (i === this.#period - 1) this.#value = this.#sum / this.#period;
    } else this.#value += this.#alpha * (x - this.#value);
    return this.#value;
  }
}
