import { isoTime } from './bars.ts';

/** Earliest bar time the lake accepts: 2009-01-01T00:00:00Z (before any crypto market). */
export const MIN_BAR_TIME = Date.UTC(2009, 0, 1);
/** Bar times must be before 2100-01-01T00:00:00Z. */
export const MAX_BAR_TIME = Date.UTC(2100, 0, 1);
/** The range in words, for messages and docs. */
export const BAR_TIME_RANGE = '2009-01-01 ≤ time < 2100-01-01 (UTC)';

/** Numeric units a time column may be written in, with how many of them make a millisecond. */
export const NUMERIC_TIME_UNITS = { s: 1e-3, ms: 1, us: 1e3, ns: 1e6 } as const;
export type NumericTimeUnit = keyof typeof NUMERIC_TIME_UNITS;

export function isBarTime(ms: number): boolean {
  return ms >= MIN_BAR_TIME && ms < MAX_BAR_TIME;
}

/** `value` (a number written in `unit`) as epoch milliseconds, rounded to a whole millisecond. */
export function toEpochMs(value: number, unit: NumericTimeUnit): number {
  const perMs = NUMERIC_TIME_UNITS[unit];
  return Math.round(perMs === 1 ? value : value / perMs);
}

/** The numeric unit under which `value` lands inside the accepted range, if exactly one does. */
export function fittingTimeUnit(value: number): NumericTimeUnit | undefined {
  const fits = (Object.keys(NUMERIC_TIME_UNITS) as NumericTimeUnit[]).filter((unit) => isBarTime(toEpochMs(value, unit)));
  return fits.length === 1 ? fits[0] : undefined;
}

/**
 * Why `ms` is not a bar time, or `undefined` when it is. `raw` (the number as written) and `unit` let the
 * message name the unit that would fit, e.g. `… looks like microseconds: use --time-unit us`.
 */
export function timeOutOfRange(ms: number, raw?: { value: number; unit: NumericTimeUnit }): string | undefined {
  if (isBarTime(ms)) return undefined;
  const shown = Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? isoTime(ms) : `${ms} ms`;
  const base = `time ${shown} is outside ${BAR_TIME_RANGE}`;
  if (!raw) return base;
  const unit = fittingTimeUnit(raw.value);
  if (unit === undefined || unit === raw.unit) return `${base} (read as ${UNIT_NAMES[raw.unit]})`;
  return `${base} (read as ${UNIT_NAMES[raw.unit]}); the value looks like ${UNIT_NAMES[unit]}: use --time-unit ${unit} (timeUnit: '${unit}')`;
}

const UNIT_NAMES: Record<NumericTimeUnit, string> = { s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds' };
