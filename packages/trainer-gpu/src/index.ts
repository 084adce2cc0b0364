export { ppo, ppoSession, ppoTrainerDefinition, resolvePpoOptions, PACKAGE_NAME, PACKAGE_VERSION } from './plugin.ts';
export { PpoTrainer, computeGae, argmaxMasked, sampleMasked, NORMALIZER_JSON } from './ppo.ts';
export type { CreatePpoOptions, PpoProgress, PpoTrainOptions, PpoTrainResult } from './ppo.ts';
export { PpoOptionsSchema, type PpoOptions } from './options.ts';
export {
  BACKEND_NAMES,
  BackendUnavailableError,
  describeBackend,
  selectBackend,
  wasmBinaryDir,
  type BackendAttempt,
  type BackendName,
  type ConcreteBackend,
  type SelectedBackend,
} from './backend.ts';
export { describeAdapter, probeWebgpu, WEBGPU_BACKEND_PACKAGE, WEBGPU_PACKAGE, type GpuAdapter, type WebgpuProbe } from './webgpu.ts';
export { fileSystemHandler, writeFileAtomic, MODEL_JSON, WEIGHTS_BIN } from './fsIO.ts';
export { buildActorCritic, orthogonal, type ActorCritic, type NetworkShape } from './model.ts';
export { RunningNormalizer, RewardScaler, type NormalizerState } from './normalizer.ts';
export { Rng, deriveSeed } from './rng.ts';
export { SignalMarketEnv, SIGNAL_ACTIONS, type SignalMarketOptions } from './signalMarket.ts';
