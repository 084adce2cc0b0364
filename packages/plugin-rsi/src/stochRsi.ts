import { rsi, RsiState, type RsiMethod } from './rsi.ts';

/**
 * Stochastic RSI: where the RSI sits inside its own range over the last `stochPeriod` RSI values,
 * `100 · (RSI − min) / (max − min)`; 50 when the range is 0. Raw %K (no smoothing; TA-Lib's STOCHRSI
 * with fastK = 1). First value at bar `period + stochPeriod − 1`. `rsiOut` receives the RSI.
 * Rolling min and max use monotonic deques: O(1) amortised per bar, no allocation per bar.
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
  const first = period + stochPeriod - 1;
  for (let i = 0; i < Math.min(first, n); i++) out[i] = Number.NaN;
  const maxQ = new Int32Array(stochPeriod);
  const minQ = new Int32Array(stochPeriod);
  let maxHead = 0;
  let maxLen = 0;
  let minHead = 0;
  let minLen = 0;
  for (let i = period; i < n; i++) {
    const v = rsiOut[i]!;
    const oldest = i - stochPeriod + 1;
    if (maxLen > 0 && maxQ[maxHead]! < oldest) {
      maxHead = (maxHead + 1) % stochPeriod;
      maxLen--;
    }
    if (minLen > 0 && minQ[minHead]! < oldest) {
      minHead = (minHead + 1) % stochPeriod;
      minLen--;
    }
    while (maxLen > 0 && rsiOut[maxQ[(maxHead + maxLen - 1) % stochPeriod]!]! <= v) maxLen--;
    maxQ[(maxHead + maxLen) % stochPeriod] = i;
    maxLen++;
    while (minLen > 0 && rsiOut[minQ[(minHead + minLen - 1) % stochPeriod]!]! >= v) minLen--;
    minQ[(minHead + minLen) % stochPeriod] = i;
    minLen++;
    if (i < first) continue;
    const hi = rsiOut[maxQ[maxHead]!]!;
    const lo = rsiOut[minQ[minHead]!]!;
    out[i] = hi > lo ? (100 * (v - lo)) / (hi - lo) : 50;
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
