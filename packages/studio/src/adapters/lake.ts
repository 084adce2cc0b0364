/**
 * The Data page's access to the lake, through the SDK's lake API only (manifests, checksummed partitions,
 * validation, importers). Read datasets are cached by their manifest file's size and mtime.
 */
import { statSync } from 'node:fs';
import {
  assertDatasetId,
  assertId,
  assertSource,
  BarsValidationError,
  importBars,
  listDatasets,
  manifestPath,
  normalizeSymbol,
  parseTimeframe,
  readDataset,
  validateBars,
  writeDataset,
  type Bars,
  type DatasetManifest,
  type ImportFormat,
  type ValidationReport,
} from '@tradecore/sdk';
import type { CandleData, DatasetList, DatasetSummary, DatasetValidation } from '../api.ts';
import { badRequest, guardPath, notFound } from '../http.ts';

export function summaryOf(m: DatasetManifest): DatasetSummary {
  return {
    id: m.id,
    description: m.description ?? null,
    source: m.source,
    symbol: m.symbol,
    timeframe: m.timeframe,
    synthetic: m.synthetic,
    rows: m.rows,
    firstTime: m.firstTime,
    lastTime: m.lastTime,
    columns: m.columns.map((c) => ({ name: c.name, type: c.type })),
    partitions: m.partitions.map((p) => ({ path: p.path, rows: p.rows, bytes: p.bytes, sha256: p.sha256, firstTime: p.firstTime, lastTime: p.lastTime })),
    compression: m.compression,
    createdBy: m.createdBy,
  };
}

interface LoadedDataset {
  readonly key: string;
  readonly manifest: DatasetManifest;
  readonly bars: Bars;
  readonly report: ValidationReport;
  readonly seconds: number;
}

export class Lake {
  readonly #cache = new Map<string, LoadedDataset>();
  #writing: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dataDir: string,
    /** Datasets kept in memory (a year of 1m bars is about 25 MB). */
    readonly capacity = 3,
  ) {}

  async list(): Promise<DatasetList> {
    const { manifests, invalid } = await listDatasets({ dataDir: this.dataDir });
    return { datasets: manifests.map(summaryOf), invalid: invalid.map((i) => ({ file: i.path, error: i.error.message })) };
  }

  #manifestKey(id: string): string {
    try {
      const s = statSync(manifestPath(id, { dataDir: this.dataDir }));
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      throw notFound(`dataset "${id}" not found in ${this.dataDir}/manifests`);
    }
  }

  /** Bars of a dataset (partitions sha256-checked) and its validation report. */
  async load(id: string): Promise<LoadedDataset> {
    guardPath(() => assertId(id, 'dataset id'));
    const key = this.#manifestKey(id);
    const hit = this.#cache.get(id);
    if (hit?.key === key) {
      this.#cache.delete(id);
      this.#cache.set(id, hit);
      return hit;
    }
    const started = performance.now();
    // Validation runs here rather than in readDataset, so a dataset with errors still shows its report.
    const { manifest, bars } = await readDataset(id, { dataDir: this.dataDir, validate: false });
    const report = validateBars(bars, { timeframeMs: parseTimeframe(manifest.timeframe).ms });
    const loaded = { key, manifest, bars, report, seconds: (performance.now() - started) / 1000 };
    this.#cache.set(id, loaded);
    while (this.#cache.size > this.capacity) this.#cache.delete(this.#cache.keys().next().value!);
    return loaded;
  }

  async validation(id: string): Promise<DatasetValidation> {
    const { report, seconds } = await this.load(id);
    const s = report.stats;
    return {
      ok: report.ok,
      stats: {
        rows: s.rows,
        gaps: s.gaps,
        duplicates: s.duplicates,
        ohlcViolations: s.ohlcViolations,
        nonFinite: s.nonFinite,
        zeroVolumeBars: s.zeroVolumeBars,
        zeroVolumeShare: s.zeroVolumeShare,
        flatBars: s.flatBars,
      },
      errors: report.errors.map((e) => ({ kind: e.kind, message: e.message })),
      warnings: report.warnings.map((w) => ({ kind: w.kind, message: w.message })),
      seconds,
    };
  }

  /**
   * Candles of `[from, to]` (ms, inclusive; default the whole dataset). Longer ranges are aggregated into
   * buckets of whole bars (open of the first, highest high, lowest low, close of the last, summed volume) so
   * at most `max` candles are sent.
   */
  async candles(id: string, range: { from?: number; to?: number; max?: number }): Promise<CandleData> {
    const { bars } = await this.load(id);
    const time = bars.time;
    const n = bars.length;
    const lowerBound = (t: number) => {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (time[mid]! < t) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const start = range.from === undefined ? 0 : lowerBound(range.from);
    const end = range.to === undefined ? n : lowerBound(range.to + 1);
    const count = Math.max(0, end - start);
    const max = Math.max(10, Math.min(range.max ?? 2000, 20_000));
    const bucket = Math.max(1, Math.ceil(count / max));
    const out = { time: [] as number[], open: [] as number[], high: [] as number[], low: [] as number[], close: [] as number[], volume: [] as number[] };
    for (let i = start; i < end; i += bucket) {
      const last = Math.min(end, i + bucket) - 1;
      let high = -Infinity;
      let low = Infinity;
      let volume = 0;
      for (let j = i; j <= last; j++) {
        if (bars.high[j]! > high) high = bars.high[j]!;
        if (bars.low[j]! < low) low = bars.low[j]!;
        volume += bars.volume[j]!;
      }
      out.time.push(time[i]!);
      out.open.push(bars.open[i]!);
      out.high.push(high);
      out.low.push(low);
      out.close.push(bars.close[last]!);
      out.volume.push(volume);
    }
    return { id, from: count > 0 ? time[start]! : 0, to: count > 0 ? time[end - 1]! : 0, bucket, totalBars: count, ...out };
  }

  /**
   * Imports a CSV, Kraken OHLCVT or Binance klines file (already resolved inside the imports folder) as a dataset. One import
   * at a time; the lake writes atomically and refuses a folder owned by another dataset.
   */
  async import(file: string, options: { format?: ImportFormat; source: string; symbol: string; timeframe: string; id?: string; timeUnit?: 'auto' | 'iso' | 's' | 'ms' }): Promise<DatasetSummary> {
    const source = guardPath(() => assertSource(options.source, 'source'));
    const symbol = guardPath(() => normalizeSymbol(options.symbol, 'symbol'));
    const id = options.id === undefined || options.id === '' ? undefined : guardPath(() => assertDatasetId(options.id, 'dataset id'));
    let timeframe: string;
    try {
      timeframe = parseTimeframe(options.timeframe).label;
    } catch (error) {
      throw badRequest(`timeframe: ${(error as Error).message}`);
    }
    const run = async () => {
      const { bars } = await importBars(file, { format: options.format ?? 'auto', timeUnit: options.timeUnit ?? 'auto' });
      try {
        return summaryOf(await writeDataset(bars, { dataDir: this.dataDir, source, symbol, timeframe, ...(id ? { id } : {}) }));
      } catch (error) {
        if (error instanceof BarsValidationError) throw badRequest(error.message);
        throw error;
      }
    };
    const next = this.#writing.then(run, run);
    this.#writing = next.catch(() => {});
    return next;
  }
}
