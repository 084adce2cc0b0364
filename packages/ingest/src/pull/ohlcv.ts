import { type MutableBars, allocateBars, isoTime } from '@tradecore/sdk';
import type { Exchange } from '../exchange.ts';
import { withRetry } from '../net/retry.ts';
import type { PullSession } from './session.ts';

/** ccxt's candle: `[time ms, open, high, low, close, volume]`. */
type Candle = [number, number, number, number, number, number];

/**
 * Pulls the exchange's own candles with ccxt's `fetchOHLCV`, page after page from the plan's start. Bars
 * that have not ended yet are dropped. With `emptyBars: 'omit'` zero-volume candles (Kraken sends them for
 * periods without trades) are dropped; with `flat` every missing period is filled at the previous close.
 * Exchanges that keep only recent candles (Kraken: 720) start later than asked: that is reported as a
 * warning naming the first candle received.
 */
export async function pullOhlcv(exchange: Exchange, session: PullSession): Promise<'complete' | 'stopped'> {
  const { plan, options } = session;
  const tf = plan.timeframeMs;
  const label = plan.target.timeframe;
  if (!exchange.has.fetchOHLCV) throw new Error(`${exchange.id} has no OHLCV endpoint in ccxt; use --from trades`);
  if (!(label in (exchange.timeframes ?? {}))) {
    throw new Error(`${exchange.id} has no ${label} candles (it has ${Object.keys(exchange.timeframes ?? {}).join(', ')})`);
  }
  session.market = exchange.market(plan.symbol).id as string;
  let since = plan.start;
  let previous = plan.previous;
  let first = true;
  session.emit('pulling');
  while (since < plan.end) {
    if (session.aborted) break;
    const request = `${exchange.id} fetchOHLCV ${plan.symbol} ${label} since ${isoTime(since)}`;
    let candles: Candle[];
    try {
      candles = (await withRetry(
        request,
        async () => {
          await session.limiter.take(options.signal);
          session.requests++;
          return exchange.fetchOHLCV(plan.symbol, label, since);
        },
        session.retry,
      )) as Candle[];
    } catch (error) {
      if (session.aborted) break;
      throw error;
    }
    const now = options.now?.() ?? Date.now();
    const closedBefore = Math.min(plan.end, now - tf + 1);
    const rows = candles.filter((c) => c[0] >= since && c[0] < closedBefore).sort((a, b) => a[0] - b[0]);
    if (first && rows.length > 0 && (rows[0] as Candle)[0] > since + tf) {
      session.warn(`${exchange.id} returned ${label} candles from ${isoTime((rows[0] as Candle)[0])} on, not from ${isoTime(since)}: it does not keep older candles${exchange.id === 'kraken' ? ' (Kraken serves the last 720 only; use --from trades for older history)' : ''}`);
    }
    first = false;
    if (rows.length === 0) break;
    const bars = toBars(rows, tf, plan.target.emptyBars === 'flat' ? previous : undefined, plan.target.emptyBars);
    session.trades += rows.length;
    const lastTime = (rows[rows.length - 1] as Candle)[0];
    if (bars.length > 0) previous = { time: bars.time[bars.length - 1] as number, close: bars.close[bars.length - 1] as number };
    since = lastTime + tf;
    session.position = since;
    await session.closed(bars, since, String(since));
    session.emit('pulling');
  }
  await session.flush();
  return session.aborted ? 'stopped' : 'complete';
}

function toBars(rows: readonly Candle[], tf: number, previous: { time: number; close: number } | undefined, emptyBars: 'omit' | 'flat') {
  const out: Candle[] = [];
  let last = previous;
  for (const c of rows) {
    if (emptyBars === 'omit' && c[5] === 0) continue;
    if (emptyBars === 'flat' && last) {
      for (let t = last.time + tf; t < c[0]; t += tf) out.push([t, last.close, last.close, last.close, last.close, 0]);
    }
    out.push(c);
    last = { time: c[0], close: c[4] };
  }
  const bars = allocateBars(out.length) as MutableBars;
  out.forEach((c, i) => {
    bars.time[i] = c[0];
    bars.open[i] = c[1];
    bars.high[i] = c[2];
    bars.low[i] = c[3];
    bars.close[i] = c[4];
    bars.volume[i] = c[5];
  });
  return bars;
}
