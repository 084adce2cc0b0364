import { rsi, RsiState, type RsiMethod } from './rsi.ts';

/**
 * Stochastic RSI: where the RSI sits inside its own range over the last `stochPeriod` RSI values,
 * `100 · (RSI − min) / (max − min)`; 50 when the range is 0. Raw %K (no smoothing; TA-Lib's STOCHRSI
 * with fastK = 1). First value at bar `period + stochPeriod − 1`. `rsiOut` receives the RSI.
 * Rolling min and max by van Herk/Gil-Werman: blocks of `stochPeriod` values, a suffix extreme per
 * block computed backwards and a prefix extreme carried forwards; a window's extreme is the larger of
 * the two. Three comparisons per bar, no branches on the data.
 */
export function stochRsi(
  close: Float64Array,
  out: Float64Array,
  rsiOut: Float64Array,
  period = 14,
  stochPeriod = 14,
  method: RsiMethod = 'wilder',
): void {
  rsi(close, rsiOut, period, method);
  const n = close.length;
  const k = stochPeriod;
  const first = period + k - 1;
  for (let i = 0; i < Math.min(first, n); i++) out[i] = Number.NaN;
  if (first >= n) return;
  const suffixMax = new Float64Array(n);
  const suffixMin = new Float64Array(n);
  for (let start = period; start < n; start += k) {
    const last = Math.min(start + k, n) - 1;
    let hi = rsiOut[last]!;
    let lo = hi;
    suffixMax[last] = hi;
    suffixMin[last] = lo;
    for (let j = last - 1; j >= start; j--) {
      const r = rsiOut[j]!;
      hi = Math.max(hi, r);
      lo = Math.min(lo, r);
      suffixMax[j] = hi;
      suffixMin[j] = lo;
    }
  }
  for (let start = period; start < n; start += k) {
    const last = Math.min(start + k, n) - 1;
    let hi = -Infinity;
    let lo = Infinity;
    for (let i = start; i <= last; i++) {
      const v = rsiOut[i]!;
      hi = Math.max(hi, v);
      lo = Math.min(lo, v);
      if (i < first) continue;
      const h = Math.max(suffixMax[i - k + 1]!, hi);
      const l = Math.min(suffixMin[i - k + 1]!, lo);
      out[i] = h > l ? (100 * (v - l)) / (h - l) : 50;
    }
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
