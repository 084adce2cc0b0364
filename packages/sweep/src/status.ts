import { writeFileAtomic } from '@tradecore/sdk';
import type { SweepPlan } from './plan.ts';
import type { TrialResult } from './trial.ts';

export type TrialState = 'pending' | 'running' | 'complete' | 'failed';

/** One trial in `sweep.json`. */
export interface TrialStatus {
  readonly id: string;
  readonly index: number;
  readonly setting: string;
  readonly seed: number;
  readonly overrides: readonly string[];
  status: TrialState;
  /** Times it was started (a retry or a resume after a lost worker adds one). */
  attempts: number;
  /** `ran` here, already `stored`, or `uploaded` after an earlier attempt trained it. */
  outcome?: TrialResult['outcome'];
  worker?: string;
  startedAt?: string;
  finishedAt?: string;
  seconds?: number;
  progress?: { steps: number; totalSteps: number };
  error?: string;
}

/** `sweeps/<id>/sweep.json`: the live status of a sweep, rewritten (atomically) as trials move. */
export interface SweepStatusFile {
  readonly format: 'tradecore-sweep/1';
  readonly id: string;
  state: 'running' | 'complete' | 'failed' | 'interrupted';
  readonly createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  readonly mode: 'local' | 'queue';
  /** Local worker processes, or null for a queue (any number of machines). */
  readonly workers: number | null;
  /** Queue URL without credentials, for `queue` mode. */
  readonly queue?: string;
  readonly store: string;
  readonly config: string;
  readonly dataset: string;
  readonly metric: string;
  readonly goal: 'max' | 'min';
  counts: { total: number; pending: number; running: number; complete: number; failed: number };
  /** Seconds until every trial is done, estimated from finished and running trials; null until it can be. */
  etaSeconds: number | null;
  readonly trials: TrialStatus[];
}

export interface TrackerOptions {
  readonly mode: 'local' | 'queue';
  readonly workers: number | null;
  readonly queue?: string;
  readonly store: string;
  /** Where sweep.json goes (none: kept in memory only). */
  readonly file?: string;
  /** Least milliseconds between two writes caused by progress alone (default 1000). */
  readonly writeEveryMs?: number;
  readonly onChange?: (status: SweepStatusFile) => void;
}

/** Keeps `sweep.json` for a sweep: trial states, counts and the ETA. */
export class SweepTracker {
  readonly status: SweepStatusFile;
  readonly #byId: Map<string, TrialStatus>;
  readonly #options: TrackerOptions;
  readonly #startedMs = new Map<string, number>();
  #lastWrite = 0;
  #writing: Promise<void> = Promise.resolve();

  constructor(plan: SweepPlan, options: TrackerOptions) {
    this.#options = options;
    const now = new Date().toISOString();
    const trials = plan.trials.map((t): TrialStatus => ({ id: t.trialId, index: t.index, setting: t.setting, seed: t.seed, overrides: t.overrides, status: 'pending', attempts: 0 }));
    this.#byId = new Map(trials.map((t) => [t.id, t]));
    this.status = {
      format: 'tradecore-sweep/1',
      id: plan.id,
      state: 'running',
      createdAt: now,
      updatedAt: now,
      mode: options.mode,
      workers: options.workers,
      ...(options.queue ? { queue: options.queue } : {}),
      store: options.store,
      config: plan.configFile,
      dataset: plan.dataset,
      metric: plan.spec.metric,
      goal: plan.spec.goal,
      counts: { total: trials.length, pending: trials.length, running: 0, complete: 0, failed: 0 },
      etaSeconds: null,
      trials,
    };
  }

  trial(id: string): TrialStatus | undefined {
    return this.#byId.get(id);
  }

  running(id: string, worker?: string): void {
    const t = this.#byId.get(id);
    if (!t || t.status === 'complete') return;
    t.status = 'running';
    t.attempts += 1;
    t.startedAt = new Date().toISOString();
    if (worker) t.worker = worker;
    delete t.error;
    this.#startedMs.set(id, performance.now());
    void this.#changed(true);
  }

  progress(id: string, steps: number, totalSteps: number): void {
    const t = this.#byId.get(id);
    if (!t || t.status !== 'running') return;
    t.progress = { steps, totalSteps };
    void this.#changed(false);
  }

  complete(id: string, result: Pick<TrialResult, 'outcome' | 'seconds'>, worker?: string): void {
    const t = this.#byId.get(id);
    if (!t) return;
    t.status = 'complete';
    t.outcome = result.outcome;
    t.seconds = result.seconds;
    t.finishedAt = new Date().toISOString();
    if (worker) t.worker = worker;
    delete t.progress;
    delete t.error;
    void this.#changed(true);
  }

  /** Trials whose complete archive the store already holds: marked at once, one status change for all. */
  stored(ids: Iterable<string>): void {
    const now = new Date().toISOString();
    for (const id of ids) {
      const t = this.#byId.get(id);
      if (!t) continue;
      Object.assign(t, { status: 'complete', outcome: 'stored', seconds: 0, finishedAt: now });
    }
    void this.#changed(true);
  }

  /** `final`: no retry is left; otherwise the trial goes back to pending. */
  failed(id: string, error: string, final: boolean): void {
    const t = this.#byId.get(id);
    if (!t || t.status === 'complete') return;
    t.status = final ? 'failed' : 'pending';
    t.error = error;
    delete t.progress;
    if (final) t.finishedAt = new Date().toISOString();
    void this.#changed(true);
  }

  /** Writes sweep.json now. */
  async flush(): Promise<void> {
    await this.#changed(true);
    await this.#writing;
  }

  async finish(state: SweepStatusFile['state']): Promise<void> {
    this.status.state = state;
    this.status.finishedAt = new Date().toISOString();
    await this.#changed(true);
    await this.#writing;
  }

  #recount(): void {
    const counts = { total: 0, pending: 0, running: 0, complete: 0, failed: 0 };
    for (const t of this.status.trials) {
      counts.total += 1;
      counts[t.status] += 1;
    }
    this.status.counts = counts;
    this.status.etaSeconds = this.#eta();
  }

  /** Remaining trial-equivalents × mean seconds per trial ÷ trials running at once. */
  #eta(): number | null {
    const { counts } = this.status;
    if (counts.pending + counts.running === 0) return 0;
    const ran = this.status.trials.filter((t) => t.status === 'complete' && t.outcome === 'ran' && t.seconds !== undefined);
    let perTrial: number | undefined;
    if (ran.length > 0) perTrial = ran.reduce((s, t) => s + t.seconds!, 0) / ran.length;
    else {
      // No trial finished here yet: extrapolate from the running ones' progress.
      const rates = this.status.trials
        .filter((t) => t.status === 'running' && t.progress && t.progress.steps > 0 && this.#startedMs.has(t.id))
        .map((t) => (performance.now() - this.#startedMs.get(t.id)!) / 1000 / (t.progress!.steps / t.progress!.totalSteps));
      if (rates.length > 0) perTrial = rates.reduce((s, r) => s + r, 0) / rates.length;
    }
    if (perTrial === undefined) return null;
    let remaining = counts.pending;
    for (const t of this.status.trials) {
      if (t.status === 'running') remaining += t.progress ? 1 - Math.min(1, t.progress.steps / t.progress.totalSteps) : 1;
    }
    const parallel = Math.max(1, this.#options.workers ?? counts.running);
    return (remaining * perTrial) / parallel;
  }

  #changed(important: boolean): Promise<void> {
    this.#recount();
    this.status.updatedAt = new Date().toISOString();
    this.#options.onChange?.(this.status);
    const now = performance.now();
    if (!this.#options.file || (!important && now - this.#lastWrite < (this.#options.writeEveryMs ?? 1000))) return this.#writing;
    this.#lastWrite = now;
    const text = `${JSON.stringify(this.status, null, 2)}\n`;
    const file = this.#options.file;
    this.#writing = this.#writing.catch(() => {}).then(() => writeFileAtomic(file, text));
    return this.#writing;
  }
}

/** `5/12 done · 2 running · 1 failed · ETA 1:23` */
export function progressLine(status: SweepStatusFile): string {
  const { counts } = status;
  const eta = status.etaSeconds === null ? '--:--' : formatDuration(status.etaSeconds);
  return `trials ${counts.complete}/${counts.total} done · ${counts.running} running · ${counts.failed} failed · ETA ${eta}`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}` : `${m}:${String(s % 60).padStart(2, '0')}`;
}
