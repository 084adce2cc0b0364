import { InvalidActionError } from './actionSpace.ts';
import { createEnvContext, EnvConfigError, type CreateEnvOptions, type EnvContext } from './context.ts';
import { deriveSeed } from './rng.ts';
import { STEP_TERMINATED, STEP_TRUNCATED, TradingEnv } from './TradingEnv.ts';
import type { VecEnvLike } from './types.ts';

/**
 * N environments over one dataset stepping in lockstep. Every sub-env writes its observation and
 * mask straight into a row of the shared buffers; a sub-env whose episode ends is reset at once
 * (its generator continues), so after `step` its row already holds the new episode's first
 * observation, while `rewards`, `terminated`, `truncated` and `finalEquity` describe the step that ended.
 */
export class VecEnv implements VecEnvLike {
  readonly numEnvs: number;
  readonly observationSize: number;
  readonly numActions: number;
  readonly observations: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly masks: Uint8Array;
  /** Equity after the last step, before any auto-reset (the final equity of an ended episode). */
  readonly finalEquity: Float64Array;
  readonly envs: readonly TradingEnv[];
  readonly context: EnvContext;

  constructor(context: EnvContext, numEnvs: number, seed = 0) {
    if (!Number.isInteger(numEnvs) || numEnvs < 1) throw new EnvConfigError(`numEnvs must be a positive integer, got ${numEnvs}`);
    this.context = context;
    this.numEnvs = numEnvs;
    this.observationSize = context.observationSize;
    this.numActions = context.actionSpace.n;
    this.observations = new Float32Array(numEnvs * this.observationSize);
    this.rewards = new Float32Array(numEnvs);
    this.terminated = new Uint8Array(numEnvs);
    this.truncated = new Uint8Array(numEnvs);
    this.masks = new Uint8Array(numEnvs * this.numActions);
    this.finalEquity = new Float64Array(numEnvs);
    const envs: TradingEnv[] = [];
    for (let k = 0; k < numEnvs; k++) {
      envs.push(
        new TradingEnv(context, {
          observation: this.observations.subarray(k * this.observationSize, (k + 1) * this.observationSize),
          mask: this.masks.subarray(k * this.numActions, (k + 1) * this.numActions),
          envIndex: k,
          seed: deriveSeed(seed, k),
        }),
      );
    }
    this.envs = envs;
  }

  reset(seed: number): void {
    const envs = this.envs;
    for (let k = 0; k < envs.length; k++) {
      (envs[k] as TradingEnv).reset({ seed: deriveSeed(seed, k) });
      this.finalEquity[k] = this.context.params.initialCash;
    }
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
  }

  step(actions: Int32Array): void {
    const envs = this.envs;
    const n = envs.length;
    if (actions.length < n) throw new EnvConfigError(`step: expected ${n} actions, got ${actions.length}`);
    // Check every action before stepping any env, so a refused action leaves all of them untouched.
    const numActions = this.numActions;
    const masks = this.masks;
    for (let k = 0; k < n; k++) {
      const a = actions[k] as number;
      if (!(a >= 0 && a < numActions) || masks[k * numActions + a] !== 1) {
        throw new InvalidActionError(`env ${k}: action ${a} is ${a >= 0 && a < numActions ? 'masked in its current state' : `outside Discrete(${numActions})`}; nothing was stepped`);
      }
    }
    for (let k = 0; k < n; k++) {
      const env = envs[k] as TradingEnv;
      const status = env.advance(actions[k] as number);
      this.rewards[k] = env.lastReward;
      this.finalEquity[k] = env.equity;
      this.terminated[k] = status === STEP_TERMINATED ? 1 : 0;
      this.truncated[k] = status === STEP_TRUNCATED ? 1 : 0;
      if (status !== 0) env.reset();
    }
  }
}

export interface CreateVecEnvOptions extends CreateEnvOptions {
  numEnvs: number;
}

/**
 * Builds the shared context once (one engine, one feature store) and `numEnvs` envs over it.
 * Training rarely needs per-step ledgers, so they are off unless `recordLedger: true`.
 */
export async function createVecEnv(options: CreateVecEnvOptions): Promise<VecEnv> {
  const context = await createEnvContext({ ...options, recordLedger: options.recordLedger ?? false });
  return new VecEnv(context, options.numEnvs, options.seed ?? 0);
}
