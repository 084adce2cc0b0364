// Public API of src/experiment: explicit named exports only.
export type {
  RunInfo,
  RunSummary,
  TrainedPolicy,
  TrainerCreateContext,
  TrainerDefinition,
  TrainerPlan,
  TrainerRegistry,
  TrainerSession,
  TrainOutcome,
  TrainProgress,
  TrainRequest,
} from './types.ts';
