// The lake side of ingestion, on the SDK's one write primitive: what a dataset already holds, appending
// closed bars (new partition files, manifest last, under the dataset's lock), compacting.
import {
  type Bars,
  type DatasetManifest,
  type ParquetCompression,
  type PartitionLayout,
  appendBars,
  bucketOf,
  concatBars,
  datasetFolder,
  isoTime,
  loadManifest,
  manifestPath,
  readPartitions,
  splitByBucket,
  updateDataset,
} from '@tradecore/sdk';
import { IngestError } from './errors.ts';
import { existsSync } from 'node:fs';
import type { EmptyBars } from './bars/BarBuilder.ts';
import ingestPackage from '../package.json' with { type: 'json' };

/** Recorded as the manifest's `createdBy`. */
export const CREATED_BY = `@tradecore/ingest ${ingestPackage.version}`;

export interface DatasetTarget {
  dataDir: string;
  id: string;
  source: string;
  /** Lake symbol, e.g. BTC-USD. */
  symbol: string;
  timeframe: string;
  emptyBars: EmptyBars;
  description?: string;
  compression?: ParquetCompression;
}

export interface ExistingDataset {
  manifest: DatasetManifest;
  /** First bar time, and the last bar's time and close (ms). */
  first: number;
  last: { time: number; close: number };
}

/** The dataset `id` if it exists: its manifest and its edges (reads only the last partition). */
export async function loadExisting(dataDir: string, id: string): Promise<ExistingDataset | null> {
  if (!existsSync(manifestPath(id, { dataDir }))) return null;
  const { manifest } = await loadManifest(id, { dataDir });
  const lastPartition = manifest.partitions[manifest.partitions.length - 1];
  const tail = await readPartitions(manifest, { dataDir, partitions: lastPartition ? [lastPartition] : [] });
  const n = tail.length;
  return { manifest, first: Date.parse(manifest.firstTime), last: { time: tail.time[n - 1] as number, close: tail.close[n - 1] as number } };
}

/**
 * Appends bars before the dataset's first bar or after its last, as new partition files in `layout` folders
 * (`year=YYYY/month=MM/part-NNNN.parquet`); bars it already holds must be identical and are skipped.
 * Creates the dataset (recording how empty bars are stored) when it does not exist.
 */
export async function appendToDataset(target: DatasetTarget, bars: Bars, layout: PartitionLayout): Promise<DatasetManifest> {
  const { manifest } = await appendBars({
    dataDir: target.dataDir,
    id: target.id,
    bars,
    layout,
    create: newDatasetIdentity(target),
  });
  if (manifest.emptyBars !== undefined) return manifest;
  // A dataset made by another tool (an imported archive): record how the bars appended to it store empty periods.
  const commit = await updateDataset({ dataDir: target.dataDir, id: target.id }, (current) =>
    current && current.emptyBars === undefined ? { keep: 'all', dataset: { ...identityOf(current), emptyBars: target.emptyBars } } : null,
  );
  return commit?.manifest ?? manifest;
}

/**
 * Appends bars after the dataset's last bar keeping **one partition per month**: bars of the month the last
 * partition is in are merged into it (the merged file replaces it, through the lake's primitive: new file,
 * manifest, then the old file is deleted), later months get new files. So a long pull never leaves small
 * files behind, and memory stays bounded by one month of bars.
 */
export async function appendMonths(target: DatasetTarget, bars: Bars): Promise<DatasetManifest> {
  const identity = { id: target.id, ...newDatasetIdentity(target) };
  const commit = await updateDataset({ dataDir: target.dataDir, id: target.id }, async (current) => {
    const first = bars.time[0] as number;
    if (current && first <= Date.parse(current.lastTime)) {
      throw new IngestError(`dataset "${target.id}": bars from ${isoTime(first)} do not come after its last bar ${current.lastTime}`);
    }
    const folder = datasetFolder({ source: target.source, symbol: target.symbol, timeframe: target.timeframe });
    const months = splitByBucket(bars, 'month');
    const last = current?.partitions[current.partitions.length - 1];
    const head = months[0];
    let keep = current ? current.partitions.map((p) => p.path) : [];
    if (current && last && head && bucketOf(Date.parse(last.lastTime), 'month') === head.bucket && bucketOf(Date.parse(last.firstTime), 'month') === head.bucket) {
      // The month continues: rewrite its partition with the new bars appended.
      head.bars = concatBars([await readPartitions(current, { dataDir: target.dataDir, partitions: [last] }), head.bars]);
      keep = keep.filter((p) => p !== last.path);
    }
    return {
      dataset: current ? { ...identityOf(current), emptyBars: target.emptyBars } : identity,
      keep,
      write: months.map((m) => ({ path: `${folder}/${m.bucket}/part-0000.parquet`, bars: m.bars })),
    };
  });
  return (commit as { manifest: DatasetManifest }).manifest;
}

/** How a dataset this package creates describes itself in its manifest. */
function newDatasetIdentity(target: DatasetTarget) {
  return {
    source: target.source,
    symbol: target.symbol,
    timeframe: target.timeframe,
    emptyBars: target.emptyBars,
    createdBy: CREATED_BY,
    ...(target.description !== undefined ? { description: target.description } : {}),
    ...(target.compression !== undefined ? { compression: target.compression } : {}),
  };
}

function identityOf(m: DatasetManifest) {
  return {
    id: m.id,
    source: m.source,
    symbol: m.symbol,
    timeframe: m.timeframe,
    compression: m.compression,
    createdBy: m.createdBy,
    ...(m.description !== undefined ? { description: m.description } : {}),
    ...(m.derivedFrom !== undefined ? { derivedFrom: m.derivedFrom } : {}),
  };
}
