// Public API of src/env: explicit named exports only.
export type { EnvInfo, Policy, ResetOptions, ResetResult, StepResult, VecEnvLike } from './types.ts';
export {
  buildMasks,
  createActionSpace,
  InvalidActionError,
  POSITION_STATE,
  type Action,
  type ActionSpace,
} from './actionSpace.ts';
export { ACCOUNT_FEATURES, createEnvContext, EnvConfigError, type CreateEnvOptions, type EnvContext } from './context.ts';
export { Rng, deriveSeed } from './rng.ts';
export { STEP_TERMINATED, STEP_TRUNCATED, TradingEnv, createEnv, type TradingEnvOptions } from './TradingEnv.ts';
export { VecEnv, createVecEnv, type CreateVecEnvOptions } from './VecEnv.ts';
export { runEpisode, type EpisodeRange, type EpisodeResult } from './runEpisode.ts';
