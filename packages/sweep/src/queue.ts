import { hostname } from 'node:os';
import path from 'node:path';
import { FlowProducer, Job, Queue, WaitingError, Worker, type ConnectionOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { SweepError } from './errors.ts';
import { planSweep, type SweepPlan, type TrialJob } from './plan.ts';
import { openStore, type ArtifactStore } from './store/index.ts';
import { SweepTracker, type SweepStatusFile } from './status.ts';
import { buildSummary, summaryJson, type SweepSummary, type TrialOutcome } from './summary.ts';
import { summaryHtml } from './summaryHtml.ts';
import { storedOutcomes, sweepDir, SWEEP_JSON, writeSummary, type RunSweepOptions, type SweepRun } from './sweep.ts';
import { readStoredMetrics, SWEEPS_PREFIX } from './archive.ts';
import { runTrial, type TrialEvent, type TrialResult } from './trial.ts';

/** BullMQ queue of trial jobs, and of the sweep jobs (flow parents) that aggregate them. */
export const TRIALS_QUEUE = 'tradecore-trials';
export const SWEEPS_QUEUE = 'tradecore-sweeps';

/** A trial job's data. */
export interface TrialJobData {
  readonly job: TrialJob;
  /** The sweep's store; a worker started with `--store` uses its own instead (same bucket, another endpoint). */
  readonly store: string;
}

/** A sweep (flow parent) job's data: enough to build the summary once every trial is done. */
export interface SweepJobData {
  readonly plan: SweepPlan;
  readonly store: string;
  /** Trials the store already held complete when the sweep was enqueued (not enqueued again). */
  readonly stored: readonly string[];
}

/** `redis://user:secret@host:6379/0` → `redis://host:6379/0` (for logs and status files). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password || u.username) {
      u.username = '';
      u.password = '';
    }
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

/** An ioredis connection for BullMQ from `redis://` / `rediss://` (TLS). Reconnects forever, as workers must. */
export function connect(url: string): Redis {
  if (!/^rediss?:\/\//.test(url)) throw new SweepError(`--queue ${redactUrl(url)}: expected redis://host:port or rediss://host:port`);
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  });
  // While Redis is away, commands wait for the reconnection; the connection's own errors are not news.
  redis.on('error', () => {});
  return redis;
}

export interface QueueSweepOptions extends Omit<RunSweepOptions, 'workers' | 'inProcess'> {
  /** `redis://host:port`. */
  readonly queue: string;
  /** Base of the exponential backoff between attempts of a failed trial (default 5 s). */
  readonly backoffMs?: number;
  /** How often the coordinator reads trial states (default 1 s). */
  readonly pollMs?: number;
  /** Enqueue and return without waiting (the summary is written to the store by whichever worker aggregates). */
  readonly detach?: boolean;
}

/**
 * `tradecore sweep --queue redis://…`: enqueues one BullMQ job per trial not already complete in the store,
 * as the children of a flow whose parent job aggregates the summary into the store; then (unless
 * `detach`) follows the trials, keeps `sweeps/<id>/sweep.json` current and brings the summary back.
 */
export async function runQueueSweep(options: QueueSweepOptions): Promise<SweepRun & { readonly enqueued: number }> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const plan = await planSweep({ ...options, cwd });
  if (!options.store) throw new SweepError('--queue needs --store (a bucket or folder every worker can reach) for the archives');
  const store = openStore(options.store, { cwd });
  const storeUrl = options.store.startsWith('s3://') ? options.store : store.url;
  const dir = sweepDir(cwd, plan.id);
  const tracker = new SweepTracker(plan, { mode: 'queue', workers: null, queue: redactUrl(options.queue), store: store.url, file: path.join(dir, SWEEP_JSON), ...(options.onStatus ? { onChange: options.onStatus } : {}) });
  const connection = connect(options.queue);
  const attempts = (options.retries ?? plan.spec.retries) + 1;
  try {
    const outcomes = await storedOutcomes(store, plan.trials);
    tracker.stored(outcomes.keys());
    const pending = plan.trials.filter((t) => !outcomes.has(t.trialId));
    if (pending.length === 0) {
      const summary = buildSummary(plan, outcomes);
      await writeSummary(summary, dir, store);
      await tracker.finish('complete');
      return { plan, summary, status: tracker.status, dir, enqueued: 0 };
    }
    // One tag per enqueue: re-running a sweep makes new jobs (BullMQ keeps finished job ids), the trial ids stay.
    const tag = `${plan.id}.${Date.now().toString(36)}`;
    const flow = new FlowProducer({ connection: connection as ConnectionOptions });
    const data: SweepJobData = { plan, store: storeUrl, stored: [...outcomes.keys()] };
    await flow.add({
      name: 'sweep',
      queueName: SWEEPS_QUEUE,
      data,
      opts: { jobId: tag, attempts: 5, backoff: { type: 'exponential', delay: options.backoffMs ?? 5000 } },
      children: pending.map((job) => ({
        name: 'trial',
        queueName: TRIALS_QUEUE,
        data: { job, store: storeUrl } satisfies TrialJobData,
        opts: {
          jobId: `${tag}.${job.trialId}`,
          attempts,
          backoff: { type: 'exponential', delay: options.backoffMs ?? 5000 },
          // A trial that fails for good is reported in the summary; it must not block the aggregation.
          ignoreDependencyOnFailure: true,
        },
      })),
    });
    await flow.close();
    if (options.detach) {
      // sweep.json records the enqueue; the summary is aggregated into the store by a worker.
      await tracker.flush();
      return { plan, summary: buildSummary(plan, outcomes), status: tracker.status, dir, enqueued: pending.length };
    }
    const summary = await follow({ plan, tag, pending, tracker, connection, store, pollMs: options.pollMs ?? 1000, ...(options.signal ? { signal: options.signal } : {}) });
    await writeSummary(summary, dir);
    await tracker.finish(summary.counts.failed > 0 ? 'failed' : summary.counts.missing > 0 ? 'interrupted' : 'complete');
    return { plan, summary, status: tracker.status, dir, enqueued: pending.length };
  } catch (error) {
    await tracker.finish('failed').catch(() => {});
    throw error;
  } finally {
    connection.disconnect();
    await store.close();
  }
}

interface FollowArgs {
  readonly plan: SweepPlan;
  readonly tag: string;
  readonly pending: readonly TrialJob[];
  readonly tracker: SweepTracker;
  readonly connection: Redis;
  readonly store: ArtifactStore;
  readonly pollMs: number;
  readonly signal?: AbortSignal;
}

/** Polls the trial jobs into the tracker until the parent job has aggregated; returns the summary it stored. */
async function follow({ plan, tag, pending, tracker, connection, store, pollMs, signal }: FollowArgs): Promise<SweepSummary> {
  const trials = new Queue(TRIALS_QUEUE, { connection: connection as ConnectionOptions });
  const sweeps = new Queue(SWEEPS_QUEUE, { connection: connection as ConnectionOptions });
  const seen = new Map<string, { state: string; attempts: number }>();
  try {
    for (;;) {
      if (signal?.aborted) throw new SweepError(`stopped following sweep ${plan.id}; its trials stay queued (run the same command again to follow it)`);
      try {
        for (const job of pending) {
          const t = tracker.trial(job.trialId);
          if (!t || t.status === 'complete' || t.status === 'failed') continue;
          const j = await Job.fromId(trials, `${tag}.${job.trialId}`);
          if (!j) continue;
          const state = await j.getState();
          const before = seen.get(job.trialId);
          if (state === 'active' && (before?.state !== 'active' || before.attempts !== j.attemptsStarted)) tracker.running(job.trialId, j.processedBy);
          if (state === 'active' && j.progress && typeof j.progress === 'object') {
            const p = j.progress as { steps?: number; totalSteps?: number };
            if (typeof p.steps === 'number' && typeof p.totalSteps === 'number') tracker.progress(job.trialId, p.steps, p.totalSteps);
          }
          if (state === 'completed') tracker.complete(job.trialId, j.returnvalue as TrialResult, j.processedBy);
          if (state === 'failed') tracker.failed(job.trialId, j.failedReason, j.attemptsMade >= (j.opts.attempts ?? 1));
          if ((state === 'waiting' || state === 'delayed') && before?.state === 'active') tracker.failed(job.trialId, j.failedReason || 'handed back', false);
          seen.set(job.trialId, { state, attempts: j.attemptsStarted });
        }
        const parent = await Job.fromId(sweeps, tag);
        const parentState = parent ? await parent.getState() : 'unknown';
        if (parentState === 'completed') {
          const bytes = await store.get(`${SWEEPS_PREFIX}/${plan.id}/summary.json`);
          if (!bytes) throw new SweepError(`${store.url}: the sweep job completed but ${SWEEPS_PREFIX}/${plan.id}/summary.json is missing`);
          return JSON.parse(bytes.toString('utf8')) as SweepSummary;
        }
        if (parentState === 'failed') throw new SweepError(`the aggregation of sweep ${plan.id} failed: ${parent?.failedReason ?? 'unknown reason'}`);
      } catch (error) {
        // Redis restarting: keep following.
        if (error instanceof SweepError) throw error;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    await trials.close();
    await sweeps.close();
  }
}

export interface WorkerOptions {
  /** `redis://host:port`. */
  readonly queue: string;
  /** Store for the archives (default: each job's own). */
  readonly store?: string;
  /** Project folder holding the config and data (default: the current folder). */
  readonly cwd?: string;
  readonly workDir?: string;
  /** Trials run at once by this worker (default 1: one trial per process keeps each single-threaded). */
  readonly concurrency?: number;
  /** Name in job records and logs (default `<host>-<pid>`). */
  readonly name?: string;
  /** How long a job's lock lasts without renewal, i.e. how soon a dead worker's trial is re-run elsewhere (default 30 s). */
  readonly lockMs?: number;
  /** How often stalled jobs are looked for (default `lockMs`). */
  readonly stalledIntervalMs?: number;
  /** Stalls a trial survives before it fails (default 3; each stall is a lost worker). */
  readonly maxStalledCount?: number;
  readonly checkpointSyncMs?: number;
  /** Exit once the queue has no waiting or delayed trial left and this worker is idle. */
  readonly exitWhenDrained?: boolean;
  readonly log?: (line: string) => void;
  readonly onEvent?: (event: TrialEvent) => void;
}

export interface SweepWorker {
  readonly name: string;
  /** `handBack: false`: finish the running trials, take no more. `true`: abort them now and put them back on the queue. */
  close(options?: { handBack?: boolean }): Promise<void>;
  /** Settles when the worker has stopped (closed, or drained with `exitWhenDrained`). */
  readonly closed: Promise<void>;
}

/**
 * `tradecore worker`: takes trial jobs from Redis and runs each with `runTrial` — the code a local sweep
 * runs — storing archives and checkpoints in the store; also aggregates finished sweeps (the flow parents).
 * BullMQ renews each job's lock while it runs: a worker that dies stops renewing, its trial is detected
 * as stalled and re-run elsewhere, resuming from the checkpoints it uploaded.
 */
export function startWorker(options: WorkerOptions): SweepWorker {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const name = options.name ?? `${hostname()}-${process.pid}`;
  const log = options.log ?? (() => {});
  const workDir = path.resolve(cwd, options.workDir ?? '.tradecore/work');
  const lockDuration = options.lockMs ?? 30_000;
  const stores = new Map<string, ArtifactStore>();
  const storeFor = (url: string) => {
    const key = options.store ?? url;
    let store = stores.get(key);
    if (!store) stores.set(key, (store = openStore(key, { cwd })));
    return store;
  };
  const running = new Map<string, AbortController>();
  let handingBack = false;

  const connection = connect(options.queue);
  const common = {
    connection: connection as ConnectionOptions,
    name,
    lockDuration,
    stalledInterval: options.stalledIntervalMs ?? lockDuration,
    maxStalledCount: options.maxStalledCount ?? 3,
    autorun: true,
  };
  const trialWorker = new Worker<TrialJobData, TrialResult>(
    TRIALS_QUEUE,
    async (job, token) => {
      const { job: trial } = job.data;
      const controller = new AbortController();
      running.set(job.id!, controller);
      let lastProgress = 0;
      log(`${name}: trial ${trial.trialId} (setting ${trial.setting}, seed ${trial.seed}), attempt ${job.attemptsStarted}`);
      try {
        const result = await runTrial(trial, {
          cwd,
          store: storeFor(job.data.store),
          workDir,
          signal: controller.signal,
          ...(options.checkpointSyncMs !== undefined ? { checkpointSyncMs: options.checkpointSyncMs } : {}),
          onEvent: (event) => {
            options.onEvent?.(event);
            if (event.type === 'trial-start' && event.resumedCheckpoints.length > 0) log(`${name}: trial ${trial.trialId} resumes from checkpoints (${event.resumedCheckpoints.join(', ')})`);
            if (event.type === 'trial-progress' && performance.now() - lastProgress > 1000) {
              lastProgress = performance.now();
              void job.updateProgress({ steps: event.steps, totalSteps: event.totalSteps }).catch(() => {});
            }
          },
        });
        log(`${name}: trial ${trial.trialId} ${result.outcome} in ${result.seconds.toFixed(1)} s`);
        return result;
      } catch (error) {
        if (handingBack && controller.signal.aborted) {
          log(`${name}: handing trial ${trial.trialId} back to the queue`);
          await job.moveToWait(token);
          throw new WaitingError();
        }
        log(`${name}: trial ${trial.trialId} failed: ${error instanceof Error ? error.message : String(error)}`);
        throw error;
      } finally {
        running.delete(job.id!);
      }
    },
    { ...common, concurrency: options.concurrency ?? 1 },
  );
  const sweepWorker = new Worker<SweepJobData, { counts: SweepSummary['counts']; best: string | null }>(
    SWEEPS_QUEUE,
    async (job) => {
      const { plan, stored } = job.data;
      const store = storeFor(job.data.store);
      const outcomes = new Map<string, TrialOutcome>();
      for (const id of stored) outcomes.set(id, { status: 'complete', metrics: await readStoredMetrics(store, id) });
      for (const result of Object.values(await job.getChildrenValues<TrialResult>())) outcomes.set(result.trialId, { status: 'complete', metrics: result.metrics });
      for (const [key, reason] of Object.entries(await job.getIgnoredChildrenFailures())) {
        const trialId = key.split('.').at(-1)!;
        if (!outcomes.has(trialId)) outcomes.set(trialId, { status: 'failed', error: reason });
      }
      const summary = buildSummary(plan, outcomes);
      await store.putBytes(`${SWEEPS_PREFIX}/${plan.id}/summary.json`, summaryJson(summary));
      await store.putBytes(`${SWEEPS_PREFIX}/${plan.id}/summary.html`, summaryHtml(summary));
      log(`${name}: sweep ${plan.id} aggregated: ${summary.counts.complete}/${summary.counts.trials} complete, best ${summary.best?.setting ?? '(none)'}`);
      return { counts: summary.counts, best: summary.best?.setting ?? null };
    },
    { ...common, concurrency: 1 },
  );
  for (const w of [trialWorker, sweepWorker]) {
    w.on('error', (error) => log(`${name}: queue error: ${error.message}`));
  }

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));
  let closing: Promise<void> | undefined;
  const close = ({ handBack = false }: { handBack?: boolean } = {}): Promise<void> => {
    if (handBack) {
      handingBack = true;
      for (const controller of running.values()) controller.abort();
    }
    closing ??= (async () => {
      await Promise.all([trialWorker.close(), sweepWorker.close()]);
      connection.disconnect();
      for (const store of stores.values()) await store.close();
      resolveClosed();
    })();
    return closing;
  };

  if (options.exitWhenDrained) {
    const queue = new Queue(TRIALS_QUEUE, { connection: connection as ConnectionOptions });
    const sweeps = new Queue(SWEEPS_QUEUE, { connection: connection as ConnectionOptions });
    const timer = setInterval(() => {
      void (async () => {
        const [a, b] = await Promise.all([queue.getJobCounts('waiting', 'delayed', 'active', 'prioritized'), sweeps.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'waiting-children')]);
        const left = Object.values(a).reduce((s, n) => s + n, 0) + Object.values(b).reduce((s, n) => s + n, 0);
        if (left === 0 && running.size === 0) {
          clearInterval(timer);
          log(`${name}: the queue is drained; stopping`);
          await queue.close();
          await sweeps.close();
          await close();
        }
      })().catch(() => {});
    }, 2000);
    void closed.then(() => clearInterval(timer));
  }
  log(`${name}: waiting for trials on ${redactUrl(options.queue)} (${TRIALS_QUEUE}), concurrency ${options.concurrency ?? 1}`);
  return { name, close, closed };
}

export type { SweepStatusFile };
