import type { VecEnvLike } from '../env/types.ts';

/** Progress of a training run, reported after every update. */
export interface TrainProgress {
  readonly steps: number;
  readonly totalSteps: number;
  /** Mean raw return of recent finished episodes (NaN before the first ends). */
  readonly meanEpisodeReturn: number;
  /** Mean raw reward per env step in the last rollout. */
  readonly meanStepReward: number;
  readonly stepsPerSecond: number;
  /** Algorithm-specific numbers (losses, entropy, learning rate...). */
  readonly stats?: Readonly<Record<string, number>>;
}

export interface TrainRequest {
  readonly env: VecEnvLike;
  readonly onProgress?: (progress: TrainProgress) => void;
  /**
   * Folder for periodic checkpoints; training resumes from the latest usable one found there when `resume`
   * is set. A checkpoint is never removed before its successor is complete.
   */
  readonly checkpointDir: string;
  readonly resume?: boolean;
  /** Called when training continues from a checkpoint, before the first update: which one, at which step. */
  readonly onResume?: (from: { readonly checkpoint: string; readonly steps: number }) => void;
  readonly signal?: AbortSignal;
}

export interface TrainOutcome {
  readonly steps: number;
  readonly seconds: number;
  readonly stepsPerSecond: number;
  /** Steps already done by the checkpoint it resumed from (0 for a fresh run). */
  readonly resumedFromSteps: number;
  /** The checkpoint folder it resumed from, when it did. */
  readonly resumedFrom?: string;
}

/** A trained (or loaded) policy. */
export interface TrainedPolicy {
  /**
   * Writes the deterministic action for each of `count` rows of raw observations
   * (row-major, `observationSize` wide) into `actions`, choosing only allowed actions.
   */
  act(observations: Float32Array, masks: Uint8Array, count: number, actions: Int32Array): void;
}

/** One trainer instance bound to an observation/action space. */
export interface TrainerSession extends TrainedPolicy {
  /** The compute backend that runs, e.g. `wasm`. */
  readonly backend: string;
  /** Why that backend: one entry per candidate tried. */
  readonly backendReport: readonly { readonly backend: string; readonly status: string; readonly reason: string }[];
  /** Versions of the compute libraries it runs on (e.g. `@tensorflow/tfjs-core`), recorded in run.json. */
  readonly runtimeVersions?: Readonly<Record<string, string>>;
  train(request: TrainRequest): Promise<TrainOutcome>;
  /** Writes the model (and anything needed to run it) into `dir`. */
  saveModel(dir: string): Promise<void>;
  /** Loads weights written by `saveModel`. */
  loadModel(dir: string): Promise<void>;
  dispose(): void;
}

/** What the runner needs to know before it builds the env. */
export interface TrainerPlan {
  readonly numEnvs: number;
  readonly totalSteps: number;
  /** The resolved options, recorded in the archive. */
  readonly options: Readonly<Record<string, unknown>>;
}

export interface TrainerCreateContext {
  readonly observationSize: number;
  readonly numActions: number;
  readonly seed: number;
  /** `trainer` section of the config: overrides of the plugin's options. */
  readonly overrides: Readonly<Record<string, unknown>>;
  readonly log: (line: string) => void;
}

/**
 * A trainer registered by a `trainer` plugin through `hooks.trainer`. The experiment runner owns
 * the env and the archive; the trainer owns the learning algorithm and its compute backend.
 */
export interface TrainerDefinition {
  /** e.g. `ppo`. */
  readonly name: string;
  /** Resolves the options (plugin options + config overrides) without starting any backend. */
  plan(overrides: Readonly<Record<string, unknown>>): TrainerPlan;
  create(context: TrainerCreateContext): Promise<TrainerSession>;
}

export interface TrainerRegistry {
  add(trainer: TrainerDefinition): void;
}

export interface RunInfo {
  readonly id: string;
  readonly dir: string;
  readonly seed: number;
}

export interface RunSummary extends RunInfo {
  readonly status: 'complete' | 'failed' | 'cancelled';
}
