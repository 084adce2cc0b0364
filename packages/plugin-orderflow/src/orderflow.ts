import type { Bar } from '@tradecore/sdk';
import { rollingSum, RollingSum } from './rollingSum.ts';

/**
 * Order flow from taker buy and sell volume:
 * - imbalance `(buy − sell) / (buy + sell)` in [−1, 1] (0 when the bar has no volume);
 * - rolling cumulative delta `Σ(buy − sell)` over the last `window` bars (fewer before), base-asset units.
 * One pass; the rolling sum has the same arithmetic as {@link rollingSum} (recomputed every `window` bars,
 * exactly 0 for a window without any delta).
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
  }
  let sum = 0;
  let nonZero = 0;
  for (let i = 0; i < Math.min(window, n); i++) {
    const d = buy[i]! - sell[i]!;
    sum += d;
    if (d !== 0) nonZero++;
    cumulativeDelta[i] = nonZero > 0 ? sum : 0;
  }
  for (let start = window; start < n; start += window) {
    const end = Math.min(start + window, n);
    sum = 0;
    nonZero = 0;
    for (let j = start - window + 1; j <= start; j++) {
      const d = buy[j]! - sell[j]!;
      sum += d;
      if (d !== 0) nonZero++;
    }
    cumulativeDelta[start] = nonZero > 0 ? sum : 0;
    for (let i = start + 1; i < end; i++) {
      const d = buy[i]! - sell[i]!;
      const o = buy[i - window]! - sell[i - window]!;
      sum += d;
      sum -= o;
      nonZero += (d !== 0 ? 1 : 0) - (o !== 0 ? 1 : 0);
      cumulativeDelta[i] = nonZero > 0 ? sum : 0;
    }
  }
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
  for (let i = 0; i < n; i++) imbalance[i] = clv(high[i]!, low[i]!, close[i]!);
  // Σ CLV·volume with the arithmetic of `rollingSum`; CLV is read back from `imbalance`.
  let sum = 0;
  let nonZero = 0;
  for (let i = 0; i < Math.min(window, n); i++) {
    const d = imbalance[i]! * volume[i]!;
    sum += d;
    if (d !== 0) nonZero++;
    cumulativeDelta[i] = nonZero > 0 ? sum : 0;
  }
  for (let start = window; start < n; start += window) {
    const end = Math.min(start + window, n);
    sum = 0;
    nonZero = 0;
    for (let j = start - window + 1; j <= start; j++) {
      const d = imbalance[j]! * volume[j]!;
      sum += d;
      if (d !== 0) nonZero++;
    }
    cumulativeDelta[start] = nonZero > 0 ? sum : 0;
    for (let i = start + 1; i < end; i++) {
      const d = imbalance[i]! * volume[i]!;
      const o = imbalance[i - window]! * volume[i - window]!;
      sum += d;
      sum -= o;
      nonZero += (d !== 0 ? 1 : 0) - (o !== 0 ? 1 : 0);
      cumulativeDelta[i] = nonZero > 0 ? sum : 0;
    }
  }
}

/**
 * Trade intensity: trades in the bar over the mean trades per bar of the last `window` bars (fewer
 * before; 1 = an average bar; 0 when the window saw no trades). The window sum has the arithmetic of
 * {@link rollingSum}, fused into one pass.
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
