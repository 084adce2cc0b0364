import type { Exchange } from '../exchange.ts';
import type { RateLimiter } from '../net/RateLimiter.ts';
import { type RetryOptions, withRetry } from '../net/retry.ts';
import { TradeBuffer } from '../trades.ts';
import { compareCursors, cursorMs } from './cursor.ts';
import { takeTradesBodiesAsText } from './rawBodies.ts';
import { scanKrakenTrades } from './scanTrades.ts';
import { type KrakenTradesPage, parseKrakenTrades } from './trades.ts';

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
  /**
   * Ask for the next page while the caller works on this one, as long as the cursor is before this time (ms).
   * The requests are the same, in the same order, through the same rate limiter; they only overlap with the
   * caller's work. Default: no read-ahead.
   */
  readAheadUntil?: number;
}

/** A page as it came back, before the repeats are dropped. */
interface FetchedPage extends KrakenTradesPage {
  request: string;
  since: string;
  trades: TradeBuffer;
}

/**
 * Kraken's `GET /0/public/Trades`, page after page, through ccxt's implicit endpoint so the `last` cursor
 * reaches us as the string Kraken sent (ccxt's `fetchTrades` would append it to a trade and send seconds).
 * Pages are sorted by trade id when they are not already and trimmed of ids handed out before (pages
 * overlap); the cursor only moves when Kraken's `last` does. Success bodies are read from their text by
 * {@link scanKrakenTrades} (a page is 7,000 JSON values, and building them was most of a pull's CPU time).
 */
export class TradePager {
  cursor: string;
  /** Highest trade id handed out so far. */
  highestId = Number.NEGATIVE_INFINITY;
  readonly #exchange: Exchange;
  readonly #options: TradePagerOptions;
  readonly #count: number;
  readonly #base: string;
  /** Buffers no page holds: the caller gives a page's back when it asks for the next one. */
  readonly #free: TradeBuffer[] = [];
  #held: TradeBuffer | undefined;
  #ahead: { since: string; page: Promise<FetchedPage> } | undefined;

  constructor(exchange: Exchange, options: TradePagerOptions) {
    this.#exchange = exchange;
    this.#options = options;
    this.cursor = options.cursor;
    this.#count = Math.min(1000, Math.max(1, options.count ?? 1000));
    this.#base = String((exchange.urls.api as Record<string, unknown>).public);
    takeTradesBodiesAsText(exchange);
  }

  /** Fetches the page after the cursor and moves the cursor to its `last` (when it advanced). */
  async next(): Promise<TradePage> {
    if (this.#held) this.#free.push(this.#held);
    this.#held = undefined;
    const since = this.cursor;
    const ahead = this.#ahead?.since === since ? this.#ahead.page : undefined;
    this.#ahead = undefined;
    const page = await (ahead ?? this.#fetch(since));
    const buffer = page.trades;
    this.#held = buffer;
    let duplicates = buffer.isStrictlyIncreasing() ? 0 : buffer.sortAndDedupe();
    let skip = 0;
    while (skip < buffer.length && (buffer.id[skip] as number) <= this.highestId) skip++;
    duplicates += skip;
    buffer.dropFirst(skip);
    if (buffer.length > 0) this.highestId = buffer.id[buffer.length - 1] as number;
    const advanced = compareCursors(page.last, since) > 0;
    const coveredUntil = advanced ? cursorMs(page.last) : Number.NaN;
    if (advanced) {
      this.cursor = page.last;
      if (page.rows > 0 && coveredUntil < (this.#options.readAheadUntil ?? Number.NEGATIVE_INFINITY)) this.#readAhead(page.last);
    }
    return { request: page.request, trades: buffer, rows: page.rows, duplicates, last: page.last, advanced, coveredUntil };
  }

  /** Drops a page read ahead (its request may still finish; its result or error is ignored). */
  close(): void {
    this.#ahead = undefined;
  }

  #readAhead(since: string): void {
    const page = this.#fetch(since);
    // Its error, if any, is thrown by the next() that asks for it; until then it is not unhandled.
    page.catch(() => undefined);
    this.#ahead = { since, page };
  }

  async #fetch(since: string): Promise<FetchedPage> {
    const { pair, limiter, retry } = this.#options;
    const count = this.#count;
    const buffer = this.#free.pop() ?? new TradeBuffer(count + 16);
    const request = `GET ${this.#base}/0/public/Trades?pair=${pair}&since=${since}&count=${count}`;
    const exchange = this.#exchange as unknown as { publicGetTrades(params: object): Promise<unknown>; parseJson(text: string): unknown };
    const page = await withRetry(
      request,
      async () => {
        await limiter.take(retry.signal);
        this.#options.onRequest?.();
        const body = await exchange.publicGetTrades({ pair, since, count });
        buffer.clear();
        if (typeof body !== 'string') return parseKrakenTrades(body, pair, request, buffer);
        // Anything the scanner does not read takes ccxt's JSON parsing and the general path's error messages.
        return scanKrakenTrades(body, buffer) ?? parseKrakenTrades(exchange.parseJson(body) ?? body, pair, request, buffer);
      },
      retry,
    );
    return { ...page, request, since, trades: buffer };
  }
}
