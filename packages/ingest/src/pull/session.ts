import { performance } from 'node:perf_hooks';
import { type Bars, concatBars, isoTime, manifestPath } from '@tradecore/sdk';
import { appendMonths } from '../lake.ts';
import { RateLimiter } from '../net/RateLimiter.ts';
import { type RetryOptions, describeError, isRateLimit } from '../net/retry.ts';
import type { PullPlan } from './plan.ts';
import { writePullState } from './state.ts';
import type { PullOptions, PullProgress, PullResult } from './types.ts';

/**
 * The bookkeeping of one pull run: counters, closed bars waiting for the lake, lake writes followed by the
 * state file, progress events. The exchange loops (Kraken trades, OHLCV) drive it.
 */
export class PullSession {
  readonly plan: PullPlan;
  readonly options: PullOptions;
  readonly limiter: RateLimiter;
  readonly retry: RetryOptions;
  readonly warnings: string[] = [];
  trades = 0;
  duplicates = 0;
  requests = 0;
  retries = 0;
  barsWritten = 0;
  lastBar: number | null = null;
  /** Exchange position reached (ms), for progress. */
  position: number;
  /** Every bar starting before this is closed (taken from the builder). */
  completeUntil: number;
  /** The exchange's id of the market (Kraken: `XXBTZUSD`), recorded in the state file. */
  market = '';
  /** Cursor to resume from for `completeUntil`, and the exchange's last cursor. */
  resumeCursor = '';
  lastCursor: string | undefined;
  #pending: Bars[] = [];
  #pendingRows = 0;
  #lastFlush = performance.now();
  #lastPulling = Number.NEGATIVE_INFINITY;
  readonly #started = performance.now();
  #wroteManifest = false;
  /** The range as progress events show it (formatted once: `toISOString` is slow enough to show on every page). */
  readonly #from: string;
  readonly #to: string;

  constructor(plan: PullPlan, options: PullOptions, defaultRate: number) {
    this.plan = plan;
    this.options = options;
    this.position = plan.start;
    this.completeUntil = plan.start;
    this.#from = isoTime(plan.rangeStart);
    this.#to = isoTime(plan.rangeEnd);
    this.limiter = new RateLimiter({ rate: options.rateLimit ?? defaultRate });
    this.retry = {
      ...(options.retries !== undefined ? { retries: options.retries } : {}),
      ...(options.retryBaseMs !== undefined ? { baseDelayMs: options.retryBaseMs } : {}),
      ...(options.retryMaxMs !== undefined ? { maxDelayMs: options.retryMaxMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onRetry: ({ request, attempt, delayMs, error }) => {
        this.retries++;
        if (isRateLimit(error)) this.limiter.drain();
        this.emit('retrying', `${request}: ${describeError(error)} — retry ${attempt} in ${(delayMs / 1000).toFixed(1)} s`);
      },
    };
  }

  get aborted(): boolean {
    return this.options.signal?.aborted ?? false;
  }

  /** Adds closed bars and the position they complete; writes to the lake when enough is pending. */
  async closed(bars: Bars, completeUntil: number, resumeCursor: string): Promise<void> {
    if (bars.length > 0) {
      this.#pending.push(bars);
      this.#pendingRows += bars.length;
    }
    this.completeUntil = completeUntil;
    this.resumeCursor = resumeCursor;
    const due = this.#pendingRows >= (this.options.flushBars ?? 10_080) || performance.now() - this.#lastFlush >= (this.options.flushIntervalMs ?? 30_000);
    if (due) await this.flush();
  }

  /** Writes the pending bars (lake first, manifest last), then the state that points after them. */
  async flush(): Promise<void> {
    this.#lastFlush = performance.now();
    const { plan } = this;
    if (this.#pendingRows > 0) {
      const bars = concatBars(this.#pending);
      this.emit('writing');
      await appendMonths(plan.target, bars);
      // Only now: while they are written, the bars still count as complete.
      this.#pending = [];
      this.#pendingRows = 0;
      this.#wroteManifest = true;
      this.barsWritten += bars.length;
      this.lastBar = bars.time[bars.length - 1] as number;
    }
    if (!this.resumeCursor || (!this.#wroteManifest && !plan.existing)) return;
    await writePullState(plan.target.dataDir, {
      version: 1,
      dataset: plan.target.id,
      exchange: plan.exchange,
      symbol: plan.symbol,
      market: this.market,
      timeframe: plan.target.timeframe,
      from: plan.from,
      emptyBars: plan.target.emptyBars,
      completeUntil: isoTime(this.completeUntil),
      cursor: this.resumeCursor,
      ...(this.lastCursor !== undefined ? { lastCursor: this.lastCursor } : {}),
      updatedAt: isoTime(this.options.now?.() ?? Date.now()),
    });
  }

  emit(phase: PullProgress['phase'], message?: string): void {
    const { onProgress } = this.options;
    if (!onProgress) return;
    const now = performance.now();
    if (phase === 'pulling' && message === undefined) {
      if (now - this.#lastPulling < (this.options.progressIntervalMs ?? 100)) return;
      this.#lastPulling = now;
    }
    const { start, end } = this.plan;
    const fraction = end > start ? Math.min(1, Math.max(0, (this.position - start) / (end - start))) : 1;
    const seconds = (now - this.#started) / 1000;
    const rate = seconds > 0 ? this.trades / seconds : 0;
    onProgress({
      dataset: this.plan.target.id,
      phase,
      from: this.#from,
      to: this.#to,
      position: isoTime(this.position),
      fraction,
      trades: this.trades,
      duplicates: this.duplicates,
      requests: this.requests,
      retries: this.retries,
      barsComplete: this.barsWritten + this.#pendingRows,
      barsWritten: this.barsWritten,
      lastBar: this.lastBar === null ? null : isoTime(this.lastBar),
      tradesPerSecond: rate,
      etaSeconds: fraction > 0 && fraction < 1 ? (seconds * (1 - fraction)) / fraction : fraction >= 1 ? 0 : null,
      ...(message !== undefined ? { message } : {}),
    });
  }

  warn(message: string): void {
    this.warnings.push(message);
    this.emit('pulling', `warning: ${message}`);
  }

  result(status: PullResult['status']): PullResult {
    const { plan } = this;
    const manifest = manifestPath(plan.target.id, { dataDir: plan.target.dataDir });
    return {
      dataset: plan.target.id,
      status,
      from: isoTime(plan.rangeStart),
      to: isoTime(plan.rangeEnd),
      startedAt: isoTime(plan.start),
      barsWritten: this.barsWritten,
      trades: this.trades,
      duplicates: this.duplicates,
      requests: this.requests,
      retries: this.retries,
      seconds: (performance.now() - this.#started) / 1000,
      manifest: this.#wroteManifest || plan.existing ? manifest : null,
      statePath: plan.statePath,
      warnings: this.warnings,
    };
  }
}
