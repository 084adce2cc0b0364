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
