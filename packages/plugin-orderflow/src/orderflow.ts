import type { Bar } from '@tradecore/sdk';
import { rollingSum, RollingSum } from './rollingSum.ts';

/**
 * Order flow from taker buy and sell volume:
 * - imbalance `(buy − sell) / (buy + sell)` in [−1, 1] (0 when the bar has no volume);
 * - rolling cumulative delta `Σ(buy − sell)` over the last `window` bars (fewer before), base-asset units,
 *   by {@link rollingSum} (recomputed every `window` bars, exactly 0 for a window without any delta).
 * One pass writes the imbalance and each bar's delta, then the rolling sum runs in place.
 */
export function orderFlow(
  buy: Float64Array,
  sell: Float64Array,
  imbalance: Float64Array,
  cumulativeDelta: Float64Array,
  window = 20,
): void {
  const n = buy.length;
  for (let i = 0; i < n; i++) {
    const b = buy[i]!;
    const s = sell[i]!;
    const total = b + s;
    imbalance[i] = total > 0 ? (b - s) / total : 0;
    cumulativeDelta[i] = b - s;
  }
  rollingSum(cumulativeDelta, cumulativeDelta, window);
}

/** Close-location value `((C − L) − (H − C)) / (H − L)`, 0 when H = L. */
function clv(high: number, low: number, close: number): number {
  const range = high - low;
  return range > 0 ? (close - low - (high - close)) / range : 0;
}

/**
 * OHLCV PROXY for order flow, for datasets without buy/sell volume: the close-location value
 * `CLV = ((C − L) − (H − C)) / (H − L)` in [−1, 1] (0 when H = L) stands in for the imbalance, and
 * `Σ CLV·volume` over `window` bars for the cumulative delta. It assumes volume follows where the bar
 * closes in its range; it is not measured order flow.
 */
export function orderFlowProxy(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  volume: Float64Array,
  imbalance: Float64Array,
  cumulativeDelta: Float64Array,
  window = 20,
): void {
  const n = high.length;
  for (let i = 0; i < n; i++) {
    const c = clv(high[i]!, low[i]!, close[i]!);
    imbalance[i] = c;
    cumulativeDelta[i] = c * volume[i]!;
  }
  rollingSum(cumulativeDelta, cumulativeDelta, window);
}

/**
 * Trade intensity: trades in the bar over the mean trades per bar of the last `window` bars (fewer
 * before; 1 = an average bar; 0 when the window saw no trades). The window sum is {@link rollingSum}.
 */
export function tradeIntensity(trades: Float64Array, out: Float64Array, window = 20): void {
  // The rolling sum first (into `out`), then intensity in place.
  rollingSum(trades, out, window);
  for (let i = 0; i < trades.length; i++) {
    const mean = out[i]! / (i < window ? i + 1 : window);
    out[i] = mean > 0 ? trades[i]! / mean : 0;
  }
}

/** Streaming {@link orderFlow}: `[imbalance, cumulativeDelta]` (reused). */
export class OrderFlowState {
  readonly #sum: RollingSum;
  readonly #values = new Float64Array(2);

  constructor(window = 20) {
    this.#sum = new RollingSum(window);
  }

  update(bar: Pick<Bar, 'buy_volume' | 'sell_volume'>): Float64Array {
    const b = bar.buy_volume ?? Number.NaN;
    const s = bar.sell_volume ?? Number.NaN;
    const total = b + s;
    this.#values[0] = total > 0 ? (b - s) / total : 0;
    this.#values[1] = this.#sum.update(b - s);
    return this.#values;
  }
}

/** Streaming {@link orderFlowProxy}: `[clv, Σ clv·volume]` (reused). */
export class OrderFlowProxyState {
  readonly #sum: RollingSum;
  readonly #values = new Float64Array(2);

  constructor(window = 20) {
    this.#sum = new RollingSum(window);
  }

  update(bar: Pick<Bar, 'high' | 'low' | 'close' | 'volume'>): Float64Array {
    const c = clv(bar.high, bar.low, bar.close);
    this.#values[0] = c;
    this.#values[1] = this.#sum.update(c * bar.volume);
    return this.#values;
  }
}

/** Streaming {@link tradeIntensity}: `[intensity]` (reused). */
export class TradeIntensityState {
  readonly #sum: RollingSum;
  readonly #window: number;
  readonly #values = new Float64Array(1);
  #count = 0;

  constructor(window = 20) {
    this.#sum = new RollingSum(window);
    this.#window = window;
  }

  update(bar: Pick<Bar, 'trades'>): Float64Array {
    const trades = bar.trades ?? Number.NaN;
    const i = this.#count++;
    const mean = this.#sum.update(trades) / Math.min(i + 1, this.#window);
    this.#values[0] = mean > 0 ? trades / mean : 0;
    return this.#values;
  }
}
