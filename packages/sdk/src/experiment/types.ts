/**
 * A trainer registered by a `trainer` plugin. The experiment runner owns the env and the archive;
 * the trainer owns the learning algorithm. Its detailed types live with the runner.
 */
export interface TrainerDefinition {
  /** e.g. `ppo`. */
  readonly name: string;
  /** Opaque to the SDK core; the experiment runner narrows it. */
  readonly create: (...args: never[]) => unknown;
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
  readonly status: 'complete' | 'failed';
}
