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
export { runExperiment, RunError, RunCancelledError, type RunEvent, type RunExperimentOptions, type RunResult } from './runner.ts';
export {
  CHECKPOINTS_DIR,
  CONFIG_JSON,
  EQUITY_SVG,
  LEDGER_PARQUET,
  METRICS_JSON,
  MODEL_DIR,
  REPORT_HTML,
  RUN_JSON,
  TRADES_PARQUET,
  TRAIN_PARQUET,
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
export { barsPerYear, computeMetrics, drawdownSeries, type MetricsInput, type PolicyMetrics } from './metrics.ts';
export { buyAndHoldSpec, createTestContexts, evaluatePolicies, randomReturns, type EvaluateOptions, type EvaluatedPolicy, type PolicyFactory, type PolicySpec, type TestContexts } from './evaluate.ts';
export { BASELINE_NAMES, REFERENCE_BUY_ACTION, alwaysLongPolicy, buyAndHoldEpisode, flatPolicy, guardLeverage, randomPolicy, type BaselineName } from './baselines.ts';
export { behaviourSummary, type Behaviour } from './behaviour.ts';
export { chainFolds } from './chain.ts';
export { learningCurvesSvg, priceSvg, type Curve, type PriceChartInput } from './charts.ts';
export { DAILY_ANNUALISATION, dailyReturns, dailySharpe, dailySortino, type DailyReturns } from './daily.ts';
export { AGENT, RANDOM_SPREAD_SEEDS, ledgerTable, summarizeEvaluation, writeEvaluation, type FoldEvaluation, type PolicyResult, type RunMetrics, type Summary, type SummaryInput } from './results.ts';
export { bootstrapExcessReturn, percentile, type ExcessReturnInterval } from './significance.ts';
export { TrainLog } from './trainLog.ts';
export { deriveTrades, tradesTable, type DeriveTradesInput, type ExitReason, type Trade } from './trades.ts';
export { assessResult, DEFAULT_WARNING_THRESHOLDS, type AssessInput, type ResultWarning, type WarningThresholds } from './warnings.ts';
export { equitySvg, SERIES_COLORS, type Series } from './svg.ts';
export { POLICY_LABELS, reportHtml, type PolicySummary, type ReportInput } from './report.ts';
export { applyOverrides, isPluginOverride, parseOverride, OverrideError, type ParsedOverride } from './overrides.ts';
