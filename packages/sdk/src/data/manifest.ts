import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Type, { type Static } from 'typebox';
import { Value } from 'typebox/value';
import { parseWithSchema } from '../schema/validate.ts';
import { DataError, DatasetNotFoundError } from './errors.ts';

const IsoTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$',
  description: 'UTC instant, e.g. 2024-01-01T00:00:00.000Z.',
});

export const DatasetColumnSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    type: Type.Union([Type.Literal('timestamp[ms, UTC]'), Type.Literal('float64'), Type.Literal('int32')]),
  },
  { additionalProperties: false },
);

export const DatasetPartitionSchema = Type.Object(
  {
    path: Type.String({ minLength: 1, pattern: '^[^/\\\\]', description: 'Parquet file, relative to the data folder.' }),
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
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]*$', description: 'Dataset id = manifest file name without .json.' }),
    description: Type.Optional(Type.String()),
    source: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]*$', description: 'Where the bars came from, e.g. synthetic, kraken, binanceus.' }),
    symbol: Type.String({ pattern: '^[A-Z0-9][A-Z0-9._-]*$', description: 'Upper-case market symbol, e.g. BTC-USD.' }),
    timeframe: Type.String({ pattern: '^\\d+[smhdw]$', description: 'Bar length, e.g. 1m, 1h, 1d.' }),
    synthetic: Type.Boolean({ description: 'True when the bars come from the synthetic generator, not a market.' }),
    generator: Type.Optional(SyntheticGeneratorSchema),
    derivedFrom: Type.Optional(Type.String({ description: 'Id of the dataset these bars were resampled from.' })),
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

export function manifestPath(id: string, { dataDir }: DataDirOptions): string {
  return path.join(dataDir, 'manifests', `${id}.json`);
}

/** A ref with a path separator or a `.json` ending is a file; anything else is an id in `<dataDir>/manifests`. */
export function resolveManifestRef(ref: string, options: DataDirOptions): string {
  if (ref.endsWith('.json') || ref.includes('/') || ref.includes(path.sep)) return path.resolve(ref);
  return path.resolve(manifestPath(ref, options));
}

/** Parses and schema-checks manifest JSON text; errors name `file`. */
export function parseManifest(text: string, file: string): DatasetManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DataError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  // Value.Check is the fast path; parseWithSchema collects the `path: message` lines when it fails.
  const manifest = Value.Check(DatasetManifestSchema, json) ? (json as DatasetManifest) : parseWithSchema(DatasetManifestSchema, json, file);
  const problems: string[] = [];
  const rowSum = manifest.partitions.reduce((sum, p) => sum + p.rows, 0);
  if (rowSum !== manifest.rows) problems.push(`rows: ${manifest.rows} but the partitions hold ${rowSum}`);
  if (manifest.synthetic && !manifest.generator) {
    problems.push('generator: required when synthetic is true');
  }
  for (const [i, p] of manifest.partitions.entries()) {
    if (p.path.split(/[\\/]/).includes('..')) problems.push(`partitions[${i}].path: must stay inside the data folder`);
  }
  if (problems.length) throw new DataError(`${file} is invalid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return manifest;
}

/** Loads a manifest by id (`<dataDir>/manifests/<id>.json`) or path, schema-validated. */
export async function loadManifest(ref: string, options: DataDirOptions): Promise<{ manifest: DatasetManifest; path: string }> {
  const file = resolveManifestRef(ref, options);
  if (!existsSync(file)) {
    const known = await listManifestIds(options);
    const hint = known.length ? ` (known datasets: ${known.join(', ')})` : ` (no manifests in ${path.join(options.dataDir, 'manifests')})`;
    throw new DatasetNotFoundError(`dataset "${ref}" not found: ${file} does not exist${hint}`);
  }
  return { manifest: parseManifest(await readFile(file, 'utf8'), file), path: file };
}

async function listManifestIds({ dataDir }: DataDirOptions): Promise<string[]> {
  try {
    return (await readdir(path.join(dataDir, 'manifests'))).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  } catch {
    return [];
  }
}

/** Every manifest in `<dataDir>/manifests`, sorted by id. Invalid ones are reported, not skipped silently. */
export async function listDatasets(options: DataDirOptions): Promise<{ manifests: DatasetManifest[]; invalid: { path: string; error: Error }[] }> {
  const manifests: DatasetManifest[] = [];
  const invalid: { path: string; error: Error }[] = [];
  for (const id of await listManifestIds(options)) {
    const file = manifestPath(id, options);
    try {
      manifests.push(parseManifest(await readFile(file, 'utf8'), file));
    } catch (error) {
      invalid.push({ path: file, error: error as Error });
    }
  }
  return { manifests, invalid };
}
