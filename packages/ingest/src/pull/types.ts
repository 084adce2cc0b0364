import type { ParquetCompression } from '@tradecore/sdk';
import type { TimeInput } from '../_time.ts';
import type { EmptyBars } from '../bars/BarBuilder.ts';
import type { ExchangeConnectionOptions } from '../exchange.ts';

/** Where the bars come from: trades aggregated here (exact buy/sell volume), or the exchange's own candles. */
export type PullSource = 'trades' | 'ohlcv';

export interface PullOptions extends ExchangeConnectionOptions {
  /** Folder holding `lake/` and `manifests/`. */
  dataDir: string;
  /** ccxt exchange id, e.g. `kraken`. */
  exchange: string;
  /** Market, e.g. `BTC/USD` (ccxt's unified form) or `BTC-USD`. */
  symbol: string;
  /** First bar wanted: ISO date/time (UTC), epoch ms, a `Date`, or a duration ago (`30d`). */
  since: TimeInput;
  /** End of the range (exclusive). Default: now; the still-open bar is never written. */
  until?: TimeInput;
  /** Bar length. Default `1m`. */
  timeframe?: string;
  /** Default `trades` (Kraken); `ohlcv` works for any ccxt exchange whose candle endpoint reaches back far enough. */
  from?: PullSource;
  /** Dataset id. Default `<source>-<symbol>-<timeframe>`, e.g. `kraken-btc-usd-1m`. */
  id?: string;
  /** Source name in the lake. Default the exchange id. */
  source?: string;
  /** How bar periods without trades are stored. Default `omit`. Recorded in the manifest; a dataset keeps one. */
  emptyBars?: EmptyBars;
  /**
   * Requests per second. Default: the exchange's public limit (Kraken: 1 per second, per its documentation;
   * other exchanges: ccxt's `rateLimit`). 0 switches limiting off (only against your own mirror).
   */
  rateLimit?: number;
  /** Retries per request after the first attempt. Default 8. */
  retries?: number;
  /** First backoff delay, doubling per retry with jitter. Default 1000 ms. */
  retryBaseMs?: number;
  /** Largest backoff delay. Default 60,000 ms. */
  retryMaxMs?: number;
  /** Trades per Kraken page (`count`, 1–1000). Default 1000. */
  pageSize?: number;
  /**
   * Write to the lake once this many closed bars are pending (default 10,080, a week of 1m bars), or every
   * `flushIntervalMs`. Each write keeps one partition per month (the month's file is rewritten with the new bars).
   */
  flushBars?: number;
  /** …or once this much time passed since the last write. Default 30 s. */
  flushIntervalMs?: number;
  /** Parquet compression of new partitions. Default: the dataset's, else lz4. */
  compression?: ParquetCompression;
  description?: string;
  /** Stops the pull after the current request; complete bars are written first. */
  signal?: AbortSignal;
  /** Called as pages arrive (at most every `progressIntervalMs`), and at every lake write, retry, warning and the end. */
  onProgress?: (progress: PullProgress) => void;
  /**
   * Least time between two `pulling` events (ms). Default 100: a pull from a fast mirror reads hundreds of
   * pages a second, more than a progress bar can show. 0: one event per page.
   */
  progressIntervalMs?: number;
  /** Clock (epoch ms). Default `Date.now`. */
  now?: () => number;
}

export interface PullProgress {
  dataset: string;
  phase: 'starting' | 'pulling' | 'writing' | 'retrying' | 'done' | 'stopped';
  /** The range being pulled (ISO). */
  from: string;
  to: string;
  /** How far the exchange's data has been read (ISO), and that as a share of the range (0–1). */
  position: string;
  fraction: number;
  trades: number;
  /** Trades dropped because a page repeated them. */
  duplicates: number;
  requests: number;
  retries: number;
  /** Bars complete so far: written to the lake, and built but waiting for the next write. */
  barsComplete: number;
  barsWritten: number;
  /** Last bar written (ISO), if any. */
  lastBar: string | null;
  tradesPerSecond: number;
  /** Estimated seconds left; null until there is a rate. */
  etaSeconds: number | null;
  /** A note for a person: the request being retried and why, a warning. */
  message?: string;
}

export interface PullResult {
  dataset: string;
  /** `complete`: the range is in the lake; `stopped`: aborted, run the same pull again to resume. */
  status: 'complete' | 'stopped';
  from: string;
  to: string;
  /** Where this run started (later than `from` when it resumed or the dataset already held the start). */
  startedAt: string;
  barsWritten: number;
  trades: number;
  duplicates: number;
  requests: number;
  retries: number;
  seconds: number;
  /** Manifest file of the dataset (absent when nothing was ever written). */
  manifest: string | null;
  /** The resumable state file. */
  statePath: string;
  warnings: string[];
}
