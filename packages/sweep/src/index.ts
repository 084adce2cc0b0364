// Public API of @tradecore/sweep: explicit named exports only.
export { SweepError } from './errors.ts';
export {
  expandSettings,
  parseDistribution,
  parseGridFlag,
  parseParamFlag,
  parseSeeds,
  resolveSpec,
  settingOverrides,
  type Distribution,
  type Setting,
  type SweepFlags,
  type SweepSpec,
} from './spec.ts';
export { canonicalJson, configHash, datasetChecksum, sweepId, trialId, type TrialIdentity } from './identity.ts';
export { clearProjectCache, loadProject, planSweep, type PlanOptions, type Project, type SweepPlan, type TrialJob } from './plan.ts';
export {
  CheckpointMirror,
  downloadCheckpoints,
  downloadResumeState,
  downloadRunArchive,
  readStoredMetrics,
  RUNS_PREFIX,
  runKey,
  storedRunState,
  SWEEPS_PREFIX,
  uploadRunArchive,
  type StoredRunRecord,
  type StoredRunState,
} from './archive.ts';
export { LocalStore, openStore, parseS3Url, S3Store, sha256OfFile, type ArtifactStore, type PutResult, type S3Location, type S3StoreOptions, type StoredObject } from './store/index.ts';
export { runTrial, type TrialEvent, type TrialResult, type TrialRuntime } from './trial.ts';
export { LocalPool, type PoolHooks, type PoolOptions, type PoolOutcome } from './pool.ts';
export { formatDuration, progressLine, SweepTracker, type SweepStatusFile, type TrackerOptions, type TrialState, type TrialStatus } from './status.ts';
export {
  buildSummary,
  rankedSettings,
  ranksBefore,
  SELECTION_ALTERNATIVES,
  SELECTION_WARNING,
  stat,
  summaryJson,
  type Stat,
  type SummarySettingRow,
  type SummaryTrialRow,
  type SweepSummary,
  type TrialOutcome,
} from './summary.ts';
export { summaryHtml } from './summaryHtml.ts';
export { runSweep, storedOutcomes, sweepDir, writeSummary, SUMMARY_HTML, SUMMARY_JSON, SWEEP_JSON, type RunSweepOptions, type SweepRun } from './sweep.ts';
export {
  connect,
  redactUrl,
  runQueueSweep,
  startWorker,
  SWEEPS_QUEUE,
  TRIALS_QUEUE,
  type QueueSweepOptions,
  type SweepJobData,
  type SweepWorker,
  type TrialJobData,
  type WorkerOptions,
} from './queue.ts';
export { k8sWorkerJob, type K8sJobOptions } from './k8s.ts';
export { pullRuns, type PullOptions, type PullResult } from './pull.ts';
export { isRunning, redactSecrets, RUNPOD_GRAPHQL_URL, RUNPOD_REST_URL, RunPodClient, RunPodError, type CreatePodRequest, type PrintedRequest, type RunPodClientOptions, type RunPodPod } from './runpod/client.ts';
export { DEFAULT_PASS_ENV, POD_PREFIX, podRequest, podsDown, podsLs, podsUp, waitUntilDrained, type PodsUpOptions } from './runpod/pods.ts';
