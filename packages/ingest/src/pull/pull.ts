import { closeExchange, createExchange } from '../exchange.ts';
import { InvalidOptionError } from '../errors.ts';
import { withRetry } from '../net/retry.ts';
import { pullKrakenTrades } from './krakenTrades.ts';
import { pullOhlcv } from './ohlcv.ts';
import { planPull } from './plan.ts';
import { PullSession } from './session.ts';
import type { PullOptions, PullResult } from './types.ts';

/** Kraken's documented public REST limit: about one request per second per IP. */
export const KRAKEN_PUBLIC_RATE = 1;

/**
 * Pulls a market's history into the lake and returns when the range is written (or the signal stopped it).
 * Resumable: a pull killed at any moment and started again with the same options continues after the
 * last bar written and produces exactly the bars one uninterrupted pull produces. See docs/ingest.md.
 */
export async function pull(options: PullOptions): Promise<PullResult> {
  const plan = await planPull(options);
  const exchange = await createExchange(plan.exchange, options);
  if (plan.from === 'trades' && plan.exchange !== 'kraken') {
    await closeExchange(exchange);
    throw new InvalidOptionError(`--from trades pages through Kraken's trade history with its cursor; for ${plan.exchange} use --from ohlcv`);
  }
  const defaultRate = plan.exchange === 'kraken' ? KRAKEN_PUBLIC_RATE : 1000 / Math.max(1, exchange.rateLimit || 1000);
  const session = new PullSession(plan, options, defaultRate);
  try {
    if (plan.start >= plan.end) {
      session.emit('done', `dataset "${plan.target.id}" already holds ${plan.target.timeframe} bars for the whole range`);
      return session.result('complete');
    }
    session.emit('starting');
    let attempt = 0;
    await withRetry(`GET ${plan.exchange} markets`, async () => {
      await session.limiter.take(options.signal);
      session.requests++;
      // ccxt keeps a failed load's promise: ask for a reload on every try after the first.
      return exchange.loadMarkets(attempt++ > 0);
    }, session.retry).catch((error: unknown) => {
      if (session.aborted) return undefined;
      throw error;
    });
    if (session.aborted) return session.result('stopped');
    if (!(plan.symbol in (exchange.markets ?? {}))) {
      throw new InvalidOptionError(`${plan.exchange} has no market ${plan.symbol}${plan.symbol.startsWith('XBT/') ? ' (ccxt calls it BTC/…)' : ''}`);
    }
    let status: 'complete' | 'stopped';
    try {
      status = plan.from === 'trades' ? await pullKrakenTrades(exchange, session) : await pullOhlcv(exchange, session);
    } catch (error) {
      // Keep what is complete: the next run then resumes after it. The error is what matters here.
      await session.flush().catch(() => undefined);
      throw error;
    }
    session.emit(status === 'complete' ? 'done' : 'stopped');
    return session.result(status);
  } finally {
    await closeExchange(exchange);
  }
}
