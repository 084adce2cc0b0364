import { type Bars, type ColumnName, OPTIONAL_COLUMNS, type OptionalColumn, REQUIRED_COLUMNS } from '../features/types.ts';

/** Mutable view of {@link Bars}, for code that fills freshly allocated columns. */
export type MutableBars = { -readonly [K in keyof Bars]: Bars[K] };

/** Allocates zeroed columns of `length` rows: the required ones plus `optional`. */
export function allocateBars(length: number, optional: readonly OptionalColumn[] = []): Bars {
  const bars: MutableBars = {
    length,
    time: new Float64Array(length),
    open: new Float64Array(length),
    high: new Float64Array(length),
    low: new Float64Array(length),
    close: new Float64Array(length),
    volume: new Float64Array(length),
  };
  for (const name of optional) bars[name] = new Float64Array(length);
  return bars;
}

/** Names of the optional columns `bars` carries, in canonical order. */
export function optionalColumnsOf(bars: Bars): OptionalColumn[] {
  return OPTIONAL_COLUMNS.filter((name) => bars[name] !== undefined);
}

/** Every column `bars` carries, in canonical order. */
export function columnsOf(bars: Bars): ColumnName[] {
  return [...REQUIRED_COLUMNS, ...optionalColumnsOf(bars)];
}

/** Copy of rows `[start, end)`. */
export function sliceBars(bars: Bars, start: number, end: number): Bars {
  const out: MutableBars = {
    length: end - start,
    time: bars.time.slice(start, end),
    open: bars.open.slice(start, end),
    high: bars.high.slice(start, end),
    low: bars.low.slice(start, end),
    close: bars.close.slice(start, end),
    volume: bars.volume.slice(start, end),
  };
  for (const name of optionalColumnsOf(bars)) out[name] = bars[name]?.slice(start, end);
  return out;
}

/** `2024-01-01T00:00:00.000Z`, or the raw number when it is not a valid time. */
export function isoTime(ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);
}
