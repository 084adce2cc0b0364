import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type * as tfjs from '@tensorflow/tfjs';
import { ensureDirectory, toFileSystemError, type VecEnvLike } from '@tradecore/sdk';
import { describeBackend, selectBackend, type SelectedBackend, type Tf } from './backend.ts';
import { LATEST_JSON, listCheckpoints, readTrainerState, TRAINER_STATE_JSON, writeCheckpoint, type TrainerState } from './checkpoint.ts';
import { fileSystemHandler, writeFileAtomic } from './fsIO.ts';
import { buildActorCritic, forward, wrapLoaded, type ActorCritic, type NetworkShape } from './model.ts';
import { RewardScaler, RunningNormalizer, type NormalizerState } from './normalizer.ts';
import type { PpoOptions } from './options.ts';
import { deriveSeed, Rng } from './rng.ts';

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

interface Adam extends tfjs.Optimizer {
  setLearningRate(lr: number): void;
  /** β₁ᵗ and β₂ᵗ, which tfjs keeps as float32 variables and would recompute (differently rounded) on restore. */
  betaPowers(): [number, number];
  setBetaPowers(powers: readonly [number, number]): void;
  getWeights(): Promise<{ name: string; tensor: tfjs.Tensor }[]>;
  setWeights(weights: { name: string; tensor: tfjs.Tensor }[]): Promise<void>;
}

function createAdam(tf: Tf, learningRate: number): Adam {
  class ScheduledAdam extends tf.AdamOptimizer {
    setLearningRate(lr: number): void {
      this.learningRate = lr;
    }
    #powers(): { accBeta1: tfjs.Variable; accBeta2: tfjs.Variable } {
      return this as unknown as { accBeta1: tfjs.Variable; accBeta2: tfjs.Variable };
    }
    betaPowers(): [number, number] {
      const { accBeta1, accBeta2 } = this.#powers();
      return [accBeta1.dataSync()[0]!, accBeta2.dataSync()[0]!];
    }
    setBetaPowers([b1, b2]: readonly [number, number]): void {
      const { accBeta1, accBeta2 } = this.#powers();
      tf.tidy(() => {
        accBeta1.assign(tf.scalar(b1));
        accBeta2.assign(tf.scalar(b2));
      });
    }
  }
  return new ScheduledAdam(learningRate, 0.9, 0.999, 1e-5);
}

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
  #optimizer: Adam;
  #rewardScaler: RewardScaler | null = null;
  #rewardScalerState: { count: number; mean: number; var: number } | null = null;
  #episodeReturns: number[] = [];
  #scratch = new Float32Array(0);

  private constructor(backend: SelectedBackend, net: ActorCritic, options: PpoOptions, seed: number, normalizer: RunningNormalizer | null) {
    this.tf = backend.tf;
    this.backend = backend;
    this.net = net;
    this.options = options;
    this.seed = seed;
    this.normalizer = normalizer;
    this.#rng = new Rng(deriveSeed(seed, 1));
    this.#optimizer = createAdam(this.tf, options.learningRate);
  }

  static async create({ observationSize, numActions, seed, options, backend }: CreatePpoOptions): Promise<PpoTrainer> {
    const selected = backend ?? (await selectBackend(options.backend));
    const shape: NetworkShape = { observationSize, numActions, hidden: options.hidden };
    const net = buildActorCritic(selected.tf, shape, deriveSeed(seed, 0));
    const normalizer = options.normalizeObservations ? new RunningNormalizer(observationSize, options.clipObservation) : null;
    return new PpoTrainer(selected, net, options, seed, normalizer);
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

  #infer(x: Float32Array, rows: number): { logits: Float32Array; values: Float32Array } {
    const tf = this.tf;
    const [l, v] = tf.tidy(() => {
      const out = forward(tf, this.net, tf.tensor2d(x, [rows, this.observationSize]));
      return [out.logits, out.value] as const;
    });
    const logits = l.dataSync() as Float32Array;
    const values = v.dataSync() as Float32Array;
    l.dispose();
    v.dispose();
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
        const { logits, values } = this.#infer(x, n);
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
      const lastValues = this.#infer(last, n).values;
      computeGae(rewBuf, valBuf, termBuf, truncBuf, lastValues, n, T, o.gamma, o.gaeLambda, advBuf, retBuf);

      const updateStart = performance.now();
      const stats = this.#update({ obsBuf, maskBuf, actBuf, logpBuf, advBuf, retBuf, B, d, a });
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

  #update(r: {
    obsBuf: Float32Array;
    maskBuf: Uint8Array;
    actBuf: Int32Array;
    logpBuf: Float32Array;
    advBuf: Float32Array;
    retBuf: Float32Array;
    B: number;
    d: number;
    a: number;
  }): Pick<PpoProgress, 'policyLoss' | 'valueLoss' | 'entropy' | 'approxKl' | 'clipFraction'> {
    const tf = this.tf;
    const o = this.options;
    const { B, d, a } = r;
    const mb = Math.min(o.minibatchSize, B);
    const order = new Int32Array(B);
    for (let i = 0; i < B; i++) order[i] = i;
    const xObs = new Float32Array(mb * d);
    const xMask = new Float32Array(mb * a);
    const xAct = new Int32Array(mb);
    const xLogp = new Float32Array(mb);
    const xAdv = new Float32Array(mb);
    const xRet = new Float32Array(mb);
    const totals = new Float64Array(5);
    let batches = 0;
    const variables = this.net.variables;
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      this.#rng.shuffle(order);
      for (let start = 0; start + mb <= B; start += mb) {
        let advMean = 0;
        for (let k = 0; k < mb; k++) {
          const idx = order[start + k]!;
          xObs.set(r.obsBuf.subarray(idx * d, idx * d + d), k * d);
          for (let j = 0; j < a; j++) xMask[k * a + j] = r.maskBuf[idx * a + j]!;
          xAct[k] = r.actBuf[idx]!;
          xLogp[k] = r.logpBuf[idx]!;
          xAdv[k] = r.advBuf[idx]!;
          xRet[k] = r.retBuf[idx]!;
          advMean += xAdv[k]!;
        }
        advMean /= mb;
        let advVar = 0;
        for (let k = 0; k < mb; k++) advVar += (xAdv[k]! - advMean) ** 2;
        const advStd = Math.sqrt(advVar / mb) + 1e-8;
        for (let k = 0; k < mb; k++) xAdv[k] = (xAdv[k]! - advMean) / advStd;

        const statsTensor = tf.tidy(() => {
          const obs = tf.tensor2d(xObs, [mb, d]);
          const maskPenalty = tf.mul(tf.sub(tf.tensor2d(xMask, [mb, a]), 1), 1e9);
          const oneHot = tf.oneHot(tf.tensor1d(xAct, 'int32'), a);
          const oldLogp = tf.tensor1d(xLogp);
          const adv = tf.tensor1d(xAdv);
          const ret = tf.tensor1d(xRet);
          const parts: tfjs.Scalar[] = [];
          const { value: _loss, grads } = tf.variableGrads(() => {
            const out = forward(tf, this.net, obs);
            const logp = tf.logSoftmax(tf.add(out.logits, maskPenalty));
            const actLogp = tf.sum(tf.mul(logp, oneHot), 1);
            const logRatio = tf.sub(actLogp, oldLogp);
            const ratio = tf.exp(logRatio);
            const surrogate = tf.minimum(tf.mul(ratio, adv), tf.mul(tf.clipByValue(ratio, 1 - o.clipRange, 1 + o.clipRange), adv));
            const policyLoss = tf.neg(tf.mean(surrogate)) as tfjs.Scalar;
            const valueLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(out.value, ret)))) as tfjs.Scalar;
            const entropy = tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(logp), logp), 1))) as tfjs.Scalar;
            const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)) as tfjs.Scalar;
            const clipFraction = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), o.clipRange), 'float32')) as tfjs.Scalar;
            // Kept past variableGrads' internal tidy; disposed below once stacked.
            parts.push(...[policyLoss, valueLoss, entropy, approxKl, clipFraction].map((t) => tf.keep(t)));
            return tf.sub(tf.add(policyLoss, tf.mul(o.valueCoef, valueLoss)), tf.mul(o.entropyCoef, entropy)) as tfjs.Scalar;
          }, variables as tfjs.Variable[]);
          const names = variables.map((v) => v.name);
          const gradList = names.map((name) => grads[name]!);
          const globalNorm = tf.sqrt(tf.addN(gradList.map((g) => tf.sum(tf.square(g)))));
          const scale = tf.minimum(1, tf.div(o.maxGradNorm, tf.add(globalNorm, 1e-6)));
          const clipped: tfjs.NamedTensorMap = {};
          names.forEach((name, i) => (clipped[name] = tf.mul(gradList[i]!, scale)));
          this.#optimizer.applyGradients(clipped);
          const stacked = tf.stack(parts);
          for (const p of parts) p.dispose();
          return stacked;
        });
        const s = statsTensor.dataSync();
        statsTensor.dispose();
        for (let j = 0; j < 5; j++) totals[j]! += s[j]!;
        batches++;
      }
    }
    const k = Math.max(batches, 1);
    return {
      policyLoss: totals[0]! / k,
      valueLoss: totals[1]! / k,
      entropy: totals[2]! / k,
      approxKl: totals[3]! / k,
      clipFraction: totals[4]! / k,
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
        adamBetaPowers: this.#optimizer.betaPowers(),
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
    if (this.normalizer && norm) this.normalizer.restore(norm);
    const named = this.tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, state.optimizerWeights);
    await this.#optimizer.setWeights(Object.entries(named).map(([name, tensor]) => ({ name, tensor })));
    if (state.adamBetaPowers) this.#optimizer.setBetaPowers(state.adamBetaPowers);
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
    const normFile = path.join(dir, NORMALIZER_JSON);
    if (this.normalizer && existsSync(normFile)) {
      const saved = JSON.parse(readFileSync(normFile, 'utf8')) as NormalizerState | null;
      if (saved) this.normalizer.restore(saved);
    }
  }

  dispose(): void {
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
