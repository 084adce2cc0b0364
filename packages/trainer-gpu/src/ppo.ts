import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { ensureDirectory, toFileSystemError, type VecEnvLike } from '@tradecore/sdk';
import { describeBackend, selectBackend, type SelectedBackend, type Tf } from './backend.ts';
import { LATEST_JSON, listCheckpoints, readTrainerState, TRAINER_STATE_JSON, writeCheckpoint, type TrainerState } from './checkpoint.ts';
import { fileSystemHandler, writeFileAtomic } from './fsIO.ts';
import { assignVariables, buildActorCritic, MASKED_LOGIT, readVariables, wrapLoaded, type ActorCritic, type NetworkShape } from './model.ts';
import { RewardScaler, RunningNormalizer, type NormalizerState } from './normalizer.ts';
import type { PpoOptions } from './options.ts';
import { FlatAdam } from './adam.ts';
import { deriveSeed, Rng } from './rng.ts';
import { SimdNetwork } from './simd/network.ts';
import { ShardedGradients, updateThreadLimit } from './shards.ts';
import { foldPolicy, policyForward, PPO_STATS, type FoldedPolicy } from './update.ts';

/** Reported after every PPO update. */
export interface PpoProgress {
  readonly steps: number;
  readonly totalSteps: number;
  readonly update: number;
  /** Mean raw return of the last (up to) 100 finished episodes; NaN before the first one ends. */
  readonly meanEpisodeReturn: number;
  /** Mean raw reward per step in the last rollout. */
  readonly meanStepReward: number;
  readonly stepsPerSecond: number;
  readonly learningRate: number;
  readonly policyLoss: number;
  readonly valueLoss: number;
  readonly entropy: number;
  readonly approxKl: number;
  readonly clipFraction: number;
  /** Mean global norm of the minibatch gradients before clipping to `maxGradNorm`. */
  readonly gradNorm: number;
}

export interface PpoTrainOptions {
  readonly env: VecEnvLike;
  /** Defaults to the trainer's `totalSteps` option. */
  readonly totalSteps?: number;
  readonly onProgress?: (progress: PpoProgress) => void;
  /** Folder for periodic checkpoints (`ckpt-<steps>/` + `latest.json`); none when omitted. */
  readonly checkpointDir?: string;
  /**
   * Stops after the current update; the trainer keeps what it learned. No checkpoint is written then:
   * the last periodic one is where a resume continues, so the resumed run equals an uninterrupted one.
   */
  readonly signal?: AbortSignal;
}

export interface PpoTrainResult {
  readonly steps: number;
  readonly updates: number;
  readonly seconds: number;
  readonly stepsPerSecond: number;
  readonly aborted: boolean;
  /** Seconds spent in policy inference, env stepping, and PPO updates (the rest is bookkeeping). */
  readonly timings: { readonly inference: number; readonly env: number; readonly update: number };
}

export const NORMALIZER_JSON = 'normalizer.json';
const OPTIMIZER_BIN = 'optimizer.bin';

export interface CreatePpoOptions {
  readonly observationSize: number;
  readonly numActions: number;
  readonly seed: number;
  readonly options: PpoOptions;
  /** Reuse an already selected backend (otherwise `options.backend` is selected). */
  readonly backend?: SelectedBackend;
}

/**
 * Proximal Policy Optimisation (clipped objective, GAE(λ), value loss, entropy bonus, minibatch
 * epochs, Adam with a learning-rate schedule, global-norm gradient clipping) with masked logits and
 * running observation normalisation. Rollouts run batched over every env of a {@link VecEnvLike};
 * sampling uses the trainer's own seeded RNG, so a run repeats exactly on the same backend.
 */
export class PpoTrainer {
  readonly tf: Tf;
  readonly backend: SelectedBackend;
  readonly options: PpoOptions;
  readonly seed: number;
  readonly net: ActorCritic;
  readonly normalizer: RunningNormalizer | null;
  steps = 0;
  updates = 0;
  #rng: Rng;
  #optimizer: FlatAdam;
  #rewardScaler: RewardScaler | null = null;
  #rewardScalerState: { count: number; mean: number; var: number } | null = null;
  #episodeReturns: number[] = [];
  #scratch = new Float32Array(0);
  /** Inference weights derived from the variables; dropped whenever the variables change. */
  #folded: FoldedPolicy | null = null;
  #gradients: ShardedGradients | null = null;
  /**
   * The policy on the SIMD kernels (simd/network.ts), on the host: how `wasm` acts and collects its
   * rollouts, and how `webgpu` (which cannot read tensors synchronously) serves the synchronous
   * {@link act}. `#hostParams` is the variables' current values, taken in {@link #weightsChanged}.
   */
  #host: SimdNetwork | null = null;
  #hostParams: Float32Array | null = null;

  private constructor(backend: SelectedBackend, net: ActorCritic, options: PpoOptions, seed: number, normalizer: RunningNormalizer | null) {
    this.tf = backend.tf;
    this.backend = backend;
    this.net = net;
    this.options = options;
    this.seed = seed;
    this.normalizer = normalizer;
    this.#rng = new Rng(deriveSeed(seed, 1));
    this.#optimizer = new FlatAdam(this.tf, net.variables, options.learningRate, 0.9, 0.999, 1e-5);
  }

  static async create({ observationSize, numActions, seed, options, backend }: CreatePpoOptions): Promise<PpoTrainer> {
    const selected = backend ?? (await selectBackend(options.backend));
    const shape: NetworkShape = { observationSize, numActions, hidden: options.hidden };
    const net = buildActorCritic(selected.tf, shape, deriveSeed(seed, 0));
    const normalizer = options.normalizeObservations ? new RunningNormalizer(observationSize, options.clipObservation) : null;
    const trainer = new PpoTrainer(selected, net, options, seed, normalizer);
    await trainer.#weightsChanged();
    return trainer;
  }

  /** Why this backend: one line per candidate. */
  get backendReport(): string {
    return describeBackend(this.backend);
  }

  get numActions(): number {
    return this.net.shape.numActions;
  }

  get observationSize(): number {
    return this.net.shape.observationSize;
  }

  /**
   * Chooses actions for `count` rows of raw observations. Deterministic: the argmax of the masked
   * logits; otherwise sampled with the trainer's RNG. Returns nothing; writes `actions`.
   */
  act(observations: Float32Array, masks: Uint8Array, count: number, actions: Int32Array, deterministic = true): void {
    const d = this.observationSize;
    if (this.#scratch.length < count * d) this.#scratch = new Float32Array(count * d);
    const x = this.#scratch.subarray(0, count * d);
    if (this.normalizer) this.normalizer.normalize(observations, x, count);
    else x.set(observations.subarray(0, count * d));
    const { logits } = this.#infer(x, count);
    for (let i = 0; i < count; i++) {
      actions[i] = deterministic ? argmaxMasked(logits, masks, i, this.numActions) : sampleMasked(logits, masks, i, this.numActions, this.#rng).action;
    }
  }

  /**
   * The policy's logits (`count × numActions`, before masking) and state values for `count` rows of raw
   * observations, on the trainer's backend (normalised as {@link act} does).
   */
  async predict(observations: Float32Array, count: number): Promise<{ logits: Float32Array; values: Float32Array }> {
    const x = new Float32Array(count * this.observationSize);
    if (this.normalizer) this.normalizer.normalize(observations, x, count);
    else x.set(observations.subarray(0, x.length));
    return this.#inferAsync(x, count);
  }

  /**
   * Drops what was derived from the variables; `wasm` and `webgpu` take their values for the host
   * network (`values` when the caller has them, flattened in order; otherwise read from the variables).
   */
  async #weightsChanged(values?: Float32Array): Promise<void> {
    this.#dropFolded();
    const backend = this.backend.backend;
    if (backend !== 'wasm' && backend !== 'webgpu') return;
    this.#hostParams = values ?? (await readVariables(this.tf, this.net.variables));
    this.#host?.setParams(this.#hostParams);
  }

  #infer(x: Float32Array, rows: number): { logits: Float32Array; values: Float32Array } {
    if (this.#hostParams) return this.#inferOnHost(x, rows);
    const tf = this.tf;
    const folded = this.#folded ?? this.#fold();
    const out = tf.tidy(() => policyForward(tf, folded, tf.tensor2d(x, [rows, this.observationSize])));
    const data = out.dataSync() as Float32Array;
    out.dispose();
    return this.#split(data, rows);
  }

  /** {@link #infer} for training, where reads may be asynchronous (webgpu infers on the GPU). */
  async #inferAsync(x: Float32Array, rows: number): Promise<{ logits: Float32Array; values: Float32Array }> {
    if (this.backend.backend !== 'webgpu') return this.#infer(x, rows);
    const tf = this.tf;
    const folded = this.#folded ?? this.#fold();
    const out = tf.tidy(() => policyForward(tf, folded, tf.tensor2d(x, [rows, this.observationSize])));
    const data = (await out.data()) as Float32Array;
    out.dispose();
    return this.#split(data, rows);
  }

  #inferOnHost(x: Float32Array, rows: number): { logits: Float32Array; values: Float32Array } {
    const params = this.#hostParams;
    if (!params) throw new Error('the host network has no weights yet');
    if (!this.#host || this.#host.capacity < rows) {
      this.#host = new SimdNetwork(this.net.shape, Math.max(rows, 2 * (this.#host?.capacity ?? 0)));
      this.#host.setParams(params);
    }
    const logits = new Float32Array(rows * this.numActions);
    const values = new Float32Array(rows);
    this.#host.forward(x, rows, logits, values);
    return { logits, values };
  }

  #split(data: Float32Array, rows: number): { logits: Float32Array; values: Float32Array } {
    const a = this.numActions;
    const logits = new Float32Array(rows * a);
    const values = new Float32Array(rows);
    for (let i = 0; i < rows; i++) {
      logits.set(data.subarray(i * (a + 1), i * (a + 1) + a), i * a);
      values[i] = data[i * (a + 1) + a]!;
    }
    return { logits, values };
  }

  #learningRate(steps: number, totalSteps: number): number {
    if (this.options.lrSchedule === 'constant') return this.options.learningRate;
    return this.options.learningRate * Math.max(0.05, 1 - steps / totalSteps);
  }

  async train({ env, totalSteps = this.options.totalSteps, onProgress, checkpointDir, signal }: PpoTrainOptions): Promise<PpoTrainResult> {
    const o = this.options;
    const n = env.numEnvs;
    const d = env.observationSize;
    const a = env.numActions;
    if (d !== this.observationSize || a !== this.numActions) {
      throw new Error(`env has observationSize ${d} and ${a} actions, the policy expects ${this.observationSize} and ${this.numActions}`);
    }
    const T = o.nSteps;
    const B = T * n;
    // Training runs whole rollouts, so the budget is rounded up to a multiple of one rollout.
    totalSteps = Math.ceil(totalSteps / B) * B;
    const obsBuf = new Float32Array(B * d);
    const maskBuf = new Uint8Array(B * a);
    const actBuf = new Int32Array(B);
    const logpBuf = new Float32Array(B);
    const valBuf = new Float32Array(B);
    const rewBuf = new Float32Array(B);
    const termBuf = new Uint8Array(B);
    const truncBuf = new Uint8Array(B);
    const advBuf = new Float32Array(B);
    const retBuf = new Float32Array(B);
    const actions = new Int32Array(n);
    const scaled = new Float32Array(n);
    const dones = new Uint8Array(n);
    const episodeReward = new Float64Array(n);
    if (o.normalizeRewards && !this.#rewardScaler) {
      this.#rewardScaler = new RewardScaler(n, o.gamma);
      if (this.#rewardScalerState) this.#rewardScaler.restore(this.#rewardScalerState);
    }

    // Training runs in segments of `checkpointEvery` updates. Each segment (and each (re)start) begins with
    // fresh episodes seeded by the update count, so a run resumed from the checkpoint at a segment's end
    // continues exactly as the uninterrupted run does: same envs, same RNG, same statistics.
    const startSegment = () => {
      env.reset(deriveSeed(this.seed, 1000 + this.updates));
      episodeReward.fill(0);
      if (this.#rewardScaler) {
        const stats = this.#rewardScaler.toJSON();
        this.#rewardScaler = new RewardScaler(n, o.gamma);
        this.#rewardScaler.restore(stats);
      }
    };
    startSegment();
    const firstUpdate = this.updates;
    const started = performance.now();
    const startSteps = this.steps;
    let aborted = false;
    let inferenceMs = 0;
    let envMs = 0;
    let updateMs = 0;

    while (this.steps < totalSteps) {
      if (signal?.aborted) {
        aborted = true;
        break;
      }
      if (this.updates !== firstUpdate && o.checkpointEvery > 0 && this.updates % o.checkpointEvery === 0) startSegment();
      const lr = this.#learningRate(this.steps, totalSteps);
      this.#optimizer.setLearningRate(lr);
      let rewardSum = 0;
      for (let t = 0; t < T; t++) {
        const row = t * n;
        const x = obsBuf.subarray(row * d, (row + n) * d);
        if (this.normalizer) {
          this.normalizer.update(env.observations, n);
          this.normalizer.normalize(env.observations, x, n);
        } else {
          x.set(env.observations.subarray(0, n * d));
        }
        maskBuf.set(env.masks.subarray(0, n * a), row * a);
        let mark = performance.now();
        const { logits, values } = await this.#inferAsync(x, n);
        for (let i = 0; i < n; i++) {
          const s = sampleMasked(logits, env.masks, i, a, this.#rng);
          actions[i] = s.action;
          actBuf[row + i] = s.action;
          logpBuf[row + i] = s.logp;
          valBuf[row + i] = values[i]!;
        }
        const beforeStep = performance.now();
        inferenceMs += beforeStep - mark;
        env.step(actions);
        mark = performance.now();
        envMs += mark - beforeStep;
        for (let i = 0; i < n; i++) {
          const r = env.rewards[i]!;
          rewardSum += r;
          episodeReward[i]! += r;
          const done = env.terminated[i]! | env.truncated[i]!;
          dones[i] = done;
          termBuf[row + i] = env.terminated[i]!;
          truncBuf[row + i] = env.truncated[i]! & (1 - env.terminated[i]!);
          if (done) {
            this.#episodeReturns.push(episodeReward[i]!);
            if (this.#episodeReturns.length > 100) this.#episodeReturns.shift();
            episodeReward[i] = 0;
          }
        }
        if (this.#rewardScaler) this.#rewardScaler.scale(env.rewards, dones, scaled);
        else scaled.set(env.rewards);
        rewBuf.set(scaled, row);
      }
      // Bootstrap value of the state after the rollout.
      const last = new Float32Array(n * d);
      if (this.normalizer) this.normalizer.normalize(env.observations, last, n);
      else last.set(env.observations.subarray(0, n * d));
      const lastValues = (await this.#inferAsync(last, n)).values;
      computeGae(rewBuf, valBuf, termBuf, truncBuf, lastValues, n, T, o.gamma, o.gaeLambda, advBuf, retBuf);

      const updateStart = performance.now();
      const stats = await this.#update({ obsBuf, maskBuf, actBuf, logpBuf, advBuf, retBuf, B, d, a });
      updateMs += performance.now() - updateStart;
      this.steps += B;
      this.updates += 1;
      const seconds = (performance.now() - started) / 1000;
      onProgress?.({
        steps: this.steps,
        totalSteps,
        update: this.updates,
        meanEpisodeReturn: this.#episodeReturns.length ? mean(this.#episodeReturns) : Number.NaN,
        meanStepReward: rewardSum / B,
        stepsPerSecond: (this.steps - startSteps) / Math.max(seconds, 1e-9),
        learningRate: lr,
        ...stats,
      });
      if (checkpointDir && o.checkpointEvery > 0 && this.updates % o.checkpointEvery === 0 && this.steps < totalSteps) {
        await this.saveCheckpoint(checkpointDir);
      }
      // Let timers, signals and progress output run between updates.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (checkpointDir && !aborted) await this.saveCheckpoint(checkpointDir);
    const seconds = (performance.now() - started) / 1000;
    return {
      steps: this.steps,
      updates: this.updates,
      seconds,
      stepsPerSecond: (this.steps - startSteps) / Math.max(seconds, 1e-9),
      aborted,
      timings: { inference: inferenceMs / 1000, env: envMs / 1000, update: updateMs / 1000 },
    };
  }

  /** The minibatch gradient engine for minibatches of `rows` rows (worker threads start on first use). */
  async #gradientsFor(rows: number): Promise<ShardedGradients> {
    if (this.#gradients?.batch.rows === rows) return this.#gradients;
    this.#gradients?.dispose();
    this.#gradients = null;
    const backend = this.backend.backend;
    const threaded = backend === 'wasm' || backend === 'cpu';
    this.#gradients = await ShardedGradients.start({
      tf: this.tf,
      backend: threaded ? backend : 'cpu',
      net: this.net,
      coefs: this.options,
      rows,
      shards: threaded ? this.options.updateThreads : 1,
      threads: updateThreadLimit(),
    });
    return this.#gradients;
  }

  async #update(r: {
    obsBuf: Float32Array;
    maskBuf: Uint8Array;
    actBuf: Int32Array;
    logpBuf: Float32Array;
    advBuf: Float32Array;
    retBuf: Float32Array;
    B: number;
    d: number;
    a: number;
  }): Promise<Pick<PpoProgress, 'policyLoss' | 'valueLoss' | 'entropy' | 'approxKl' | 'clipFraction' | 'gradNorm'>> {
    const tf = this.tf;
    const o = this.options;
    const { B, d, a } = r;
    const mb = Math.min(o.minibatchSize, B);
    const gradients = await this.#gradientsFor(mb);
    const x = gradients.batch;
    const order = new Int32Array(B);
    for (let i = 0; i < B; i++) order[i] = i;
    const totals = new Float64Array(PPO_STATS);
    let gradNorm = 0;
    let batches = 0;
    // The current values, read once: from here on they are what Adam returns.
    let params = await readVariables(tf, this.net.variables);
    gradients.setParams(params);
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      this.#rng.shuffle(order);
      for (let start = 0; start + mb <= B; start += mb) {
        let advMean = 0;
        for (let k = 0; k < mb; k++) {
          const idx = order[start + k]!;
          for (let j = 0; j < d; j++) x.obs[k * d + j] = r.obsBuf[idx * d + j]!;
          const action = r.actBuf[idx]!;
          for (let j = 0; j < a; j++) {
            x.maskPenalty[k * a + j] = r.maskBuf[idx * a + j] ? 0 : MASKED_LOGIT;
            x.actionOneHot[k * a + j] = j === action ? 1 : 0;
          }
          x.oldLogp[k] = r.logpBuf[idx]!;
          x.advantages[k] = r.advBuf[idx]!;
          x.returns[k] = r.retBuf[idx]!;
          advMean += x.advantages[k]!;
        }
        advMean /= mb;
        let advVar = 0;
        for (let k = 0; k < mb; k++) advVar += (x.advantages[k]! - advMean) ** 2;
        const advStd = Math.sqrt(advVar / mb) + 1e-8;
        for (let k = 0; k < mb; k++) x.advantages[k] = (x.advantages[k]! - advMean) / advStd;

        const s = await gradients.compute();
        params = this.#optimizer.step(s.subarray(PPO_STATS), params, o.maxGradNorm);
        gradients.setParams(params);
        for (let j = 0; j < PPO_STATS; j++) totals[j]! += s[j]!;
        gradNorm += this.#optimizer.lastGradNorm;
        batches++;
      }
    }
    if (!gradients.writesVariables) assignVariables(tf, this.net.variables, params);
    await this.#weightsChanged(params);
    const k = Math.max(batches, 1);
    return {
      policyLoss: totals[0]! / k,
      valueLoss: totals[1]! / k,
      entropy: totals[2]! / k,
      approxKl: totals[3]! / k,
      clipFraction: totals[4]! / k,
      gradNorm: gradNorm / k,
    };
  }

  /** Saves the policy (model.json + weights.bin) and the normaliser (normalizer.json) into `dir`. */
  async saveModel(dir: string): Promise<void> {
    ensureDirectory(dir);
    await this.net.model.save(fileSystemHandler(this.tf, dir));
    writeFileAtomic(path.join(dir, NORMALIZER_JSON), JSON.stringify(this.normalizer?.toJSON() ?? null));
  }

  /**
   * Writes `ckpt-<steps>/` (model, normaliser, optimizer, RNG and counters) into `dir` — complete before it
   * appears — then points `latest.json` at it and keeps the two newest checkpoints.
   */
  async saveCheckpoint(dir: string): Promise<string> {
    return writeCheckpoint(dir, this.steps, async (folder) => {
      await this.saveModel(folder);
      const optimizerWeights = await this.#optimizer.getWeights();
      const encoded = await this.tf.io.encodeWeights(optimizerWeights);
      writeFileAtomic(path.join(folder, OPTIMIZER_BIN), new Uint8Array(encoded.data as ArrayBuffer));
      const state: TrainerState = {
        format: 'tradecore-ppo/1',
        seed: this.seed,
        steps: this.steps,
        updates: this.updates,
        rng: this.#rng.state(),
        observationSize: this.observationSize,
        numActions: this.numActions,
        hidden: [...this.options.hidden],
        observationNormalizer: this.normalizer?.toJSON() ?? null,
        rewardScaler: this.#rewardScaler?.toJSON() ?? this.#rewardScalerState,
        optimizerWeights: encoded.specs.map((w) => ({ name: w.name, shape: [...w.shape], dtype: w.dtype as 'float32' | 'int32' })),
        episodeReturns: this.#episodeReturns,
      };
      writeFileAtomic(path.join(folder, TRAINER_STATE_JSON), JSON.stringify(state));
    });
  }

  /** The newest checkpoint folder in `dir` (the one a resume tries first), or undefined when `dir` holds none. */
  static latestCheckpoint(dir: string): string | undefined {
    return listCheckpoints(dir).find((c) => existsSync(path.join(c.dir, TRAINER_STATE_JSON)))?.dir;
  }

  /**
   * Restores the newest usable checkpoint in `dir`. A damaged one (unreadable, truncated, inconsistent) is
   * reported through `log` and the previous one is tried. Returns the folder and step count it loaded, or
   * undefined when there is none (training then starts from the beginning).
   */
  async restoreLatest(dir: string, log: (line: string) => void = () => {}): Promise<{ checkpoint: string; steps: number } | undefined> {
    const candidates = listCheckpoints(dir);
    for (const [k, candidate] of candidates.entries()) {
      try {
        // A resume continues this trainer's own run: a checkpoint of another seed is not one of its own.
        const seed = readTrainerState(candidate.dir).seed;
        if (seed !== this.seed) throw new Error(`it was written by a trainer with seed ${seed}, this one has seed ${this.seed}`);
        await this.restoreCheckpoint(candidate.dir);
        return { checkpoint: candidate.dir, steps: this.steps };
      } catch (error) {
        const next = candidates[k + 1];
        log(`checkpoint ${candidate.dir} is unusable (${(error as Error).message}); ${next ? `falling back to ${next.name}` : 'no older checkpoint: training starts from the beginning'}`);
      }
    }
    if (candidates.length === 0 && existsSync(path.join(dir, LATEST_JSON))) log(`${dir}: latest.json names no existing checkpoint; training starts from the beginning`);
    return undefined;
  }

  /**
   * Restores weights, optimizer, normalisers, RNG and counters from a checkpoint folder. Everything is read
   * and checked before anything changes, so a damaged checkpoint leaves the trainer as it was.
   */
  async restoreCheckpoint(checkpoint: string): Promise<void> {
    const stateFile = path.join(checkpoint, TRAINER_STATE_JSON);
    const state = readTrainerState(checkpoint);
    if (state.observationSize !== this.observationSize || state.numActions !== this.numActions) {
      throw new Error(`${stateFile}: checkpoint is for observationSize ${state.observationSize} / ${state.numActions} actions, the env has ${this.observationSize} / ${this.numActions}`);
    }
    if (state.hidden.join('x') !== this.options.hidden.join('x')) throw new Error(`${stateFile}: checkpoint has hidden ${state.hidden.join('×')}, the trainer ${this.options.hidden.join('×')}`);
    const norm = state.observationNormalizer;
    if (norm && (norm.size !== this.observationSize || norm.mean.length !== norm.size || norm.var.length !== norm.size)) {
      throw new Error(`${stateFile}: observationNormalizer has size ${norm.size} (mean ${norm.mean.length}, var ${norm.var.length}), expected ${this.observationSize}`);
    }
    const optimizerFile = path.join(checkpoint, OPTIMIZER_BIN);
    let bytes: Buffer;
    try {
      bytes = readFileSync(optimizerFile);
    } catch (error) {
      throw toFileSystemError(error, 'read', optimizerFile);
    }
    const expected = state.optimizerWeights.reduce((sum, w) => sum + w.shape.reduce((p, d) => p * d, 1) * 4, 0);
    if (bytes.byteLength !== expected) throw new Error(`${optimizerFile}: ${bytes.byteLength} bytes, trainer-state.json describes ${expected}`);
    const weights = await this.#readWeights(checkpoint);

    for (const [i, v] of weights.entries()) this.net.variables[i]!.assign(v);
    for (const v of weights) v.dispose();
    await this.#weightsChanged();
    if (this.normalizer && norm) this.normalizer.restore(norm);
    const named = this.tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, state.optimizerWeights);
    await this.#optimizer.setWeights(Object.entries(named).map(([name, tensor]) => ({ name, tensor })));
    // FlatAdam derives βᵗ from the restored step count in float64, exactly as the uninterrupted run does;
    // `adamBetaPowers` (tfjs's float32 copies, in older checkpoints) is not needed.
    this.#rng = new Rng(state.rng);
    this.steps = state.steps;
    this.updates = state.updates;
    this.#rewardScalerState = state.rewardScaler;
    this.#rewardScaler = null;
    this.#episodeReturns = [...state.episodeReturns];
  }

  /** The weights of a saved model folder, checked against this policy's shape (copies; the caller disposes them). */
  async #readWeights(dir: string): Promise<tfjs.Tensor[]> {
    const loaded = await this.tf.loadLayersModel(fileSystemHandler(this.tf, dir));
    try {
      const other = wrapLoaded(loaded, this.net.shape);
      if (other.variables.length !== this.net.variables.length) throw new Error(`${dir}: the model has ${other.variables.length} weight tensors, the policy ${this.net.variables.length}`);
      return other.variables.map((v, i) => {
        const own = this.net.variables[i]!;
        if (v.shape.join('x') !== own.shape.join('x')) throw new Error(`${dir}: weight ${i} has shape [${v.shape.join(', ')}], the policy [${own.shape.join(', ')}]`);
        return this.tf.clone(v);
      });
    } finally {
      loaded.dispose();
    }
  }

  /** Copies the weights of a saved model folder into this policy, and its normaliser when saved. */
  async loadWeights(dir: string): Promise<void> {
    const weights = await this.#readWeights(dir);
    for (const [i, v] of weights.entries()) this.net.variables[i]!.assign(v);
    for (const v of weights) v.dispose();
    await this.#weightsChanged();
    const normFile = path.join(dir, NORMALIZER_JSON);
    if (this.normalizer && existsSync(normFile)) {
      const saved = JSON.parse(readFileSync(normFile, 'utf8')) as NormalizerState | null;
      if (saved) this.normalizer.restore(saved);
    }
  }

  #fold(): FoldedPolicy {
    const tf = this.tf;
    let folded: FoldedPolicy | undefined;
    tf.tidy(() => {
      folded = foldPolicy(tf, this.net);
      for (const layer of folded.layers) tf.keep(layer.w), tf.keep(layer.b);
    });
    this.#folded = folded!;
    return folded!;
  }

  #dropFolded(): void {
    if (!this.#folded) return;
    for (const layer of this.#folded.layers) this.tf.dispose([layer.w, layer.b]);
    this.#folded = null;
  }

  dispose(): void {
    this.#dropFolded();
    this.#gradients?.dispose();
    this.#gradients = null;
    this.net.model.dispose();
    this.#optimizer.dispose();
  }
}

function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** GAE(λ). Truncated episodes bootstrap from the value of their last observed state (the VecEnv does not keep the final observation). */
export function computeGae(
  rewards: Float32Array,
  values: Float32Array,
  terminated: Uint8Array,
  truncated: Uint8Array,
  lastValues: Float32Array,
  n: number,
  T: number,
  gamma: number,
  lambda: number,
  advantages: Float32Array,
  returns: Float32Array,
): void {
  for (let i = 0; i < n; i++) {
    let gae = 0;
    for (let t = T - 1; t >= 0; t--) {
      const idx = t * n + i;
      let nextValue = t === T - 1 ? lastValues[i]! : values[idx + n]!;
      let carry = 1;
      if (terminated[idx]) {
        nextValue = 0;
        carry = 0;
      } else if (truncated[idx]) {
        nextValue = values[idx]!;
        carry = 0;
      }
      const delta = rewards[idx]! + gamma * nextValue - values[idx]!;
      gae = delta + gamma * lambda * carry * gae;
      advantages[idx] = gae;
      returns[idx] = gae + values[idx]!;
    }
  }
}

/** Index of the largest allowed logit in row `row`; throws when every action is masked. */
export function argmaxMasked(logits: Float32Array, masks: Uint8Array, row: number, a: number): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let j = 0; j < a; j++) {
    if (masks[row * a + j] && logits[row * a + j]! > bestValue) {
      bestValue = logits[row * a + j]!;
      best = j;
    }
  }
  if (best < 0) throw new Error(`every action is masked for env ${row}`);
  return best;
}

/** Samples from the softmax of the allowed logits of row `row`; returns the action and its log-probability. */
export function sampleMasked(logits: Float32Array, masks: Uint8Array, row: number, a: number, rng: Rng): { action: number; logp: number } {
  const o = row * a;
  let max = -Infinity;
  for (let j = 0; j < a; j++) if (masks[o + j] && logits[o + j]! > max) max = logits[o + j]!;
  if (max === -Infinity) throw new Error(`every action is masked for env ${row}`);
  let sum = 0;
  for (let j = 0; j < a; j++) if (masks[o + j]) sum += Math.exp(logits[o + j]! - max);
  let u = rng.next() * sum;
  let action = -1;
  for (let j = 0; j < a; j++) {
    if (!masks[o + j]) continue;
    action = j;
    u -= Math.exp(logits[o + j]! - max);
    if (u < 0) break;
  }
  return { action, logp: logits[o + action]! - max - Math.log(sum) };
}
