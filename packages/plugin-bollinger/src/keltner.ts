import { AtrState } from '@tradecore/plugin-atr';
import type { Bar } from '@tradecore/sdk';
import { ema, EmaState, type EmaSeed } from './ema.ts';

/** Output arrays of {@link keltner}. */
export interface KeltnerOutputs {
  upper: Float64Array;
  middle: Float64Array;
  lower: Float64Array;
}

/**
 * Keltner Channels (StockCharts): `middle = EMA(close, period)`, `upper/lower = middle ± multiplier·ATR(atrPeriod)`.
 * The EMA (α = 2/(period + 1), see {@link ema}) starts at the first close by default (`emaSeed: 'first'`,
 * the StockCharts sheet) or at the SMA of the first `period` closes (`'sma'`, TA-Lib); the ATR is
 * Wilder's with StockCharts seeding (TR[0] = H − L, first value at bar `atrPeriod − 1` =
 * mean(TR[0..atrPeriod − 1]), the arithmetic of `atr(…, 'stockcharts')` in `@tradecore/plugin-atr`).
 * NaN until both the EMA and the ATR exist. Two passes (EMA, then ATR and bands), no scratch.
 */
export function keltner(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  out: KeltnerOutputs,
  period = 20,
  atrPeriod = 10,
  multiplier = 2,
  emaSeed: EmaSeed = 'first',
): void {
  const { upper, middle, lower } = out;
  const n = close.length;
  if (n === 0) return;
  ema(close, middle, period, emaSeed);
  const keep = atrPeriod - 1;
  let trSum = high[0]! - low[0]!;
  // Head: the ATR seed (bars 0..atrPeriod − 1); bands are NaN until the seed is complete.
  const head = Math.min(keep, n - 1);
  upper[0] = lower[0] = Number.NaN;
  for (let i = 1; i <= head; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const pc = close[i - 1]!;
    trSum += Math.max(Math.max(h - l, Math.abs(h - pc)), Math.abs(l - pc));
    upper[i] = lower[i] = Number.NaN;
  }
  if (keep >= n) return;
  let atr = trSum / atrPeriod;
  upper[keep] = middle[keep]! + multiplier * atr;
  lower[keep] = middle[keep]! - multiplier * atr;
  for (let i = keep + 1; i < n; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const pc = close[i - 1]!;
    const tr = Math.max(Math.max(h - l, Math.abs(h - pc)), Math.abs(l - pc));
    atr = (atr * keep + tr) / atrPeriod;
    const width = multiplier * atr;
    const m = middle[i]!;
    upper[i] = m + width;
    lower[i] = m - width;
  }
}

/** Streaming Keltner Channels, bit-identical to {@link keltner}: `[upper, middle, lower]` (reused). */
export class KeltnerState {
  readonly #atr: AtrState;
  readonly #ema: EmaState;
  readonly #multiplier: number;
  readonly #values = new Float64Array(3);

  constructor(period = 20, atrPeriod = 10, multiplier = 2, emaSeed: EmaSeed = 'first') {
    this.#atr = new AtrState(atrPeriod, 'stockcharts');
    this.#ema = new EmaState(period, emaSeed);
    this.#multiplier = multiplier;
  }

  update(bar: Pick<Bar, 'high' | 'low' | 'close'>): Float64Array {
    const atrValue = this.#atr.update(bar)[1]!;
    const middle = this.#ema.update(bar.close);
    const width = this.#multiplier * atrValue;
    this.#values[0] = middle + width;
    this.#values[1] = middle;
    this.#values[2] = middle - width;
    return this.#values;
  }
}
