// Public API of @tradecore/ingest: explicit named exports only.
export { BarBuilder, EMPTY_BARS, aggregateTrades, type BarBuilderOptions, type EmptyBars } from './bars/BarBuilder.ts';
export { ExchangeResponseError, IngestAbortedError, IngestError, InvalidOptionError, RequestFailedError } from './errors.ts';
export { closeExchange, createExchange, rebaseUrls, type CreateExchangeOptions, type Exchange, type ExchangeConnectionOptions } from './exchange.ts';
export { compareCursors, cursorMs, cursorNs } from './kraken/cursor.ts';
export { formatBar, formatProgress, formatSeconds } from './format.ts';
export { krakenTimeMs, parseKrakenTrades, type KrakenTradesPage } from './kraken/trades.ts';
export { RateLimiter } from './net/RateLimiter.ts';
export { backoffDelay, isRetryable, withRetry, type RetryOptions } from './net/retry.ts';
export { compact, retain, type CompactOptions, type CompactResult, type RetainOptions, type RetainResult } from './maintain/maintain.ts';
export { KRAKEN_PUBLIC_RATE, pull } from './pull/pull.ts';
export { PullStateSchema, readPullState, statePath, type PullState } from './pull/state.ts';
export type { PullOptions, PullProgress, PullResult, PullSource } from './pull/types.ts';
export { LiveBars } from './stream/LiveBars.ts';
export { loadLiveFeatures, type LiveFeatures } from './stream/features.ts';
export { stream, type StreamBar, type StreamEvent, type StreamOptions, type StreamResult } from './stream/stream.ts';
export { TradePager, type TradePage, type TradePagerOptions } from './kraken/TradePager.ts';
export { TradeBuffer, type Trade, type TradeColumns } from './trades.ts';
