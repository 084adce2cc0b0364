import { DataError } from './errors.ts';

export interface Timeframe {
  /** Canonical label, e.g. `1m`, `15m`, `1h`, `1d`. */
  readonly label: string;
  /** Bar length in milliseconds. */
  readonly ms: number;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/** Parses `<n><unit>` with unit `s`, `m`, `h`, `d` or `w` (e.g. `1m`, `15m`, `4h`, `1d`). */
export function parseTimeframe(timeframe: string): Timeframe {
  const match = /^(\d+)([smhdw])$/.exec(timeframe.trim());
  const count = match ? Number(match[1]) : 0;
  if (!match || !Number.isSafeInteger(count) || count <= 0) {
    throw new DataError(`invalid timeframe "${timeframe}": expected <n><unit> with unit s, m, h, d or w (e.g. 1m, 1h, 1d)`);
  }
  const unit = match[2] as keyof typeof UNIT_MS;
  return { label: `${count}${unit}`, ms: count * UNIT_MS[unit] };
}

/** The epoch is a Thursday; weekly buckets start on Monday 00:00 UTC like exchanges' weekly candles. */
const WEEK_ORIGIN_MS = 4 * 86_400_000;

/** Start of the UTC-aligned bucket of length `ms` that contains `time`. */
export function bucketStart(time: number, ms: number): number {
  const origin = ms % UNIT_MS.w === 0 ? WEEK_ORIGIN_MS : 0;
  return Math.floor((time - origin) / ms) * ms + origin;
}
