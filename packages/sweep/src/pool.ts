import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FromChild, ToChild } from './_ipc.ts';
import type { TrialJob } from './plan.ts';
import type { TrialEvent, TrialResult } from './trial.ts';

export interface PoolOptions {
  /** Worker processes (each runs one trial at a time). */
  readonly workers: number;
  readonly cwd: string;
  /** Store URL or folder the workers open. */
  readonly store: string;
  readonly workDir: string;
  /** Times a failed trial is tried again (default 2). */
  readonly retries?: number;
  readonly checkpointSyncMs?: number;
  /** Aborting stops handing out trials; the running ones finish. A second abort (`kill()`) ends them. */
  readonly signal?: AbortSignal;
}

export interface PoolHooks {
  onStart?(job: TrialJob, worker: string): void;
  onEvent?(event: TrialEvent, worker: string): void;
  onResult?(job: TrialJob, result: TrialResult, worker: string): void;
  onError?(job: TrialJob, message: string, final: boolean, worker: string): void;
}

export type PoolOutcome = { readonly status: 'complete'; readonly result: TrialResult } | { readonly status: 'failed'; readonly error: string };

/**
 * The worker process a pool forks: the built `poolChild.js` beside this module, or — when running from the
 * TypeScript sources (tests, the repository's own scripts) — `poolChild.ts` under the tsx loader.
 */
function childEntry(): { file: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const tsx = pathToFileURL(createRequire(here).resolve('tsx')).href;
    return { file: fileURLToPath(new URL('./poolChild.ts', here)), execArgv: ['--conditions=@tradecore/source', '--import', tsx] };
  }
  return { file: fileURLToPath(new URL('./poolChild.js', here)), execArgv: [] };
}

/** Native tfjs backends and BLAS libraries each start a thread per core unless told otherwise: one per trial. */
const SINGLE_THREAD_ENV = { TF_NUM_INTRAOP_THREADS: '1', TF_NUM_INTEROP_THREADS: '1', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', TRADECORE_UPDATE_THREADS: '1' };

/**
 * Runs trials on `workers` local processes, each running one trial at a time through the same
 * `runTrial` a distributed worker runs. A trial that fails (or whose process dies) is tried again up to
 * `retries` times, resuming from its checkpoints. Resolves with each trial's outcome.
 */
export class LocalPool {
  readonly #options: PoolOptions;
  readonly #hooks: PoolHooks;
  readonly #children = new Set<ChildProcess>();
  #nextWorker = 0;

  constructor(options: PoolOptions, hooks: PoolHooks = {}) {
    this.#options = options;
    this.#hooks = hooks;
  }

  /** Ends every worker process at once (their trials resume from checkpoints next time). */
  kill(): void {
    for (const child of this.#children) child.kill('SIGKILL');
  }

  run(jobs: readonly TrialJob[]): Promise<Map<string, PoolOutcome>> {
    const { workers, retries = 2, signal } = this.#options;
    const queue = [...jobs];
    const failures = new Map<string, number>();
    const outcomes = new Map<string, PoolOutcome>();
    const entry = childEntry();

    return new Promise((resolve) => {
      let active = 0;
      const maybeDone = () => {
        if (active === 0 && (queue.length === 0 || signal?.aborted)) resolve(outcomes);
      };
      const failed = (job: TrialJob, message: string, worker: string) => {
        const count = (failures.get(job.trialId) ?? 0) + 1;
        failures.set(job.trialId, count);
        const final = count > retries;
        if (final) outcomes.set(job.trialId, { status: 'failed', error: message });
        else queue.push(job);
        this.#hooks.onError?.(job, message, final, worker);
      };

      const spawnWorker = () => {
        const name = `local-${++this.#nextWorker}`;
        const child = fork(entry.file, [], {
          execArgv: entry.execArgv,
          env: { ...SINGLE_THREAD_ENV, ...process.env, TRADECORE_WORKER: name },
          stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        });
        this.#children.add(child);
        active += 1;
        let current: TrialJob | undefined;
        let stderr = '';
        child.stderr?.on('data', (chunk: Buffer) => {
          stderr = (stderr + chunk.toString()).slice(-4000);
        });
        const next = () => {
          current = signal?.aborted ? undefined : queue.shift();
          if (!current) {
            child.send({ type: 'stop' } satisfies ToChild);
            return;
          }
          this.#hooks.onStart?.(current, name);
          child.send({ type: 'run', job: current } satisfies ToChild);
        };
        child.on('message', (message: FromChild) => {
          switch (message.type) {
            case 'ready':
              next();
              break;
            case 'event':
              this.#hooks.onEvent?.(message.event, name);
              break;
            case 'result':
              if (current) {
                outcomes.set(current.trialId, { status: 'complete', result: message.result });
                this.#hooks.onResult?.(current, message.result, name);
              }
              next();
              break;
            case 'error':
              if (current) failed(current, message.message, name);
              next();
              break;
          }
        });
        child.on('exit', (code, sig) => {
          this.#children.delete(child);
          active -= 1;
          if (current) {
            const tail = stderr.trim().split('\n').slice(-3).join(' | ');
            failed(current, `worker process ${name} exited (${sig ?? `code ${code}`}) during the trial${tail ? `: ${tail}` : ''}`, name);
            current = undefined;
            // Replace it while there is work left.
            if (queue.length > 0 && !signal?.aborted) spawnWorker();
          }
          maybeDone();
        });
        child.send({
          type: 'init',
          cwd: this.#options.cwd,
          store: this.#options.store,
          workDir: this.#options.workDir,
          ...(this.#options.checkpointSyncMs !== undefined ? { checkpointSyncMs: this.#options.checkpointSyncMs } : {}),
        } satisfies ToChild);
      };

      const count = Math.min(workers, queue.length);
      for (let i = 0; i < count; i++) spawnWorker();
      maybeDone();
    });
  }
}
