import { lstat, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type Bars, type ColumnName } from '../features/types.ts';
import { UnsafePathError, quote, realpathInside, resolveInside } from '../paths/index.ts';
import { columnsOf, isoTime } from './bars.ts';
import { BarsValidationError, DataError } from './errors.ts';
import { withLock } from './_lock.ts';
import { sha256Hex, writeFileAtomic } from './_fs.ts';
import { removeEmptyFolders, sweepTempFiles } from './_sweep.ts';
import { type DatasetAddress, assertDatasetId, datasetAddress, datasetFolder, defaultDatasetId } from './ids.ts';
import { freeSiblingPath } from './layout.ts';
import {
  type DataDirOptions,
  type DatasetColumn,
  type DatasetManifest,
  type DatasetPartition,
  PARTITION_PATH_PATTERN,
  type SyntheticGeneratorInfo,
  checkManifest,
  listDatasets,
  loadManifest,
  manifestPath,
  manifestsDir,
} from './manifest.ts';
import { type ParquetColumn, type ParquetCompression, encodeParquet } from './parquet.ts';
import { parseTimeframe } from './timeframe.ts';
import { validateBars } from './validateBars.ts';

import sdkPackage from '../../package.json' with { type: 'json' };

// Imported, not read relative to this file, so the bundled dist/ (one folder deep) gets it too.
const SDK_VERSION = sdkPackage.version;

/** What a dataset is and where it is filed; the rest of its manifest is computed from its partitions. */
export interface DatasetIdentity {
  /** Manifest id; default `<source>-<symbol>-<timeframe>` lower-cased. Lower-case letters, digits, `.`, `_`, `-`. */
  id?: string;
  /** Lower-case source name, e.g. `kraken`, `binanceus`, `synthetic`. */
  source: string;
  /** Market symbol; stored upper-case with `-` between base and quote (`BTC/USD` → `BTC-USD`). */
  symbol: string;
  /** Bar length, e.g. `1m`, `1h`. */
  timeframe: string;
  description?: string;
  /** Set when the bars come from the synthetic generator; marks the dataset synthetic. */
  synthetic?: SyntheticGeneratorInfo;
  /** Id of the dataset these bars were derived (resampled) from. */
  derivedFrom?: string;
  /** How bar periods without trades are stored (`omit`: no row; `flat`: a zero-volume row at the previous close). */
  emptyBars?: 'omit' | 'flat';
  /** Parquet compression of the partitions. Default: the current manifest's, else `lz4`. */
  compression?: ParquetCompression;
  /** Tool and version recorded in the manifest. Default `@tradecore/sdk <version>`. */
  createdBy?: string;
}

/** A partition file to write: `path` relative to the data folder, inside the dataset's folder. */
export interface PartitionWrite {
  /** E.g. `lake/kraken/BTC-USD/1m/year=2024/month=03/part-0000.parquet`. */
  path: string;
  /** Time-sorted bars; validated like any dataset before anything is written. */
  bars: Bars;
}

/** One change to a dataset: the new partition files and which current ones stay. */
export interface DatasetChange {
  /** Identity of the dataset after the change. Default (in {@link updateDataset}): the current manifest's. */
  dataset?: DatasetIdentity;
  /** New partition files. */
  write?: readonly PartitionWrite[];
  /** Paths of current partitions to keep as they are; `'all'` keeps every one. Default: none (replace the dataset). */
  keep?: readonly string[] | 'all';
}

export interface CommitDatasetOptions extends DataDirOptions, DatasetChange {
  dataset: DatasetIdentity;
  /**
   * The manifest this change was planned from (`null`: no dataset existed). When given, the commit fails with
   * {@link DatasetChangedError} if the current manifest differs, instead of dropping what another writer added.
   */
  basedOn?: DatasetManifest | null;
  /** How long to wait for another writer of the same dataset. Default 60 s. */
  lockTimeoutMs?: number;
}

export interface CommitResult {
  manifest: DatasetManifest;
  /** Absolute path of the manifest file. */
  path: string;
  /** The manifest this commit replaced (null when there was none, or it was unreadable). */
  previous: DatasetManifest | null;
  /** Partitions this commit wrote, with their final paths. */
  written: DatasetPartition[];
  /** Requested writes whose bytes equalled the file already listed at that path: kept, not rewritten. */
  unchanged: DatasetPartition[];
  /** Partition paths of the previous manifest that were deleted (relative to the data folder). */
  deleted: string[];
  /** Temp files of crashed writers removed from the dataset's folders. */
  swept: string[];
}

/** The dataset changed between reading it and committing a change planned from it. */
export class DatasetChangedError extends DataError {
  override name = 'DatasetChangedError';
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

/** Absolute path of a partition, checked to stay inside `<dataDir>/lake` (symlinks included) before any I/O. */
export function partitionFile(dataDir: string, relPath: string, what = 'partition'): string {
  if (!PARTITION_PATH_PATTERN.test(relPath)) {
    throw new UnsafePathError(`${what} ${quote(relPath)} is not a partition path: expected lake/<source>/<SYMBOL>/<timeframe>/…/<name>.parquet (letters, digits, '.', '_', '-', '=')`);
  }
  resolveInside(dataDir, relPath, what);
  return realpathInside(path.resolve(dataDir, 'lake'), relPath.slice('lake/'.length), what);
}

function identityOf(manifest: DatasetManifest): DatasetIdentity {
  return {
    id: manifest.id,
    source: manifest.source,
    symbol: manifest.symbol,
    timeframe: manifest.timeframe,
    compression: manifest.compression,
    ...(manifest.description !== undefined ? { description: manifest.description } : {}),
    ...(manifest.generator ? { synthetic: manifest.generator } : {}),
    ...(manifest.derivedFrom !== undefined ? { derivedFrom: manifest.derivedFrom } : {}),
    ...(manifest.emptyBars !== undefined ? { emptyBars: manifest.emptyBars } : {}),
  };
}

/**
 * The one way anything is written to the lake. Validates the change and the manifest it produces, then
 * (holding the dataset's lock) writes each new partition atomically (temp file + rename) — never over a
 * file the current manifest lists: such a path gets the next free `-NNNN` number, unless its bytes are
 * identical — then writes the manifest last (atomically), then deletes the partitions of the previous
 * manifest the new one no longer lists (only inside the dataset's own folder, never a file another manifest
 * lists). A crash at any point leaves the previous or the new manifest, each pointing at complete files;
 * temp files a crashed writer left are swept on the next commit of the same dataset.
 */
export async function commitDataset(options: CommitDatasetOptions): Promise<CommitResult> {
  const address = datasetAddress(options.dataset);
  const id = options.dataset.id !== undefined ? assertDatasetId(options.dataset.id) : defaultDatasetId(address.source, address.symbol, address.timeframe);
  const result = await updateDataset({ dataDir: options.dataDir, id, ...(options.lockTimeoutMs !== undefined ? { lockTimeoutMs: options.lockTimeoutMs } : {}) }, (current) => {
    if (options.basedOn !== undefined && !isDeepStrictEqual(current, options.basedOn)) {
      throw new DatasetChangedError(`dataset "${id}" changed since the change was planned (its manifest is not the one given as basedOn); read it again and retry`);
    }
    return { dataset: { ...options.dataset, id }, ...(options.write ? { write: options.write } : {}), ...(options.keep ? { keep: options.keep } : {}) };
  });
  return result as CommitResult;
}

/**
 * Read-modify-write of one dataset under its lock: `plan` gets the current manifest (null when there is none
 * or it is unreadable) and returns the change, or null to change nothing. Then as {@link commitDataset}.
 * Use it to append or compact without losing partitions another writer added in the meantime.
 */
export async function updateDataset(
  options: DataDirOptions & { id: string; lockTimeoutMs?: number },
  plan: (current: DatasetManifest | null) => DatasetChange | null | Promise<DatasetChange | null>,
): Promise<CommitResult | null> {
  const dataDir = path.resolve(options.dataDir);
  const id = assertDatasetId(options.id);
  const lockFile = path.join(manifestsDir({ dataDir }), `.${id}.lock`);
  return withLock(lockFile, `dataset "${id}"`, async () => {
    const current = await readCurrent(dataDir, id);
    const change = await plan(current.manifest);
    if (change === null) return null;
    return applyChange(dataDir, id, current, change);
  }, { timeoutMs: options.lockTimeoutMs ?? 60_000 });
}

interface Current {
  manifest: DatasetManifest | null;
  /** Why an existing manifest file could not be used (then nothing it lists is ever deleted). */
  unreadable?: Error;
}

async function readCurrent(dataDir: string, id: string): Promise<Current> {
  const file = manifestPath(id, { dataDir });
  try {
    await lstat(file);
  } catch {
    return { manifest: null };
  }
  try {
    return { manifest: (await loadManifest(id, { dataDir })).manifest };
  } catch (error) {
    return { manifest: null, unreadable: error as Error };
  }
}

function ownerAmong(manifests: readonly DatasetManifest[], folder: string): string | undefined {
  return manifests.find((m) => m.partitions.some((p) => p.path.startsWith(`${folder}/`)))?.id;
}

/**
 * The dataset other than `id` whose partitions live in the lake folder of `address` (each folder belongs to one
 * dataset), or `undefined`: lets a writer refuse before it does any work.
 */
export async function folderOwner(dataDir: string, address: { source: string; symbol: string; timeframe: string }, id: string): Promise<string | undefined> {
  const { manifests } = await listDatasets({ dataDir });
  return ownerAmong(
    manifests.filter((m) => m.id !== id),
    datasetFolder(datasetAddress(address)),
  );
}

interface PlannedWrite {
  path: string;
  bars: Bars;
}

async function applyChange(dataDir: string, id: string, current: Current, change: DatasetChange): Promise<CommitResult> {
  const previous = current.manifest;
  const requested = change.dataset ?? (previous ? identityOf(previous) : undefined);
  if (!requested) throw new DataError(`dataset "${id}" does not exist yet: give its identity (source, symbol, timeframe)`);
  if (requested.id !== undefined && requested.id !== id) throw new DataError(`dataset id ${quote(requested.id)} does not match the dataset being changed, "${id}"`);
  const address = datasetAddress(requested);
  const label = `dataset "${id}"`;
  const folder = datasetFolder(address);
  const timeframeMs = parseTimeframe(address.timeframe).ms;

  // Nobody else's partitions may live in this folder, and none of theirs is ever touched.
  const { manifests } = await listDatasets({ dataDir });
  const others = manifests.filter((m) => m.id !== id);
  const owner = ownerAmong(others, folder);
  if (owner) throw new DataError(`${label}: ${folder} already holds dataset "${owner}"; remove its manifest first or write under another source/symbol/timeframe`);
  const foreign = new Set(others.flatMap((m) => m.partitions.map((p) => p.path)));

  const kept = resolveKeep(label, previous, current.unreadable, change.keep ?? []);
  const writes = checkWrites(label, dataDir, folder, timeframeMs, change.write ?? [], kept);
  if (kept.length === 0 && writes.length === 0) throw new DataError(`${label}: a dataset needs at least one partition (nothing to write and nothing kept)`);
  const columns = datasetColumns(label, previous, kept, writes);
  const compression = requested.compression ?? previous?.compression ?? 'lz4';
  if (kept.length && previous && compression !== previous.compression) {
    throw new DataError(`${label}: its partitions are ${previous.compression}-compressed; keeping some while writing ${compression} would mix codecs (rewrite them all, or keep ${previous.compression})`);
  }
  const build = (partitions: DatasetPartition[]): DatasetManifest => {
    const sorted = [...partitions].sort((a, b) => (a.firstTime < b.firstTime ? -1 : a.firstTime > b.firstTime ? 1 : 0));
    const first = sorted[0] as DatasetPartition;
    const last = sorted[sorted.length - 1] as DatasetPartition;
    return {
      id,
      ...(requested.description ? { description: requested.description } : {}),
      source: address.source,
      symbol: address.symbol,
      timeframe: address.timeframe,
      synthetic: requested.synthetic !== undefined,
      ...(requested.synthetic ? { generator: requested.synthetic } : {}),
      ...(requested.derivedFrom ? { derivedFrom: requested.derivedFrom } : {}),
      ...(requested.emptyBars ? { emptyBars: requested.emptyBars } : {}),
      columns,
      rows: sorted.reduce((sum, p) => sum + p.rows, 0),
      firstTime: first.firstTime,
      lastTime: last.lastTime,
      compression,
      partitions: sorted,
      createdBy: requested.createdBy ?? `@tradecore/sdk ${SDK_VERSION}`,
    };
  };
  // Everything a manifest check can find is found now, before a byte is written.
  const placeholder = (w: PlannedWrite): DatasetPartition => ({ ...rangeOf(w.path, w.bars), bytes: 1, sha256: '0'.repeat(64) });
  checkManifest(build([...kept, ...writes.map(placeholder)]), `${label} (the manifest this change would write)`);

  const manifestFile = manifestPath(id, { dataDir });
  const swept = [
    ...(await sweepTempFiles(path.join(dataDir, folder))),
    ...(await sweepTempFiles(manifestsDir({ dataDir }), { recursive: false, only: (name) => name.startsWith(`.${id}.json.`) })),
  ];

  const listed = new Map((previous?.partitions ?? []).map((p) => [p.path, p]));
  const taken = new Set([...listed.keys(), ...foreign]);
  const written: DatasetPartition[] = [];
  const unchanged: DatasetPartition[] = [];
  let manifest: DatasetManifest;
  try {
    for (const w of writes) {
      const bytes = await encodeParquet(toParquetColumns(w.bars, `${label} ${w.path}`), { timestampMs: ['time'], compression }, w.path);
      const entry = { ...rangeOf(w.path, w.bars), bytes: bytes.length, sha256: sha256Hex(bytes) };
      const existing = listed.get(w.path);
      if (existing && existing.sha256 === entry.sha256 && (await fileHash(partitionFile(dataDir, w.path))) === entry.sha256) {
        unchanged.push(existing);
        continue;
      }
      const finalPath = existing ? freeSiblingPath(w.path, taken) : w.path;
      taken.add(finalPath);
      await writeFileAtomic(partitionFile(dataDir, finalPath), bytes);
      written.push({ ...entry, path: finalPath });
    }
    manifest = checkManifest(build([...kept, ...unchanged, ...written]), `${label} (the manifest this change would write)`);
    await writeFileAtomic(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  } catch (error) {
    // Files this commit wrote are listed by no manifest yet: remove them so a failed commit leaves nothing.
    await Promise.all(written.map((p) => rm(path.resolve(dataDir, p.path), { force: true })));
    throw error;
  }
  const deleted = previous ? await deleteUnlisted(dataDir, previous, manifest, foreign) : [];
  return { manifest, path: manifestFile, previous, written, unchanged, deleted, swept };
}

function resolveKeep(label: string, previous: DatasetManifest | null, unreadable: Error | undefined, keep: readonly string[] | 'all'): DatasetPartition[] {
  if (keep === 'all') return previous ? [...previous.partitions] : [];
  if (keep.length === 0) return [];
  if (!previous) {
    const why = unreadable ? `its manifest cannot be read (${unreadable.message})` : 'it has no manifest yet';
    throw new DataError(`${label}: cannot keep partitions: ${why}`);
  }
  const byPath = new Map(previous.partitions.map((p) => [p.path, p]));
  const out: DatasetPartition[] = [];
  for (const wanted of new Set(keep)) {
    const partition = byPath.get(wanted);
    if (!partition) throw new DataError(`${label}: keep: ${quote(wanted)} is not a partition of the current manifest`);
    out.push(partition);
  }
  return out;
}

function checkWrites(label: string, dataDir: string, folder: string, timeframeMs: number, writes: readonly PartitionWrite[], kept: readonly DatasetPartition[]): PlannedWrite[] {
  const seen = new Set(kept.map((p) => p.path));
  return writes.map(({ path: rel, bars }, i) => {
    const what = `${label}: write[${i}].path`;
    if (typeof rel !== 'string' || !rel.startsWith(`${folder}/`)) throw new UnsafePathError(`${what} ${quote(rel)} must lie in the dataset's folder ${folder}/`);
    partitionFile(dataDir, rel, what);
    if (seen.has(rel)) throw new DataError(`${what} ${quote(rel)} is written twice, or both kept and written`);
    seen.add(rel);
    const report = validateBars(bars, { timeframeMs });
    if (!report.ok) throw new BarsValidationError(`${label} partition ${rel}`, report);
    return { path: rel, bars };
  });
}

function datasetColumns(label: string, previous: DatasetManifest | null, kept: readonly DatasetPartition[], writes: readonly PlannedWrite[]): DatasetColumn[] {
  const names = (w: PlannedWrite) => columnsOf(w.bars).join(',');
  const first = writes[0];
  for (const w of writes) {
    if (names(w) !== names(first as PlannedWrite)) throw new DataError(`${label}: ${w.path} has columns ${names(w)} but ${first?.path} has ${names(first as PlannedWrite)}; every partition has the same columns`);
  }
  if (!first) return previous?.columns ?? [];
  const columns = columnsOf(first.bars).map((name) => ({ name, type: COLUMN_TYPES[name] }));
  if (kept.length && previous && previous.columns.map((c) => c.name).join(',') !== names(first)) {
    throw new DataError(`${label}: the new bars have columns ${names(first)} but the partitions kept have ${previous.columns.map((c) => c.name).join(',')}`);
  }
  return columns;
}

function rangeOf(rel: string, bars: Bars): Pick<DatasetPartition, 'path' | 'rows' | 'firstTime' | 'lastTime'> {
  return { path: rel, rows: bars.length, firstTime: isoTime(bars.time[0] as number), lastTime: isoTime(bars.time[bars.length - 1] as number) };
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

async function fileHash(file: string): Promise<string | undefined> {
  try {
    if (!(await stat(file)).isFile()) return undefined;
    return sha256Hex(await readFile(file));
  } catch {
    return undefined;
  }
}

/**
 * Deletes what `previous` listed and `next` does not: only inside the previous manifest's own dataset folder,
 * never through a symlink out of the lake, never a file another manifest lists, never a folder.
 */
async function deleteUnlisted(dataDir: string, previous: DatasetManifest, next: DatasetManifest, foreign: ReadonlySet<string>): Promise<string[]> {
  const keep = new Set(next.partitions.map((p) => p.path));
  const folder = `${datasetFolder(previous as DatasetAddress)}/`;
  const folderAbs = path.resolve(dataDir, folder);
  const deleted: string[] = [];
  for (const { path: rel } of previous.partitions) {
    if (keep.has(rel) || foreign.has(rel) || !rel.startsWith(folder)) continue;
    let file: string;
    try {
      file = partitionFile(dataDir, rel);
    } catch {
      continue;
    }
    try {
      const info = await lstat(file);
      if (!info.isFile() && !info.isSymbolicLink()) continue;
      await rm(file, { force: true });
      deleted.push(rel);
      await removeEmptyFolders(path.dirname(file), folderAbs);
    } catch {
      // Already gone: nothing to do.
    }
  }
  return deleted;
}
