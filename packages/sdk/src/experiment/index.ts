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
export { runExperiment, RunError, AGENT, type RunEvent, type RunExperimentOptions, type RunMetrics, type RunResult } from './runner.ts';
export {
  CHECKPOINTS_DIR,
  CONFIG_JSON,
  EQUITY_SVG,
  LEDGER_PARQUET,
  METRICS_JSON,
  MODEL_DIR,
  REPORT_HTML,
  RUN_JSON,
  RunArchiveError,
  newRunId,
  readRunRecord,
  resolveRunDir,
  type RunRecord,
  type RunStatus,
} from './archive.ts';
export { acquireRunLock, readRunLock, RunLock, RunLockedError, RUN_LOCK, type HolderState, type RunLockInfo } from './lock.ts';
export { CANCEL_REQUEST, createRunFolder, openRunFolder, RunFolder, sweepTempFiles, type CreateRunFolderOptions } from './runFolder.ts';
export { cancelRun, listRuns, readRunStatus, type CancelRunOptions, type RunState, type RunStatusInfo } from './status.ts';
export { ensureDirectory, FileSystemError, toFileSystemError, withFileContext } from './fsErrors.ts';
export { faultPoint, FAULT_ENV, WRITE_POINTS, type WritePoint } from './faults.ts';
export { timeSplit, SplitError, type Fold, type TimeSplitOptions } from './split.ts';
export { barsPerYear, computeMetrics, drawdownSeries, type PolicyMetrics } from './metrics.ts';
export { evaluatePolicies, type EvaluateOptions, type EvaluatedPolicy, type PolicyFactory } from './evaluate.ts';
export { BASELINE_NAMES, buyAndHoldPolicy, flatPolicy, randomPolicy, type BaselineName } from './baselines.ts';
export { equitySvg, SERIES_COLORS, type Series } from './svg.ts';
export { reportHtml, type ReportInput } from './report.ts';
export { applyOverrides, parseOverride, OverrideError } from './overrides.ts';
