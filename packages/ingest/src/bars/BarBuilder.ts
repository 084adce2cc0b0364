import { type Bars, type MutableBars, allocateBars, parseTimeframe } from '@tradecore/sdk';
import type { TradeColumns } from '../trades.ts';

/**
 * How a bar period without trades is stored:
 * - `omit`: no row (the series has a gap there; Kraken's own OHLCVT archive files do this),
 * - `flat`: a row with open = high = low = close = the previous close and zero volume and trades (Kraken's
 *   REST OHLC endpoint does this). Before the first trade there is no previous close, so nothing is filled.
 */
export type EmptyBars = 'omit' | 'flat';
export const EMPTY_BARS: readonly EmptyBars[] = ['omit', 'flat'];

export interface BarBuilderOptions {
  /** Bar length, e.g. `1m`. */
  timeframe: string;
  /** Default `omit`. */
  emptyBars?: EmptyBars;
  /**
   * The last bar already stored (time and close), when the builder continues a series: `flat` fills from
   * it, so a resumed build fills exactly like an uninterrupted one.
   */
  previous?: { time: number; close: number };
}

const WEEK_MS = 604_800_000;
/** The epoch is a Thursday; weekly bars start on Monday 00:00 UTC, as the SDK's resampler does. */
const WEEK_ORIGIN_MS = 4 * 86_400_000;

const FIELDS = ['time', 'open', 'high', 'low', 'close', 'buy', 'buyCarry', 'sell', 'sellCarry', 'trades'] as const;
type Field = (typeof FIELDS)[number];

/**
 * Builds OHLCV bars from trades: open = the first trade's price, close = the last, high/low = extremes,
 * `buy_volume` and `sell_volume` = the taker-buy and taker-sell amounts, `volume` = their sum,
 * `trades` = the count. Sums are Neumaier-compensated (the result is the exact sum of the amounts, rounded
 * once), and `volume` is computed as `buy_volume + sell_volume`, so the two always add up bit for bit.
 *
 * Trades must be added in execution order (trade id order). A trade may belong to an earlier bar that is
 * still open (late within its bar); it then becomes that bar's close, since it executed after the others.
 * Bars stay open until {@link BarBuilder.take} closes them.
 */
export class BarBuilder {
  readonly timeframeMs: number;
  readonly emptyBars: EmptyBars;
  readonly #origin: number;
  #previous: { time: number; close: number } | undefined;
  // Open bars, oldest first. Bars with trades = 0 are `flat` placeholders.
  #n = 0;
  #cols: Record<Field, Float64Array>;
  // The current (last) bar lives in locals-like fields while trades stream in; `#cur` is its index or -1.
  #cur = -1;
  #curStart = Number.NaN;
  #curEnd = Number.NaN;

  constructor(options: BarBuilderOptions) {
    this.timeframeMs = parseTimeframe(options.timeframe).ms;
    this.emptyBars = options.emptyBars ?? 'omit';
    this.#origin = this.timeframeMs % WEEK_MS === 0 ? WEEK_ORIGIN_MS : 0;
    this.#previous = options.previous;
    this.#cols = Object.fromEntries(FIELDS.map((f) => [f, new Float64Array(64)])) as Record<Field, Float64Array>;
  }

  /** Start of the bar that holds `time`. */
  bucketOf(time: number): number {
    return Math.floor((time - this.#origin) / this.timeframeMs) * this.timeframeMs + this.#origin;
  }

  /**
   * Trades skipped because their bar had already been taken (closed). A pull treats any as an error;
   * a live stream reports them.
   */
  lateTrades = 0;
  firstLateTrade: { id: number; time: number } | undefined;

  /** Number of bars not yet taken. */
  get openBars(): number {
    return this.#n;
  }

  /** Start time of the oldest open bar, or NaN. */
  get firstOpenTime(): number {
    return this.#n > 0 ? (this.#cols.time[0] as number) : Number.NaN;
  }

  /** The last bar handed out by {@link take} (or given as `previous`). */
  get previous(): { time: number; close: number } | undefined {
    return this.#previous;
  }

  /** Adds trades `[start, end)` of `trades`, in execution order. */
  add(trades: TradeColumns, start = 0, end = trades.length): void {
    const { time, price, amount, buy } = trades;
    const c = this.#cols;
    let cur = this.#cur;
    let curStart = this.#curStart;
    let curEnd = this.#curEnd;
    for (let i = start; i < end; i++) {
      const t = time[i] as number;
      const p = price[i] as number;
      const a = amount[i] as number;
      if (!(t >= curStart && t < curEnd)) {
        cur = this.#barFor(t);
        if (cur < 0) {
          this.#late(trades, i);
          curStart = Number.NaN;
          curEnd = Number.NaN;
          continue;
        }
        curStart = c.time[cur] as number;
        curEnd = curStart + this.timeframeMs;
      }
      if (c.trades[cur] === 0) {
        c.open[cur] = p;
        c.high[cur] = p;
        c.low[cur] = p;
      } else if (p > (c.high[cur] as number)) c.high[cur] = p;
      else if (p < (c.low[cur] as number)) c.low[cur] = p;
      c.close[cur] = p;
      (c.trades[cur] as number)++;
      // Neumaier: the carry collects what each addition rounded away.
      if (buy[i]) {
        const s = c.buy[cur] as number;
        const sum = s + a;
        c.buyCarry[cur] = (c.buyCarry[cur] as number) + (s >= a ? s - sum + a : a - sum + s);
        c.buy[cur] = sum;
      } else {
        const s = c.sell[cur] as number;
        const sum = s + a;
        c.sellCarry[cur] = (c.sellCarry[cur] as number) + (s >= a ? s - sum + a : a - sum + s);
        c.sell[cur] = sum;
      }
    }
    this.#cur = cur;
    this.#curStart = curStart;
    this.#curEnd = curEnd;
  }

  /**
   * Closes and returns every open bar that ends at or before `until` (ms), oldest first. With `flat`, the
   * periods without trades up to `until` are filled too (`until` must then be finite to fill the tail).
   */
  take(until: number): Bars {
    const tf = this.timeframeMs;
    if (this.emptyBars === 'flat' && Number.isFinite(until)) {
      const last = this.#n > 0 ? (this.#cols.time[this.#n - 1] as number) : this.#previous?.time;
      if (last !== undefined) for (let t = last + tf; t + tf <= until; t += tf) this.#append(t);
    }
    let k = 0;
    while (k < this.#n && (this.#cols.time[k] as number) + tf <= until) k++;
    const out = allocateBars(k, ['trades', 'buy_volume', 'sell_volume']) as MutableBars;
    const c = this.#cols;
    let previousClose = this.#previous?.close;
    for (let i = 0; i < k; i++) {
      out.time[i] = c.time[i] as number;
      if (c.trades[i] === 0) {
        // A flat placeholder: every price is the previous close.
        const close = previousClose as number;
        out.open[i] = close;
        out.high[i] = close;
        out.low[i] = close;
        out.close[i] = close;
      } else {
        out.open[i] = c.open[i] as number;
        out.high[i] = c.high[i] as number;
        out.low[i] = c.low[i] as number;
        out.close[i] = c.close[i] as number;
      }
      const buy = (c.buy[i] as number) + (c.buyCarry[i] as number);
      const sell = (c.sell[i] as number) + (c.sellCarry[i] as number);
      (out.buy_volume as Float64Array)[i] = buy;
      (out.sell_volume as Float64Array)[i] = sell;
      out.volume[i] = buy + sell;
      (out.trades as Float64Array)[i] = c.trades[i] as number;
      previousClose = out.close[i] as number;
    }
    if (k > 0) {
      this.#previous = { time: out.time[k - 1] as number, close: out.close[k - 1] as number };
      for (const f of FIELDS) c[f].copyWithin(0, k, this.#n);
      this.#n -= k;
      this.#cur = -1;
      this.#curStart = Number.NaN;
      this.#curEnd = Number.NaN;
    }
    return out;
  }

  /** Index of the open bar starting at `bucketOf(t)`, creating it (and flat bars before it) when needed. */
  #barFor(t: number): number {
    const start = this.bucketOf(t);
    const c = this.#cols;
    const n = this.#n;
    const last = n > 0 ? (c.time[n - 1] as number) : this.#previous?.time;
    if (last === undefined || start > last) {
      if (this.emptyBars === 'flat' && last !== undefined) for (let s = last + this.timeframeMs; s < start; s += this.timeframeMs) this.#append(s);
      return this.#append(start);
    }
    // An earlier bar: still open, or (rare) a period without a bar yet.
    let i = n - 1;
    while (i >= 0 && (c.time[i] as number) > start) i--;
    if (i >= 0 && c.time[i] === start) return i;
    if (n === 0 || (i < 0 && this.#previous !== undefined && start <= this.#previous.time)) return -1;
    return this.#insert(i + 1, start);
  }

  #late(trades: TradeColumns, i: number): void {
    this.lateTrades++;
    this.firstLateTrade ??= { id: trades.id[i] as number, time: trades.time[i] as number };
  }

  #append(start: number): number {
    return this.#insert(this.#n, start);
  }

  #insert(at: number, start: number): number {
    const c = this.#cols;
    if (this.#n === c.time.length) {
      for (const f of FIELDS) {
        const grown = new Float64Array(c[f].length * 2);
        grown.set(c[f]);
        c[f] = grown;
      }
    }
    if (at < this.#n) for (const f of FIELDS) c[f].copyWithin(at + 1, at, this.#n);
    for (const f of FIELDS) c[f][at] = 0;
    c.time[at] = start;
    this.#n++;
    // Indices after `at` moved: the cached current bar is no longer valid.
    this.#cur = -1;
    this.#curStart = Number.NaN;
    this.#curEnd = Number.NaN;
    return at;
  }
}

/** Aggregates a whole list of trades (in execution order) into bars; the last bar is included. */
export function aggregateTrades(trades: TradeColumns, options: BarBuilderOptions): Bars {
  const builder = new BarBuilder(options);
  builder.add(trades);
  return builder.take(Number.POSITIVE_INFINITY);
}
