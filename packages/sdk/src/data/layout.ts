import type { Bars } from '../features/types.ts';
import { sliceBars } from './bars.ts';
import { DataError } from './errors.ts';

/**
 * How a dataset's rows are filed below its folder: `year` → `year=2024/part-0000.parquet` (what whole-dataset
 * writes use), `month` → `year=2024/month=03/part-0000.parquet`, `day` → `year=2024/month=03/day=07/…`.
 * The manifest lists every partition's path, so datasets may mix layouts; readers never parse the names.
 */
export type PartitionLayout = 'year' | 'month' | 'day';

const pad = (n: number) => String(n).padStart(2, '0');

/** The bucket folder (relative to the dataset folder) holding `time` under `layout`, e.g. `year=2024/month=03`. */
export function bucketOf(time: number, layout: PartitionLayout): string {
  const date = new Date(time);
  const year = `year=${date.getUTCFullYear()}`;
  if (layout === 'year') return year;
  const month = `${year}/month=${pad(date.getUTCMonth() + 1)}`;
  return layout === 'month' ? month : `${month}/day=${pad(date.getUTCDate())}`;
}

/** First instant after the bucket of `layout` that holds `time`. */
export function nextBucketStart(time: number, layout: PartitionLayout): number {
  const d = new Date(time);
  if (layout === 'year') return Date.UTC(d.getUTCFullYear() + 1, 0, 1);
  if (layout === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

/** Splits time-sorted bars into one slice per bucket of `layout`, in time order. */
export function splitByBucket(bars: Bars, layout: PartitionLayout): { bucket: string; bars: Bars }[] {
  const out: { bucket: string; bars: Bars }[] = [];
  let start = 0;
  while (start < bars.length) {
    const first = bars.time[start] as number;
    if (!Number.isFinite(first) || Math.abs(first) > 8.64e15) throw new DataError(`row ${start}: time ${first} is not a valid instant`);
    const next = nextBucketStart(first, layout);
    let end = start + 1;
    while (end < bars.length && (bars.time[end] as number) < next) end++;
    out.push({ bucket: bucketOf(first, layout), bars: start === 0 && end === bars.length ? bars : sliceBars(bars, start, end) });
    start = end;
  }
  return out;
}

/**
 * `<folder>/part-NNNN.parquet` with the smallest NNNN (from 0000) whose path is not in `taken`. Callers pass
 * every path the current manifest lists, so a new file never replaces one a reader may be using.
 */
export function freePartitionPath(folder: string, taken: ReadonlySet<string>): string {
  for (let n = 0; ; n++) {
    const candidate = `${folder}/part-${String(n).padStart(4, '0')}.parquet`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * A free sibling of `wanted`: its `-NNNN` number bumped (or `-0001` appended) until the path is not in
 * `taken`. Used when a commit asks to rewrite a file the current manifest still lists.
 */
export function freeSiblingPath(wanted: string, taken: ReadonlySet<string>): string {
  const match = /^(.*?)(?:-(\d+))?\.parquet$/.exec(wanted);
  const stem = match?.[1] ?? wanted.replace(/\.parquet$/, '');
  const width = match?.[2]?.length ?? 4;
  for (let n = match?.[2] ? Number(match[2]) + 1 : 1; ; n++) {
    const candidate = `${stem}-${String(n).padStart(width, '0')}.parquet`;
    if (!taken.has(candidate)) return candidate;
  }
}
