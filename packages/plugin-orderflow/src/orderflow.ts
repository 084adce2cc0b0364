import type { Bar } from '@tradecore/sdk';
import { RollingSum, type rollingSum } from './rollingSum.ts';

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
  let sum = 0;
  let nonZero = 0;
  let left = 0;
  for (let i = 0; i < buy.length; i++) {
    const b = buy[i]!;
    const s = sell[i]!;
    const total = b + s;
    const d = b - s;
    imbalance[i] = total > 0 ? d / total : 0;
    if (i < window) {
      sum += d;
      if (d !== 0) nonZero++;
    } else if (left === 0) {
      left = window - 1;
      sum = 0;
      nonZero = 0;
      for (let j = i - window + 1; j <= i; j++) {
        const dj = buy[j]! - sell[j]!;
        sum += dj;
        if (dj !== 0) nonZero++;
      }
    } else {
      left--;
      const o = buy[i - window]! - sell[i - window]!;
      sum += d;
      sum -= o;
      nonZero += (d !== 0 ? 1 : 0) - (o !== 0 ? 1 : 0);
    }
    cumulativeDelta[i] = nonZero > 0 ? sum : 0;
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
  let sum = 0;
  let nonZero = 0;
  let left = 0;
  for (let i = 0; i < high.length; i++) {
    const c = clv(high[i]!, low[i]!, close[i]!);
    const d = c * volume[i]!;
    imbalance[i] = c;
    if (i < window) {
      sum += d;
      if (d !== 0) nonZero++;
    } else if (left === 0) {
      left = window - 1;
      sum = 0;
      nonZero = 0;
      for (let j = i - window + 1; j <= i; j++) {
        const dj = clv(high[j]!, low[j]!, close[j]!) * volume[j]!;
        sum += dj;
        if (dj !== 0) nonZero++;
      }
    } else {
      left--;
      const j = i - window;
      const o = clv(high[j]!, low[j]!, close[j]!) * volume[j]!;
      sum += d;
      sum -= o;
      nonZero += (d !== 0 ? 1 : 0) - (o !== 0 ? 1 : 0);
    }
    cumulativeDelta[i] = nonZero > 0 ? sum : 0;
  }
}

/**
 * Trade intensity: trades in the bar over the mean trades per bar of the last `window` bars (fewer
 * before; 1 = an average bar; 0 when the window saw no trades). The window sum has the arithmetic of
 * {@link rollingSum}, fused into one pass.
 */
export function tradeIntensity(trades: Float64Array, out: Float64Array, window = 20): void {
  let sum = 0;
  let nonZero = 0;
  let left = 0;
  for (let i = 0; i < trades.length; i++) {
    const v = trades[i]!;
    if (i < window) {
      sum += v;
      if (v !== 0) nonZero++;
    } else if (left === 0) {
      left = window - 1;
      sum = 0;
      nonZero = 0;
      for (let j = i - window + 1; j <= i; j++) {
        sum += trades[j]!;
        if (trades[j] !== 0) nonZero++;
      }
    } else {
      left--;
      const o = trades[i - window]!;
      sum += v;
      sum -= o;
      nonZero += (v !== 0 ? 1 : 0) - (o !== 0 ? 1 : 0);
    }
    const mean = (nonZero > 0 ? sum : 0) / (i < window ? i + 1 : window);
    out[i] = mean > 0 ? v / mean : 0;
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
