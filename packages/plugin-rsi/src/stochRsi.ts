import { rsi, RsiState, type RsiMethod } from './rsi.ts';

/**
 * Stochastic RSI: where the RSI sits inside its own range over the last `stochPeriod` RSI values,
 * `100 · (RSI − min) / (max − min)`; 50 when the range is 0. Raw %K, i.e. TA-Lib's
 * `STOCHRSI(close, timeperiod = period, fastk_period = stochPeriod, fastd_period = 1)` fastK. With
 * `talib` it is that output bit for bit: TA-Lib's RSI ({@link rsi}), `(RSI − min) / ((max − min) / 100)`
 * and 0 when the range is 0. First value at bar `period + stochPeriod − 1`.
 *
 * Rolling min and max by van Herk/Gil-Werman: the RSI series is cut into blocks of `stochPeriod`
 * values; a window ending in block b is the tail of block b − 1 (its suffix extreme, computed backwards)
 * plus the head of block b (a running extreme). Only the previous block's suffixes are kept, so the
 * RSI is computed into `out` and turned into Stochastic RSI in place, with small buffers.
 *
 * The running extremes are updated without branches: V8 compiles `a > b ? a : b` on doubles to a
 * branch, and the RSI turns up or down almost at random from bar to bar (runs of 1.9 bars on BTC 1m),
 * so those branches were mispredicted about half the time. Instead the comparison's 0/1 picks one of
 * two values from a small table ({@link select}). Like {@link StochRsiState}, NaN RSI values are skipped
 * by min and max.
 */
export function stochRsi(close: Float64Array, out: Float64Array, period = 14, stochPeriod = 14, method: RsiMethod = 'wilder', talib = false): void {
  rsi(close, out, period, method, talib);
  const n = close.length;
  const k = stochPeriod;
  const first = period + k - 1;
  // Suffix extremes of the previous and the current block; slot k is a sentinel (−∞ / +∞) for the
  // window that starts exactly at a block start (it takes nothing from the previous block).
  let prevMax = new Float64Array(k + 1);
  let prevMin = new Float64Array(k + 1);
  let curMax = new Float64Array(k + 1);
  let curMin = new Float64Array(k + 1);
  prevMax[k] = curMax[k] = Number.NEGATIVE_INFINITY;
  prevMin[k] = curMin[k] = Number.POSITIVE_INFINITY;
  const slots = new Float64Array(4); // scratch of `select`: 0–1 for the max, 2–3 for the min
  for (let start = period; start < n; start += k) {
    const last = Math.min(start + k, n) - 1;
    let hi = Number.NEGATIVE_INFINITY;
    let lo = Number.POSITIVE_INFINITY;
    for (let j = last; j >= start; j--) {
      const r = out[j]!;
      hi = select(slots, 0, +(r > hi), hi, r);
      lo = select(slots, 2, +(r < lo), lo, r);
      curMax[j - start] = hi;
      curMin[j - start] = lo;
    }
    hi = Number.NEGATIVE_INFINITY;
    lo = Number.POSITIVE_INFINITY;
    for (let i = start; i <= last; i++) {
      const v = out[i]!;
      hi = select(slots, 0, +(v > hi), hi, v);
      lo = select(slots, 2, +(v < lo), lo, v);
      if (i < first) {
        out[i] = Number.NaN;
        continue;
      }
      // The window also covers the previous block from offset i − start + 1 on (the sentinel when that is k).
      const pm = prevMax[i - start + 1]!;
      const pn = prevMin[i - start + 1]!;
      const h = pm > hi ? pm : hi;
      const l = pn < lo ? pn : lo;
      out[i] = talib ? talibStochK(v, h, l) : h > l ? (100 * (v - l)) / (h - l) : 50;
    }
    const swapMax = prevMax;
    prevMax = curMax;
    curMax = swapMax;
    const swapMin = prevMin;
    prevMin = curMin;
    curMin = swapMin;
  }
}

/** TA-Lib's STOCHF %K arithmetic: `diff = (highest − lowest) / 100`, then `(v − lowest) / diff`, or 0. */
function talibStochK(v: number, highest: number, lowest: number): number {
  const diff = (highest - lowest) / 100;
  return diff !== 0 ? (v - lowest) / diff : 0;
}

/**
 * `which === 1 ? b : a` for `which` 0 or 1, without a branch (V8 compiles a choice between doubles to a
 * jump): `a` and `b` go to `slots[at]` and `slots[at + 1]`, and `which` picks one.
 */
function select(slots: Float64Array, at: number, which: number, a: number, b: number): number {
  slots[at] = a;
  slots[at + 1] = b;
  return slots[at + which]!;
}

/** Streaming Stochastic RSI, bit-identical to {@link stochRsi}. `update` returns `[stochRsi]` (reused). */
export class StochRsiState {
  readonly #rsi: RsiState;
  readonly #period: number;
  readonly #stochPeriod: number;
  readonly #ring: Float64Array;
  readonly #values = new Float64Array(1);
  readonly #talib: boolean;
  #count = 0;

  constructor(period = 14, stochPeriod = 14, method: RsiMethod = 'wilder', talib = false) {
    this.#rsi = new RsiState(period, method, talib);
    this.#period = period;
    this.#stochPeriod = stochPeriod;
    this.#talib = talib;
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
    this.#values[0] = this.#talib ? talibStochK(v, hi, lo) : hi > lo ? (100 * (v - lo)) / (hi - lo) : 50;
    return this.#values;
  }
}
