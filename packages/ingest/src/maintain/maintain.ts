import path from 'node:path';
import {
  type Bars,
  type DatasetManifest,
  type DatasetPartition,
  type PartitionLayout,
  appendBars,
  bucketOf,
  bucketStart,
  compactDataset,
  datasetFolder,
  datasetRefId,
  isoTime,
  loadManifest,
  parseTimeframe,
  readPartitions,
  sliceBars,
  updateDataset,
  validateBars,
} from '@tradecore/sdk';
import { type TimeInput, parseDuration, parseWhen } from '../_time.ts';
import { IngestError, InvalidOptionError } from '../errors.ts';
import { CREATED_BY } from '../lake.ts';

export interface RetainOptions {
  dataDir: string;
  /** Dataset id. */
  id: string;
  /** Keep this much history before now: `90d`, `12h`, `2w` (or ms). */
  keep?: string | number;
  /** Or keep the bars from this time on (ISO, ms, Date). */
  before?: TimeInput;
  /** Move the dropped bars into the dataset of the same id in this data folder instead of deleting them. */
  archive?: string;
  /** Report what would change; write nothing. */
  dryRun?: boolean;
  now?: () => number;
}

export interface RetainResult {
  dataset: string;
  /** Bars before this time are dropped (ISO). */
  cutoff: string;
  dryRun: boolean;
  rowsBefore: number;
  rowsAfter: number;
  /** Partition files removed whole. */
  dropped: string[];
  /** Partitions cut at the cutoff: their bars from the cutoff on are written to a new file. */
  trimmed: { path: string; keptRows: number; droppedRows: number }[];
  /** Where the dropped bars went, when archiving. */
  archived: { dataDir: string; id: string; rows: number } | null;
  /** Partitions whose checksums were verified before and after. */
  verified: { before: number; after: number };
}

/** Reads (checksum-verifies) the partitions and validates the bars; errors name the dataset. */
async function verify(manifest: DatasetManifest, dataDir: string, partitions: readonly DatasetPartition[] = manifest.partitions): Promise<Bars> {
  const bars = await readPartitions(manifest, { dataDir, partitions });
  const report = validateBars(bars, { timeframeMs: parseTimeframe(manifest.timeframe).ms, ...(manifest.emptyBars ? { emptyBars: manifest.emptyBars } : {}) });
  if (!report.ok) throw new IngestError(`dataset "${manifest.id}" fails validation: ${report.errors[0]?.message ?? ''}`);
  return bars;
}

/**
 * Drops the bars older than a window (or archives them into another data folder), keeping one dataset:
 * whole partitions before the cutoff are removed, a partition that straddles it is rewritten with its
 * bars from the cutoff on. Checksums are verified before, and the new manifest's partitions after. The
 * change goes through the lake's write primitive (manifest last; only listed partitions deleted).
 */
export async function retain(options: RetainOptions): Promise<RetainResult> {
  const id = datasetRefId(options.id);
  const now = options.now?.() ?? Date.now();
  if ((options.keep === undefined) === (options.before === undefined)) throw new InvalidOptionError('retain needs exactly one of --keep <duration> and --before <time>');
  const { manifest } = await loadManifest(id, { dataDir: options.dataDir });
  const tf = parseTimeframe(manifest.timeframe).ms;
  const keepMs = typeof options.keep === 'number' ? options.keep : options.keep !== undefined ? parseDuration(options.keep, '--keep') : undefined;
  const raw = keepMs !== undefined ? now - keepMs : parseWhen(options.before as TimeInput, '--before', now);
  const cutoff = bucketStart(raw, tf);
  const cutoffIso = isoTime(cutoff);

  const plan = (current: DatasetManifest) => {
    const dropped = current.partitions.filter((p) => p.lastTime < cutoffIso);
    const straddling = current.partitions.filter((p) => p.firstTime < cutoffIso && p.lastTime >= cutoffIso);
    const kept = current.partitions.filter((p) => p.firstTime >= cutoffIso);
    return { dropped, straddling, kept };
  };
  const first = plan(manifest);
  const result: RetainResult = {
    dataset: id,
    cutoff: cutoffIso,
    dryRun: options.dryRun === true,
    rowsBefore: manifest.rows,
    rowsAfter: manifest.rows,
    dropped: first.dropped.map((p) => p.path),
    trimmed: [],
    archived: null,
    verified: { before: manifest.partitions.length, after: 0 },
  };
  if (first.straddling.length === 0 && first.kept.length === 0) {
    throw new IngestError(`retaining bars from ${cutoffIso} on would leave dataset "${id}" empty (its last bar is ${manifest.lastTime}); nothing was changed`);
  }
  // Verify every partition before anything is planned from their bars (the manifest alone said the above).
  await verify(manifest, options.dataDir);
  if (first.dropped.length === 0 && first.straddling.length === 0) return result;
  // The bars each straddling partition keeps and drops.
  const cuts = await Promise.all(
    first.straddling.map(async (p) => {
      const bars = await readPartitions(manifest, { dataDir: options.dataDir, partitions: [p] });
      let k = 0;
      while (k < bars.length && (bars.time[k] as number) < cutoff) k++;
      return { partition: p, before: sliceBars(bars, 0, k), after: sliceBars(bars, k, bars.length) };
    }),
  );
  result.trimmed = cuts.map((c) => ({ path: c.partition.path, keptRows: c.after.length, droppedRows: c.before.length }));
  const droppedRows = first.dropped.reduce((n, p) => n + p.rows, 0) + cuts.reduce((n, c) => n + c.before.length, 0);
  result.rowsAfter = manifest.rows - droppedRows;
  if (options.dryRun) return result;

  if (options.archive !== undefined) {
    // Archive first: a crash between the two steps leaves the bars in both places, never in neither.
    const archiveDir = path.resolve(options.archive);
    if (archiveDir === path.resolve(options.dataDir)) throw new InvalidOptionError('--archive must be another data folder than --data');
    const old = [...(await Promise.all(first.dropped.map((p) => readPartitions(manifest, { dataDir: options.dataDir, partitions: [p] })))), ...cuts.map((c) => c.before)].filter((b) => b.length > 0);
    old.sort((a, b) => (a.time[0] as number) - (b.time[0] as number));
    for (const bars of old) {
      await appendBars({
        dataDir: archiveDir,
        id,
        bars,
        layout: 'month',
        create: {
          source: manifest.source,
          symbol: manifest.symbol,
          timeframe: manifest.timeframe,
          compression: manifest.compression,
          createdBy: CREATED_BY,
          ...(manifest.emptyBars ? { emptyBars: manifest.emptyBars } : {}),
          ...(manifest.description !== undefined ? { description: manifest.description } : {}),
        },
      });
    }
    result.archived = { dataDir: archiveDir, id, rows: droppedRows };
  }

  const folder = datasetFolder(manifest);
  const commit = await updateDataset({ dataDir: options.dataDir, id }, (current) => {
    if (!current) throw new IngestError(`dataset "${id}" disappeared while retaining`);
    const now = plan(current);
    if (now.straddling.map((p) => p.path).join() !== first.straddling.map((p) => p.path).join()) {
      throw new IngestError(`dataset "${id}" changed while retaining; run retain again`);
    }
    return {
      keep: now.kept.map((p) => p.path),
      write: cuts.filter((c) => c.after.length > 0).map((c) => ({ path: `${folder}/${bucketOf(c.after.time[0] as number, 'month')}/part-0000.parquet`, bars: c.after })),
    };
  });
  const after = commit?.manifest ?? manifest;
  await verify(after, options.dataDir);
  result.verified.after = after.partitions.length;
  result.rowsAfter = after.rows;
  return result;
}

export interface CompactOptions {
  dataDir: string;
  id: string;
  /** One partition per bucket of this layout. Default `month`. */
  layout?: PartitionLayout;
  dryRun?: boolean;
}

export interface CompactResult {
  dataset: string;
  layout: PartitionLayout;
  dryRun: boolean;
  partitionsBefore: number;
  partitionsAfter: number;
  /** Buckets whose partitions are (or would be) merged, with how many files each had. */
  merged: { bucket: string; files: number }[];
  verified: { before: number; after: number };
}

/**
 * Merges small partitions (a stream's day files, a pull's flushes) into one file per bucket of `layout`,
 * through the lake's `compactDataset`; checksums verified before and after, bars unchanged.
 */
export async function compact(options: CompactOptions): Promise<CompactResult> {
  const id = datasetRefId(options.id);
  const layout = options.layout ?? 'month';
  if (!['year', 'month', 'day'].includes(layout)) throw new InvalidOptionError(`--layout must be year, month or day, got "${layout}"`);
  const { manifest } = await loadManifest(id, { dataDir: options.dataDir });
  const before = await verify(manifest, options.dataDir);
  const folder = datasetFolder(manifest);
  const byBucket = new Map<string, DatasetPartition[]>();
  for (const p of manifest.partitions) {
    for (const b of new Set([bucketOf(Date.parse(p.firstTime), layout), bucketOf(Date.parse(p.lastTime), layout)])) byBucket.set(b, [...(byBucket.get(b) ?? []), p]);
  }
  const merged = [...byBucket]
    .filter(([bucket, list]) => list.length > 1 || !(list[0] as DatasetPartition).path.startsWith(`${folder}/${bucket}/`) || (list[0] as DatasetPartition).path.slice(folder.length + bucket.length + 2).includes('/'))
    .map(([bucket, list]) => ({ bucket, files: list.length }));
  const result: CompactResult = {
    dataset: id,
    layout,
    dryRun: options.dryRun === true,
    partitionsBefore: manifest.partitions.length,
    partitionsAfter: manifest.partitions.length,
    merged,
    verified: { before: manifest.partitions.length, after: 0 },
  };
  if (options.dryRun || merged.length === 0) return result;
  const commit = await compactDataset({ dataDir: options.dataDir, id, layout });
  const after = commit?.manifest ?? manifest;
  const bars = await verify(after, options.dataDir);
  if (bars.length !== before.length || (bars.time[0] as number) !== (before.time[0] as number)) {
    throw new IngestError(`compacting dataset "${id}" changed its bars (${before.length} → ${bars.length} rows)`);
  }
  result.partitionsAfter = after.partitions.length;
  result.verified.after = after.partitions.length;
  return result;
}
