import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_JSON, createActionSpace, LEDGER_PARQUET, METRICS_JSON, readParquetTable, TRADES_PARQUET, TRAIN_PARQUET, type ParquetColumn } from '@tradecore/sdk';
import type { EquityCurve, RunMetricsFile, TradeList, TradeRow, TrainingCurves } from './api.ts';
import { notFound } from './http.ts';


export function readJsonFile<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** Files of a run folder, relative, regular files only (checkpoints and model weights summarised by folder). */
export function listArchiveFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isFile()) out.push(entry.name);
    else if (entry.isDirectory()) out.push(`${entry.name}/`);
  }
  return out.sort();
}

const METRICS_FORMATS = ['tradecore-metrics/2', 'tradecore-metrics/1'];

/**
 * A run's `metrics.json` for the run page: format 2 as is; format 1 (older archives: policies as means over folds,
 * no warnings, significance or trades) with a note saying what it lacks; anything else refused with the reason.
 */
export function readRunMetrics(dir: string): { metrics: RunMetricsFile | null; problem: string | null } {
  const file = path.join(dir, METRICS_JSON);
  if (!existsSync(file)) return { metrics: null, problem: null };
  const metrics = readJsonFile<RunMetricsFile>(file);
  if (metrics === null || typeof metrics !== 'object') return { metrics: null, problem: `${METRICS_JSON} is not valid JSON` };
  if (!METRICS_FORMATS.includes(metrics.format) || typeof metrics.policies !== 'object' || metrics.policies === null || !Array.isArray(metrics.folds)) {
    return { metrics: null, problem: `${METRICS_JSON} has format ${JSON.stringify(metrics.format ?? null)}; this studio reads ${METRICS_FORMATS.join(' and ')}` };
  }
  if (metrics.format === 'tradecore-metrics/1') {
    return {
      metrics,
      problem: `evaluated by an older TradeCore (${metrics.format}): its numbers are means over folds, and it has no warnings, significance, random spread or trades. Run it again with \`tradecore run --from ${path.basename(dir)}\` for them.`,
    };
  }
  return { metrics, problem: null };
}

type Columns = Record<string, ParquetColumn>;

interface CachedTable {
  readonly key: string;
  readonly columns: Columns;
  readonly rows: number;
}

/** Parsed parquet files of archives, by path, size and mtime (a complete archive never changes). */
class TableCache {
  readonly #entries = new Map<string, CachedTable>();
  constructor(readonly capacity: number) {}

  async read(file: string): Promise<CachedTable> {
    const s = statSync(file);
    const key = `${s.size}:${s.mtimeMs}`;
    const hit = this.#entries.get(file);
    if (hit?.key === key) {
      this.#entries.delete(file);
      this.#entries.set(file, hit);
      return hit;
    }
    const table = await readParquetTable(file);
    const entry = { key, columns: table.columns as Columns, rows: table.numRows };
    this.#entries.set(file, entry);
    while (this.#entries.size > this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    return entry;
  }
}

const tables = new TableCache(8);

export function toNumbers(column: ParquetColumn | undefined, length: number): Float64Array {
  if (column === undefined) return new Float64Array(length).fill(Number.NaN);
  if (column instanceof Float64Array) return column;
  if (column instanceof BigInt64Array) return Float64Array.from(column, Number);
  if (ArrayBuffer.isView(column)) return Float64Array.from(column as unknown as ArrayLike<number>);
  return new Float64Array(length).fill(Number.NaN);
}

export interface LedgerTable {
  readonly rows: number;
  readonly columns: Columns;
}

/** The run's `ledger.parquet` (404 when the run has none yet). */
export async function readLedger(dir: string): Promise<LedgerTable> {
  const file = path.join(dir, LEDGER_PARQUET);
  if (!existsSync(file)) throw notFound(`run ${path.basename(dir)} has no ${LEDGER_PARQUET} yet (it is written when the run completes)`);
  const table = await tables.read(file);
  return { rows: table.rows, columns: table.columns };
}

/** Row ranges of each fold in a ledger (rows are stored fold after fold). */
export function foldRanges(ledger: LedgerTable): { fold: number; start: number; end: number }[] {
  const fold = toNumbers(ledger.columns.fold, ledger.rows);
  const out: { fold: number; start: number; end: number }[] = [];
  let start = 0;
  for (let i = 1; i <= ledger.rows; i++) {
    if (i === ledger.rows || fold[i] !== fold[start]) {
      out.push({ fold: Number.isFinite(fold[start]!) ? fold[start]! : 0, start, end: i });
      start = i;
    }
  }
  return out;
}

const text = (column: ParquetColumn | undefined, i: number): string => (Array.isArray(column) ? String(column[i] ?? '') : '');

/** The agent's round trips from `trades.parquet` (404 for archives without one), the first `limit` in time order. */
export async function readTrades(id: string, dir: string, limit = 5000): Promise<TradeList> {
  const file = path.join(dir, TRADES_PARQUET);
  if (!existsSync(file)) throw notFound(`run ${id} has no ${TRADES_PARQUET} (it is written when the run completes; archives of older versions have none)`);
  const { columns: c, rows } = await tables.read(file);
  const n = Math.min(rows, limit);
  const col = (name: string) => toNumbers(c[name], rows);
  const [fold, trade, qty, entryTime, entryPrice, stopPrice, exitTime, exitPrice, stopGapped, fees, pnl, returnPct, barsHeld, open] = [
    'fold', 'trade', 'qty', 'entryTime', 'entryPrice', 'stopPrice', 'exitTime', 'exitPrice', 'stopGapped', 'fees', 'pnl', 'returnPct', 'barsHeld', 'open',
  ].map(col) as Float64Array[];
  const trades: TradeRow[] = [];
  for (let i = 0; i < n; i++) {
    trades.push({
      fold: fold![i]!,
      trade: trade![i]!,
      side: text(c.side, i) === 'short' ? 'short' : 'long',
      qty: qty![i]!,
      entryTime: entryTime![i]!,
      entryPrice: entryPrice![i]!,
      entryType: text(c.entryType, i),
      stopPrice: stopPrice![i]!,
      exitTime: exitTime![i]!,
      exitPrice: exitPrice![i]!,
      exitReason: text(c.exitReason, i),
      stopGapped: stopGapped![i] === 1,
      fees: fees![i]!,
      pnl: pnl![i]!,
      returnPct: returnPct![i]!,
      barsHeld: barsHeld![i]!,
      open: open![i] === 1,
    });
  }
  return { id, trades, total: rows };
}

type ArchivedConfig = { plugins?: { kind?: string; options?: Record<string, unknown> }[]; execution?: { initialCash?: number } };

/** Action names of the run's discrete space (`hold`, `close`, `long(k=1, market)`…), from its risk guard settings. */
export function actionNames(config: ArchivedConfig | null): string[] {
  const guard = config?.plugins?.find((p) => p.kind === 'risk-guard')?.options ?? {};
  const buckets = Number.isInteger(guard.buckets) ? (guard.buckets as number) : 4;
  const step = typeof guard.stopStepBps === 'number' ? guard.stopStepBps : 50;
  try {
    const space = createActionSpace(buckets, step);
    return Array.from({ length: space.n }, (_, a) => space.describe(a));
  } catch {
    return [];
  }
}

/** Chained agent return and drawdown (%) over the test bars of every fold, decimated to about `maxPoints`. */
export async function equityCurve(id: string, dir: string, maxPoints = 4000): Promise<EquityCurve> {
  const ledger = await readLedger(dir);
  const config = readJsonFile<ArchivedConfig>(path.join(dir, CONFIG_JSON));
  const metrics = readJsonFile<{ folds?: { policies?: { agent?: { initialEquity?: number } } }[] }>(path.join(dir, METRICS_JSON));
  const time = toNumbers(ledger.columns.time, ledger.rows);
  const equity = toNumbers(ledger.columns.equity, ledger.rows);
  const ranges = foldRanges(ledger);
  const n = ledger.rows;
  const growth = new Float64Array(n);
  let factor = 1;
  ranges.forEach((range, k) => {
    const initial = metrics?.folds?.[k]?.policies?.agent?.initialEquity ?? config?.execution?.initialCash ?? equity[range.start]!;
    let last = 1;
    for (let i = range.start; i < range.end; i++) {
      last = equity[i]! / initial;
      growth[i] = factor * last;
    }
    factor *= last;
  });
  const stride = Math.max(1, Math.ceil(n / maxPoints));
  const t: number[] = [];
  const ret: number[] = [];
  const dd: number[] = [];
  let peak = 1;
  let worst = 0;
  for (let i = 0; i < n; i++) {
    const g = growth[i]!;
    if (g > peak) peak = g;
    const drawdown = (g / peak - 1) * 100;
    if (drawdown < worst) worst = drawdown;
    if ((i + 1) % stride === 0 || i === n - 1) {
      t.push(time[i]!);
      ret.push((g - 1) * 100);
      dd.push(worst);
      worst = 0;
    }
  }
  return { id, time: t, returnPct: ret, drawdownPct: dd };
}

const CURVE_KEYS = ['meanEpisodeReturn', 'meanStepReward', 'stepsPerSecond'];

/**
 * Learning curves: `train.parquet` when the archive has one, else the progress events of the panel's launch
 * log (runs started here), else none. Steps of later folds continue after earlier ones.
 */
export async function trainingCurves(dir: string, launchEvents: (() => Promise<Record<string, unknown>[]>) | null, maxPoints = 2000): Promise<TrainingCurves> {
  const file = path.join(dir, TRAIN_PARQUET);
  if (existsSync(file)) {
    const table = await tables.read(file);
    const steps = toNumbers(table.columns.steps, table.rows);
    const fold = table.columns.fold ? toNumbers(table.columns.fold, table.rows) : null;
    const series: Record<string, (number | null)[]> = {};
    const stride = Math.max(1, Math.ceil(table.rows / maxPoints));
    const xs: number[] = [];
    const names = Object.keys(table.columns).filter((c) => c !== 'steps' && c !== 'fold' && c !== 'time' && c !== 'totalSteps');
    const values = names.map((name) => toNumbers(table.columns[name], table.rows));
    for (const name of names) series[name] = [];
    let offset = 0;
    let lastSteps = 0;
    for (let i = 0; i < table.rows; i++) {
      if (fold && i > 0 && fold[i] !== fold[i - 1]) offset += lastSteps;
      lastSteps = steps[i]!;
      if (i % stride !== 0 && i !== table.rows - 1) continue;
      xs.push(offset + steps[i]!);
      names.forEach((name, k) => {
        const v = values[k]![i]!;
        series[name]!.push(Number.isFinite(v) ? v : null);
      });
    }
    return { source: 'train.parquet', steps: xs, series };
  }
  const events = launchEvents ? (await launchEvents()).filter((e) => e.type === 'progress') : [];
  if (events.length === 0) return { source: 'none', steps: [], series: {} };
  const stride = Math.max(1, Math.ceil(events.length / maxPoints));
  const xs: number[] = [];
  const series: Record<string, (number | null)[]> = {};
  const push = (name: string, value: unknown, at: number) => {
    const list = (series[name] ??= new Array<number | null>(at).fill(null));
    while (list.length < at) list.push(null);
    list.push(typeof value === 'number' && Number.isFinite(value) ? value : null);
  };
  let offset = 0;
  let lastFold = Number(events[0]!.fold ?? 0);
  let lastSteps = 0;
  events.forEach((e, i) => {
    const fold = Number(e.fold ?? 0);
    if (fold !== lastFold) {
      offset += lastSteps;
      lastFold = fold;
    }
    lastSteps = Number(e.steps);
    if (i % stride !== 0 && i !== events.length - 1) return;
    const at = xs.length;
    xs.push(offset + Number(e.steps));
    for (const key of CURVE_KEYS) push(key, e[key], at);
    const stats = (e.stats ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(stats)) if (key !== 'update') push(key, value, at);
  });
  for (const list of Object.values(series)) while (list.length < xs.length) list.push(null);
  return { source: 'launch log', steps: xs, series };
}
