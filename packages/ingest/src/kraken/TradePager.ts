import type { Exchange } from '../exchange.ts';
import type { RateLimiter } from '../net/RateLimiter.ts';
import { type RetryOptions, withRetry } from '../net/retry.ts';
import { TradeBuffer } from '../trades.ts';
import { compareCursors, cursorMs } from './cursor.ts';
import { parseKrakenTrades } from './trades.ts';

/** One page of new trades, in id order, none at or below an id already handed out. */
export interface TradePage {
  /** The request, for error messages. */
  request: string;
  /** New trades (reused between pages: consume before the next call). */
  trades: TradeBuffer;
  /** Rows the exchange sent, before dropping repeats. */
  rows: number;
  /** Rows dropped because their id was already handed out, or repeated within the page. */
  duplicates: number;
  /** Kraken's `last` for this page. */
  last: string;
  /** Whether `last` moved past the cursor the page was asked with. */
  advanced: boolean;
  /** Every trade up to this time (ms) has been handed out, when `advanced`. */
  coveredUntil: number;
}

export interface TradePagerOptions {
  /** Kraken's market id, e.g. `XXBTZUSD`. */
  pair: string;
  /** First `since`: whole seconds or a nanosecond cursor. */
  cursor: string;
  /** Trades per page, 1–1000. Default 1000. */
  count?: number;
  limiter: RateLimiter;
  retry: RetryOptions;
  /** Called once per HTTP request actually sent (retries included). */
  onRequest?: () => void;
}

/**
 * Kraken's `GET /0/public/Trades`, page after page, through ccxt's implicit endpoint so the `last` cursor
 * reaches us as the string Kraken sent (ccxt's `fetchTrades` would append it to a trade and send seconds).
 * Pages are sorted by trade id when they are not already and trimmed of ids handed out before (pages
 * overlap); the cursor only moves when Kraken's `last` does.
 */
export class TradePager {
  cursor: string;
  /** Highest trade id handed out so far. */
  highestId = Number.NEGATIVE_INFINITY;
  readonly #exchange: Exchange;
  readonly #options: TradePagerOptions;
  readonly #count: number;
  readonly #buffer: TradeBuffer;
  readonly #base: string;

  constructor(exchange: Exchange, options: TradePagerOptions) {
    this.#exchange = exchange;
    this.#options = options;
    this.cursor = options.cursor;
    this.#count = Math.min(1000, Math.max(1, options.count ?? 1000));
    this.#buffer = new TradeBuffer(this.#count + 16);
    this.#base = String((exchange.urls.api as Record<string, unknown>).public);
  }

  /** Fetches the page after the cursor and moves the cursor to its `last` (when it advanced). */
  async next(): Promise<TradePage> {
    const { pair, limiter, retry } = this.#options;
    const since = this.cursor;
    const count = this.#count;
    const buffer = this.#buffer;
    const request = `GET ${this.#base}/0/public/Trades?pair=${pair}&since=${since}&count=${count}`;
    const page = await withRetry(
      request,
      async () => {
        await limiter.take(retry.signal);
        this.#options.onRequest?.();
        const body = await (this.#exchange as unknown as { publicGetTrades(params: object): Promise<unknown> }).publicGetTrades({ pair, since, count });
        buffer.clear();
        return parseKrakenTrades(body, pair, request, buffer);
      },
      retry,
    );
    let duplicates = buffer.isStrictlyIncreasing() ? 0 : buffer.sortAndDedupe();
    let skip = 0;
    while (skip < buffer.length && (buffer.id[skip] as number) <= this.highestId) skip++;
    duplicates += skip;
    buffer.dropFirst(skip);
    if (buffer.length > 0) this.highestId = buffer.id[buffer.length - 1] as number;
    const advanced = compareCursors(page.last, since) > 0;
    if (advanced) this.cursor = page.last;
    return { request, trades: buffer, rows: page.rows, duplicates, last: page.last, advanced, coveredUntil: advanced ? cursorMs(page.last) : Number.NaN };
  }
}
