/**
 * How gains and losses are averaged.
 * - `wilder` (default): Wilder smoothing, α = 1/n, seeded with the plain mean of the first n moves (TA-Lib).
 * - `cutler`: simple moving average of the last n gains and losses.
 * - `ema`: exponential smoothing, α = 2/(n + 1), seeded like Wilder.
 *
 * `RSI = 100 · avgGain / (avgGain + avgLoss)` (= 100 − 100/(1 + RS)); 50 when both averages are 0
 * (no movement). First value at bar n. With `talib` (Wilder only) it is TA-Lib's RSI bit for bit,
 * including its one difference: 0 whenever avgGain + avgLoss < 1e-14 (TA-Lib's `TA_IS_ZERO`).
 */
export type RsiMethod = 'wilder' | 'cutler' | 'ema';

/** TA-Lib's `TA_EPSILON`: its RSI is 0 when avgGain + avgLoss is below this. */
export const TALIB_EPSILON = 1e-14;

/**
 * The RSI of two averages is `100 · gain / (gain + loss)` when the sum is at least `min`, else `flat`:
 * by default `min` = the smallest positive double (the ratio whenever there was any movement) and
 * `flat` = 50; TA-Lib's are 1e-14 and 0.
 */
interface Flat {
  readonly min: number;
  readonly flat: number;
}
const OURS: Flat = { min: Number.MIN_VALUE, flat: 50 };
const TALIB: Flat = { min: TALIB_EPSILON, flat: 0 };

/** Our rule, or TA-Lib's with `talib` (only Wilder RSI has a TA-Lib counterpart). */
function flatRule(method: RsiMethod, talib: boolean): Flat {
  if (talib && method !== 'wilder') throw new RangeError(`talib: TA-Lib's RSI is Wilder's; method '${method}' has no TA-Lib counterpart`);
  return talib ? TALIB : OURS;
}

function ratio(gain: number, loss: number): number {
  const sum = gain + loss;
  return sum > 0 ? 100 * (gain / sum) : 50;
}

/**
 * Writes RSI(`period`) of `close` into `out`; NaN for the first `period` bars. O(1) per bar. `talib`
 * (Wilder only) reproduces TA-Lib's RSI exactly (0 where avgGain + avgLoss < 1e-14).
 */
export function rsi(close: Float64Array, out: Float64Array, period = 14, method: RsiMethod = 'wilder', talib = false): void {
  const { min, flat } = flatRule(method, talib);
  const n = close.length;
  const end = Math.min(period, n);
  for (let i = 0; i < end; i++) out[i] = Number.NaN;
  if (period >= n) return;
  // Gains and losses without branches: for a move d, up = (|d| + d)/2 and down = (|d| − d)/2 are
  // exactly d or 0, so the sums equal TA-Lib's `if (d < 0) loss -= d; else gain += d` bit for bit.
  let gain = 0;
  let loss = 0;
  let moving = 0;
  for (let i = 1; i <= period; i++) {
    const d = close[i]! - close[i - 1]!;
    const a = Math.abs(d);
    gain += (a + d) * 0.5;
    loss += (a - d) * 0.5;
    if (d !== 0) moving++;
  }
  if (method === 'cutler') {
    out[period] = moving > 0 ? ratio(gain / period, loss / period) : 50;
    // Slides on bars period + 1 .. 2·period − 1; then blocks of `period` bars, each starting by
    // recomputing the sums from its window (so add/subtract drift cannot build up).
    for (let start = period + 1; start < n; ) {
      const recompute = start >= 2 * period;
      const end = Math.min(recompute ? start + period : 2 * period, n);
      if (recompute) {
        gain = 0;
        loss = 0;
        moving = 0;
        for (let j = start - period + 1; j <= start; j++) {
          const d = close[j]! - close[j - 1]!;
          const a = Math.abs(d);
          gain += (a + d) * 0.5;
          loss += (a - d) * 0.5;
          if (d !== 0) moving++;
        }
      }
      for (let i = start; i < end; i++) {
        if (i !== start || !recompute) {
          const d = close[i]! - close[i - 1]!;
          const o = close[i - period]! - close[i - period - 1]!;
          const a = Math.abs(d);
          const b = Math.abs(o);
          gain += (a + d) * 0.5;
          loss += (a - d) * 0.5;
          gain -= (b + o) * 0.5;
          loss -= (b - o) * 0.5;
          moving += (d !== 0 ? 1 : 0) - (o !== 0 ? 1 : 0);
        }
        out[i] = moving > 0 ? ratio(gain > 0 ? gain / period : 0, loss > 0 ? loss / period : 0) : 50;
      }
      start = end;
    }
    return;
  }
  gain /= period;
  loss /= period;
  const first = gain + loss;
  out[period] = first >= min ? 100 * (gain / first) : flat;
  if (method === 'wilder') {
    const keep = period - 1;
    for (let i = period + 1; i < n; i++) {
      const d = close[i]! - close[i - 1]!;
      const a = Math.abs(d);
      loss = (loss * keep + (a - d) * 0.5) / period;
      gain = (gain * keep + (a + d) * 0.5) / period;
      const sum = gain + loss;
      out[i] = sum >= min ? 100 * (gain / sum) : flat;
    }
  } else {
    const alpha = 2 / (period + 1);
    for (let i = period + 1; i < n; i++) {
      const d = close[i]! - close[i - 1]!;
      const a = Math.abs(d);
      gain += alpha * ((a + d) * 0.5 - gain);
      loss += alpha * ((a - d) * 0.5 - loss);
      const sum = gain + loss;
      out[i] = sum > 0 ? 100 * (gain / sum) : 50;
    }
  }
}

/** Streaming RSI, bit-identical to {@link rsi}. `update` returns the RSI of the bar just added (NaN in warm-up). */
export class RsiState {
  readonly #period: number;
  readonly #method: RsiMethod;
  readonly #min: number;
  readonly #flat: number;
  /** Last `period` price changes (Cutler only). */
  readonly #moves: Float64Array;
  #count = 0;
  #prev = Number.NaN;
  #gain = 0;
  #loss = 0;
  #moving = 0;

  constructor(period = 14, method: RsiMethod = 'wilder', talib = false) {
    const { min, flat } = flatRule(method, talib);
    this.#period = period;
    this.#method = method;
    this.#min = min;
    this.#flat = flat;
    this.#moves = new Float64Array(method === 'cutler' ? period : 0);
  }

  update(close: number): number {
    const i = this.#count++;
    const period = this.#period;
    const d = close - this.#prev;
    this.#prev = close;
    if (i === 0) return Number.NaN;
    if (i <= period) {
      if (d < 0) this.#loss -= d;
      else this.#gain += d;
      if (d !== 0) this.#moving++;
      if (this.#method === 'cutler') this.#moves[i % period] = d;
      if (i < period) return Number.NaN;
      if (this.#method === 'cutler') return this.#moving > 0 ? ratio(this.#gain / period, this.#loss / period) : 50;
      this.#gain /= period;
      this.#loss /= period;
      return this.#ratio();
    }
    if (this.#method === 'cutler') return this.#updateCutler(i, d);
    if (this.#method === 'wilder') {
      const keep = period - 1;
      this.#loss *= keep;
      this.#gain *= keep;
      if (d < 0) this.#loss -= d;
      else this.#gain += d;
      this.#loss /= period;
      this.#gain /= period;
    } else {
      const alpha = 2 / (period + 1);
      this.#gain += alpha * ((d > 0 ? d : 0) - this.#gain);
      this.#loss += alpha * ((d < 0 ? -d : 0) - this.#loss);
    }
    return this.#ratio();
  }

  #ratio(): number {
    const sum = this.#gain + this.#loss;
    return sum >= this.#min ? 100 * (this.#gain / sum) : this.#flat;
  }

  #updateCutler(i: number, d: number): number {
    const period = this.#period;
    const slot = i % period;
    const o = this.#moves[slot]!;
    this.#moves[slot] = d;
    if ((i - period) % period === 0) {
      let gain = 0;
      let loss = 0;
      let moving = 0;
      // Oldest move first, as the batch function sums them.
      for (let k = 1; k <= period; k++) {
        const m = this.#moves[(slot + k) % period]!;
        if (m < 0) loss -= m;
        else gain += m;
        if (m !== 0) moving++;
      }
      this.#gain = gain;
      this.#loss = loss;
      this.#moving = moving;
    } else {
      if (d < 0) this.#loss -= d;
      else this.#gain += d;
      if (o < 0) this.#loss += o;
      else this.#gain -= o;
      if (d !== 0) this.#moving++;
      if (o !== 0) this.#moving--;
    }
    const gain = this.#gain;
    const loss = this.#loss;
    return this.#moving > 0 ? ratio(gain > 0 ? gain / period : 0, loss > 0 ? loss / period : 0) : 50;
  }
}
