import type { TradeBuffer } from '../trades.ts';
import { isCursor } from './cursor.ts';
import { type KrakenTradesPage, krakenTimeMs, MAX_DECIMAL_CHARS } from './trades.ts';

/** Exact powers of ten (as literals: each is a double exactly up to 1e22). */
const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const PREFIX = '{"error":[],"result":{"';
const QUOTE = 34;
const COMMA = 44;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const OPEN = 91;
const CLOSE = 93;
const BRACE_CLOSE = 125;
const BACKSLASH = 92;

/** Whether a body has the shape {@link scanKrakenTrades} reads (and that Kraken's Trades success bodies have). */
export function looksLikeKrakenTrades(text: string): boolean {
  return text.startsWith(PREFIX);
}

/**
 * Reads a Trades body straight from its text into `into`, without building a JSON value per field:
 * `{"error":[],"result":{"<pair>":[["<price>","<volume>",<time>,"b|s","<ordertype>","<misc>",<id>],…],"last":"<cursor>"}}`,
 * compact, as Kraken sends it. Returns the same page and the same numbers as `JSON.parse` followed by
 * {@link parseKrakenTrades} (decimals are converted exactly: up to 15 significant digits as an integer over a
 * power of ten, which IEEE division rounds correctly; longer ones by `Number`), or `undefined` — with `into`
 * as it was — for anything else, so the caller can take the general path and its precise error messages.
 */
export function scanKrakenTrades(text: string, into: TradeBuffer): KrakenTradesPage | undefined {
  const start = into.length;
  const page = scan(text, into);
  if (page === undefined) into.length = start;
  return page;
}

function scan(text: string, into: TradeBuffer): KrakenTradesPage | undefined {
  if (!text.startsWith(PREFIX)) return undefined;
  const n = text.length;
  let pos = PREFIX.length;

  // The pair key: plain characters, not "last" (a repeated key would make JSON.parse keep the later value).
  const keyStart = pos;
  while (pos < n && isKeyChar(text.charCodeAt(pos))) pos++;
  if (pos === keyStart || text.charCodeAt(pos) !== QUOTE || text.slice(keyStart, pos) === 'last') return undefined;
  if (!text.startsWith('":[', pos)) return undefined;
  pos += 3;

  let rows = 0;
  const row = new RowReader(text);
  if (text.charCodeAt(pos) === CLOSE) pos++;
  else {
    for (;;) {
      if (text.charCodeAt(pos) !== OPEN || text.charCodeAt(pos + 1) !== QUOTE) return undefined;
      // [0] price: a positive decimal string; [1] volume: a decimal string.
      row.pos = pos + 2;
      const price = row.decimal();
      pos = row.pos;
      if (!(price > 0) || text.charCodeAt(pos) !== QUOTE || text.charCodeAt(pos + 1) !== COMMA || text.charCodeAt(pos + 2) !== QUOTE) return undefined;
      row.pos = pos + 3;
      const amount = row.decimal();
      pos = row.pos;
      if (!(amount >= 0) || text.charCodeAt(pos) !== QUOTE || text.charCodeAt(pos + 1) !== COMMA) return undefined;
      // [2] time: a JSON number of seconds, plain form.
      row.pos = pos + 2;
      const time = row.timeMs();
      pos = row.pos;
      if (!(time > 0) || text.charCodeAt(pos) !== COMMA) return undefined;
      // [3] side.
      const side = text.charCodeAt(pos + 2);
      if (text.charCodeAt(pos + 1) !== QUOTE || (side !== 98 && side !== 115) || text.charCodeAt(pos + 3) !== QUOTE || text.charCodeAt(pos + 4) !== COMMA) return undefined;
      // [4] ordertype and [5] misc: any plain strings.
      pos = plainStringEnd(text, pos + 5);
      if (pos < 0 || text.charCodeAt(pos) !== COMMA) return undefined;
      pos = plainStringEnd(text, pos + 1);
      if (pos < 0 || text.charCodeAt(pos) !== COMMA) return undefined;
      // [6] trade id: a whole JSON number of at most 15 digits (always a safe integer).
      row.pos = pos + 1;
      const id = row.id();
      pos = row.pos;
      if (!(id >= 0) || text.charCodeAt(pos) !== CLOSE) return undefined;
      into.push(id, time, price, amount, side === 98);
      rows++;
      const next = text.charCodeAt(++pos);
      if (next === CLOSE) {
        pos++;
        break;
      }
      if (next !== COMMA) return undefined;
      pos++;
    }
  }

  if (!text.startsWith(',"last":"', pos)) return undefined;
  pos += 9;
  const lastEnd = text.indexOf('"', pos);
  if (lastEnd < 0) return undefined;
  const last = text.slice(pos, lastEnd);
  if (!isCursor(last) || text.charCodeAt(lastEnd + 1) !== BRACE_CLOSE || text.charCodeAt(lastEnd + 2) !== BRACE_CLOSE) return undefined;
  if (text.slice(lastEnd + 3).trim() !== '') return undefined;
  return { rows, last };
}

function isKeyChar(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === DOT;
}

/** Largest whole seconds for which the digit rule of {@link RowReader.timeMs} holds (a double's step is < 1 µs below 2^32 s). */
const FAST_SECONDS_LIMIT = 2 ** 32;

/**
 * Reads one field at `pos` and leaves `pos` after it; NaN when the field is not in the accepted form. One
 * pass over the characters per field.
 */
class RowReader {
  pos = 0;
  constructor(readonly text: string) {}

  /**
   * A plain decimal (digits, at most one `.` with digits on both sides, 1–`MAX_DECIMAL_CHARS` characters, as the general
   * path's `decimal` accepts), exactly as `Number` reads it: up to 15 significant digits the digits form an
   * exact integer and the power of ten is exact, so one correctly rounded division gives the same double.
   */
  decimal(): number {
    const text = this.text;
    const start = this.pos;
    let i = start;
    let mantissa = 0;
    let significant = 0;
    let dot = -1;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c >= ZERO && c <= NINE) {
        if (mantissa !== 0 || c !== ZERO) significant++;
        mantissa = mantissa * 10 + (c - ZERO);
        i++;
      } else if (c === DOT && dot < 0 && i > start) dot = i++;
      else break;
    }
    this.pos = i;
    if (i === start || dot === i - 1 || i - start > MAX_DECIMAL_CHARS) return Number.NaN;
    const fraction = dot < 0 ? 0 : i - dot - 1;
    if (significant <= 15 && fraction <= 22) return fraction > 0 ? mantissa / (POW10[fraction] as number) : mantissa;
    return Number(text.slice(start, i));
  }

  /**
   * Kraken's time (a JSON number of seconds without sign or exponent) as {@link krakenTimeMs} of the double
   * `JSON.parse` gives. From the digits when the part below the millisecond is at least 1 µs away from a
   * whole millisecond (the double is within 0.5 µs of the decimal, so it floors to the same millisecond);
   * otherwise through the double itself, like the general path.
   */
  timeMs(): number {
    const text = this.text;
    const start = this.pos;
    let i = start;
    let whole = 0;
    const first = text.charCodeAt(i);
    if (first === ZERO) i++;
    else if (first > ZERO && first <= NINE) {
      for (let c = first; c >= ZERO && c <= NINE; c = text.charCodeAt(++i)) whole = whole * 10 + (c - ZERO);
    } else return Number.NaN;
    let ms = 0;
    let rest = 0;
    let restDigits = 0;
    if (text.charCodeAt(i) === DOT) {
      const fractionStart = ++i;
      for (let c = text.charCodeAt(i); c >= ZERO && c <= NINE; c = text.charCodeAt(++i)) {
        const k = i - fractionStart;
        if (k < 3) ms = ms * 10 + (c - ZERO);
        else if (k < 15) {
          rest = rest * 10 + (c - ZERO);
          restDigits++;
        }
      }
      if (i === fractionStart) return Number.NaN;
      for (let k = i - fractionStart; k < 3; k++) ms *= 10;
    }
    const c = text.charCodeAt(i);
    if (c === 101 || c === 69) return Number.NaN; // an exponent: left to the general path
    this.pos = i;
    const scale = POW10[restDigits] as number;
    const clearOfMillisecond = i - start <= 30 && rest * 1000 >= scale && rest * 1000 <= 999 * scale;
    if (clearOfMillisecond && whole > 0 && whole < FAST_SECONDS_LIMIT) return whole * 1000 + ms;
    const seconds = Number(text.slice(start, i));
    return seconds > 0 && Number.isFinite(seconds) ? krakenTimeMs(seconds) : Number.NaN;
  }

  /** A whole JSON number (no leading zero, no fraction) of at most 15 digits: always a safe integer. */
  id(): number {
    const text = this.text;
    const start = this.pos;
    let i = start;
    let value = 0;
    for (let c = text.charCodeAt(i); c >= ZERO && c <= NINE; c = text.charCodeAt(++i)) value = value * 10 + (c - ZERO);
    this.pos = i;
    const digits = i - start;
    if (digits === 0 || digits > 15 || (digits > 1 && text.charCodeAt(start) === ZERO)) return Number.NaN;
    const c = text.charCodeAt(i);
    return c === DOT || c === 101 || c === 69 ? Number.NaN : value;
  }
}

/** Position after a JSON string at `pos` with no escapes and no control characters, or −1. */
function plainStringEnd(text: string, pos: number): number {
  if (text.charCodeAt(pos) !== QUOTE) return -1;
  for (let i = pos + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH || c < 32) return -1;
  }
  return -1;
}

