import { availableParallelism } from 'node:os';
import path from 'node:path';
import { resolveInside, writeFileAtomic } from '@tradecore/sdk';
import { readStoredMetrics, storedRunState, SWEEPS_PREFIX } from './archive.ts';
import { planSweep, type PlanOptions, type SweepPlan, type TrialJob } from './plan.ts';
import { LocalPool } from './pool.ts';
import { LocalStore, openStore, type ArtifactStore } from './store/index.ts';
import { SweepTracker, type SweepStatusFile } from './status.ts';
import { buildSummary, summaryJson, type SweepSummary, type TrialOutcome } from './summary.ts';
import { summaryHtml } from './summaryHtml.ts';
import { runTrial, type TrialEvent } from './trial.ts';

export const SUMMARY_JSON = 'summary.json';
export const SUMMARY_HTML = 'summary.html';
export const SWEEP_JSON = 'sweep.json';

export interface RunSweepOptions extends PlanOptions {
  /** Local worker processes (default: one per CPU core). */
  readonly workers?: number;
  /** Store for the trial archives: a folder or `s3://bucket/prefix` (default: the project folder, so runs land in `runs/<trial id>/`). */
  readonly store?: string;
  /** Scratch folder where trials train before upload (default `<cwd>/.tradecore/work`). */
  readonly workDir?: string;
  /** Times a failed trial is tried again (default: the sweep block's `retries`, 2 unless set). */
  readonly retries?: number;
  readonly checkpointSyncMs?: number;
  /** Run the trials one by one in this process instead of worker processes (tests, debugging). */
  readonly inProcess?: boolean;
  /** Aborting hands out no more trials; the running ones finish and the sweep is marked interrupted. */
  readonly signal?: AbortSignal;
  readonly onStatus?: (status: SweepStatusFile) => void;
  readonly onEvent?: (event: TrialEvent) => void;
}

export interface SweepRun {
  readonly plan: SweepPlan;
  readonly summary: SweepSummary;
  readonly status: SweepStatusFile;
  /** `<cwd>/sweeps/<id>/`, holding sweep.json, summary.json and summary.html. */
  readonly dir: string;
}

/** `<cwd>/sweeps/<id>/`. */
export function sweepDir(cwd: string, id: string): string {
  return resolveInside(path.resolve(cwd, SWEEPS_PREFIX), id, 'sweep id');
}

/** Outcomes of the trials the store already holds complete (those are not run again). */
export async function storedOutcomes(store: ArtifactStore, jobs: readonly TrialJob[]): Promise<Map<string, TrialOutcome>> {
  const out = new Map<string, TrialOutcome>();
  for (const job of jobs) {
    if ((await storedRunState(store, job.trialId)).state === 'complete') out.set(job.trialId, { status: 'complete', metrics: await readStoredMetrics(store, job.trialId) });
  }
  return out;
}

/** Writes summary.json and summary.html into `dir` and, when the store is elsewhere, into the store's `sweeps/<id>/`. */
export async function writeSummary(summary: SweepSummary, dir: string, store?: ArtifactStore): Promise<void> {
  const json = summaryJson(summary);
  const html = summaryHtml(summary);
  await writeFileAtomic(path.join(dir, SUMMARY_JSON), json);
  await writeFileAtomic(path.join(dir, SUMMARY_HTML), html);
  if (store && !(store instanceof LocalStore && path.join(store.root, SWEEPS_PREFIX, summary.sweep) === dir)) {
    await store.putBytes(`${SWEEPS_PREFIX}/${summary.sweep}/${SUMMARY_JSON}`, json);
    await store.putBytes(`${SWEEPS_PREFIX}/${summary.sweep}/${SUMMARY_HTML}`, html);
  }
}

/**
 * `tradecore sweep` on this machine: plans the trials, skips those the store holds complete, runs the
 * rest on a pool of worker processes (the same trial code the distributed workers run), keeps
 * `sweeps/<id>/sweep.json` current, and writes `summary.json` + `summary.html` at the end.
 */
export async function runSweep(options: RunSweepOptions = {}): Promise<SweepRun> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const plan = await planSweep({ ...options, cwd });
  const storeUrl = options.store ?? cwd;
  const store = openStore(storeUrl, { cwd });
  const workers = Math.max(1, options.inProcess ? 1 : (options.workers ?? plan.spec.workers ?? availableParallelism()));
  const dir = sweepDir(cwd, plan.id);
  const tracker = new SweepTracker(plan, { mode: 'local', workers, store: store.url, file: path.join(dir, SWEEP_JSON), ...(options.onStatus ? { onChange: options.onStatus } : {}) });
  const retries = options.retries ?? plan.spec.retries;
  try {
    const outcomes = await storedOutcomes(store, plan.trials);
    tracker.stored(outcomes.keys());
    const pending = plan.trials.filter((t) => !outcomes.has(t.trialId));
    const workDir = path.resolve(cwd, options.workDir ?? '.tradecore/work');
    const onEvent = (event: TrialEvent) => {
      if (event.type === 'trial-progress') tracker.progress(event.trialId, event.steps, event.totalSteps);
      options.onEvent?.(event);
    };

    if (options.inProcess) {
      for (const job of pending) {
        if (options.signal?.aborted) break;
        for (let attempt = 0; ; attempt++) {
          tracker.running(job.trialId, 'in-process');
          try {
            const result = await runTrial(job, { cwd, store, workDir, onEvent, ...(options.checkpointSyncMs !== undefined ? { checkpointSyncMs: options.checkpointSyncMs } : {}) });
            outcomes.set(job.trialId, { status: 'complete', metrics: result.metrics });
            tracker.complete(job.trialId, result);
            break;
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            const final = attempt >= retries;
            tracker.failed(job.trialId, message, final);
            if (final) {
              outcomes.set(job.trialId, { status: 'failed', error: message });
              break;
            }
          }
        }
      }
    } else if (pending.length > 0) {
      const pool = new LocalPool(
        { workers, cwd, store: storeUrl, workDir, retries, ...(options.checkpointSyncMs !== undefined ? { checkpointSyncMs: options.checkpointSyncMs } : {}), ...(options.signal ? { signal: options.signal } : {}) },
        {
          onStart: (job, worker) => tracker.running(job.trialId, worker),
          onEvent: (event) => onEvent(event),
          onResult: (job, result, worker) => tracker.complete(job.trialId, result, worker),
          onError: (job, message, final) => tracker.failed(job.trialId, message, final),
        },
      );
      for (const [id, outcome] of await pool.run(pending)) {
        outcomes.set(id, outcome.status === 'complete' ? { status: 'complete', metrics: outcome.result.metrics } : outcome);
      }
    }

    const summary = buildSummary(plan, outcomes);
    await writeSummary(summary, dir, store);
    await tracker.finish(options.signal?.aborted && summary.counts.missing > 0 ? 'interrupted' : summary.counts.failed > 0 ? 'failed' : 'complete');
    return { plan, summary, status: tracker.status, dir };
  } catch (error) {
    await tracker.finish('failed').catch(() => {});
    throw error;
  } finally {
    await store.close();
  }
}
