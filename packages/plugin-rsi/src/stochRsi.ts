import { rsi, RsiState, type RsiMethod } from './rsi.ts';

/**
 * Stochastic RSI: where the RSI sits inside its own range over the last `stochPeriod` RSI values,
 * `100 · (RSI − min) / (max − min)`; 50 when the range is 0. Raw %K (no smoothing; TA-Lib's STOCHRSI
 * with fastK = 1). First value at bar `period + stochPeriod − 1`.
 *
 * Rolling min and max by van Herk/Gil-Werman: the RSI series is cut into blocks of `stochPeriod`
 * values; a window ending in block b is the tail of block b − 1 (its suffix extreme, computed backwards)
 * plus the head of block b (a running extreme). Only the previous block's suffixes are kept, so the
 * RSI is computed into `out` and turned into Stochastic RSI in place, with two small buffers.
 */
export function stochRsi(close: Float64Array, out: Float64Array, period = 14, stochPeriod = 14, method: RsiMethod = 'wilder'): void {
  rsi(close, out, period, method);
  const n = close.length;
  const k = stochPeriod;
  const first = period + k - 1;
  let prevMax = new Float64Array(k);
  let prevMin = new Float64Array(k);
  let curMax = new Float64Array(k);
  let curMin = new Float64Array(k);
  for (let start = period; start < n; start += k) {
    const last = Math.min(start + k, n) - 1;
    let hi = out[last]!;
    let lo = hi;
    curMax[last - start] = hi;
    curMin[last - start] = lo;
    for (let j = last - 1; j >= start; j--) {
      const r = out[j]!;
      hi = hi > r ? hi : r;
      lo = lo < r ? lo : r;
      curMax[j - start] = hi;
      curMin[j - start] = lo;
    }
    hi = -Infinity;
    lo = Infinity;
    for (let i = start; i <= last; i++) {
      const v = out[i]!;
      hi = hi > v ? hi : v;
      lo = lo < v ? lo : v;
      if (i < first) {
        out[i] = Number.NaN;
        continue;
      }
      const offset = i - start + 1; // where the window starts inside the previous block
      let h = hi;
      let l = lo;
      if (offset < k) {
        const pm = prevMax[offset]!;
        const pn = prevMin[offset]!;
        if (pm > h) h = pm;
        if (pn < l) l = pn;
      }
      out[i] = h > l ? (100 * (v - l)) / (h - l) : 50;
    }
    const swapMax = prevMax;
    prevMax = curMax;
    curMax = swapMax;
    const swapMin = prevMin;
    prevMin = curMin;
    curMin = swapMin;
  }
}

/** Streaming Stochastic RSI, bit-identical to {@link stochRsi}. `update` returns `[stochRsi]` (reused). */
export class StochRsiState {
  readonly #rsi: RsiState;
  readonly #period: number;
  readonly #stochPeriod: number;
  readonly #ring: Float64Array;
  readonly #values = new Float64Array(1);
  #count = 0;

  constructor(period = 14, stochPeriod = 14, method: RsiMethod = 'wilder') {
    this.#rsi = new RsiState(period, method);
    this.#period = period;
    this.#stochPeriod = stochPeriod;
    this.#ring = new Float64Array(stochPeriod);
  }

  update(close: number): Float64Array {
    const i = this.#count++;
    const v = this.#rsi.update(close);
    this.#values[0] = Number.NaN;
    if (i < this.#period) return this.#values;
    this.#ring[i % this.#stochPeriod] = v;
    if (i < this.#period + this.#stochPeriod - 1) return this.#values;
    let hi = -Infinity;
    let lo = Infinity;
    for (let k = 0; k < this.#stochPeriod; k++) {
      const r = this.#ring[k]!;
      if (r > hi) hi = r;
      if (r < lo) lo = r;
    }
    this.#values[0] = hi > lo ? (100 * (v - lo)) / (hi - lo) : 50;
    return this.#values;
  }
}
