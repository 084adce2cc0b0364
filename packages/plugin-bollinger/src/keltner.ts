import { atr, AtrState } from '@tradecore/plugin-atr';
import type { Bar } from '@tradecore/sdk';

/** Output arrays of {@link keltner}. */
export interface KeltnerOutputs {
  upper: Float64Array;
  middle: Float64Array;
  lower: Float64Array;
  /** Scratch: receives the ATR. */
  atr: Float64Array;
  /** Scratch: receives the true range. */
  trueRange: Float64Array;
}

/**
 * Keltner Channels (StockCharts): `middle = EMA(close, period)`, `upper/lower = middle ± multiplier·ATR(atrPeriod)`.
 * The EMA (α = 2/(period + 1)) starts at the first close, `EMA = EMA_prev + α·(close − EMA_prev)`;
 * the ATR uses StockCharts seeding (TR[0] = H − L, first value at bar `atrPeriod − 1`). Bands are NaN
 * until the ATR exists; the middle line is defined from bar 0.
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
  atr(high, low, close, out.atr, out.trueRange, atrPeriod, 'stockcharts');
  const alpha = 2 / (period + 1);
  let ema = close[0]!;
  for (let i = 0; i < close.length; i++) {
    if (i > 0) ema += alpha * (close[i]! - ema);
    middle[i] = ema;
    const width = multiplier * out.atr[i]!;
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
