import { readFile, stat } from 'node:fs/promises';
import { type Bars, type ColumnName, REQUIRED_COLUMNS } from '../features/types.ts';
import { quote } from '../paths/index.ts';
import { type MutableBars, allocateBars, columnsOf, optionalColumnsOf } from './bars.ts';
import { type CommitResult, type DatasetIdentity, partitionFile, updateDataset } from './commit.ts';
import { BarsValidationError, ChecksumMismatchError, DataError } from './errors.ts';
import { sha256Hex } from './_fs.ts';
import { assertDatasetId, datasetAddress, datasetFolder, defaultDatasetId } from './ids.ts';
import { splitByBucket } from './layout.ts';
import { type DataDirOptions, type DatasetManifest, type DatasetPartition, loadManifest } from './manifest.ts';
import { type ParquetColumn, decodeParquet, int64ToMs } from './parquet.ts';
import { parseTimeframe } from './timeframe.ts';
import { type ValidationReport, validateBars } from './validateBars.ts';

export interface WriteDatasetOptions extends DataDirOptions, DatasetIdentity {
  /** How long to wait for another writer of the same dataset. Default 60 s. */
  lockTimeoutMs?: number;
}

/** Partition folder of a dataset, relative to the data folder (always with `/`); the components are validated. */
export function lakeDir(source: string, symbol: string, timeframe: string): string {
  return datasetFolder(datasetAddress({ source, symbol, timeframe }));
}

/**
 * Validates `bars` and writes them as the whole dataset (replacing any previous version): one parquet file
 * per UTC year under `lake/<source>/<SYMBOL>/<timeframe>/year=YYYY/part-NNNN.parquet`, then the manifest,
 * through {@link commitDataset} (atomic, crash-safe, deletes only what the previous manifest listed).
 */
export async function writeDataset(bars: Bars, options: WriteDatasetOptions): Promise<DatasetManifest> {
  const address = datasetAddress(options);
  const id = options.id !== undefined ? assertDatasetId(options.id) : defaultDatasetId(address.source, address.symbol, address.timeframe);
  const report = validateBars(bars, { timeframeMs: parseTimeframe(address.timeframe).ms });
  if (!report.ok) throw new BarsValidationError(`dataset "${id}"`, report);
  const folder = datasetFolder(address);
  const { dataDir, lockTimeoutMs, ...identity } = options;
  const result = await updateDataset({ dataDir, id, ...(lockTimeoutMs !== undefined ? { lockTimeoutMs } : {}) }, (current) => ({
    dataset: { ...identity, ...address, id },
    write: splitByBucket(bars, 'year').map((part) => ({ path: pathForBucket(current, `${folder}/${part.bucket}`), bars: part.bars })),
  }));
  return (result as CommitResult).manifest;
}

/**
 * The file a rewrite of a bucket asks for: the one the current manifest has there when it has exactly one
 * (so identical bytes are kept as they are, and changed ones get the next number), else `part-0000`.
 */
function pathForBucket(current: DatasetManifest | null, bucketFolder: string): string {
  const inBucket = (current?.partitions ?? []).filter((p) => p.path.startsWith(`${bucketFolder}/`) && !p.path.slice(bucketFolder.length + 1).includes('/'));
  return inBucket.length === 1 ? (inBucket[0] as DatasetPartition).path : `${bucketFolder}/part-0000.parquet`;
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
  const bars = await readPartitions(manifest, { dataDir: options.dataDir, manifestFile: file });
  if (options.validate === false) return { manifest, path: file, bars };
  const report = validateBars(bars, { timeframeMs: parseTimeframe(manifest.timeframe).ms, ...(manifest.emptyBars ? { emptyBars: manifest.emptyBars } : {}) });
  if (!report.ok) throw new BarsValidationError(`dataset "${manifest.id}" (${file})`, report);
  return { manifest, path: file, bars, report };
}

export interface ReadPartitionsOptions extends DataDirOptions {
  /** Which partitions (entries or paths of `manifest`), in any order; default all. Read in time order. */
  partitions?: readonly (DatasetPartition | string)[];
  /** Named in errors; default the manifest's id. */
  manifestFile?: string;
}

/**
 * Reads some or all partitions of a dataset into one bar series, in time order. Each file is checked before it
 * is read: inside `<dataDir>/lake` (no symlink out of it), a regular file of the recorded size, then its
 * sha256 against the manifest, then its row count.
 */
export async function readPartitions(manifest: DatasetManifest, options: ReadPartitionsOptions): Promise<Bars> {
  const source = options.manifestFile ?? `dataset "${manifest.id}"`;
  let selected = manifest.partitions;
  if (options.partitions) {
    const wanted = new Set(options.partitions.map((p) => (typeof p === 'string' ? p : p.path)));
    selected = manifest.partitions.filter((p) => wanted.has(p.path));
    for (const path of wanted) if (!selected.some((p) => p.path === path)) throw new DataError(`${source}: ${quote(path)} is not one of its partitions`);
  }
  const parts: Bars[] = [];
  for (const partition of selected) parts.push(await readPartition(options.dataDir, manifest, partition, source));
  return concatBars(parts, manifest);
}

async function readPartition(dataDir: string, manifest: DatasetManifest, partition: DatasetPartition, source: string): Promise<Bars> {
  const partFile = partitionFile(dataDir, partition.path, `${source}: partition`);
  let bytes: Uint8Array;
  try {
    const info = await stat(partFile);
    if (!info.isFile()) throw new DataError('not a regular file');
    if (info.size !== partition.bytes) throw new DataError(`${info.size} bytes, the manifest says ${partition.bytes}`);
    bytes = await readFile(partFile);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new DataError(`${source}: partition ${partition.path} cannot be read: ${reason}`, { cause: error });
  }
  // Verified before decoding: a tampered file is reported as such, never parsed.
  const actual = sha256Hex(bytes);
  if (actual !== partition.sha256) throw new ChecksumMismatchError(partFile, partition.sha256, actual);
  const table = await decodeParquet(bytes, partFile, { numbersAsFloat64: true });
  if (table.numRows !== partition.rows) throw new DataError(`${partFile}: holds ${table.numRows} rows, manifest ${source} says ${partition.rows}`);
  return tableToBars(table.columns, manifest, partFile);
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
export function concatBars(parts: readonly Bars[], manifest?: DatasetManifest): Bars {
  if (parts.length === 1) return parts[0] as Bars;
  if (parts.length === 0) return allocateBars(0, manifest ? optionalColumnsOf(manifestShape(manifest)) : []);
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

/** A zero-row `Bars` carrying the manifest's optional columns, to learn which ones it has. */
function manifestShape(manifest: DatasetManifest): Bars {
  const names = new Set(manifest.columns.map((c) => c.name));
  const empty = allocateBars(0) as MutableBars;
  for (const name of ['trades', 'buy_volume', 'sell_volume'] as const) if (names.has(name)) empty[name] = new Float64Array(0);
  return empty;
}
