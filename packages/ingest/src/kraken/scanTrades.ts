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
 * {@link parseKrakenTrades} (decimals are converted exactly: up to 15 digits as an integer over a power of
 * ten, which IEEE division rounds correctly; longer ones by `Number`), or `undefined` — with `into` as it
 * was — for anything else, so the caller can take the general path and its precise error messages.
 *
 * The text is first copied as UTF-8 into a byte buffer kept between calls: indexing bytes is about 1.5× as
 * fast as `charCodeAt`, and the copy costs ~10 µs a page. A body with any non-ASCII character is left to the
 * general path, so a byte and a character are the same thing wherever the scanner looks.
 */
export function scanKrakenTrades(text: string, into: TradeBuffer): KrakenTradesPage | undefined {
  if (!text.startsWith(PREFIX)) return undefined;
  const bytes = asciiBytes(text);
  if (bytes === undefined) return undefined;
  const start = into.length;
  scanned = text;
  try {
    const page = scan(text, bytes, into);
    if (page === undefined) into.length = start;
    return page;
  } finally {
    scanned = '';
  }
}

const MAX_SCANNED_CHARS = 1 << 20;
/** What JSON allows after the value: `String.prototype.trim` would also take `\v`, `\f` and Unicode spaces. */
const JSON_WHITESPACE = /^[ \t\n\r]*$/;
/** The text being scanned, for the rare field read through `Number` (byte and character positions agree: it is ASCII). */
let scanned = '';
let scratch = new Uint8Array(0);
const encoder = new TextEncoder();

/**
 * The text's bytes followed by a 0 (which ends every loop of the scanner: it is no digit, no plain string
 * character and no delimiter), or `undefined` when the text is not all ASCII or longer than any page.
 */
function asciiBytes(text: string): Uint8Array | undefined {
  // A page of 1,000 trades is about 70 kB; a far larger body is no ordinary page, and is not worth keeping a buffer for.
  if (text.length > MAX_SCANNED_CHARS) return undefined;
  // ASCII text takes one byte per unit and fits whole; any other character takes two or more, and then not all of the text fits.
  if (scratch.length < text.length + 1) scratch = new Uint8Array(text.length + 1024);
  const { read, written } = encoder.encodeInto(text, scratch.subarray(0, text.length + 1));
  if (read !== text.length || written !== text.length) return undefined;
  scratch[written] = 0;
  return scratch;
}

function scan(text: string, b: Uint8Array, into: TradeBuffer): KrakenTradesPage | undefined {
  let pos = PREFIX.length;

  // The pair key: plain characters, not "last" (a repeated key would make JSON.parse keep the later value).
  const keyStart = pos;
  while (isKeyChar(b[pos] as number)) pos++;
  if (pos === keyStart || b[pos] !== QUOTE || text.slice(keyStart, pos) === 'last') return undefined;
  if (!text.startsWith('":[', pos)) return undefined;
  pos += 3;

  let rows = 0;
  if (b[pos] === CLOSE) pos++;
  else {
    for (;;) {
      if (b[pos] !== OPEN || b[pos + 1] !== QUOTE) return undefined;
      // [0] price: a positive decimal string; [1] volume: a decimal string.
      const price = decimal(b, pos + 2);
      pos = end;
      if (!(price > 0) || b[pos] !== QUOTE || b[pos + 1] !== COMMA || b[pos + 2] !== QUOTE) return undefined;
      const amount = decimal(b, pos + 3);
      pos = end;
      if (!(amount >= 0) || b[pos] !== QUOTE || b[pos + 1] !== COMMA) return undefined;
      // [2] time: a JSON number of seconds, plain form.
      const time = timeMs(b, pos + 2);
      pos = end;
      if (!(time > 0) || b[pos] !== COMMA) return undefined;
      // [3] side.
      const side = b[pos + 2];
      if (b[pos + 1] !== QUOTE || (side !== 98 && side !== 115) || b[pos + 3] !== QUOTE || b[pos + 4] !== COMMA) return undefined;
      // [4] ordertype and [5] misc: any plain strings.
      pos = plainStringEnd(b, pos + 5);
      if (pos < 0 || b[pos] !== COMMA) return undefined;
      pos = plainStringEnd(b, pos + 1);
      if (pos < 0 || b[pos] !== COMMA) return undefined;
      // [6] trade id: a whole JSON number of at most 15 digits (always a safe integer).
      const id = tradeId(b, pos + 1);
      pos = end;
      if (!(id >= 0) || b[pos] !== CLOSE) return undefined;
      into.push(id, time, price, amount, side === 98);
      rows++;
      const next = b[++pos];
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
  if (!isCursor(last) || b[lastEnd + 1] !== BRACE_CLOSE || b[lastEnd + 2] !== BRACE_CLOSE) return undefined;
  if (!JSON_WHITESPACE.test(text.slice(lastEnd + 3))) return undefined;
  return { rows, last };
}

function isKeyChar(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45 || c === DOT;
}

/** Largest whole seconds for which the digit rule of {@link timeMs} holds (a double's step is < 1 µs below 2^32 s). */
const FAST_SECONDS_LIMIT = 2 ** 32;

/**
 * Where the field read last ended. Each field reader returns the field's value (NaN when the field is not in
 * the accepted form) and leaves the position after it here: a small integer, so setting it allocates nothing.
 */
let end = 0;

/**
 * A plain decimal (digits, at most one `.` with digits on both sides, 1–`MAX_DECIMAL_CHARS` characters, as the
 * general path's `decimal` accepts), exactly as `Number` reads it: up to 15 digits the digits form an exact
 * integer and the power of ten is exact, so one correctly rounded division gives the same double.
 */
function decimal(b: Uint8Array, start: number): number {
  let i = start;
  let mantissa = 0;
  let dot = -1;
  for (;;) {
    const c = b[i] as number;
    if (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      i++;
    } else if (c === DOT && dot < 0 && i > start) dot = i++;
    else break;
  }
  end = i;
  const length = i - start;
  if (length === 0 || dot === i - 1 || length > MAX_DECIMAL_CHARS) return Number.NaN;
  if (dot < 0) return length <= 15 ? mantissa : Number(scanned.slice(start, i));
  return length <= 16 ? mantissa / (POW10[i - dot - 1] as number) : Number(scanned.slice(start, i));
}

/**
 * Kraken's time (a JSON number of seconds without sign or exponent) as {@link krakenTimeMs} of the double
 * `JSON.parse` gives. From the digits when the part below the millisecond is at least 1 µs away from a
 * whole millisecond (the double is within 0.5 µs of the decimal, so it floors to the same millisecond);
 * otherwise through the double itself, like the general path.
 */
function timeMs(b: Uint8Array, start: number): number {
  let i = start;
  let whole = 0;
  const first = b[i] as number;
  end = i;
  if (first === ZERO) i++;
  else if (first > ZERO && first <= NINE) {
    for (let c = first; c >= ZERO && c <= NINE; c = b[++i] as number) whole = whole * 10 + (c - ZERO);
  } else return Number.NaN;
  let ms = 0;
  let rest = 0;
  let restDigits = 0;
  if (b[i] === DOT) {
    const fractionStart = ++i;
    let c = b[i] as number;
    // The milliseconds: the first three digits (fewer are scaled up).
    for (const msEnd = i + 3; i < msEnd && c >= ZERO && c <= NINE; c = b[++i] as number) ms = ms * 10 + (c - ZERO);
    if (i === fractionStart) return Number.NaN;
    for (let k = i - fractionStart; k < 3; k++) ms *= 10;
    // Below the millisecond: the next twelve digits (any further ones cannot move it by 1 µs).
    const restStart = i;
    for (const restEnd = i + 12; c >= ZERO && c <= NINE; c = b[++i] as number) if (i < restEnd) rest = rest * 10 + (c - ZERO);
    restDigits = Math.min(12, i - restStart);
  }
  end = i;
  const c = b[i];
  if (c === 101 || c === 69) return Number.NaN; // an exponent: left to the general path
  const scale = POW10[restDigits] as number;
  const clearOfMillisecond = i - start <= 30 && rest * 1000 >= scale && rest * 1000 <= 999 * scale;
  if (clearOfMillisecond && whole > 0 && whole < FAST_SECONDS_LIMIT) return whole * 1000 + ms;
  const seconds = Number(scanned.slice(start, i));
  return seconds > 0 && Number.isFinite(seconds) ? krakenTimeMs(seconds) : Number.NaN;
}

/** A whole JSON number (no leading zero, no fraction) of at most 15 digits: always a safe integer. */
function tradeId(b: Uint8Array, start: number): number {
  let i = start;
  let value = 0;
  for (let c = b[i] as number; c >= ZERO && c <= NINE; c = b[++i] as number) value = value * 10 + (c - ZERO);
  const digits = i - start;
  end = i;
  const c = b[i];
  return digits === 0 || digits > 15 || (digits > 1 && b[start] === ZERO) || c === DOT || c === 101 || c === 69 ? Number.NaN : value;
}

/** Position after a JSON string at `pos` with no escapes and no control characters, or −1 (the trailing 0 ends it). */
function plainStringEnd(b: Uint8Array, pos: number): number {
  if (b[pos] !== QUOTE) return -1;
  for (let i = pos + 1; ; i++) {
    const c = b[i] as number;
    if (c === QUOTE) return i + 1;
    if (c === BACKSLASH || c < 32) return -1;
  }
}
