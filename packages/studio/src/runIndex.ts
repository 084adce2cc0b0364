import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isValidId, METRICS_JSON, RUN_JSON, RUN_LOCK } from '@tradecore/sdk';
import type { RunList, RunMetricsSummary, RunProgress, RunRow, RunStatus } from './api.ts';
import { canCancel, canResume, readRecord, statusOf, type RunRecord } from './adapters/runs.ts';
import type { LaunchRecord, LaunchRegistry } from './launches.ts';

interface CachedRun {
  readonly key: string;
  readonly record: RunRecord;
  readonly metrics: RunMetricsSummary | null;
  /** From `run.json` and the liveness of the process holding `run.lock`. */
  readonly status: RunStatus;
  /** When the files were last stat'ed (ms). */
  checkedAt: number;
}

/**
 * How long a finished run's files are trusted without a `stat`. A complete run never changes and a failed one
 * only when it is resumed (which the panel announces itself with {@link RunIndex.invalidate}), so listing 1,000
 * runs costs one `readdir` instead of 2,000 `stat` calls.
 */
const SETTLED_RECHECK_MS = 5_000;

type Metrics = { format?: string; policies?: Record<string, Record<string, unknown>>; warnings?: readonly { kind?: string }[] };

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The agent's headline numbers from `metrics.json` (format 2, or the older format 1 without warnings). */
export function summarize(metrics: Metrics | null): RunMetricsSummary | null {
  const agent = metrics?.policies?.agent;
  if (!agent) return null;
  return {
    format: metrics?.format === 'tradecore-metrics/2' ? 2 : 1,
    totalReturn: num(agent.totalReturn),
    sharpe: num(agent.sharpe),
    maxDrawdown: num(agent.maxDrawdown),
    trades: num(agent.trades),
    winRate: num(agent.winRate),
    feeDrag: num(agent.feeDrag),
    stopOutShare: num(agent.stopOutShare),
    buyAndHoldReturn: num(metrics?.policies?.['buy-and-hold']?.totalReturn),
    warnings: (metrics?.warnings ?? []).map((w) => String(w.kind ?? 'warning')),
  };
}

function statKey(file: string): string | null {
  try {
    const s = statSync(file);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return null;
  }
}

/**
 * Every archive under the runs folder, as rows of the Runs page. Parsed `run.json`/`metrics.json` are cached by
 * file size and modification time, so listing 1,000 runs costs about 2,000 `stat` calls once they are warm.
 */
export class RunIndex {
  readonly #cache = new Map<string, CachedRun>();
  /** Rows of settled runs, reused (same object) while their files and launch are unchanged. */
  readonly #settledRows = new Map<string, { entry: CachedRun; launch: LaunchRecord | undefined; row: RunRow }>();
  /** The last list; returned again (same object) while no row changed, so its JSON can be reused. */
  #last: RunList | undefined;

  constructor(
    readonly runsDir: string,
    readonly launches: LaunchRegistry,
    /** The latest live progress of a run (from its event log), when the panel follows it. */
    readonly liveProgress: (id: string) => RunProgress | undefined = () => undefined,
  ) {}

  /** Forgets what is cached about a run (the panel just changed it: a resume, a cancel). */
  invalidate(id: string): void {
    this.#cache.delete(id);
  }

  #load(id: string, now = Date.now()): CachedRun | { error: string } {
    const cached = this.#cache.get(id);
    // A running run is checked every time (its process can die without touching a file); a settled one is
    // trusted for a while, then re-checked through its files (a resume elsewhere creates run.lock).
    if (cached && cached.status !== 'running' && now - cached.checkedAt < SETTLED_RECHECK_MS) return cached;
    const dir = path.join(this.runsDir, id);
    const runKey = statKey(path.join(dir, RUN_JSON));
    if (runKey === null) return { error: 'no run.json' };
    const metricsFile = path.join(dir, METRICS_JSON);
    const key = `${runKey}|${statKey(metricsFile) ?? '-'}|${statKey(path.join(dir, RUN_LOCK)) ?? '-'}`;
    if (cached?.key === key) {
      const status = cached.status === 'running' ? statusOf(dir) : cached.status;
      if (status === cached.status) {
        cached.checkedAt = now;
        return cached;
      }
      const entry: CachedRun = { ...cached, status, checkedAt: now };
      this.#cache.set(id, entry);
      return entry;
    }
    let record: RunRecord;
    try {
      record = readRecord(dir);
    } catch (error) {
      return { error: (error as Error).message };
    }
    let metrics: Metrics | null = null;
    try {
      metrics = JSON.parse(readFileSync(metricsFile, 'utf8')) as Metrics;
    } catch {
      metrics = null;
    }
    const entry: CachedRun = { key, record, metrics: summarize(metrics), status: statusOf(dir), checkedAt: now };
    this.#cache.set(id, entry);
    return entry;
  }

  #row(id: string, entry: CachedRun): RunRow {
    const { record } = entry;
    const launch = this.launches.forRun(id);
    const settled = this.#settledRows.get(id);
    if (settled && settled.entry === entry && settled.launch === launch) return settled.row;
    const row = this.#buildRow(id, entry, launch);
    if (row.status === 'complete' || row.status === 'failed' || row.status === 'cancelled') this.#settledRows.set(id, { entry, launch, row });
    else this.#settledRows.delete(id);
    return row;
  }

  #buildRow(id: string, entry: CachedRun, launch: LaunchRecord | undefined): RunRow {
    const { record } = entry;
    const status = entry.status;
    const created = Date.parse(record.createdAt);
    const finished = record.finishedAt ? Date.parse(record.finishedAt) : null;
    const seconds = status === 'running' ? (Date.now() - created) / 1000 : finished !== null ? (finished - created) / 1000 : (record.timings?.total ?? null);
    const totalSteps = Number(record.trainer?.options?.totalSteps);
    const live = status === 'running' ? this.liveProgress(id) : undefined;
    const recorded = record.progress;
    const progress: RunProgress | null =
      live ??
      (status === 'running' && recorded
        ? { fold: recorded.fold, folds: record.folds?.length ?? 1, steps: recorded.steps, totalSteps: recorded.totalSteps, stepsPerSecond: null, meanEpisodeReturn: null, etaSeconds: null, stats: {} }
        : null);
    return {
      id,
      status,
      createdAt: record.createdAt,
      finishedAt: record.finishedAt ?? null,
      seconds: seconds !== null && Number.isFinite(seconds) ? seconds : null,
      dataset: record.dataset?.id ?? null,
      seed: record.seed,
      backend: record.backend?.name ?? null,
      trainer: record.trainer?.name ?? null,
      totalSteps: Number.isFinite(totalSteps) ? totalSteps : null,
      progress,
      metrics: entry.metrics,
      error: record.error ?? null,
      resumes: record.resumes,
      launched: launch !== undefined,
      canCancel: canCancel(status),
      canResume: canResume(status),
    };
  }

  list(): RunList {
    this.launches.refresh();
    const runs: RunRow[] = [];
    const skipped: { name: string; reason: string }[] = [];
    let entries;
    try {
      entries = readdirSync(this.runsDir, { withFileTypes: true });
    } catch {
      return { runs, skipped };
    }
    const seen = new Set<string>();
    const now = Date.now();
    for (const entry of entries) {
      const name: string = entry.name;
      if (!entry.isDirectory() || name.startsWith('.')) continue;
      if (!isValidId(name)) {
        skipped.push({ name: JSON.stringify(name).slice(0, 80), reason: 'not a valid run id' });
        continue;
      }
      const loaded = this.#load(name, now);
      if ('error' in loaded) {
        skipped.push({ name, reason: loaded.error });
        continue;
      }
      seen.add(name);
      runs.push(this.#row(name, loaded));
    }
    for (const id of this.#cache.keys()) {
      if (!seen.has(id)) {
        this.#cache.delete(id);
        this.#settledRows.delete(id);
      }
    }
    runs.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
    const last = this.#last;
    if (last && last.runs.length === runs.length && last.runs.every((row, i) => row === runs[i]) && JSON.stringify(last.skipped) === JSON.stringify(skipped)) return last;
    this.#last = { runs, skipped };
    return this.#last;
  }

  /** One run's row, or null when it is not a readable run. `id` must already be validated. */
  row(id: string): RunRow | null {
    this.launches.refresh();
    const loaded = this.#load(id);
    return 'error' in loaded ? null : this.#row(id, loaded);
  }

  record(id: string): RunRecord | null {
    const loaded = this.#load(id);
    return 'error' in loaded ? null : loaded.record;
  }
}
