import type { Bar } from '@tradecore/sdk';
import { rollingSum, RollingSum } from './rollingSum.ts';

/**
 * Order flow from taker buy and sell volume:
 * - imbalance `(buy − sell) / (buy + sell)` in [−1, 1] (0 when the bar has no volume);
 * - rolling cumulative delta `Σ(buy − sell)` over the last `window` bars, in base-asset units.
 * `delta` is a scratch array that receives the per-bar delta.
 */
export function orderFlow(
  buy: Float64Array,
  sell: Float64Array,
  imbalance: Float64Array,
  cumulativeDelta: Float64Array,
  delta: Float64Array,
  window = 20,
): void {
  for (let i = 0; i < buy.length; i++) {
    const b = buy[i]!;
    const s = sell[i]!;
    const total = b + s;
    delta[i] = b - s;
    imbalance[i] = total > 0 ? (b - s) / total : 0;
  }
  rollingSum(delta, cumulativeDelta, window);
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
  delta: Float64Array,
  window = 20,
): void {
  for (let i = 0; i < high.length; i++) {
    const range = high[i]! - low[i]!;
    const clv = range > 0 ? (close[i]! - low[i]! - (high[i]! - close[i]!)) / range : 0;
    imbalance[i] = clv;
    delta[i] = clv * volume[i]!;
  }
  rollingSum(delta, cumulativeDelta, window);
}

/**
 * Trade intensity: trades in the bar over the mean trades per bar of the last `window` bars (1 = an
 * average bar; 0 when the window saw no trades). `sum` is a scratch array.
 */
export function tradeIntensity(trades: Float64Array, out: Float64Array, sum: Float64Array, window = 20): void {
  rollingSum(trades, sum, window);
  for (let i = 0; i < trades.length; i++) {
    const mean = sum[i]! / Math.min(i + 1, window);
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
    const range = bar.high - bar.low;
    const clv = range > 0 ? (bar.close - bar.low - (bar.high - bar.close)) / range : 0;
    this.#values[0] = clv;
    this.#values[1] = this.#sum.update(clv * bar.volume);
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
