import { AtrState } from '@tradecore/plugin-atr';
import type { Bar } from '@tradecore/sdk';

/** Output arrays of {@link keltner}. */
export interface KeltnerOutputs {
  upper: Float64Array;
  middle: Float64Array;
  lower: Float64Array;
}

/**
 * Keltner Channels (StockCharts): `middle = EMA(close, period)`, `upper/lower = middle ± multiplier·ATR(atrPeriod)`.
 * The EMA (α = 2/(period + 1)) starts at the first close, `EMA = EMA_prev + α·(close − EMA_prev)`;
 * the ATR is Wilder's with StockCharts seeding (TR[0] = H − L, first value at bar `atrPeriod − 1` =
 * mean(TR[0..atrPeriod − 1]), the same arithmetic as `atr(…, 'stockcharts')` of `@tradecore/plugin-atr`).
 * Bands are NaN until the ATR exists; the middle line is defined from bar 0. One pass, no scratch.
 */
export function keltner(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  out: KeltnerOutputs,
  period = 20,
  atrPeriod = 10,
  multiplier = 2,
): void {
  const { upper, middle, lower } = out;
  const n = close.length;
  if (n === 0) return;
  const alpha = 2 / (period + 1);
  const keep = atrPeriod - 1;
  let ema = close[0]!;
  let trSum = high[0]! - low[0]!;
  let atr = Number.NaN;
  // Head: the ATR seed (bars 0..atrPeriod − 1); bands are NaN until the seed is complete.
  const head = Math.min(keep, n - 1);
  middle[0] = ema;
  upper[0] = lower[0] = Number.NaN;
  for (let i = 1; i <= head; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const pc = close[i - 1]!;
    trSum += Math.max(Math.max(h - l, Math.abs(h - pc)), Math.abs(l - pc));
    ema += alpha * (close[i]! - ema);
    middle[i] = ema;
    upper[i] = lower[i] = Number.NaN;
  }
  if (keep >= n) return;
  atr = trSum / atrPeriod;
  upper[keep] = ema + multiplier * atr;
  lower[keep] = ema - multiplier * atr;
  for (let i = keep + 1; i < n; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const pc = close[i - 1]!;
    const tr = Math.max(Math.max(h - l, Math.abs(h - pc)), Math.abs(l - pc));
    ema += alpha * (close[i]! - ema);
    atr = (atr * keep + tr) / atrPeriod;
    const width = multiplier * atr;
    middle[i] = ema;
    upper[i] = ema + width;
    lower[i] = ema - width;
  }
}

/** Streaming Keltner Channels, bit-identical to {@link keltner}: `[upper, middle, lower]` (reused). */
export class KeltnerState {
  readonly #atr: AtrState;
  readonly #alpha: number;
  readonly #multiplier: number;
  readonly #values = new Float64Array(3);
  #ema = Number.NaN;
  #count = 0;

  constructor(period = 20, atrPeriod = 10, multiplier = 2) {
    this.#atr = new AtrState(atrPeriod, 'stockcharts');
    this.#alpha = 2 / (period + 1);
    this.#multiplier = multiplier;
  }

  update(bar: Pick<Bar, 'high' | 'low' | 'close'>): Float64Array {
    const atrValue = this.#atr.update(bar)[1]!;
    if (this.#count++ === 0) this.#ema = bar.close;
    else this.#ema += this.#alpha * (bar.close - this.#ema);
    const width = this.#multiplier * atrValue;
    this.#values[0] = this.#ema + width;
    this.#values[1] = this.#ema;
    this.#values[2] = this.#ema - width;
    return this.#values;
  }
}
