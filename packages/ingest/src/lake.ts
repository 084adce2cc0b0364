// The lake side of ingestion: what a dataset already holds, and appending new bars to it.
// TEMPORARY: written on the SDK's whole-dataset writer until the lake's append primitive lands.
import { existsSync } from 'node:fs';
import { type Bars, type DatasetManifest, type ParquetCompression, concatBars, manifestPath, readDataset, writeDataset } from '@tradecore/sdk';
import type { EmptyBars } from './bars/BarBuilder.ts';

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
  /** First bar time, last bar time and close (ms). */
  first: number;
  last: { time: number; close: number };
}

export async function loadExisting(dataDir: string, id: string): Promise<ExistingDataset | null> {
  if (!existsSync(manifestPath(id, { dataDir }))) return null;
  const { manifest, bars } = await readDataset(id, { dataDir, validate: false });
  const n = bars.length;
  return { manifest, first: bars.time[0] as number, last: { time: bars.time[n - 1] as number, close: bars.close[n - 1] as number } };
}

/** Appends bars (all before the dataset's first bar or after its last) and returns the new manifest. */
export async function appendToDataset(target: DatasetTarget, bars: Bars): Promise<DatasetManifest> {
  let all = bars;
  if (existsSync(manifestPath(target.id, { dataDir: target.dataDir }))) {
    const { bars: old } = await readDataset(target.id, { dataDir: target.dataDir, validate: false });
    all = (bars.time[0] as number) > (old.time[old.length - 1] as number) ? concatBars([old, bars]) : concatBars([bars, old]);
  }
  return writeDataset(all, {
    dataDir: target.dataDir,
    source: target.source,
    symbol: target.symbol,
    timeframe: target.timeframe,
    id: target.id,
    ...(target.description ? { description: target.description } : {}),
    ...(target.compression ? { compression: target.compression } : {}),
  });
}
