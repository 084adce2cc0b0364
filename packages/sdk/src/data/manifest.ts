import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';
import { ID_RULE, UnsafePathError, quote, realpathInside, resolveInside } from '../paths/index.ts';
import { collectIssues } from '../schema/validate.ts';
import { type Issue, ValidationError } from '../errors.ts';
import { DataError, DatasetNotFoundError } from './errors.ts';
import { LOWER_ID_PATTERN, assertDatasetId, datasetFolder, datasetRefId } from './ids.ts';
import { BAR_TIME_RANGE, MAX_BAR_TIME, MIN_BAR_TIME } from './timeBounds.ts';

const IsoTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$',
  description: 'UTC instant, e.g. 2024-01-01T00:00:00.000Z.',
});

/**
 * A partition path: `lake/` then folders and a `.parquet` file whose names start with a letter or digit and
 * hold only letters, digits, `.`, `_`, `-` or `=` — so never `.`, `..`, an absolute path or a backslash.
 */
export const PARTITION_PATH_PATTERN = /^lake(?:\/[A-Za-z0-9][A-Za-z0-9._=-]{0,127}){4,}\.parquet$/;

export const DatasetColumnSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    type: Type.Union([Type.Literal('timestamp[ms, UTC]'), Type.Literal('float64'), Type.Literal('int32')]),
  },
  { additionalProperties: false },
);

export const DatasetPartitionSchema = Type.Object(
  {
    path: Type.String({
      maxLength: 1024,
      pattern: PARTITION_PATH_PATTERN.source,
      description:
        "Parquet file, relative to the data folder and inside the dataset's folder lake/<source>/<SYMBOL>/<timeframe>/, e.g. lake/kraken/BTC-USD/1m/year=2024/part-0000.parquet. Folder and file names: letters, digits, '.', '_', '-', '=' (no '..').",
    }),
    rows: Type.Integer({ minimum: 1 }),
    firstTime: IsoTime,
    lastTime: IsoTime,
    bytes: Type.Integer({ minimum: 1 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  },
  { additionalProperties: false },
);

export const SyntheticGeneratorSchema = Type.Object(
  {
    name: Type.Literal('tradecore-synthetic'),
    version: Type.Integer({ minimum: 1, description: 'Generator algorithm version; a new version may give different bars for a seed.' }),
    seed: Type.Integer({ minimum: 0, maximum: 4294967295 }),
    params: Type.Object(
      {
        days: Type.Number({ exclusiveMinimum: 0 }),
        start: IsoTime,
        timeframe: Type.String(),
        startPrice: Type.Number({ exclusiveMinimum: 0 }),
        annualVolatility: Type.Number({ exclusiveMinimum: 0 }),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const DatasetManifestSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,127}$', description: 'Dataset id = manifest file name without .json.' }),
    description: Type.Optional(Type.String()),
    source: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]{0,127}$', description: 'Where the bars came from, e.g. synthetic, kraken, binanceus.' }),
    symbol: Type.String({ pattern: '^[A-Z0-9][A-Z0-9._-]{0,127}$', description: 'Upper-case market symbol, e.g. BTC-USD.' }),
    timeframe: Type.String({ pattern: '^[1-9]\\d{0,8}[smhdw]$', description: 'Bar length, e.g. 1m, 1h, 1d.' }),
    synthetic: Type.Boolean({ description: 'True when the bars come from the synthetic generator, not a market.' }),
    generator: Type.Optional(SyntheticGeneratorSchema),
    derivedFrom: Type.Optional(Type.String({ description: 'Id of the dataset these bars were resampled from.' })),
    emptyBars: Type.Optional(
      Type.Union([Type.Literal('omit'), Type.Literal('flat')], {
        description:
          'How bar periods without trades are stored: omit = no row (a gap), flat = a zero-volume row at the previous close. Validation reports both as gaps.',
      }),
    ),
    columns: Type.Array(DatasetColumnSchema, { minItems: 6 }),
    rows: Type.Integer({ minimum: 1 }),
    firstTime: IsoTime,
    lastTime: IsoTime,
    compression: Type.Union([Type.Literal('zstd'), Type.Literal('lz4'), Type.Literal('snappy'), Type.Literal('none')], {
      description: 'Parquet compression of the partitions (lz4 = LZ4_RAW).',
    }),
    partitions: Type.Array(DatasetPartitionSchema, { minItems: 1 }),
    createdBy: Type.String({ description: 'Tool and version that wrote the dataset.' }),
  },
  { additionalProperties: false },
);

export type DatasetManifest = Static<typeof DatasetManifestSchema>;
export type DatasetPartition = Static<typeof DatasetPartitionSchema>;
export type DatasetColumn = Static<typeof DatasetColumnSchema>;
export type SyntheticGeneratorInfo = Static<typeof SyntheticGeneratorSchema>;

export interface DataDirOptions {
  /** Folder holding `lake/` and `manifests/`. */
  dataDir: string;
}

/** Manifests larger than this are refused unread (a real one lists partitions in a few hundred bytes each). */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

/** `<dataDir>/manifests`, absolute. */
export function manifestsDir({ dataDir }: DataDirOptions): string {
  return path.resolve(dataDir, 'manifests');
}

/** `<dataDir>/manifests/<id>.json`, absolute; `id` must be a valid dataset id. */
export function manifestPath(id: string, options: DataDirOptions): string {
  return resolveInside(manifestsDir(options), `${assertDatasetId(id)}.json`, 'dataset id');
}

/** A ref with a path separator or a `.json` ending is a file; anything else is a dataset id in `<dataDir>/manifests`. */
export function isManifestPathRef(ref: string): boolean {
  return ref.endsWith('.json') || ref.includes('/') || ref.includes('\\') || ref.includes(path.sep);
}

/**
 * A ref with a path separator or a `.json` ending is a file the user named (resolved from the working folder);
 * anything else must be a valid dataset id and names `<dataDir>/manifests/<id>.json`.
 */
export function resolveManifestRef(ref: string, options: DataDirOptions): string {
  if (isManifestPathRef(ref)) return path.resolve(ref);
  return manifestPath(ref, options);
}

/**
 * Parses and checks manifest JSON text: the schema, then what a schema cannot say (row sums, partitions in
 * time order inside the dataset's own folder, times in range). Errors name `file`.
 */
export function parseManifest(text: string, file: string): DatasetManifest {
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    throw new DataError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return checkManifest(json, file);
}

/** Throws a {@link ValidationError} naming `source` unless `value` is a valid, self-consistent manifest. */
export function checkManifest(value: unknown, source: string): DatasetManifest {
  // Value.Check is the fast path; collectIssues gathers the `path: message` lines when it fails.
  if (!Value.Check(DatasetManifestSchema, value)) throw new ValidationError(source, collectIssues(DatasetManifestSchema, value));
  const manifest = value;
  const issues: Issue[] = [];
  const problem = (at: string, message: string) => issues.push({ path: at, message });
  const rowSum = manifest.partitions.reduce((sum, p) => sum + p.rows, 0);
  if (rowSum !== manifest.rows) problem('rows', `${manifest.rows} but the partitions hold ${rowSum}`);
  if (manifest.synthetic && !manifest.generator) problem('generator', 'required when synthetic is true');
  let folder = '';
  try {
    folder = `${datasetFolder(manifest)}/`;
  } catch (error) {
    problem('symbol', (error as Error).message);
  }
  const paths = new Set<string>();
  manifest.partitions.forEach((p, i) => {
    if (folder && !p.path.startsWith(folder)) problem(`partitions[${i}].path`, `must lie in the dataset's folder ${folder}, got ${quote(p.path)}`);
    if (paths.has(p.path)) problem(`partitions[${i}].path`, `${quote(p.path)} is listed twice`);
    paths.add(p.path);
    if (p.firstTime > p.lastTime) problem(`partitions[${i}]`, `firstTime ${p.firstTime} is after lastTime ${p.lastTime}`);
    const before = manifest.partitions[i - 1];
    if (before && p.firstTime <= before.lastTime) {
      problem(`partitions[${i}].firstTime`, `${p.firstTime} must be after partitions[${i - 1}].lastTime ${before.lastTime} (partitions in time order, not overlapping)`);
    }
  });
  const first = manifest.partitions[0];
  const last = manifest.partitions[manifest.partitions.length - 1];
  if (first && first.firstTime !== manifest.firstTime) problem('firstTime', `${manifest.firstTime} but partitions[0] starts at ${first.firstTime}`);
  if (last && last.lastTime !== manifest.lastTime) problem('lastTime', `${manifest.lastTime} but the last partition ends at ${last.lastTime}`);
  for (const key of ['firstTime', 'lastTime'] as const) {
    const ms = Date.parse(manifest[key]);
    if (!(ms >= MIN_BAR_TIME && ms < MAX_BAR_TIME)) problem(key, `${manifest[key]} is outside ${BAR_TIME_RANGE}`);
  }
  if (issues.length) throw new ValidationError(source, issues);
  return manifest;
}

/**
 * Reads a manifest file: refused (not read) when it is not a regular file — a FIFO or a link to `/dev/zero`
 * would hang or never end — or when it is implausibly large.
 */
async function readManifestText(file: string): Promise<string> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    throw new DataError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (!info.isFile()) throw new UnsafePathError(`${file} is not a regular file; only regular files are read as manifests`);
  if (info.size > MAX_MANIFEST_BYTES) throw new DataError(`${file} is ${info.size} bytes, more than a manifest can be (${MAX_MANIFEST_BYTES})`);
  return readFile(file, 'utf8');
}

/** `<dataDir>/manifests/<id>.json`, checked not to lead out of the manifests folder through a symlink. */
function safeManifestFile(id: string, options: DataDirOptions): string {
  return realpathInside(manifestsDir(options), `${assertDatasetId(id)}.json`, 'manifest');
}

/**
 * Loads a manifest by id (`<dataDir>/manifests/<id>.json`) or path, checked by {@link checkManifest}. A
 * manifest found by id must carry that id, and must not be a symlink leading out of the manifests folder.
 */
export async function loadManifest(ref: string, options: DataDirOptions): Promise<{ manifest: DatasetManifest; path: string }> {
  const id = isManifestPathRef(ref) ? undefined : datasetRefId(ref);
  const file = id !== undefined ? safeManifestFile(id, options) : path.resolve(ref);
  if (!(await exists(file))) {
    const known = await listManifestIds(options);
    const hint = known.length ? ` (known datasets: ${known.join(', ')})` : ` (no manifests in ${manifestsDir(options)})`;
    throw new DatasetNotFoundError(`dataset ${quote(ref)} not found: ${file} does not exist${hint}`);
  }
  const manifest = parseManifest(await readManifestText(file), file);
  if (id !== undefined && manifest.id !== id) throw new DataError(`${file} is invalid:\n  id: ${quote(manifest.id)} but the file is named for ${quote(id)}`);
  return { manifest, path: file };
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** Dataset ids with a manifest file, sorted; names that are not valid ids are left out. */
async function listManifestIds(options: DataDirOptions): Promise<string[]> {
  try {
    return (await readdir(manifestsDir(options)))
      .filter((f) => f.endsWith('.json') && LOWER_ID_PATTERN.test(f.slice(0, -5)))
      .map((f) => f.slice(0, -5))
      .sort();
  } catch {
    return [];
  }
}

/**
 * Every manifest in `<dataDir>/manifests`, sorted by id. Entries that cannot be a manifest — an invalid file
 * name, a FIFO, a device, a folder, a symlink leading out of the folder, a file failing its schema — are
 * reported in `invalid` without reading them, never skipped silently.
 */
export async function listDatasets(options: DataDirOptions): Promise<{ manifests: DatasetManifest[]; invalid: { path: string; error: Error }[] }> {
  const manifests: DatasetManifest[] = [];
  const invalid: { path: string; error: Error }[] = [];
  let names: string[];
  try {
    names = (await readdir(manifestsDir(options))).filter((f) => f.endsWith('.json')).sort();
  } catch {
    names = [];
  }
  for (const name of names) {
    const file = path.join(manifestsDir(options), name);
    try {
      const id = name.slice(0, -5);
      if (!LOWER_ID_PATTERN.test(id)) throw new DataError(`${file}: the file name is not a dataset id (${ID_RULE}, lower-case) — rename it to <id>.json`);
      manifests.push((await loadManifest(id, options)).manifest);
    } catch (error) {
      invalid.push({ path: file, error: error as Error });
    }
  }
  return { manifests, invalid };
}
