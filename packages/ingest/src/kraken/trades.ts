import { quote } from '@tradecore/sdk';
import { ExchangeResponseError } from '../errors.ts';
import type { TradeBuffer } from '../trades.ts';
import { isCursor } from './cursor.ts';

/** What one page of Kraken's `GET /0/public/Trades` held. */
export interface KrakenTradesPage {
  /** Rows appended to the buffer. */
  rows: number;
  /** `result.last`: the cursor for the next page (a nanosecond timestamp string). */
  last: string;
}

/**
 * Epoch milliseconds (floored) of Kraken's trade time, a double in seconds (`1688669597.8277369`). Taking
 * the whole seconds first keeps a trade at 12:00:59.9999 in the 12:00 minute: `t * 1000` can round up
 * into the next one.
 */
export function krakenTimeMs(seconds: number): number {
  const whole = Math.floor(seconds);
  return whole * 1000 + Math.floor((seconds - whole) * 1000);
}

/**
 * Appends the rows of a Trades response body to `into`: `[price, volume, time, side, ordertype, misc,
 * trade_id]` with price and volume decimal strings, time in seconds, side `b` (taker buy) or `s` (time and
 * id may also come as strings: ccxt quotes every number of a body that holds a 19-digit one). Anything
 * else is an {@link ExchangeResponseError} naming `request` and the path inside the body. Rows are not
 * sorted or de-duplicated here.
 */
export function parseKrakenTrades(body: unknown, pairId: string, request: string, into: TradeBuffer): KrakenTradesPage {
  const fail = (path: string, expected: string, got: unknown): never => {
    throw new ExchangeResponseError(request, `${path}: expected ${expected}, got ${describe(got)}`);
  };
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('response', 'a JSON object', body);
  const { error, result } = body as { error?: unknown; result?: unknown };
  if (Array.isArray(error) && error.length > 0) throw new ExchangeResponseError(request, `Kraken returned error ${quote(error.join(', '))}`);
  if (typeof result !== 'object' || result === null || Array.isArray(result)) fail('result', 'an object', result);
  const res = result as Record<string, unknown>;
  // The pair key is Kraken's internal name (XBTUSD → XXBTZUSD): take the requested id, else the only non-`last` key.
  const keys = Object.keys(res).filter((k) => k !== 'last');
  const key = pairId in res ? pairId : keys.length === 1 ? (keys[0] as string) : fail('result', `the key "${pairId}"`, keys.join(', ') || 'no keys');
  const rows = res[key];
  if (!Array.isArray(rows)) fail(`result.${key}`, 'an array of trades', rows);
  const last = res.last;
  if (typeof last === 'number') fail('result.last', 'a string (a nanosecond cursor does not survive a JSON number)', last);
  if (!isCursor(last)) fail('result.last', 'a cursor string of digits', last);

  const list = rows as unknown[];
  for (let i = 0; i < list.length; i++) {
    const row = list[i];
    const at = `result.${key}[${i}]`;
    if (!Array.isArray(row) || row.length < 7) {
      fail(at, 'a row [price, volume, time, side, ordertype, misc, trade_id]', row);
    }
    const r = row as unknown[];
    const price = decimal(r[0]);
    if (!(price > 0)) fail(`${at}[0]`, 'a positive decimal string (price)', r[0]);
    const amount = decimal(r[1]);
    if (!(amount >= 0)) fail(`${at}[1]`, 'a decimal string ≥ 0 (volume)', r[1]);
    const time = typeof r[2] === 'string' ? decimalSecondsMs(r[2]) : typeof r[2] === 'number' && r[2] > 0 && Number.isFinite(r[2]) ? krakenTimeMs(r[2]) : Number.NaN;
    if (!(time > 0)) fail(`${at}[2]`, 'a time in seconds', r[2]);
    const side = r[3];
    if (side !== 'b' && side !== 's') fail(`${at}[3]`, '"b" or "s" (taker side)', side);
    const id = typeof r[6] === 'string' && /^\d{1,16}$/.test(r[6]) ? Number(r[6]) : r[6];
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) fail(`${at}[6]`, 'a trade id (whole number)', r[6]);
    into.push(id as number, time, price, amount, side === 'b');
  }
  return { rows: list.length, last: last as string };
}

/**
 * Milliseconds of a time written as a decimal string of seconds (`"1688669597.8277369"`), floored, exactly.
 * ccxt hands numbers over as strings when a body holds an integer beyond 2^53 (its `quoteJsonNumbers`).
 */
function decimalSecondsMs(text: string): number {
  const m = /^(\d{1,12})(?:\.(\d{1,20}))?$/.exec(text);
  return m ? Number(m[1]) * 1000 + Number((m[2] ?? '').padEnd(3, '0').slice(0, 3)) : Number.NaN;
}

/** Longest decimal string a Trades row may carry (Kraken's are about 16 characters). */
export const MAX_DECIMAL_CHARS = 40;

/**
 * A plain decimal string (`"30243.40000"`: digits, at most one `.` between digits) as a number; NaN for
 * anything else (`"1e5"`, `"0x10"`, `" 1"`, `"-1"`). A character loop: on every trade, twice.
 */
function decimal(value: unknown): number {
  if (typeof value !== 'string') return Number.NaN;
  const n = value.length;
  if (n === 0 || n > MAX_DECIMAL_CHARS) return Number.NaN;
  let dot = -1;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === 46 && dot < 0 && i > 0 && i < n - 1) dot = i;
    else if (c < 48 || c > 57) return Number.NaN;
  }
  return Number(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return quote(value);
}
