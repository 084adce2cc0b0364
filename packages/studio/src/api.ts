/**
 * The studio's HTTP API as types, shared by the server and the browser client (no runtime code, no Node
 * imports). Every path below is under `/api`.
 */

/** One `path: message` problem, as `tradecore validate` prints it. */
export interface ApiIssue {
  readonly path: string;
  readonly message: string;
  /** The line `tradecore validate` prints for it (`plugins[3] (@tradecore/plugin-risk-guard) riskPct: must be <= 1`). */
  readonly line?: string;
}

/** Every error body: a short message, and for invalid input the problems one per line. */
export interface ApiError {
  readonly error: string;
  readonly issues?: readonly ApiIssue[];
}

/** What the panel shows for a run. `interrupted`: `run.json` says running but its process is gone. */
export type RunStatus = 'running' | 'complete' | 'failed' | 'cancelled' | 'interrupted';

/** The agent's headline numbers; `null` where a ratio is undefined (no closed trade for the win rate…). */
export interface RunMetricsSummary {
  /** `metrics.json` format: 2 (warnings, significance, trades.parquet) or the older 1. */
  readonly format: 1 | 2;
  readonly totalReturn: number | null;
  readonly sharpe: number | null;
  readonly maxDrawdown: number | null;
  readonly trades: number | null;
  readonly winRate: number | null;
  readonly feeDrag: number | null;
  readonly stopOutShare: number | null;
  /** Buy & hold's return over the same test bars, for context. */
  readonly buyAndHoldReturn: number | null;
  /** Kinds of the result's warnings (`few-trades`, `not-significant`…); empty for format 1. */
  readonly warnings: readonly string[];
}

export interface RunProgress {
  readonly fold: number;
  readonly folds: number;
  readonly steps: number;
  readonly totalSteps: number;
  readonly stepsPerSecond: number | null;
  readonly meanEpisodeReturn: number | null;
  readonly etaSeconds: number | null;
  /** Losses, entropy, learning rate… when the trainer reports them. */
  readonly stats: Readonly<Record<string, number>>;
}

/** A row of the Runs page: `GET /api/runs`. */
export interface RunRow {
  readonly id: string;
  readonly status: RunStatus;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  /** Wall time so far (running) or in total, in seconds. */
  readonly seconds: number | null;
  readonly dataset: string | null;
  readonly seed: number;
  readonly backend: string | null;
  readonly trainer: string | null;
  readonly totalSteps: number | null;
  readonly progress: RunProgress | null;
  readonly metrics: RunMetricsSummary | null;
  readonly error: string | null;
  readonly resumes: number;
  /** Started from this panel (its log and training curves are kept). */
  readonly launched: boolean;
  readonly canCancel: boolean;
  readonly canResume: boolean;
}

export interface RunList {
  readonly runs: readonly RunRow[];
  /** Folders under the runs folder that are not readable runs, with the reason. */
  readonly skipped: readonly { readonly name: string; readonly reason: string }[];
}

/** One policy's numbers from `metrics.json`: numbers, `null` where undefined, and (format 2) its `behaviour`. */
export type PolicyMetrics = Readonly<Record<string, number | null | Readonly<Record<string, unknown>>>>;

/** The agent's excess return over one baseline with its block-bootstrap 95 % interval (format 2). */
export interface ExcessReturn {
  readonly excessReturn: number;
  readonly low: number;
  readonly high: number;
  readonly shareAhead: number;
  readonly days: number;
}

/**
 * `metrics.json` as the panel reads it. Format 2 (`tradecore-metrics/2`) has everything; format 1 (archives of
 * older versions) only `policies` (mean over folds) and `folds`: the panel shows it with a note instead of the
 * warnings and significance it lacks.
 */
export interface RunMetricsFile {
  readonly format: 'tradecore-metrics/2' | 'tradecore-metrics/1';
  readonly policies: Readonly<Record<string, PolicyMetrics>>;
  readonly folds: readonly { readonly split: Readonly<Record<string, number>>; readonly policies: Readonly<Record<string, PolicyMetrics>> }[];
  readonly randomSpread?: { readonly seeds: number; readonly p05: number; readonly p50: number; readonly p95: number };
  readonly significance?: Readonly<Record<string, ExcessReturn>>;
  readonly warnings?: readonly { readonly kind: string; readonly message: string }[];
}

/** `GET /api/runs/:id`. */
export interface RunDetail {
  readonly row: RunRow;
  readonly record: Readonly<Record<string, unknown>>;
  readonly config: Readonly<Record<string, unknown>> | null;
  /** `null` when the run has none yet (or it is not a metrics file the panel can read: see `metricsProblem`). */
  readonly metrics: RunMetricsFile | null;
  /** Why `metrics.json` is not shown, or what an older format lacks. */
  readonly metricsProblem: string | null;
  readonly files: readonly string[];
  readonly hasLedger: boolean;
  readonly hasTrainStats: boolean;
  /** The archive has `trades.parquet` (format 2): `GET /api/runs/:id/trades`. */
  readonly hasTrades: boolean;
}

/** Training curve points: `GET /api/runs/:id/training`. Columns of equal length. */
export interface TrainingCurves {
  readonly source: 'train.parquet' | 'launch log' | 'none';
  readonly steps: readonly number[];
  readonly series: Readonly<Record<string, readonly (number | null)[]>>;
}

/** One round trip of the agent from `trades.parquet`: `GET /api/runs/:id/trades`. Times in ms. */
export interface TradeRow {
  readonly fold: number;
  readonly trade: number;
  readonly side: 'long' | 'short';
  readonly qty: number;
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly entryType: string;
  readonly stopPrice: number;
  readonly exitTime: number;
  readonly exitPrice: number;
  /** `stop`, `close`, `reversal`, or `end` (still open when the test ended, marked to the last close). */
  readonly exitReason: string;
  readonly stopGapped: boolean;
  readonly fees: number;
  readonly pnl: number;
  readonly returnPct: number;
  readonly barsHeld: number;
  readonly open: boolean;
}

export interface TradeList {
  readonly id: string;
  /** Every trade, in time order (fold after fold), up to `limit`. */
  readonly trades: readonly TradeRow[];
  readonly total: number;
}

/** `GET /api/runs/:id/equity`: the agent's chained return and drawdown (%) over the test bars of every fold. */
export interface EquityCurve {
  readonly id: string;
  readonly time: readonly number[];
  readonly returnPct: readonly number[];
  readonly drawdownPct: readonly number[];
}

/** `GET /api/compare?ids=a,b`. */
export interface Comparison {
  readonly runs: readonly RunDetail[];
  /** Only the config keys whose values differ between the runs, dotted paths → value per run. */
  readonly configDiff: readonly { readonly path: string; readonly values: readonly unknown[] }[];
  readonly curves: readonly EquityCurve[];
}

/** Live events on `GET /api/events` (Server-Sent Events; `event:` is the `type`). */
export type StudioEvent =
  | { readonly type: 'run'; readonly row: RunRow }
  | { readonly type: 'run-removed'; readonly id: string }
  | { readonly type: 'progress'; readonly id: string; readonly progress: RunProgress; readonly at: number }
  | { readonly type: 'log'; readonly id: string; readonly message: string; readonly at: number }
  | { readonly type: 'launch'; readonly launchId: string; readonly runId: string | null; readonly state: 'started' | 'failed'; readonly message?: string }
  | { readonly type: 'pull'; readonly pull: PullState };

export interface DatasetSummary {
  readonly id: string;
  readonly description: string | null;
  readonly source: string;
  readonly symbol: string;
  readonly timeframe: string;
  readonly synthetic: boolean;
  readonly rows: number;
  readonly firstTime: string;
  readonly lastTime: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly partitions: readonly { readonly path: string; readonly rows: number; readonly bytes: number; readonly sha256: string; readonly firstTime: string; readonly lastTime: string }[];
  readonly compression: string;
  readonly createdBy: string;
}

export interface DatasetList {
  readonly datasets: readonly DatasetSummary[];
  readonly invalid: readonly { readonly file: string; readonly error: string }[];
}

/** `GET /api/datasets/:id/validation`. */
export interface DatasetValidation {
  readonly ok: boolean;
  readonly stats: {
    readonly rows: number;
    readonly gaps: { readonly count: number; readonly missingBars: number; readonly largestMs: number; readonly largestAt: string | null };
    readonly duplicates: number;
    readonly ohlcViolations: number;
    readonly nonFinite: number;
    readonly zeroVolumeBars: number;
    readonly zeroVolumeShare: number;
    readonly flatBars: number;
  };
  readonly errors: readonly { readonly kind: string; readonly message: string }[];
  readonly warnings: readonly { readonly kind: string; readonly message: string }[];
  readonly seconds: number;
}

/** `GET /api/datasets/:id/candles`: OHLCV columns, aggregated into buckets when the range holds more bars than `max`. */
export interface CandleData {
  readonly id: string;
  readonly from: number;
  readonly to: number;
  /** Bars per candle (1 = not aggregated). */
  readonly bucket: number;
  readonly time: readonly number[];
  readonly open: readonly number[];
  readonly high: readonly number[];
  readonly low: readonly number[];
  readonly close: readonly number[];
  readonly volume: readonly number[];
  readonly totalBars: number;
}

/** A JSON Schema node as the forms read it. */
export interface JsonSchema {
  readonly type?: string;
  readonly title?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly minItems?: number;
  readonly pattern?: string;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly JsonSchema[];
  readonly items?: JsonSchema;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
}

/** An installed plugin the Control page can configure. */
export interface PluginInfo {
  /** Name a config gives it: `vwap`, `risk-guard`, `trainer-gpu`, `risk-guard:trailing-stop`. */
  readonly name: string;
  /** The plugin's own name (its package name, or `<package>:<sub>`), as the archive's config.json lists it. */
  readonly pluginName: string;
  readonly packageName: string;
  readonly version: string;
  readonly description: string;
  readonly kind: string;
  readonly optionsSchema: JsonSchema | null;
}

/** A plugin entry of the data-shaped config. */
export interface PluginEntry {
  readonly name: string;
  readonly enabled?: boolean;
  readonly options?: Readonly<Record<string, unknown>>;
}

/** The data-shaped config the Control page edits and launches (the same shape a JSON config file has). */
export interface StudioConfig {
  readonly dataset: string;
  readonly plugins: readonly PluginEntry[];
  readonly execution?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, unknown>>;
  readonly trainer?: Readonly<Record<string, unknown>>;
  readonly run?: Readonly<Record<string, unknown>>;
}

/** `GET /api/control`: everything the Control page needs to build its forms. */
export interface ControlState {
  /** The config the panel starts from (the `--config` file as data, or the defaults). */
  readonly config: StudioConfig;
  readonly configFile: string | null;
  readonly plugins: readonly PluginInfo[];
  /** JSON Schemas of the config sections (execution, env, run…). */
  readonly sections: Readonly<Record<string, JsonSchema>>;
  readonly datasets: readonly string[];
  readonly toolManifests: readonly string[];
  /** Problems reading the starting config (it is then replaced by defaults). */
  readonly warnings: readonly string[];
}

/** `GET /api/tools/:name`: a tool manifest with the version a save must name. */
export interface ToolManifestFile {
  readonly name: string;
  readonly manifest: { readonly tools: readonly PluginEntry[] };
  readonly version: string;
}

/** A saved file: its path (relative to the project) and new version. */
export interface SavedFile {
  readonly file: string;
  readonly version: string;
}

/** `POST /api/validate`. */
export interface ValidationResult {
  readonly ok: boolean;
  readonly issues: readonly ApiIssue[];
  /** What was checked, for a clean result. */
  readonly summary: readonly string[];
}

/** `POST /api/runs` and `POST /api/runs/:id/resume`. */
export interface LaunchResult {
  readonly launchId: string;
  /** Known once the run has created its archive (usually within a few seconds). */
  readonly runId: string | null;
  readonly pid: number;
}

export interface ServerInfo {
  readonly version: string;
  readonly root: string;
  readonly dataDir: string;
  readonly runsDir: string;
  readonly importsDir: string;
  readonly ingest: boolean;
  readonly tokenRequired: boolean;
}

/** Column types of the replay payload. */
export type ReplayDtype = 'f64' | 'i32' | 'u8';

export interface ReplayColumn {
  readonly name: string;
  readonly dtype: ReplayDtype;
  /** Byte offset from the start of the column data. */
  readonly offset: number;
}

/** Header of `GET /api/runs/:id/replay` (binary: u32 LE header length, header JSON, padding, columns). */
export interface ReplayHeader {
  readonly runId: string;
  readonly fold: number;
  readonly folds: readonly number[];
  readonly rows: number;
  readonly dataset: { readonly id: string; readonly symbol: string; readonly timeframe: string };
  /** Action names by index (`hold`, `close`, `long(k=1, market)`…). */
  readonly actions: readonly string[];
  readonly initialEquity: number;
  readonly columns: readonly ReplayColumn[];
  readonly warning: string | null;
}

/** A sweep on the Runs page (`GET /api/sweeps`), from `sweeps/<id>/sweep.json` and `summary.json`. */
export interface SweepRow {
  readonly id: string;
  /** `running | complete | failed | interrupted`. */
  readonly state: string;
  readonly createdAt: string | null;
  readonly finishedAt: string | null;
  readonly mode: string | null;
  readonly dataset: string | null;
  readonly metric: string | null;
  readonly goal: string | null;
  readonly counts: { readonly total: number; readonly pending: number; readonly running: number; readonly complete: number; readonly failed: number };
  readonly etaSeconds: number | null;
  /** The best setting once the summary is written. */
  readonly best: { readonly setting: string | null; readonly values: Readonly<Record<string, unknown>>; readonly mean: number | null } | null;
}

export interface SweepTrial {
  readonly id: string;
  readonly index: number;
  readonly setting: string | null;
  readonly seed: number | null;
  readonly overrides: readonly string[];
  /** `pending | running | complete | failed`. */
  readonly status: string;
  readonly attempts: number;
  readonly worker: string | null;
  readonly seconds: number | null;
  readonly progress: { readonly steps: number; readonly totalSteps: number } | null;
  readonly error: string | null;
  /** The agent's value of the sweep's metric, from the summary. */
  readonly metric: number | null;
  /** The result's warnings, from the summary (a single held position, too few trades…). */
  readonly warnings: readonly string[];
  /** Its archive is in the runs folder (it can be opened, compared and replayed). */
  readonly hasRun: boolean;
}

/** `GET /api/sweeps/:id`. */
export interface SweepDetail {
  readonly sweep: SweepRow;
  readonly trials: readonly SweepTrial[];
}

/** Progress of an exchange pull, as `@tradecore/ingest` reports it. */
export interface PullProgress {
  readonly dataset: string;
  readonly phase: 'starting' | 'pulling' | 'retrying' | 'writing' | 'done' | 'stopped';
  readonly from: string;
  readonly to: string;
  readonly position: string;
  readonly fraction: number;
  readonly trades: number;
  readonly requests: number;
  readonly retries: number;
  /** Bars complete so far: written, and built but waiting for the next write. */
  readonly barsComplete: number;
  readonly barsWritten: number;
  readonly lastBar: string | null;
  readonly tradesPerSecond: number;
  readonly etaSeconds: number | null;
  readonly message?: string;
}

/**
 * Options every exchange pull started from the panel gets, set where the studio starts (never by a request):
 * a local mirror or proxy of the exchange's REST API, its rate limit. Other `@tradecore/ingest` pull options
 * pass through as given; the ones a pull request sets (exchange, symbol, range, dataset) and the panel's own
 * (`dataDir`, `signal`, `onProgress`) are refused.
 */
export interface PullDefaults {
  /** Base URL of the exchange's REST API (e.g. a local mirror): `http:` or `https:`. */
  readonly restUrl?: string;
  /** Requests per second; 0 turns the limiter off. */
  readonly rateLimit?: number;
  /** Retries of a failed request. */
  readonly retries?: number;
  /** `omit` (default) or `flat`: what a minute without trades becomes. */
  readonly emptyBars?: 'omit' | 'flat';
  readonly [option: string]: unknown;
}

/** `GET /api/ingest`. */
export interface IngestInfo {
  /** `@tradecore/ingest` is installed in the project. */
  readonly available: boolean;
  /** The pull defaults the studio was started with (shown on the page). */
  readonly defaults: PullDefaults;
  readonly pulls: readonly PullState[];
}

/** An exchange pull started from the Data page. */
export interface PullState {
  readonly id: string;
  readonly exchange: string;
  readonly symbol: string;
  readonly dataset: string | null;
  readonly status: 'running' | 'complete' | 'stopped' | 'failed';
  readonly startedAt: string;
  readonly progress: PullProgress | null;
  readonly barsWritten: number | null;
  readonly error: string | null;
  readonly warnings: readonly string[];
}
