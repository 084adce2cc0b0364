import { Worker } from 'node:worker_threads';
import type { Tf } from './backend.ts';
import { assignVariables, type NetworkShape, type PolicyVariables } from './model.ts';
import { SimdNetwork } from './simd/network.ts';
import { ppoGradients, PPO_STATS, type LossCoefficients } from './update.ts';

const MINIBATCH_FIELDS = ['obs', 'maskPenalty', 'actionOneHot', 'oldLogp', 'advantages', 'returns'] as const;
type MinibatchField = (typeof MINIBATCH_FIELDS)[number];
/** The shared memory behind a {@link MinibatchBuffers}, to attach it in another thread. */
export type SharedMinibatch = Readonly<Record<MinibatchField, SharedArrayBuffer>>;

/** One PPO minibatch on the host: `rows` rows of everything the loss needs. */
export class MinibatchBuffers {
  readonly rows: number;
  readonly observationSize: number;
  readonly numActions: number;
  /** Normalised observations, `rows × observationSize`. */
  readonly obs: Float32Array;
  /** 0 for an allowed action, −1e9 for a masked one, `rows × numActions`. */
  readonly maskPenalty: Float32Array;
  readonly actionOneHot: Float32Array;
  readonly oldLogp: Float32Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;

  /**
   * `shared`: backed by SharedArrayBuffers, so gradient worker threads read the same rows; or the
   * {@link shared} memory of a minibatch created in another thread.
   */
  constructor(rows: number, observationSize: number, numActions: number, shared: boolean | SharedMinibatch) {
    const alloc = (n: number, field: MinibatchField) =>
      new Float32Array(typeof shared === 'object' ? shared[field] : shared ? new SharedArrayBuffer(n * 4) : new ArrayBuffer(n * 4));
    this.rows = rows;
    this.observationSize = observationSize;
    this.numActions = numActions;
    this.obs = alloc(rows * observationSize, 'obs');
    this.maskPenalty = alloc(rows * numActions, 'maskPenalty');
    this.actionOneHot = alloc(rows * numActions, 'actionOneHot');
    this.oldLogp = alloc(rows, 'oldLogp');
    this.advantages = alloc(rows, 'advantages');
    this.returns = alloc(rows, 'returns');
  }

  /** The SharedArrayBuffers behind the fields (throws for a minibatch in ordinary memory). */
  shared(): SharedMinibatch {
    const entries = MINIBATCH_FIELDS.map((field) => {
      const buffer = this[field].buffer;
      if (!(buffer instanceof SharedArrayBuffer)) throw new Error('this minibatch is not in shared memory');
      return [field, buffer] as const;
    });
    return Object.fromEntries(entries) as Record<MinibatchField, SharedArrayBuffer>;
  }
}

/**
 * PPO stats and gradients of rows `[start, end)` of a minibatch, flattened: `[stats…, gradients of every
 * variable in order…]` (see {@link ppoGradients}; means divide by the whole minibatch's rows).
 */
export async function shardGradients(tf: Tf, net: PolicyVariables, batch: MinibatchBuffers, start: number, end: number, coefs: LossCoefficients): Promise<Float32Array> {
  const d = batch.observationSize;
  const a = batch.numActions;
  const n = end - start;
  const flat = tf.tidy(() => {
    const { grads, stats } = ppoGradients(
      tf,
      net,
      {
        obs: tf.tensor2d(batch.obs.subarray(start * d, end * d), [n, d]),
        maskPenalty: tf.tensor2d(batch.maskPenalty.subarray(start * a, end * a), [n, a]),
        actionOneHot: tf.tensor2d(batch.actionOneHot.subarray(start * a, end * a), [n, a]),
        oldLogp: tf.tensor1d(batch.oldLogp.subarray(start, end)),
        advantages: tf.tensor1d(batch.advantages.subarray(start, end)),
        returns: tf.tensor1d(batch.returns.subarray(start, end)),
      },
      coefs,
      batch.rows,
    );
    return tf.concat([stats, ...grads.map((g) => tf.reshape(g, [-1]))]);
  });
  // A copy: the cpu backend returns its own storage. data(), not dataSync(): WebGPU in Node reads asynchronously.
  const values = ((await flat.data()) as Float32Array).slice();
  flat.dispose();
  return values;
}

/**
 * Computes the PPO gradients of row ranges from the parameters it was last given, on this thread or a
 * worker's: the SIMD network on `wasm` ({@link simdEngine}), tfjs ops over a set of tfjs variables on
 * every other backend ({@link tfjsEngine}).
 */
export interface ShardEngine {
  /** Takes the variables' values (flattened in order). */
  load(params: Float32Array): void;
  /** `[stats…, gradients…]` of rows `[start, end)` of `batch`. */
  compute(batch: MinibatchBuffers, start: number, end: number): Float32Array | Promise<Float32Array>;
  /** Whether {@link load} writes them into tfjs variables. */
  readonly writesVariables: boolean;
}

/** The SIMD network's engine, for shards of up to `rows` rows. */
export function simdEngine(shape: NetworkShape, rows: number, coefs: LossCoefficients): ShardEngine {
  const simd = new SimdNetwork(shape, rows);
  return { writesVariables: false, load: (params) => simd.setParams(params), compute: (batch, start, end) => simd.gradients(batch, start, end, coefs) };
}

/** tfjs's engine over `net`'s variables ({@link shardGradients}). */
export function tfjsEngine(tf: Tf, net: PolicyVariables, coefs: LossCoefficients): ShardEngine {
  return {
    writesVariables: true,
    load: (params) => assignVariables(tf, net.variables, params),
    compute: (batch, start, end) => shardGradients(tf, net, batch, start, end, coefs),
  };
}

/** Rows `[start, end)` of shard `k` of `shards` over `rows` rows. */
export function shardRows(rows: number, shards: number, k: number): [number, number] {
  return [Math.floor((k * rows) / shards), Math.floor(((k + 1) * rows) / shards)];
}

/** What a gradient worker thread is started with (see gradientWorker.ts). */
export interface GradientWorkerInit {
  readonly backend: 'wasm' | 'cpu';
  readonly shape: NetworkShape;
  readonly coefs: LossCoefficients;
  readonly rows: number;
  readonly start: number;
  readonly end: number;
  readonly minibatch: SharedMinibatch;
  /** Current variable values, flattened in order. */
  readonly params: SharedArrayBuffer;
  /** Where the worker writes its shard's `[stats…, gradients…]`. */
  readonly out: SharedArrayBuffer;
}

export type GradientWorkerReply = { type: 'ready' } | { type: 'done' } | { type: 'error'; message: string };

/** Starts the gradient worker module; from TypeScript sources (tests) it runs through tsx's loader. */
function startWorker(init: GradientWorkerInit): Worker {
  const source = import.meta.url.endsWith('.ts');
  const url = new URL(source ? './gradientWorker.ts' : './gradientWorker.js', import.meta.url);
  if (!source) return new Worker(url, { workerData: init });
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: init });
}

class GradientWorker {
  readonly #worker: Worker;
  #pending: { resolve: () => void; reject: (error: Error) => void } | null = null;
  #failure: Error | null = null;

  constructor(init: GradientWorkerInit) {
    this.#worker = startWorker(init);
    this.#worker.on('message', (reply: GradientWorkerReply) => {
      const pending = this.#pending;
      this.#pending = null;
      this.#worker.unref();
      if (reply.type === 'error') {
        this.#failure = new Error(`gradient worker: ${reply.message}`);
        pending?.reject(this.#failure);
      } else {
        pending?.resolve();
      }
    });
    this.#worker.on('error', (error) => {
      this.#failure = error;
      this.#pending?.reject(error);
      this.#pending = null;
    });
  }

  /**
   * Resolves at the worker's next reply (`ready` after start, `done` after a job). The worker keeps the
   * process alive only while a reply is awaited.
   */
  next(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    this.#worker.ref();
    return new Promise((resolve, reject) => (this.#pending = { resolve, reject }));
  }

  run(version: number): Promise<void> {
    const done = this.next();
    this.#worker.postMessage({ type: 'run', version });
    return done;
  }

  terminate(): void {
    void this.#worker.terminate();
  }
}

/**
 * Environment variable capping the gradient threads one process may start (a runtime resource, like
 * OMP_NUM_THREADS: it never changes the numbers). A sweep's pool sets it to 1 so that its workers, one per
 * core, do not each start more threads.
 */
export const UPDATE_THREADS_ENV = 'TRADECORE_UPDATE_THREADS';

/** The cap {@link UPDATE_THREADS_ENV} sets, or undefined when it is unset or not a whole number ≥ 1. */
export function updateThreadLimit(): number | undefined {
  const value = Number(process.env[UPDATE_THREADS_ENV]);
  return Number.isInteger(value) && value >= 1 ? value : undefined;
}

async function inOrder<T>(count: number, make: (k: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let k = 0; k < count; k++) out.push(await make(k));
  return out;
}

/**
 * Computes each minibatch's PPO gradients in `shards` equal row ranges: shard 0 on this thread, the
 * others on worker threads, each with its own {@link ShardEngine} (refreshed from shared memory when
 * {@link setParams} changed the parameters). The shards' results are summed in shard order, so a run gives the
 * same numbers whatever the machine's load; `shards` itself is part of the result (a different split
 * rounds differently), like the minibatch size.
 */
export class ShardedGradients {
  readonly shards: number;
  readonly batch: MinibatchBuffers;
  /** This thread's engine; on tfjs backends over the policy's own variables. */
  readonly #engine: ShardEngine;
  readonly #params: Float32Array;
  readonly #outs: Float32Array[];
  readonly #workers: GradientWorker[];
  #version = 0;

  private constructor(engine: ShardEngine, batch: MinibatchBuffers, shards: number, params: Float32Array, outs: Float32Array[], workers: GradientWorker[]) {
    this.#engine = engine;
    this.batch = batch;
    this.shards = shards;
    this.#params = params;
    this.#outs = outs;
    this.#workers = workers;
  }

  /**
   * `shards` > 1 starts `shards − 1` worker threads on `backend` (wasm or cpu); they are ready when
   * this resolves. With `threads` below `shards` (e.g. one trial per core in a sweep) no thread is
   * started: every shard is computed here in turn and summed in the same order, so the numbers are the same.
   */
  static async start(options: {
    tf: Tf;
    backend: 'wasm' | 'cpu';
    net: PolicyVariables;
    coefs: LossCoefficients;
    rows: number;
    shards: number;
    threads?: number;
  }): Promise<ShardedGradients> {
    const { tf, backend, net, coefs, rows, shards } = options;
    const threaded = shards > 1 && (options.threads ?? shards) >= shards;
    const { observationSize, numActions } = net.shape;
    const batch = new MinibatchBuffers(rows, observationSize, numActions, shards > 1);
    const size = net.variables.reduce((sum, v) => sum + v.size, 0);
    const params = new Float32Array(shards > 1 ? new SharedArrayBuffer(size * 4) : new ArrayBuffer(0));
    const outs: Float32Array[] = [];
    const workers: GradientWorker[] = [];
    try {
      for (let k = 1; threaded && k < shards; k++) {
        const [start, end] = shardRows(rows, shards, k);
        const out = new SharedArrayBuffer((PPO_STATS + size) * 4);
        outs.push(new Float32Array(out));
        const worker = new GradientWorker({
          backend,
          shape: net.shape,
          coefs: { clipRange: coefs.clipRange, valueCoef: coefs.valueCoef, entropyCoef: coefs.entropyCoef },
          rows,
          start,
          end,
          minibatch: batch.shared(),
          params: params.buffer as SharedArrayBuffer,
          out,
        });
        workers.push(worker);
      }
      await Promise.all(workers.map((w) => w.next()));
    } catch (error) {
      for (const w of workers) w.terminate();
      throw error;
    }
    const engine = backend === 'wasm' ? simdEngine(net.shape, Math.ceil(rows / shards), coefs) : tfjsEngine(tf, net, coefs);
    return new ShardedGradients(engine, batch, shards, params, outs, workers);
  }

  /**
   * The variables' current values (flattened in order), for the next job. Where this thread computes
   * with tfjs ({@link writesVariables}), this writes them into the policy's variables.
   */
  setParams(values: Float32Array): void {
    this.#engine.load(values);
    if (this.#workers.length === 0) return;
    this.#params.set(values);
    this.#version += 1;
  }

  /** Whether {@link setParams} writes the policy's tfjs variables (it does on every backend but `wasm`). */
  get writesVariables(): boolean {
    return this.#engine.writesVariables;
  }

  /** `[stats…, gradients…]` of the whole minibatch in {@link batch}. */
  async compute(): Promise<Float32Array> {
    const jobs = this.#workers.map((w) => w.run(this.#version));
    const shard = async (k: number) => this.#engine.compute(this.batch, ...shardRows(this.batch.rows, this.shards, k));
    const total = await shard(0);
    await Promise.all(jobs);
    const outs = this.#workers.length > 0 ? this.#outs : await inOrder(this.shards - 1, (k) => shard(k + 1));
    for (const out of outs) {
      for (let i = 0; i < total.length; i++) total[i]! += out[i]!;
    }
    return total;
  }

  dispose(): void {
    for (const w of this.#workers) w.terminate();
  }
}
