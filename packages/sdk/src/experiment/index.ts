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
export { timeSplit, SplitError, type Fold, type TimeSplitOptions } from './split.ts';
export { barsPerYear, computeMetrics, drawdownSeries, type PolicyMetrics } from './metrics.ts';
export { evaluatePolicies, type EvaluateOptions, type EvaluatedPolicy, type PolicyFactory } from './evaluate.ts';
export { BASELINE_NAMES, buyAndHoldPolicy, flatPolicy, randomPolicy, type BaselineName } from './baselines.ts';
export { equitySvg, SERIES_COLORS, type Series } from './svg.ts';
export { reportHtml, type ReportInput } from './report.ts';
export { applyOverrides, isPluginOverride, parseOverride, OverrideError, type ParsedOverride } from './overrides.ts';
