import type { Bar } from '@tradecore/sdk';

/** Index of the first finite rate of change: it needs `period` earlier bars. */
export function rocWarmup(period: number): number {
  return period;
}

/**
 * Rate of change `ROC[i] = x[i] / x[i − period] − 1`, written into `out`; NaN before {@link rocWarmup}.
 * One pass, no allocation.
 */
export function roc(source: Float64Array, out: Float64Array, period: number): void {
  const n = source.length;
  const warmup = Math.min(rocWarmup(period), n);
  out.fill(Number.NaN, 0, warmup);
  for (let i = warmup; i < n; i++) out[i] = source[i]! / source[i - period]! - 1;
}

export type RocSource = 'open' | 'high' | 'low' | 'close';

/** Streaming rate of change over a ring buffer of the last `period` inputs; agrees with {@link roc} exactly. */
export class RocState {
  readonly #period: number;
  readonly #source: RocSource;
  readonly #ring: Float64Array;
  readonly #result = new Float64Array(1);
  #seen = 0;

  constructor(period: number, source: RocSource = 'close') {
    this.#period = period;
    this.#source = source;
    this.#ring = new Float64Array(period);
  }

  /** Adds a bar; returns `[roc]` for it (NaN during warm-up). The returned array is reused. */
  update(bar: Bar): Float64Array {
    const value = bar[this.#source];
    const slot = this.#seen % this.#period;
    this.#result[0] = this.#seen >= this.#period ? value / this.#ring[slot]! - 1 : Number.NaN;
    this.#ring[slot] = value;
    this.#seen++;
    return this.#result;
  }
}
