import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  type Bars,
  type ColumnName,
  type DatasetManifest,
  type ImportFormat,
  type ParquetCompression,
  type TimeUnit,
  type ValidationReport,
  BarsValidationError,
  ChecksumMismatchError,
  DataError,
  IMPORT_FORMATS,
  InvalidIdError,
  assertDatasetId,
  assertSource,
  csvChunks,
  datasetRefId,
  exportCsv,
  generateSynthetic,
  importBars,
  isManifestPathRef,
  listDatasets,
  normalizeSymbol,
  parseTimeframe,
  quote,
  readDataset,
  resampleBars,
  syntheticGeneratorInfo,
  timeframeLabel,
  validateBars,
  writeDataset,
} from '@tradecore/sdk';
import { EXIT, type GlobalOptions, UsageError, formatCount, formatTable } from '../_cli.ts';

const print = (text: string) => process.stdout.write(`${text}\n`);

/** Runs an id or name check; a refusal is a usage error (exit 2) naming the flag. */
function flag<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof InvalidIdError || error instanceof DataError) throw new UsageError(error.message);
    throw error;
  }
}

const checkTimeframe = (name: string, value: string) => flag(() => timeframeLabel(value, name));
const checkId = (value: string | undefined) => (value === undefined ? undefined : flag(() => assertDatasetId(value, '--id')));
/** A `<manifest|id>` argument: a path is the user's to name; an id must be a valid dataset id. */
const checkRef = (ref: string) => (isManifestPathRef(ref) ? ref : flag(() => datasetRefId(ref, 'dataset id')));

function summary(manifest: DatasetManifest): string {
  return `${formatCount(manifest.rows)} bars ${manifest.timeframe} ${manifest.firstTime} → ${manifest.lastTime}`;
}

function printWarnings(report: ValidationReport | undefined): void {
  for (const w of report?.warnings ?? []) print(`  warning: ${w.message}`);
}

export async function list({ data }: GlobalOptions, { json }: { json?: boolean }): Promise<void> {
  const { manifests, invalid } = await listDatasets({ dataDir: data });
  if (json) print(JSON.stringify(manifests, null, 2));
  else if (manifests.length === 0 && invalid.length === 0) print(`no datasets in ${path.join(data, 'manifests')}`);
  else {
    print(
      formatTable(
        ['ID', 'SOURCE', 'SYMBOL', 'TF', 'ROWS', 'FIRST', 'LAST', 'KIND'],
        manifests.map((m) => [m.id, m.source, m.symbol, m.timeframe, formatCount(m.rows), m.firstTime, m.lastTime, m.synthetic ? 'synthetic' : 'market']),
      ),
    );
  }
  for (const { error } of invalid) process.stderr.write(`invalid manifest: ${error.message}\n`);
  if (invalid.length) process.exitCode = EXIT.validationFailure;
}

export async function validate(ref: string, { data }: GlobalOptions, { json }: { json?: boolean }): Promise<void> {
  let result;
  try {
    result = await readDataset(checkRef(ref), { dataDir: data, validate: false });
  } catch (error) {
    if (error instanceof ChecksumMismatchError && json) print(JSON.stringify({ ok: false, checksum: { file: error.file, expected: error.expected, actual: error.actual } }, null, 2));
    throw error;
  }
  const { manifest, path: file, bars } = result;
  const report = validateBars(bars, { timeframeMs: parseTimeframe(manifest.timeframe).ms, ...(manifest.emptyBars ? { emptyBars: manifest.emptyBars } : {}) });
  if (json) print(JSON.stringify({ id: manifest.id, manifest: file, checksums: 'ok', ...report }, null, 2));
  else {
    const { stats } = report;
    print(`dataset ${manifest.id} (${file})${manifest.synthetic ? ' [synthetic]' : ''}`);
    print(`  checksums: ${manifest.partitions.length} partition(s) verified`);
    print(`  rows: ${formatCount(stats.rows)}, ${stats.firstTime} → ${stats.lastTime}, timeframe ${manifest.timeframe}`);
    print(`  gaps: ${formatCount(stats.gaps.count)} (${formatCount(stats.gaps.missingBars)} missing bars, largest ${stats.gaps.largestMs / 60_000} min)`);
    print(`  zero-volume bars: ${formatCount(stats.zeroVolumeBars)} (${(stats.zeroVolumeShare * 100).toFixed(2)} %), flat bars: ${formatCount(stats.flatBars)}`);
    for (const e of report.errors) print(`  error: ${e.message}`);
    printWarnings(report);
    print(report.ok ? 'OK' : `FAILED: ${report.errors.length} error(s) shown`);
  }
  if (!report.ok) process.exitCode = EXIT.validationFailure;
}

function parseMapping(pairs: string | undefined): Partial<Record<ColumnName, string>> {
  if (!pairs) return {};
  const mapping: Partial<Record<ColumnName, string>> = {};
  const known = ['time', 'open', 'high', 'low', 'close', 'volume', 'trades', 'buy_volume', 'sell_volume'];
  for (const pair of pairs.split(',')) {
    const [column, header] = pair.split('=').map((s) => s.trim());
    if (!column || !header || !known.includes(column)) {
      throw new UsageError(`--map: "${pair}" is not <column>=<header> with column one of ${known.join(', ')}`);
    }
    mapping[column as ColumnName] = header;
  }
  return mapping;
}

async function write(bars: Bars, what: string, options: Parameters<typeof writeDataset>[1]): Promise<void> {
  try {
    const manifest = await writeDataset(bars, options);
    print(`wrote ${manifest.id}: ${summary(manifest)} in ${manifest.partitions.length} partition(s)`);
    print(`  manifest: ${path.join(options.dataDir, 'manifests', `${manifest.id}.json`)}`);
    printWarnings(validateBars(bars, { timeframeMs: parseTimeframe(manifest.timeframe).ms }));
  } catch (error) {
    if (error instanceof BarsValidationError) throw new BarsValidationError(what, error.report);
    throw error;
  }
}

export async function importFile(
  file: string,
  options: {
    format: string;
    source: string;
    symbol: string;
    timeframe: string;
    id?: string;
    timeUnit: TimeUnit;
    map?: string;
    description?: string;
    compression: ParquetCompression;
  },
  { data }: GlobalOptions,
): Promise<void> {
  const requested = options.format as ImportFormat;
  if (!IMPORT_FORMATS.includes(requested)) throw new UsageError(`--format must be one of ${IMPORT_FORMATS.join(', ')}, got ${quote(options.format)}`);
  if (!existsSync(file)) throw new UsageError(`input file not found: ${file}`);
  const timeframe = checkTimeframe('--timeframe', options.timeframe);
  const source = flag(() => assertSource(options.source, '--source'));
  const symbol = flag(() => normalizeSymbol(options.symbol, '--symbol'));
  const id = checkId(options.id);
  const { bars, format } = await importBars(file, { format: requested, mapping: parseMapping(options.map), timeUnit: options.timeUnit });
  if (requested === 'auto') print(`read ${file} as ${format}`);
  await write(bars, file, {
    dataDir: data,
    source,
    symbol,
    timeframe,
    compression: options.compression,
    ...(id ? { id } : {}),
    ...(options.description ? { description: options.description } : {}),
  });
}

export async function synth(
  options: { seed: number; days: number; start: string; timeframe: string; symbol: string; startPrice: number; volatility: number; id?: string; compression: ParquetCompression },
  { data }: GlobalOptions,
): Promise<void> {
  const timeframe = checkTimeframe('--timeframe', options.timeframe);
  const symbol = flag(() => normalizeSymbol(options.symbol, '--symbol'));
  const id = checkId(options.id);
  const params = { seed: options.seed, days: options.days, start: options.start, timeframe, startPrice: options.startPrice, annualVolatility: options.volatility };
  let info;
  try {
    info = syntheticGeneratorInfo(params);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  await write(generateSynthetic(params), 'synthetic bars', {
    dataDir: data,
    source: 'synthetic',
    symbol,
    timeframe,
    synthetic: info,
    compression: options.compression,
    description: `Synthetic ${symbol} ${timeframe} bars from the TradeCore generator (seed ${options.seed}); not market data.`,
    ...(id ? { id } : {}),
  });
}

export async function resample(ref: string, options: { to: string; id?: string; compression: ParquetCompression }, { data }: GlobalOptions): Promise<void> {
  const to = checkTimeframe('--to', options.to);
  const id = checkId(options.id);
  const { manifest, bars } = await readDataset(checkRef(ref), { dataDir: data });
  const from = parseTimeframe(manifest.timeframe);
  if (parseTimeframe(to).ms <= from.ms || parseTimeframe(to).ms % from.ms !== 0) {
    throw new UsageError(`--to ${to}: must be a whole multiple of the dataset's ${from.label} timeframe, and larger`);
  }
  await write(resampleBars(bars, manifest.timeframe, to), `resampled ${manifest.id}`, {
    dataDir: data,
    source: manifest.source,
    symbol: manifest.symbol,
    timeframe: to,
    compression: options.compression,
    derivedFrom: manifest.id,
    ...(manifest.generator ? { synthetic: manifest.generator } : {}),
    ...(manifest.description ? { description: `${manifest.description} Resampled to ${to}.` } : {}),
    ...(id ? { id } : {}),
  });
}

export async function exportDataset(ref: string, options: { out?: string; timeFormat: 'iso' | 'ms' | 's' }, { data }: GlobalOptions): Promise<void> {
  const { bars, manifest } = await readDataset(checkRef(ref), { dataDir: data });
  if (options.out) {
    await exportCsv(bars, options.out, { timeFormat: options.timeFormat });
    process.stderr.write(`wrote ${options.out}: ${summary(manifest)}\n`);
  } else await writeToStdout(csvChunks(bars, { timeFormat: options.timeFormat }));
}

/** The first error stdout reported (EPIPE when the reader went away); the listener stays for late ones. */
let stdoutFailure: NodeJS.ErrnoException | undefined;
let watchingStdout = false;

/**
 * Writes the pieces to stdout as it drains (any size, bounded memory). A reader that goes away early
 * (`| head`) is not an error: the export stops quietly.
 */
async function writeToStdout(pieces: Iterable<string>): Promise<void> {
  if (!watchingStdout) {
    watchingStdout = true;
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      stdoutFailure ??= error;
    });
  }
  for (const piece of pieces) {
    if (stdoutFailure) break;
    if (!process.stdout.write(piece)) await drained();
  }
  if (stdoutFailure && stdoutFailure.code !== 'EPIPE') throw stdoutFailure;
}

/** Resolves when stdout can take more, or will never take more (closed, failed). */
function drained(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      for (const event of ['drain', 'close', 'error']) process.stdout.off(event, done);
      resolve();
    };
    for (const event of ['drain', 'close', 'error']) process.stdout.once(event, done);
  });
}
