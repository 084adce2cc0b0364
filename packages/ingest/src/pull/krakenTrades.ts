import { isoTime } from '@tradecore/sdk';
import { BarBuilder } from '../bars/BarBuilder.ts';
import { ExchangeResponseError } from '../errors.ts';
import type { Exchange } from '../exchange.ts';
import { TradePager } from '../kraken/TradePager.ts';
import { cursorBefore } from '../kraken/cursor.ts';
import { sleep } from '../net/RateLimiter.ts';
import { backoffDelay } from '../net/retry.ts';
import type { PullSession } from './session.ts';

/**
 * How long (ms) a trade may take to show up in the Trades endpoint after it executed. When a page comes back
 * empty (the live end), only bars that ended at least this long ago are closed.
 */
export const SETTLE_MS = 2_000;

/**
 * Pages through Kraken's `GET /0/public/Trades` with the `last` cursor, kept as a string, from the plan's
 * start to its end, and turns the trades into bars.
 *
 * - Each page is sorted by trade id if it is not already, repeated ids are dropped, and trades at or below
 *   the highest id already taken are dropped (pages overlap).
 * - A bar is closed once the cursor has passed its end (Kraken has returned every trade before the cursor),
 *   or, at the live end, once it ended {@link SETTLE_MS} ago. The still-open bar is never written.
 * - A cursor that does not move on a non-empty page is retried with backoff, then reported as an error
 *   naming the request.
 */
export async function pullKrakenTrades(exchange: Exchange, session: PullSession): Promise<'complete' | 'stopped'> {
  const { plan, options } = session;
  const pair = exchange.market(plan.symbol).id as string;
  session.market = pair;
  const builder = new BarBuilder({ timeframe: plan.target.timeframe, emptyBars: plan.target.emptyBars, ...(plan.previous ? { previous: plan.previous } : {}) });
  const pager = new TradePager(exchange, {
    pair,
    cursor: cursorBefore(plan.start),
    ...(options.pageSize !== undefined ? { count: options.pageSize } : {}),
    limiter: session.limiter,
    retry: session.retry,
    onRequest: () => session.requests++,
    readAheadUntil: plan.end,
  });
  const retries = session.retry.retries ?? 8;
  let stuck = 0;

  session.emit('pulling');
  for (;;) {
    if (session.aborted) break;
    let page;
    try {
      page = await pager.next();
    } catch (error) {
      if (session.aborted) break;
      throw error;
    }
    session.duplicates += page.duplicates;
    const trades = page.trades;
    // Only the range: trades before the start are already stored, trades after the end are not wanted.
    let from = 0;
    while (from < trades.length && (trades.time[from] as number) < plan.start) from++;
    let to = from;
    while (to < trades.length && (trades.time[to] as number) < plan.end) to++;
    builder.add(trades, from, to);
    session.trades += to - from;
    if (builder.lateTrades > 0) {
      const late = builder.firstLateTrade as { id: number; time: number };
      throw new ExchangeResponseError(
        page.request,
        `trade ${late.id} at ${isoTime(late.time)} came after its ${plan.target.timeframe} bar was already complete (the cursor had passed it): the exchange's pages are inconsistent; run the pull again to resume from the last written bar`,
      );
    }

    let boundary: number;
    let done = false;
    if (!page.advanced) {
      if (page.rows > 0) {
        // The same cursor back with trades: Kraken would return this page forever.
        if (++stuck > retries) {
          throw new ExchangeResponseError(page.request, `the cursor did not advance: "last" was ${page.last} for since=${pager.cursor} on ${stuck} tries in a row, with ${page.rows} trades; stopping instead of looping`);
        }
        session.retries++;
        const delay = backoffDelay(stuck, session.retry);
        session.emit('retrying', `${page.request}: the cursor did not advance (last = ${page.last}); retry ${stuck} in ${(delay / 1000).toFixed(1)} s`);
        await sleep(delay, options.signal).catch(() => undefined);
        continue;
      }
      // An empty page: the live end. Everything that ended a moment ago is complete.
      const now = options.now?.() ?? Date.now();
      boundary = Math.min(plan.end, builder.bucketOf(now - SETTLE_MS));
      done = true;
    } else {
      stuck = 0;
      session.lastCursor = page.last;
      session.position = Math.min(page.coveredUntil, plan.end);
      boundary = Math.min(plan.end, builder.bucketOf(page.coveredUntil));
      done = page.coveredUntil >= plan.end;
    }
    if (boundary > session.completeUntil) {
      const bars = builder.take(boundary);
      await session.closed(bars, boundary, cursorBefore(boundary));
    }
    session.emit('pulling');
    if (done) {
      session.position = plan.end;
      await session.flush();
      return 'complete';
    }
  }
  // Stopped: what is complete is already closed; write it so the next run resumes after it.
  pager.close();
  await session.flush();
  return 'stopped';
}
