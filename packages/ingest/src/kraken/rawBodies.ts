import type { Exchange } from '../exchange.ts';
import { looksLikeKrakenTrades } from './scanTrades.ts';

type OnRestResponse = (status: number, statusText: string, url: string, method: string, headers: unknown, body: string, ...rest: unknown[]) => unknown;

/** Not a string, so ccxt's `parseJson` leaves it alone and ccxt returns the body's text. */
const TEXT = Object.freeze({ text: true });
const done = new WeakSet<object>();

/**
 * Makes `exchange` return the successful bodies of Kraken's `GET /0/public/Trades` as text instead of parsed
 * JSON. Everything else ccxt does is unchanged: the request, its timeout, HTTP status handling, and for any
 * other body (an error list, another endpoint) its own parsing and error classes. ccxt passes every body
 * through `onRestResponse` before parsing it and, when the result is not JSON text, returns the raw body.
 */
export function takeTradesBodiesAsText(exchange: Exchange): void {
  if (done.has(exchange)) return;
  done.add(exchange);
  const target = exchange as unknown as { onRestResponse: OnRestResponse };
  const original = target.onRestResponse.bind(exchange);
  target.onRestResponse = (status, statusText, url, method, headers, body, ...rest) =>
    status === 200 && typeof body === 'string' && url.includes('/0/public/Trades') && looksLikeKrakenTrades(body) ? TEXT : original(status, statusText, url, method, headers, body, ...rest);
}
