import { rm } from 'node:fs/promises';
import path from 'node:path';
import { resolveInside, runExperiment, type RunEvent, type RunMetrics } from '@tradecore/sdk';
import { CheckpointMirror, downloadResumeState, readLocalRecord, readStoredMetrics, storedRunState, uploadRunArchive } from './archive.ts';
import { SweepError } from './errors.ts';
import { loadProject, type TrialJob } from './plan.ts';
import type { ArtifactStore } from './store/index.ts';

/** What a finished trial reports back (to the pool, or as the BullMQ job's return value). */
export interface TrialResult {
  readonly trialId: string;
  readonly setting: string;
  readonly seed: number;
  /** `ran`: trained here; `stored`: the store already held its complete archive; `uploaded`: a finished local run was uploaded. */
  readonly outcome: 'ran' | 'stored' | 'uploaded';
  readonly metrics: RunMetrics;
  /** Wall seconds this call took. */
  readonly seconds: number;
}

export type TrialEvent =
  | { readonly type: 'trial-start'; readonly trialId: string; readonly resumedCheckpoints: readonly string[] }
  | { readonly type: 'trial-progress'; readonly trialId: string; readonly steps: number; readonly totalSteps: number; readonly fold: number; readonly folds: number }
  | { readonly type: 'trial-log'; readonly trialId: string; readonly message: string };

export interface TrialRuntime {
  /** The project folder (job config paths are relative to it). */
  readonly cwd: string;
  readonly store: ArtifactStore;
  /** Scratch folder: the trial trains in `<workDir>/<trial id>/` before its archive is uploaded. */
  readonly workDir: string;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: TrialEvent) => void;
  /** Least milliseconds between two checkpoint uploads while training (default 10 s; 0: after every update). */
  readonly checkpointSyncMs?: number;
  /** Keep `<workDir>/<trial id>/` after the upload (default: removed). */
  readonly keepWork?: boolean;
}

/**
 * Runs one trial — the same code on the local pool and on every distributed worker:
 * 1. a trial whose complete archive is in the store is not run again;
 * 2. the project here must be the one the sweep was planned from (config hash and dataset checksum);
 * 3. it trains in `<workDir>/<trial id>/` through the SDK's `runExperiment` (the trial id is the run id),
 *    resuming from checkpoints left here or in the store by an interrupted attempt, and mirrors new
 *    checkpoints to the store while it trains;
 * 4. the finished archive goes to the store, run.json last.
 */
export async function runTrial(job: TrialJob, runtime: TrialRuntime): Promise<TrialResult> {
  const started = performance.now();
  const { store } = runtime;
  const emit = runtime.onEvent ?? (() => {});
  const done = async (outcome: TrialResult['outcome'], metrics?: RunMetrics): Promise<TrialResult> => ({
    trialId: job.trialId,
    setting: job.setting,
    seed: job.seed,
    outcome,
    metrics: metrics ?? (await readStoredMetrics(store, job.trialId)),
    seconds: (performance.now() - started) / 1000,
  });

  if ((await storedRunState(store, job.trialId)).state === 'complete') return done('stored');

  const project = await loadProject(runtime.cwd, job.configFile);
  if (project.hash !== job.configHash) {
    throw new SweepError(`trial ${job.trialId}: ${project.loaded.filepath} here is not the config the sweep was planned from (config hash ${project.hash.slice(0, 12)}…, the sweep's ${job.configHash.slice(0, 12)}…): run workers on the same project version`);
  }
  const data = await project.data(job.overrides);
  if (data.checksum !== job.datasetChecksum) {
    throw new SweepError(`trial ${job.trialId}: dataset ${data.dataset} here differs from the sweep's (checksum ${data.checksum.slice(0, 12)}…, expected ${job.datasetChecksum.slice(0, 12)}…)`);
  }

  const dir = resolveInside(runtime.workDir, job.trialId, 'trial id');
  const local = await readLocalRecord(dir).catch(() => undefined);
  if (local?.status === 'complete' && local.id === job.trialId) {
    // An earlier attempt here finished training but its upload failed: upload, do not train again.
    await uploadRunArchive(store, dir, job.trialId);
    const result = await done('uploaded');
    if (!runtime.keepWork) await rm(dir, { recursive: true, force: true });
    return result;
  }
  // An earlier attempt here left its run folder: resume it. Otherwise resume what another machine left in
  // the store, or start the run afresh.
  let resume: string | undefined;
  let resumed: string[] = [];
  if (local) {
    resume = dir;
    resumed = ['(this machine)'];
  } else {
    await rm(dir, { recursive: true, force: true });
    resumed = await downloadResumeState(store, job.trialId, dir, path.resolve(runtime.cwd, job.configFile));
    if (resumed.length > 0) resume = dir;
    else await rm(dir, { recursive: true, force: true });
  }
  emit({ type: 'trial-start', trialId: job.trialId, resumedCheckpoints: resumed });

  const mirror = new CheckpointMirror(store, dir, job.trialId);
  const syncEvery = runtime.checkpointSyncMs ?? 10_000;
  let lastSync = performance.now();
  let syncError: unknown;
  const onEvent = (event: RunEvent) => {
    if (event.type === 'progress') {
      emit({ type: 'trial-progress', trialId: job.trialId, steps: event.steps, totalSteps: event.totalSteps, fold: event.fold, folds: event.folds });
      if (performance.now() - lastSync >= syncEvery) {
        lastSync = performance.now();
        mirror.sync().catch((error: unknown) => (syncError = error));
      }
    } else if (event.type === 'log') {
      emit({ type: 'trial-log', trialId: job.trialId, message: event.message });
    }
  };
  let result;
  try {
    const where = resume ? { resume } : { configFile: job.configFile, set: job.overrides, seed: job.seed, id: job.trialId };
    result = await runExperiment({ cwd: runtime.cwd, out: runtime.workDir, onEvent, ...where, ...(runtime.signal ? { signal: runtime.signal } : {}) });
  } catch (error) {
    // Interrupted or failed: leave the latest checkpoints in the store for whichever worker tries next.
    await mirror.sync().catch(() => {});
    throw error;
  }
  // A checkpoint upload that failed while training is not fatal (the run finished); the archive upload is.
  await mirror.sync().catch(() => {});
  if (syncError) emit({ type: 'trial-log', trialId: job.trialId, message: `a checkpoint upload failed while training: ${String(syncError)}` });

  // Another worker may have finished the same trial meanwhile (a stalled job re-run elsewhere): first complete archive wins.
  if ((await storedRunState(store, job.trialId)).state === 'complete') {
    if (!runtime.keepWork) await rm(dir, { recursive: true, force: true });
    return done('stored');
  }
  await uploadRunArchive(store, result.dir, job.trialId);
  if (!runtime.keepWork) await rm(dir, { recursive: true, force: true });
  return done('ran', result.metrics);
}
