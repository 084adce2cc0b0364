import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { RunProgress, RunRow, StudioEvent } from './api.ts';
import { EVENTS_JSONL, type LaunchRecord, type LaunchRegistry } from './launches.ts';
import type { RunIndex } from './runIndex.ts';

type Listener = (event: StudioEvent) => void;

const finite = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** A progress event of `tradecore run --json` as the panel shows it. */
export function progressOf(event: Record<string, unknown>): RunProgress {
  const stats: Record<string, number> = {};
  for (const [key, value] of Object.entries((event.stats ?? {}) as Record<string, unknown>)) {
    if (typeof value === 'number' && Number.isFinite(value)) stats[key] = value;
  }
  return {
    fold: Number(event.fold ?? 0),
    folds: Number(event.folds ?? 1),
    steps: Number(event.steps ?? 0),
    totalSteps: Number(event.totalSteps ?? 0),
    stepsPerSecond: finite(event.stepsPerSecond),
    meanEpisodeReturn: finite(event.meanEpisodeReturn) ?? finite(event.meanStepReward),
    etaSeconds: finite(event.etaSeconds),
    stats,
  };
}

/**
 * Live state for the Runs page: follows the event logs of running launches (file watch, so a progress line
 * reaches the browser within milliseconds) and re-reads the runs folder every second while anyone listens,
 * publishing the rows that changed (new runs, status changes, runs started elsewhere).
 */
export class LiveHub {
  readonly #listeners = new Set<Listener>();
  readonly #latest = new Map<string, RunProgress>();
  readonly #watchers = new Map<string, FSWatcher>();
  #rows = new Map<string, string>();
  #rowObjects = new Map<string, RunRow>();
  #timer: NodeJS.Timeout | undefined;
  runs: RunIndex | undefined;

  constructor(
    readonly launches: LaunchRegistry,
    readonly pollMs = 1000,
  ) {}

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (!this.#timer) {
      this.#snapshotRows();
      this.#timer = setInterval(() => this.tick(), this.pollMs);
      this.#timer.unref();
    }
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stop();
    };
  }

  get listeners(): number {
    return this.#listeners.size;
  }

  publish(event: StudioEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener whose connection broke is removed by its own close handler.
      }
    }
  }

  /** The latest progress a launched run has written (drains its log first). */
  progress(runId: string): RunProgress | undefined {
    const launch = this.launches.forRun(runId);
    if (launch) this.#drain(launch);
    return this.#latest.get(runId);
  }

  /** Reads what the launch's log gained and publishes it (the tail is shared, so nothing is read twice). */
  #drain(launch: LaunchRecord): void {
    const events = this.launches.tail(launch.launchId).read();
    let runId = launch.runId;
    for (const event of events) {
      if (event.type === 'start' && typeof event.id === 'string') runId = event.id;
      if (!runId) continue;
      const at = Date.now();
      if (event.type === 'progress') {
        const progress = progressOf(event);
        this.#latest.set(runId, progress);
        this.publish({ type: 'progress', id: runId, progress, at });
      } else if ((event.type === 'log' || event.type === 'stage') && typeof event.message === 'string') {
        this.publish({ type: 'log', id: runId, message: event.message, at });
      } else if (event.type === 'complete' || event.type === 'failed') {
        this.#latest.delete(runId);
        if (this.#listeners.size > 0) setImmediate(() => this.tick());
      }
    }
  }

  #watch(launch: LaunchRecord): void {
    if (this.#watchers.has(launch.launchId)) return;
    try {
      const watcher = watch(path.join(this.launches.folderOf(launch.launchId), EVENTS_JSONL), () => this.#drain(launch));
      watcher.on('error', () => this.#unwatch(launch.launchId));
      this.#watchers.set(launch.launchId, watcher);
    } catch {
      // The file is not there yet; the next tick tries again.
    }
  }

  #unwatch(launchId: string): void {
    this.#watchers.get(launchId)?.close();
    this.#watchers.delete(launchId);
  }

  /** The current rows and their JSON (a row object the index reused is not serialised again). */
  #snapshotRows(): readonly RunRow[] {
    const rows = this.runs?.list().runs ?? [];
    const json = new Map<string, string>();
    const objects = new Map<string, RunRow>();
    for (const row of rows) {
      json.set(row.id, this.#rowObjects.get(row.id) === row ? this.#rows.get(row.id)! : JSON.stringify(row));
      objects.set(row.id, row);
    }
    this.#rows = json;
    this.#rowObjects = objects;
    return rows;
  }

  /** One poll: follow running launches, publish changed and removed rows. */
  tick(): void {
    if (!this.runs) return;
    const before = this.#rows;
    const rows = this.#snapshotRows();
    const running = new Set<string>();
    for (const row of rows) {
      const launch = this.launches.forRun(row.id);
      if (row.status === 'running' && launch) {
        running.add(launch.launchId);
        this.#watch(launch);
        this.#drain(launch);
      }
      const json = this.#rows.get(row.id)!;
      if (before.get(row.id) !== json) this.publish({ type: 'run', row });
    }
    for (const id of before.keys()) if (!this.#rows.has(id)) this.publish({ type: 'run-removed', id });
    for (const launchId of [...this.#watchers.keys()]) if (!running.has(launchId)) this.#unwatch(launchId);
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const id of [...this.#watchers.keys()]) this.#unwatch(id);
  }

  close(): void {
    this.#listeners.clear();
    this.#stop();
  }
}
