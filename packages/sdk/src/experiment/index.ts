// Public API of src/experiment: explicit named exports only.
export type { RunInfo, RunSummary, TrainerDefinition, TrainerRegistry } from './types.ts';
