import type { Bars } from '@tradecore/sdk';
import { BarBuilder, type BarBuilderOptions } from '../bars/BarBuilder.ts';
import { type Trade, TradeBuffer, type TradeColumns } from '../trades.ts';

/**
 * The bookkeeping of a live stream, without I/O: trades from two sources — the WebSocket (in order, but
 * only from the moment of subscription, and lost while disconnected) and REST pages (complete, but
 * polled) — merged into one series in trade-id order, each trade exactly once, and bars closed only when
 * every trade of their period is known.
 *
 * `coveredUntil` is the time before which every trade is known. REST moves it to Kraken's cursor (or to a
 * moment ago at the live end); a WebSocket trade moves it to its own time, but only while the WebSocket is
 * *bridged*: after a (re)connection its trades wait in a queue until REST has delivered a trade id at or
 * past the first queued one, so nothing between the last REST page and the subscription can be missing.
 */
export class LiveBars {
  readonly builder: BarBuilder;
  /** Trades before this time belong to bars already stored; they are ignored. */
  readonly start: number;
  coveredUntil: number;
  bridged = false;
  highestId = Number.NEGATIVE_INFINITY;
  /** Trades added to bars (both sources). */
  trades = 0;
  /** WebSocket trades waiting for REST to catch up. */
  readonly #queue: Trade[] = [];
  readonly #scratch = new TradeBuffer(256);
  #taken: number;

  constructor(options: BarBuilderOptions & { start: number }) {
    this.builder = new BarBuilder(options);
    this.start = options.start;
    this.coveredUntil = options.start;
    this.#taken = options.start;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Start of the first bar not closed yet. */
  get nextBoundary(): number {
    return this.#taken + this.builder.timeframeMs;
  }

  /** The WebSocket dropped: its next trades wait for REST again. */
  disconnected(): void {
    this.bridged = false;
  }

  /** Trades from the WebSocket, in the order they arrived. */
  addLive(trades: readonly Trade[]): void {
    const sorted = [...trades].sort((a, b) => a.id - b.id);
    if (!this.bridged) {
      for (const t of sorted) if (t.id > this.highestId && !this.#queue.some((q) => q.id === t.id)) this.#queue.push(t);
      this.#queue.sort((a, b) => a.id - b.id);
      return;
    }
    this.#addTrades(sorted);
  }

  /**
   * A REST page: its new trades (id order), and how far it covers — Kraken's cursor, or `headAt` (a moment
   * ago) when the page was empty at the live end.
   */
  addPage(trades: TradeColumns, coveredUntil: number): void {
    this.#scratch.clear();
    for (let i = 0; i < trades.length; i++) {
      const id = trades.id[i] as number;
      if (id <= this.highestId) continue;
      this.#scratch.push(id, trades.time[i] as number, trades.price[i] as number, trades.amount[i] as number, trades.buy[i] === 1);
    }
    this.#addColumns(this.#scratch);
    if (coveredUntil > this.coveredUntil) this.coveredUntil = coveredUntil;
    const first = this.#queue[0];
    if (!this.bridged && first !== undefined && this.highestId >= first.id) {
      // REST reached the WebSocket's first trade: the queue continues the series without a hole.
      this.bridged = true;
      const rest = this.#queue.splice(0);
      this.#addTrades(rest);
    }
  }

  /** Bars whose period ended by `coveredUntil`, oldest first (empty when none). */
  takeClosed(): Bars {
    const boundary = this.builder.bucketOf(this.coveredUntil);
    if (boundary <= this.#taken) return this.builder.take(this.#taken);
    this.#taken = boundary;
    return this.builder.take(boundary);
  }

  #addTrades(trades: readonly Trade[]): void {
    this.#scratch.clear();
    for (const t of trades) if (t.id > this.highestId) this.#scratch.pushTrade(t);
    this.#addColumns(this.#scratch);
    const last = trades[trades.length - 1];
    if (this.bridged && last !== undefined && last.time > this.coveredUntil) this.coveredUntil = last.time;
  }

  #addColumns(trades: TradeBuffer): void {
    if (trades.length === 0) return;
    this.highestId = trades.id[trades.length - 1] as number;
    let from = 0;
    while (from < trades.length && (trades.time[from] as number) < this.start) from++;
    this.builder.add(trades, from, trades.length);
    this.trades += trades.length - from;
  }
}
