/**
 * Kraken's Trades cursor (`since` / `last`). Kraken answers with `last` as a nanosecond timestamp string
 * (`"1688671969993150842"`, 19 digits: more than a double holds exactly), and the next request sends it back
 * verbatim. A first request may send whole seconds instead. Cursors are therefore kept as digit strings and
 * compared as BigInts — never through a float.
 */
const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;

/** Seconds have at most 12 digits until the year 33658; nanoseconds have 16 or more after 1970-04-27. */
const SECONDS = /^\d{1,12}$/;
const NANOSECONDS = /^\d{16,20}$/;

export function isCursor(value: unknown): value is string {
  return typeof value === 'string' && (SECONDS.test(value) || NANOSECONDS.test(value));
}

/** The cursor as nanoseconds since the epoch. */
export function cursorNs(cursor: string): bigint {
  if (SECONDS.test(cursor)) return BigInt(cursor) * NS_PER_S;
  if (NANOSECONDS.test(cursor)) return BigInt(cursor);
  throw new RangeError(`"${cursor}" is not a Kraken trades cursor (whole seconds or a nanosecond timestamp)`);
}

/** The cursor as epoch milliseconds, floored (exact: milliseconds fit a double). */
export function cursorMs(cursor: string): number {
  return Number(cursorNs(cursor) / NS_PER_MS);
}

/** The first-request cursor for trades at or after `ms`: whole seconds, one second early (Kraken's `since` is exclusive). */
export function cursorBefore(ms: number): string {
  return String(Math.floor(ms / 1000) - 1);
}

/** `a` compared with `b`: negative, zero or positive. */
export function compareCursors(a: string, b: string): number {
  const x = cursorNs(a);
  const y = cursorNs(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
