import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { isValidId, METRICS_JSON, RUN_JSON } from '@tradecore/sdk';
import type { RunList, RunMetricsSummary, RunProgress, RunRow } from './api.ts';
import { canCancel, canResume, readRecord, statusOf, type RunRecord } from './adapters/runs.ts';
import type { LaunchRegistry } from './launches.ts';

interface CachedRun {
  readonly key: string;
  readonly record: RunRecord;
  readonly metrics: RunMetricsSummary | null;
}

type Metrics = { policies?: Record<string, Record<string, number>> };

function summarize(metrics: Metrics | null): RunMetricsSummary | null {
  const agent = metrics?.policies?.agent;
  if (!agent) return null;
  return {
    totalReturn: agent.totalReturn ?? Number.NaN,
    sharpe: agent.sharpe ?? Number.NaN,
    maxDrawdown: agent.maxDrawdown ?? Number.NaN,
    trades: agent.trades ?? Number.NaN,
    winRate: agent.winRate ?? Number.NaN,
    feeDrag: agent.feeDrag ?? Number.NaN,
    stopOutShare: agent.stopOutShare ?? Number.NaN,
    buyAndHoldReturn: metrics?.policies?.['buy-and-hold']?.totalReturn ?? null,
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

  constructor(
    readonly runsDir: string,
    readonly launches: LaunchRegistry,
    /** The latest live progress of a run (from its event log), when the panel follows it. */
    readonly liveProgress: (id: string) => RunProgress | undefined = () => undefined,
  ) {}

  #load(id: string): CachedRun | { error: string } {
    const dir = path.join(this.runsDir, id);
    const runKey = statKey(path.join(dir, RUN_JSON));
    if (runKey === null) return { error: 'no run.json' };
    const metricsFile = path.join(dir, METRICS_JSON);
    const key = `${runKey}|${statKey(metricsFile) ?? '-'}`;
    const cached = this.#cache.get(id);
    if (cached?.key === key) return cached;
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
    const entry: CachedRun = { key, record, metrics: summarize(metrics) };
    this.#cache.set(id, entry);
    return entry;
  }

  #row(id: string, entry: CachedRun): RunRow {
    const { record } = entry;
    const launch = this.launches.forRun(id);
    const status = statusOf(record, launch);
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
      canCancel: canCancel(status, launch),
      canResume: canResume(status),
    };
  }

  list(): RunList {
    const runs: RunRow[] = [];
    const skipped: { name: string; reason: string }[] = [];
    let entries;
    try {
      entries = readdirSync(this.runsDir, { withFileTypes: true });
    } catch {
      return { runs, skipped };
    }
    const seen = new Set<string>();
    for (const entry of entries) {
      const name: string = entry.name;
      if (!entry.isDirectory() || name.startsWith('.')) continue;
      if (!isValidId(name)) {
        skipped.push({ name: JSON.stringify(name).slice(0, 80), reason: 'not a valid run id' });
        continue;
      }
      const loaded = this.#load(name);
      if ('error' in loaded) {
        skipped.push({ name, reason: loaded.error });
        continue;
      }
      seen.add(name);
      runs.push(this.#row(name, loaded));
    }
    for (const id of this.#cache.keys()) if (!seen.has(id)) this.#cache.delete(id);
    runs.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
    return { runs, skipped };
  }

  /** One run's row, or null when it is not a readable run. `id` must already be validated. */
  row(id: string): RunRow | null {
    const loaded = this.#load(id);
    return 'error' in loaded ? null : this.#row(id, loaded);
  }

  record(id: string): RunRecord | null {
    const loaded = this.#load(id);
    return 'error' in loaded ? null : loaded.record;
  }
}
