/**
 * The batched environment surface a trainer consumes. Buffers are preallocated and updated in
 * place by `reset` and `step`; finished sub-envs auto-reset, and `observations` then already holds
 * the first observation of the new episode (the final one of the old episode is not kept).
 */
export interface VecEnvLike {
  readonly numEnvs: number;
  readonly observationSize: number;
  readonly numActions: number;
  /** numEnvs × observationSize, row-major. */
  readonly observations: Float32Array;
  /** Reward of the last step, per env. */
  readonly rewards: Float32Array;
  /** 1 where the last step ended the episode by ruin or the end of the data. */
  readonly terminated: Uint8Array;
  /** 1 where the last step hit the episode length limit. */
  readonly truncated: Uint8Array;
  /** numEnvs × numActions; 1 = action allowed in the current state. */
  readonly masks: Uint8Array;
  /** Resets every sub-env; sub-env i uses a seed derived from `seed` and i. */
  reset(seed: number): void;
  /** Steps every sub-env with `actions[i]`; masked actions throw. */
  step(actions: Int32Array): void;
}

/** Options of `TradingEnv.reset`. */
export interface ResetOptions {
  /** Reseeds the env's own generator; without it the generator continues. */
  seed?: number;
  /**
   * Start the episode on this bar (the first observation is of this bar) instead of a random one.
   * Such an episode is an evaluation: it runs to `endIndex` and is never truncated by `episodeLength`.
   */
  startIndex?: number;
  /** Last bar of the episode (inclusive), at most the end of the env's range (`range.end`); defaults to that end. */
  endIndex?: number;
}

/**
 * Live account and bookkeeping of an env: read-only getters over its current state, so the values
 * change with every step and reset (copy what you keep, e.g. `{ ...info }`).
 */
export interface EnvInfo {
  /** Bar the current observation is of. */
  readonly index: number;
  readonly time: number;
  /** Steps taken in this episode. */
  readonly step: number;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly equity: number;
  readonly cash: number;
  readonly position: number;
  readonly entryPrice: number;
  /** NaN when flat. */
  readonly stopPrice: number;
  readonly barsInPosition: number;
  readonly totalFees: number;
  /** Orders rejected in the last step (e.g. by the risk guard below minQty) and the last reason. */
  readonly rejected: number;
  readonly lastRejectReason: string;
  readonly stopTriggered: number;
  readonly stopGapped: number;
  /** Loss of a stopped trade beyond the loss the guard planned: a gap through the stop (the planned loss includes the stop's slippage). */
  readonly stopExcess: number;
  /** 1 when the episode ended by ruin (equity at or below `initialCash × (1 − ruinDrawdown)`). */
  readonly ruined: number;
}

export interface ResetResult {
  readonly observation: Float32Array;
  readonly info: EnvInfo;
}

/** Gymnasium's step tuple as one reused object. */
export interface StepResult {
  readonly observation: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  readonly info: EnvInfo;
}

/** A deterministic policy: picks an allowed action from the observation and the action mask. */
export type Policy = (observation: Float32Array, mask: Uint8Array, info: EnvInfo) => number;
