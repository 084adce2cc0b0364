import { type Bar, type Bars, assertDatasetId, assertId, bucketStart, defaultDatasetId, isoTime, manifestPath, normalizeSymbol, parseTimeframe } from '@tradecore/sdk';
import { assertExchangeId } from '../_ids.ts';
import { type TimeInput, parseWhen } from '../_time.ts';
import { EMPTY_BARS, type EmptyBars } from '../bars/BarBuilder.ts';
import { IngestError, InvalidOptionError, RequestFailedError } from '../errors.ts';
import { type CcxtTrade, type Exchange, type ExchangeConnectionOptions, closeExchange, createExchange } from '../exchange.ts';
import { TradePager } from '../kraken/TradePager.ts';
import { compareCursors, cursorBefore } from '../kraken/cursor.ts';
import { type DatasetTarget, appendToDataset } from '../lake.ts';
import { RateLimiter, sleep } from '../net/RateLimiter.ts';
import { type RetryOptions, backoffDelay, describeError, isRetryable, withRetry } from '../net/retry.ts';
import { SETTLE_MS } from '../pull/krakenTrades.ts';
import { openTarget, unifiedSymbol } from '../pull/plan.ts';
import { KRAKEN_PUBLIC_RATE } from '../pull/pull.ts';
import type { Trade } from '../trades.ts';
import { type LiveFeatures, loadLiveFeatures } from './features.ts';
import { LiveBars } from './LiveBars.ts';

export interface StreamOptions extends ExchangeConnectionOptions {
  /** Folder holding `lake/` and `manifests/`. */
  dataDir: string;
  /** ccxt exchange id; the trade back-fill needs Kraken's cursor, so `kraken`. */
  exchange: string;
  symbol: string;
  /** Default `1m`. */
  timeframe?: string;
  id?: string;
  source?: string;
  /** Default `omit`; must match the dataset's when it exists. */
  emptyBars?: EmptyBars;
  /**
   * How long after a bar's end the stream waits for its last trades when no trade of a later bar has
   * arrived; then it asks REST for anything missing and closes the bar. Default 3000 ms.
   */
  graceMs?: number;
  /**
   * Where a new dataset starts (ISO, ms, `Date` or `30m` ago; back-filled from REST). Default: the start of
   * the current bar, so the first bar written is complete. An existing dataset continues after its last bar.
   */
  since?: TimeInput;
  /** REST requests per second for the back-fill. Default Kraken's public 1 per second. */
  rateLimit?: number;
  retries?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** First delay before reconnecting the WebSocket; doubles up to `reconnectMaxMs` (30 s). Default 1000 ms. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** A tool manifest: each closed bar also carries the live values of its indicators. */
  features?: string;
  /** Where tool packages are resolved from. Default `process.cwd()`. */
  cwd?: string;
  /** Stops the stream: complete bars are written, the open bar is dropped. */
  signal?: AbortSignal;
  onBar?: (bar: StreamBar) => void;
  onEvent?: (event: StreamEvent) => void;
  /** Clock (epoch ms). Default `Date.now`. */
  now?: () => number;
  /** How often the clock is checked for bars past their grace period. Default 250 ms. */
  tickMs?: number;
}

/** A closed bar, as written to the lake, with the live indicator values when `features` is set. */
export interface StreamBar extends Required<Pick<Bar, 'time' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'trades' | 'buy_volume' | 'sell_volume'>> {
  features?: Record<string, number>;
}

export interface StreamEvent {
  type: 'started' | 'connected' | 'disconnected' | 'backfilled' | 'written' | 'late-trade' | 'warning' | 'stopped';
  message: string;
}

export interface StreamResult {
  dataset: string;
  barsWritten: number;
  trades: number;
  reconnects: number;
  /** Trades that arrived after their bar was written (counted, not stored). */
  lateTrades: number;
  manifest: string | null;
}

/**
 * Streams live trades (ccxt `watchTrades`, Kraken WebSocket v2) into bars closed at each boundary and
 * appended to the lake in small partitions (`year=/month=/day=`; `compact` merges them). Runs until the
 * signal aborts. See {@link LiveBars} for how the WebSocket and the REST back-fill are merged so the
 * stored series has no hole and no duplicate across reconnects.
 */
export async function stream(options: StreamOptions): Promise<StreamResult> {
  const now = () => options.now?.() ?? Date.now();
  const exchangeId = assertExchangeId(options.exchange);
  if (exchangeId !== 'kraken') throw new InvalidOptionError(`stream back-fills gaps from Kraken's trade history; ${exchangeId} is not supported`);
  const emptyBars = options.emptyBars ?? 'omit';
  if (!EMPTY_BARS.includes(emptyBars)) throw new InvalidOptionError(`--empty-bars must be ${EMPTY_BARS.join(' or ')}`);
  const timeframe = parseTimeframe(options.timeframe ?? '1m');
  const symbol = unifiedSymbol(options.symbol);
  const lakeSymbol = normalizeSymbol(symbol, 'symbol');
  const source = assertId((options.source ?? exchangeId).toLowerCase(), 'source');
  const id = options.id !== undefined ? assertDatasetId(options.id) : defaultDatasetId(source, lakeSymbol, timeframe.label);
  const target: DatasetTarget = { dataDir: options.dataDir, id, source, symbol: lakeSymbol, timeframe: timeframe.label, emptyBars };
  const existing = await openTarget(target, 'trades');
  const tf = timeframe.ms;
  const start = existing ? existing.last.time + tf : bucketStart(options.since === undefined ? now() : parseWhen(options.since, '--since', now()), tf);
  const live = new LiveBars({ timeframe: timeframe.label, emptyBars, start, ...(existing ? { previous: existing.last } : {}) });
  const features: LiveFeatures | null = options.features ? await loadLiveFeatures(options.features, { cwd: options.cwd ?? process.cwd(), dataDir: options.dataDir, datasetId: existing ? id : null }) : null;

  const event = (type: StreamEvent['type'], message: string) => options.onEvent?.({ type, message });
  const retry: RetryOptions = {
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    ...(options.retryBaseMs !== undefined ? { baseDelayMs: options.retryBaseMs } : {}),
    ...(options.retryMaxMs !== undefined ? { maxDelayMs: options.retryMaxMs } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onRetry: ({ request, attempt, error }) => event('warning', `${request}: ${describeError(error)} — retry ${attempt}`),
  };
  const graceMs = options.graceMs ?? 3000;
  const stopping = new AbortController();
  options.signal?.addEventListener('abort', () => stopping.abort(), { once: true });
  const result: StreamResult = { dataset: id, barsWritten: 0, trades: 0, reconnects: 0, lateTrades: 0, manifest: existing ? manifestPath(id, { dataDir: options.dataDir }) : null };

  // One ccxt `pro` instance: its REST methods back-fill, its `watchTrades` streams.
  const ws = await createExchange(exchangeId, { ...options, websocket: true });
  const rest = ws;
  let writing: Promise<void> = Promise.resolve();
  let failure: unknown;
  const fail = (error: unknown) => {
    failure ??= error;
    stopping.abort();
  };

  try {
    await loadMarkets(rest, retry);
    const pair = rest.market(symbol).id as string;
    const pager = new TradePager(rest, { pair, cursor: cursorBefore(start), limiter: new RateLimiter({ rate: options.rateLimit ?? KRAKEN_PUBLIC_RATE }), retry });
    event('started', `${id}: ${symbol} ${timeframe.label} bars from ${isoTime(start)}${existing ? ' (continuing the dataset)' : ''}`);

    const closeBars = () => {
      const bars = live.takeClosed();
      result.lateTrades = live.builder.lateTrades;
      if (bars.length === 0) return;
      const rows = toStreamBars(bars, features);
      writing = writing
        .then(async () => {
          const manifest = await appendToDataset(target, bars, 'day');
          result.barsWritten += bars.length;
          result.manifest = manifestPath(manifest.id, { dataDir: options.dataDir });
          event('written', `${bars.length} bar(s) up to ${isoTime(bars.time[bars.length - 1] as number)}`);
        })
        .catch(fail);
      for (const bar of rows) options.onBar?.(bar);
    };

    // REST: back-fill until the WebSocket is bridged, or (bridged) fetch what a quiet bar may lack.
    let polling: Promise<void> | null = null;
    let lateSeen = 0;
    const poll = () => {
      polling ??= (async () => {
        const before = { covered: live.coveredUntil, bridged: live.bridged };
        try {
          for (;;) {
            if (stopping.signal.aborted) return;
            const behind = cursorBefore(live.coveredUntil);
            if (compareCursors(behind, pager.cursor) > 0) pager.cursor = behind;
            // An empty page says nothing newer existed when it was asked for, not when its answer arrived.
            const askedAt = now();
            const page = await pager.next();
            const head = !page.advanced && page.rows === 0;
            live.addPage(page.trades, page.advanced ? page.coveredUntil : head ? askedAt - Math.min(SETTLE_MS, graceMs) : live.coveredUntil);
            closeBars();
            if (live.builder.lateTrades > lateSeen) {
              lateSeen = live.builder.lateTrades;
              event('late-trade', `${lateSeen} trade(s) arrived after their bar was written`);
            }
            if (!page.advanced && !head) event('warning', `${page.request}: the cursor did not advance (last = ${page.last}); asking again later`);
            if (!page.advanced || (live.bridged && live.coveredUntil >= live.nextBoundary)) break;
          }
          result.trades = live.trades;
          if (live.coveredUntil > before.covered || live.bridged !== before.bridged) {
            event('backfilled', `REST caught up to ${isoTime(live.coveredUntil)}${live.bridged ? '; the WebSocket continues from there' : ''}`);
          }
        } catch (error) {
          if (stopping.signal.aborted) return;
          // A request that failed for good on a transient fault is asked again at the next tick; anything else ends the stream.
          const transient = error instanceof RequestFailedError ? isRetryable(error.cause) : isRetryable(error);
          if (transient) event('warning', `back-fill failed, will retry: ${describeError(error)}`);
          else fail(error);
        } finally {
          polling = null;
        }
      })();
      return polling;
    };

    // The clock: a bar past its end plus the grace period, with no later trade, is confirmed through REST.
    const tick = setInterval(() => {
      if (stopping.signal.aborted) return;
      const due = live.coveredUntil < live.nextBoundary && now() >= live.nextBoundary + graceMs;
      if ((!live.bridged && live.queued > 0) || due) void poll();
    }, options.tickMs ?? 250);

    // The WebSocket: reconnect with backoff; every (re)connection is bridged through REST.
    const watching = (async () => {
      let failures = 0;
      let connected = false;
      while (!stopping.signal.aborted) {
        try {
          const trades = await ws.watchTrades(symbol);
          if (!connected) {
            connected = true;
            failures = 0;
            event('connected', `WebSocket ${String((ws.urls.api as { ws?: { publicV2?: string } }).ws?.publicV2 ?? '')}`);
          }
          live.addLive(trades.map(toTrade));
          result.trades = live.trades;
          closeBars();
          if (live.builder.lateTrades > lateSeen) {
            lateSeen = live.builder.lateTrades;
            event('late-trade', `${lateSeen} trade(s) arrived after their bar was written`);
          }
          if (!live.bridged) void poll();
        } catch (error) {
          if (stopping.signal.aborted) break;
          if (!isRetryable(error) && !/rate limit/i.test(String((error as Error).message))) {
            fail(error);
            break;
          }
          live.disconnected();
          if (connected) result.reconnects++;
          connected = false;
          const delay = backoffDelay(++failures, { baseDelayMs: options.reconnectBaseMs ?? 1000, maxDelayMs: options.reconnectMaxMs ?? 30_000 });
          event('disconnected', `${describeError(error)}; reconnecting in ${(delay / 1000).toFixed(1)} s`);
          await sleep(delay, stopping.signal).catch(() => undefined);
        }
      }
    })();

    void poll();
    await new Promise<void>((resolve) => stopping.signal.addEventListener('abort', () => resolve(), { once: true }));
    clearInterval(tick);
    await closeExchange(ws).catch(() => undefined);
    await watching;
    await polling;
    await writing;
    if (failure) throw failure;
    event('stopped', `${result.barsWritten} bar(s) written; the open bar was dropped`);
    return result;
  } finally {
    await closeExchange(ws).catch(() => undefined);
  }
}

async function loadMarkets(exchange: Exchange, retry: RetryOptions): Promise<void> {
  let attempt = 0;
  // ccxt keeps a failed load's promise: ask for a reload on every try after the first.
  await withRetry(`GET ${exchange.id} markets`, () => exchange.loadMarkets(attempt++ > 0), retry);
}

/** A ccxt WebSocket trade (Kraken v2 `trade` channel) as a {@link Trade}; exact time from its RFC 3339 stamp. */
function toTrade(t: CcxtTrade): Trade {
  const info = (t.info ?? {}) as { trade_id?: number; timestamp?: string };
  const id = Number(info.trade_id ?? t.id);
  const stamp = typeof info.timestamp === 'string' ? Date.parse(info.timestamp.replace(/(\.\d{3})\d+Z$/, '$1Z')) : Number.NaN;
  const time = Number.isFinite(stamp) ? stamp : (t.timestamp as number);
  if (!Number.isSafeInteger(id) || !Number.isFinite(time) || !(Number(t.price) > 0) || !(Number(t.amount) >= 0)) {
    throw new IngestError(`a WebSocket trade is malformed: ${JSON.stringify(t.info).slice(0, 200)}`);
  }
  return { id, time, price: Number(t.price), amount: Number(t.amount), side: t.side === 'sell' ? 'sell' : 'buy' };
}

function toStreamBars(bars: Bars, features: LiveFeatures | null): StreamBar[] {
  const out: StreamBar[] = [];
  for (let i = 0; i < bars.length; i++) {
    const bar: StreamBar = {
      time: bars.time[i] as number,
      open: bars.open[i] as number,
      high: bars.high[i] as number,
      low: bars.low[i] as number,
      close: bars.close[i] as number,
      volume: bars.volume[i] as number,
      trades: bars.trades?.[i] as number,
      buy_volume: bars.buy_volume?.[i] as number,
      sell_volume: bars.sell_volume?.[i] as number,
    };
    if (features) bar.features = features.update(bar);
    out.push(bar);
  }
  return out;
}
