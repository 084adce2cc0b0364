import type { Bars } from '../features/types.ts';
import { columnsOf, isoTime, sliceBars } from './bars.ts';
import { type CommitResult, type DatasetIdentity, type PartitionWrite, updateDataset } from './commit.ts';
import { BarsValidationError, DataError, DatasetNotFoundError } from './errors.ts';
import { assertDatasetId, datasetAddress, datasetFolder } from './ids.ts';
import { type PartitionLayout, bucketOf, freePartitionPath, nextBucketStart, splitByBucket } from './layout.ts';
import { readPartitions } from './lake.ts';
import type { DataDirOptions, DatasetManifest, DatasetPartition } from './manifest.ts';
import { parseTimeframe } from './timeframe.ts';
import { validateBars } from './validateBars.ts';

export interface AppendBarsOptions extends DataDirOptions {
  /** Dataset to extend. */
  id: string;
  /** Time-sorted bars with the dataset's columns. */
  bars: Bars;
  /** Folders for the new files (see {@link PartitionLayout}). Default `year`. */
  layout?: PartitionLayout;
  /** Identity of the dataset to create when it does not exist yet; without it a missing dataset is an error. */
  create?: Omit<DatasetIdentity, 'id'>;
  /** How long to wait for another writer of the same dataset. Default 60 s. */
  lockTimeoutMs?: number;
}

export interface AppendResult {
  /** The dataset's manifest after the append (the current one when nothing was new). */
  manifest: DatasetManifest;
  /** Rows added before the dataset's first bar and after its last. */
  added: number;
  /** Rows that repeated bars the dataset already had, exactly. */
  overlapping: number;
  /** The commit, or null when every row was already there. */
  commit: CommitResult | null;
}

/**
 * Adds bars to a dataset without rewriting what it holds: rows before its first bar or after its last go to
 * new partition files (`<bucket>/part-NNNN.parquet`, the next free number); rows inside its range must equal
 * the bars it has at those times, column for column, and are skipped. Anything else — a different value, a
 * bar inside the range at a time the dataset has no bar for — is refused naming the row, and nothing is
 * written. Runs under the dataset's lock, so concurrent appends never lose each other's rows.
 */
export async function appendBars(options: AppendBarsOptions): Promise<AppendResult> {
  const id = assertDatasetId(options.id);
  const layout = options.layout ?? 'year';
  const label = `append to dataset "${id}"`;
  let added = 0;
  let overlapping = 0;
  let unchanged: DatasetManifest | null = null;
  const commit = await updateDataset({ dataDir: options.dataDir, id, ...(options.lockTimeoutMs !== undefined ? { lockTimeoutMs: options.lockTimeoutMs } : {}) }, async (current) => {
    const { bars } = options;
    if (!current) {
      if (!options.create) throw new DatasetNotFoundError(`${label}: the dataset does not exist; pass \`create\` with its source, symbol and timeframe to start it`);
      const folder = datasetFolder(datasetAddress(options.create));
      checkBars(label, bars, options.create.timeframe);
      added = bars.length;
      return { dataset: { ...options.create, id }, write: newPartitions(folder, bars, layout, new Set()) };
    }
    checkBars(label, bars, current.timeframe);
    const have = current.columns.map((c) => c.name).join(',');
    if (columnsOf(bars).join(',') !== have) throw new DataError(`${label}: the bars have columns ${columnsOf(bars).join(',')} but the dataset has ${have}`);
    const first = Date.parse(current.firstTime);
    const last = Date.parse(current.lastTime);
    const start = lowerBound(bars.time, first);
    const end = lowerBound(bars.time, last + 1);
    overlapping = end - start;
    if (overlapping > 0) await checkOverlap(label, options.dataDir, current, sliceBars(bars, start, end), start);
    added = bars.length - overlapping;
    if (added === 0) {
      unchanged = current;
      return null;
    }
    const folder = datasetFolder(current);
    const taken = new Set(current.partitions.map((p) => p.path));
    const write = [
      ...(start > 0 ? newPartitions(folder, sliceBars(bars, 0, start), layout, taken) : []),
      ...(end < bars.length ? newPartitions(folder, sliceBars(bars, end, bars.length), layout, taken) : []),
    ];
    return { keep: 'all', write };
  });
  const manifest = commit?.manifest ?? (unchanged as DatasetManifest | null);
  if (!manifest) throw new DataError(`${label}: nothing was committed`);
  return { manifest, added, overlapping, commit };
}

function checkBars(label: string, bars: Bars, timeframe: string): void {
  const report = validateBars(bars, { timeframeMs: parseTimeframe(timeframe).ms });
  if (!report.ok) throw new BarsValidationError(label, report);
}

/** First index whose time is ≥ `time` (times sorted). */
function lowerBound(time: Float64Array, value: number): number {
  let lo = 0;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((time[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One new file per bucket, at the next free `part-NNNN` of its folder; `taken` grows with each path chosen. */
function newPartitions(folder: string, bars: Bars, layout: PartitionLayout, taken: Set<string>): PartitionWrite[] {
  return splitByBucket(bars, layout).map((part) => {
    const file = freePartitionPath(`${folder}/${part.bucket}`, taken);
    taken.add(file);
    return { path: file, bars: part.bars };
  });
}

/** Every row of `overlap` (which lies inside the dataset's range) must be a bar the dataset has, exactly. */
async function checkOverlap(label: string, dataDir: string, manifest: DatasetManifest, overlap: Bars, offset: number): Promise<void> {
  const from = isoTime(overlap.time[0] as number);
  const to = isoTime(overlap.time[overlap.length - 1] as number);
  const partitions = manifest.partitions.filter((p) => p.lastTime >= from && p.firstTime <= to);
  const existing = await readPartitions(manifest, { dataDir, partitions });
  const names = columnsOf(overlap);
  let j = 0;
  for (let i = 0; i < overlap.length; i++) {
    const t = overlap.time[i] as number;
    while (j < existing.length && (existing.time[j] as number) < t) j++;
    const where = `row ${offset + i} (${isoTime(t)})`;
    if (j >= existing.length || existing.time[j] !== t) {
      throw new DataError(
        `${label}: ${where} lies inside the dataset's range ${manifest.firstTime} → ${manifest.lastTime}, where it has no bar; new bars may only come before its first bar or after its last, or repeat existing bars exactly`,
      );
    }
    for (const name of names) {
      const mine = (overlap[name] as Float64Array)[i] as number;
      const theirs = (existing[name] as Float64Array)[j] as number;
      if (!Object.is(mine, theirs)) throw new DataError(`${label}: ${where}: ${name} is ${mine} but the dataset has ${theirs} at that time; overlapping bars must be identical`);
    }
  }
}

export interface CompactDatasetOptions extends DataDirOptions {
  id: string;
  /** Target layout: one file per bucket. Default `month`. */
  layout?: PartitionLayout;
  lockTimeoutMs?: number;
}

/**
 * Merges a dataset's partitions into one file per bucket of `layout` (e.g. many small streamed files into
 * `year=2024/month=03/part-NNNN.parquet`). Buckets already held by exactly one file in the bucket's folder are
 * left alone; the others are rewritten, and the files they replace are deleted after the new manifest is
 * written. Returns null when there was nothing to do. Reads the partitions it rewrites into memory.
 */
export async function compactDataset(options: CompactDatasetOptions): Promise<CommitResult | null> {
  const id = assertDatasetId(options.id);
  const layout = options.layout ?? 'month';
  return updateDataset({ dataDir: options.dataDir, id, ...(options.lockTimeoutMs !== undefined ? { lockTimeoutMs: options.lockTimeoutMs } : {}) }, async (current) => {
    if (!current) throw new DatasetNotFoundError(`compact dataset "${id}": the dataset does not exist`);
    const folder = datasetFolder(current);
    const bucketsOf = (p: DatasetPartition) => bucketSpan(p, layout);
    const holders = new Map<string, DatasetPartition[]>();
    for (const p of current.partitions) for (const b of bucketsOf(p)) holders.set(b, [...(holders.get(b) ?? []), p]);
    const compact = (b: string) => {
      const list = holders.get(b) ?? [];
      const only = list[0];
      return list.length === 1 && only !== undefined && bucketsOf(only).length === 1 && only.path.startsWith(`${folder}/${b}/`) && !only.path.slice(folder.length + b.length + 2).includes('/');
    };
    const rewrite = new Set<DatasetPartition>();
    const pending = [...holders.keys()].filter((b) => !compact(b));
    const seen = new Set(pending);
    while (pending.length) {
      for (const p of holders.get(pending.pop() as string) ?? []) {
        if (rewrite.has(p)) continue;
        rewrite.add(p);
        for (const b of bucketsOf(p)) if (!seen.has(b)) (seen.add(b), pending.push(b));
      }
    }
    if (rewrite.size === 0) return null;
    const bars = await readPartitions(current, { dataDir: options.dataDir, partitions: [...rewrite] });
    const taken = new Set(current.partitions.map((p) => p.path));
    return { keep: current.partitions.filter((p) => !rewrite.has(p)).map((p) => p.path), write: newPartitions(folder, bars, layout, taken) };
  });
}

/** Buckets of `layout` a partition's time range touches, in order. */
function bucketSpan(p: DatasetPartition, layout: PartitionLayout): string[] {
  const first = Date.parse(p.firstTime);
  const last = Date.parse(p.lastTime);
  const out = [bucketOf(first, layout)];
  const end = bucketOf(last, layout);
  for (let t = first; out[out.length - 1] !== end; ) {
    t = nextBucketStart(t, layout);
    out.push(bucketOf(t, layout));
  }
  return out;
}
