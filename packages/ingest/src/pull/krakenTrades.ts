import { isoTime } from '@tradecore/sdk';
import { BarBuilder } from '../bars/BarBuilder.ts';
import { ExchangeResponseError } from '../errors.ts';
import type { Exchange } from '../exchange.ts';
import { compareCursors, cursorBefore, cursorMs } from '../kraken/cursor.ts';
import { parseKrakenTrades } from '../kraken/trades.ts';
import { sleep } from '../net/RateLimiter.ts';
import { backoffDelay, withRetry } from '../net/retry.ts';
import { TradeBuffer } from '../trades.ts';
import type { PullSession } from './session.ts';

/**
 * Seconds a trade may take to show up in the Trades endpoint after it executed. When a page comes back
 * empty (the live end), only bars that ended this long ago are closed.
 */
const SETTLE_MS = 2_000;

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
  const market = exchange.market(plan.symbol);
  const pair = market.id as string;
  session.market = pair;
  const base = String((exchange.urls.api as Record<string, unknown>).public);
  const count = Math.min(1000, Math.max(1, options.pageSize ?? 1000));
  const builder = new BarBuilder({ timeframe: plan.target.timeframe, emptyBars: plan.target.emptyBars, ...(plan.previous ? { previous: plan.previous } : {}) });
  const buffer = new TradeBuffer(count + 16);
  const retries = session.retry.retries ?? 8;
  let cursor = cursorBefore(plan.start);
  let highestId = Number.NEGATIVE_INFINITY;
  let stuck = 0;
  const fetchPage = (since: string) => {
    const request = `GET ${base}/0/public/Trades?pair=${pair}&since=${since}&count=${count}`;
    return withRetry(
      request,
      async () => {
        await session.limiter.take(options.signal);
        session.requests++;
        const body = await (exchange as unknown as { publicGetTrades(params: object): Promise<unknown> }).publicGetTrades({ pair, since, count });
        buffer.clear();
        return { request, ...parseKrakenTrades(body, pair, request, buffer) };
      },
      session.retry,
    );
  };

  session.emit('pulling');
  for (;;) {
    if (session.aborted) break;
    let page;
    try {
      page = await fetchPage(cursor);
    } catch (error) {
      if (session.aborted) break;
      throw error;
    }
    // Sort and de-duplicate only when needed: pages are in id order almost always.
    if (!buffer.isStrictlyIncreasing()) session.duplicates += buffer.sortAndDedupe();
    let w = 0;
    for (let i = 0; i < buffer.length; i++) {
      const id = buffer.id[i] as number;
      const t = buffer.time[i] as number;
      if (id <= highestId) {
        session.duplicates++;
        continue;
      }
      highestId = id;
      if (t < plan.start || t >= plan.end) continue;
      if (w !== i) {
        buffer.id[w] = id;
        buffer.time[w] = t;
        buffer.price[w] = buffer.price[i] as number;
        buffer.amount[w] = buffer.amount[i] as number;
        buffer.buy[w] = buffer.buy[i] as number;
      }
      w++;
    }
    buffer.length = w;
    builder.add(buffer);
    session.trades += w;
    if (builder.lateTrades > 0) {
      const late = builder.firstLateTrade as { id: number; time: number };
      throw new ExchangeResponseError(
        page.request,
        `trade ${late.id} at ${isoTime(late.time)} came after its ${plan.target.timeframe} bar was already complete (the cursor had passed it): the exchange's pages are inconsistent; run the pull again to resume from the last written bar`,
      );
    }

    const advanced = compareCursors(page.last, cursor) > 0;
    let boundary: number;
    let done = false;
    if (!advanced) {
      if (page.rows > 0) {
        // The same cursor back with trades: Kraken would return this page forever.
        if (++stuck > retries) {
          throw new ExchangeResponseError(page.request, `the cursor did not advance: "last" was ${page.last} for since=${cursor} on ${stuck} tries in a row, with ${page.rows} trades; stopping instead of looping`);
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
      cursor = page.last;
      session.lastCursor = page.last;
      const reached = cursorMs(cursor);
      session.position = Math.min(reached, plan.end);
      boundary = Math.min(plan.end, builder.bucketOf(reached));
      done = reached >= plan.end;
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
  await session.flush();
  return 'stopped';
}
