import { parseIsoTime } from '@tradecore/sdk';
import { InvalidOptionError } from './errors.ts';

const DURATION = /^(\d+)\s*(m|h|d|w)$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** `90d`, `12h`, `30m`, `2w` in milliseconds; an {@link InvalidOptionError} naming `flag` otherwise. */
export function parseDuration(value: string, flag: string): number {
  const m = DURATION.exec(value.trim());
  const n = m ? Number(m[1]) : 0;
  if (!m || !(n > 0)) throw new InvalidOptionError(`${flag} "${value}" is not a duration: use <n>m, <n>h, <n>d or <n>w (e.g. 90d)`);
  return n * UNIT_MS[m[2] as keyof typeof UNIT_MS];
}

/** A point in time given as an ISO date/time (UTC unless it has a zone), a `Date`, epoch ms, or `<duration>` ago (`7d`). */
export type TimeInput = string | number | Date;

/** Epoch ms of `value`; relative durations count back from `now`. */
export function parseWhen(value: TimeInput, flag: string, now: number): number {
  if (value instanceof Date) {
    const t = value.getTime();
    if (!Number.isFinite(t)) throw new InvalidOptionError(`${flag}: invalid Date`);
    return t;
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new InvalidOptionError(`${flag} ${value} is not a time in epoch milliseconds`);
    return value;
  }
  const text = value.trim();
  if (DURATION.test(text)) return now - parseDuration(text, flag);
  if (text === 'now') return now;
  const t = parseIsoTime(text);
  if (!Number.isFinite(t)) throw new InvalidOptionError(`${flag} "${value}" is not a time: use an ISO date such as 2024-01-01 or 2024-01-01T12:00Z, "now", or a duration ago such as 30d`);
  return t;
}
