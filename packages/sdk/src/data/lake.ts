import { readFile, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { type Bars, type ColumnName, REQUIRED_COLUMNS } from '../features/types.ts';
import { type MutableBars, allocateBars, columnsOf, isoTime, optionalColumnsOf } from './bars.ts';
import { BarsValidationError, ChecksumMismatchError, DataError } from './errors.ts';
import { sha256Hex, tempPathFor, writeFileAtomic } from './_fs.ts';
import {
  type DataDirOptions,
  type DatasetColumn,
  type DatasetManifest,
  type DatasetPartition,
  type SyntheticGeneratorInfo,
  listDatasets,
  loadManifest,
  manifestPath,
} from './manifest.ts';
import { type ParquetColumn, type ParquetCompression, decodeParquet, encodeParquet, int64ToMs } from './parquet.ts';
import { parseTimeframe } from './timeframe.ts';
import { type ValidationReport, validateBars } from './validateBars.ts';

import sdkPackage from '../../package.json' with { type: 'json' };

// Imported, not read relative to this file, so the bundled dist/ (one folder deep) gets it too.
const SDK_VERSION = sdkPackage.version;

export interface WriteDatasetOptions extends DataDirOptions {
  /** Lower-case source name, e.g. `kraken`, `binanceus`, `synthetic`. */
  source: string;
  /** Market symbol; stored upper-case, e.g. `BTC-USD`. */
  symbol: string;
  timeframe: string;
  /** Manifest id; default `<source>-<symbol>-<timeframe>` lower-cased. */
  id?: string;
  description?: string;
  /** Set when the bars come from {@link generateSynthetic}; marks the dataset synthetic. */
  synthetic?: SyntheticGeneratorInfo;
  /** Parquet compression. Default `lz4` (fastest to read); `zstd` is about 10 % smaller. */
  compression?: ParquetCompression;
  /** Id of the dataset these bars were derived (resampled) from. */
  derivedFrom?: string;
}

const COLUMN_TYPES: Record<ColumnName, DatasetColumn['type']> = {
  time: 'timestamp[ms, UTC]',
  open: 'float64',
  high: 'float64',
  low: 'float64',
  close: 'float64',
  volume: 'float64',
  trades: 'int32',
  buy_volume: 'float64',
  sell_volume: 'float64',
};

function defaultId(source: string, symbol: string, timeframe: string): string {
  return `${source}-${symbol}-${timeframe}`.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
}

/** Partition folder of a dataset, relative to the data folder (always with `/`). */
export function lakeDir(source: string, symbol: string, timeframe: string): string {
  return ['lake', source, symbol, timeframe].join('/');
}

function toParquetColumns(bars: Bars, label: string): Record<string, ParquetColumn> {
  const columns: Record<string, ParquetColumn> = {};
  for (const name of columnsOf(bars)) {
    const values = bars[name] as Float64Array;
    if (name === 'trades') {
      const counts = new Int32Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const x = values[i] as number;
        if (!Number.isInteger(x) || x < 0 || x > 2147483647) throw new DataError(`${label}: trades at row ${i} (${isoTime(bars.time[i] as number)}) is ${x}, expected a whole number ≥ 0`);
        counts[i] = x;
      }
      columns[name] = counts;
    } else columns[name] = values;
  }
  return columns;
}

/** Row ranges of each UTC calendar year. */
function yearRanges(time: Float64Array): { year: number; start: number; end: number }[] {
  const ranges: { year: number; start: number; end: number }[] = [];
  let start = 0;
  while (start < time.length) {
    const year = new Date(time[start] as number).getUTCFullYear();
    const next = Date.UTC(year + 1, 0, 1);
    let end = start;
    while (end < time.length && (time[end] as number) < next) end++;
    ranges.push({ year, start, end });
    start = end;
  }
  return ranges;
}

/**
 * Validates `bars` and writes them as a dataset: one parquet file per UTC year under
 * `lake/<source>/<SYMBOL>/<timeframe>/year=YYYY/part-0000.parquet`, then the manifest.
 *
 * Crash safety: every partition is first written to a temp file; an existing manifest is removed
 * before any partition is replaced, and the new manifest is written (atomically) last. An
 * interrupted write therefore never leaves a manifest that points at a partial or foreign file.
 */
export async function writeDataset(bars: Bars, options: WriteDatasetOptions): Promise<DatasetManifest> {
  const { dataDir, source } = options;
  const symbol = options.symbol.toUpperCase();
  const timeframe = parseTimeframe(options.timeframe).label;
  const id = options.id ?? defaultId(source, symbol, timeframe);
  const label = `dataset "${id}"`;

  const report = validateBars(bars, { timeframeMs: parseTimeframe(timeframe).ms });
  if (!report.ok) throw new BarsValidationError(label, report);

  const relDir = lakeDir(source, symbol, timeframe);
  const { manifests } = await listDatasets({ dataDir });
  const owner = manifests.find((m) => m.id !== id && m.partitions.some((p) => p.path.startsWith(`${relDir}/`)));
  if (owner) throw new DataError(`${label}: ${relDir} already holds dataset "${owner.id}"; remove its manifest first or write under another source/symbol/timeframe`);

  const compression = options.compression ?? 'lz4';
  const parquetColumns = toParquetColumns(bars, label);
  const staged: { temp: string; file: string; partition: DatasetPartition }[] = [];
  try {
    for (const { year, start, end } of yearRanges(bars.time)) {
      const rel = `${relDir}/year=${year}/part-0000.parquet`;
      const file = path.join(dataDir, rel);
      const slice = Object.fromEntries(Object.entries(parquetColumns).map(([k, v]) => [k, (v as Float64Array).subarray(start, end)]));
      const bytes = await encodeParquet(slice, { timestampMs: ['time'], compression }, file);
      const temp = tempPathFor(file);
      await writeFileAtomic(temp, bytes);
      staged.push({
        temp,
        file,
        partition: {
          path: rel,
          rows: end - start,
          firstTime: isoTime(bars.time[start] as number),
          lastTime: isoTime(bars.time[end - 1] as number),
          bytes: bytes.length,
          sha256: sha256Hex(bytes),
        },
      });
    }
  } catch (error) {
    await Promise.all(staged.map((s) => rm(s.temp, { force: true })));
    throw error;
  }

  const manifest: DatasetManifest = {
    id,
    ...(options.description ? { description: options.description } : {}),
    source,
    symbol,
    timeframe,
    synthetic: options.synthetic !== undefined,
    ...(options.synthetic ? { generator: options.synthetic } : {}),
    ...(options.derivedFrom ? { derivedFrom: options.derivedFrom } : {}),
    columns: columnsOf(bars).map((name) => ({ name, type: COLUMN_TYPES[name] })),
    rows: bars.length,
    firstTime: isoTime(bars.time[0] as number),
    lastTime: isoTime(bars.time[bars.length - 1] as number),
    compression,
    partitions: staged.map((s) => s.partition),
    createdBy: `@tradecore/sdk ${SDK_VERSION}`,
  };
  const target = manifestPath(id, { dataDir });
  await rm(target, { force: true });
  for (const s of staged) await rename(s.temp, s.file);
  await writeFileAtomic(target, `${JSON.stringify(manifest, null, 2)}\n`);
  await removeStalePartitions(path.join(dataDir, relDir), new Set(staged.map((s) => path.resolve(s.file))));
  return manifest;
}

async function removeStalePartitions(dir: string, keep: Set<string>): Promise<void> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { recursive: true })).map(String);
  } catch {
    return;
  }
  for (const entry of entries) {
    const file = path.resolve(dir, entry);
    if (entry.endsWith('.parquet') && !keep.has(file)) await rm(file, { force: true });
  }
}

export interface ReadDatasetOptions extends DataDirOptions {
  /** Run {@link validateBars}; errors throw {@link BarsValidationError}. Default true. */
  validate?: boolean;
}

export interface ReadDatasetResult {
  manifest: DatasetManifest;
  /** Absolute path of the manifest file. */
  path: string;
  bars: Bars;
  /** Present when `validate` is on. */
  report?: ValidationReport;
}

/** Loads a dataset: manifest (schema-checked), partitions (sha256-checked), typed columns. */
export async function readDataset(ref: string, options: ReadDatasetOptions): Promise<ReadDatasetResult> {
  const { manifest, path: file } = await loadManifest(ref, options);
  const root = path.resolve(options.dataDir);
  const parts: Bars[] = [];
  for (const partition of manifest.partitions) {
    const partFile = path.resolve(root, partition.path);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(partFile);
    } catch (error) {
      throw new DataError(`${file}: partition ${partition.path} cannot be read: ${(error as Error).message}`);
    }
    // Verified before decoding: a tampered file is reported as such, never parsed.
    const actual = sha256Hex(bytes);
    if (actual !== partition.sha256) throw new ChecksumMismatchError(partFile, partition.sha256, actual);
    const table = await decodeParquet(bytes, partFile, { numbersAsFloat64: true });
    if (table.numRows !== partition.rows) throw new DataError(`${partFile}: holds ${table.numRows} rows, manifest ${file} says ${partition.rows}`);
    parts.push(tableToBars(table.columns, manifest, partFile));
  }
  const bars = concatBars(parts);
  if (options.validate === false) return { manifest, path: file, bars };
  const report = validateBars(bars, { timeframeMs: parseTimeframe(manifest.timeframe).ms });
  if (!report.ok) throw new BarsValidationError(`dataset "${manifest.id}" (${file})`, report);
  return { manifest, path: file, bars, report };
}

function tableToBars(columns: Record<string, ParquetColumn>, manifest: DatasetManifest, file: string): Bars {
  const out: Partial<Record<ColumnName, Float64Array>> = {};
  let length = 0;
  for (const { name } of manifest.columns) {
    const values = columns[name];
    if (values === undefined) throw new DataError(`${file}: column "${name}" listed in the manifest is missing`);
    length = values.length;
    if (values instanceof Float64Array) out[name as ColumnName] = values;
    else if (values instanceof BigInt64Array) out[name as ColumnName] = int64ToMs(values);
    else if (values instanceof Int32Array) out[name as ColumnName] = new Float64Array(values);
    else throw new DataError(`${file}: column "${name}" has an unsupported type`);
  }
  for (const name of REQUIRED_COLUMNS) if (!out[name]) throw new DataError(`${file}: required column "${name}" is missing from the manifest`);
  return { length, ...out } as Bars;
}

/** Joins bar series with the same columns end to end. */
export function concatBars(parts: readonly Bars[]): Bars {
  if (parts.length === 1) return parts[0] as Bars;
  if (parts.length === 0) return allocateBars(0);
  const first = parts[0] as Bars;
  const optional = optionalColumnsOf(first);
  const total = parts.reduce((sum, p) => sum + p.length, 0);
  const out = allocateBars(total, optional) as MutableBars;
  let at = 0;
  for (const part of parts) {
    for (const name of columnsOf(first)) (out[name] as Float64Array).set(part[name] as Float64Array, at);
    at += part.length;
  }
  return out;
}
