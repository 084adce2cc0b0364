import { parseWithSchema } from '../schema/validate.ts';
import { EnvSchema, type EnvConfig, type ExecutionConfig } from '../config/schema.ts';
import { TradecoreError } from '../errors.ts';
import { resolveExecutionParams } from '../execution/params.ts';
import type { ExecutionParams } from '../execution/types.ts';
import { availableColumns, bitsOf, buildFeatureStore, interleaveFeatures, wordsOf, type FeatureStore } from '../features/featureStore.ts';
import type { Bars } from '../features/types.ts';
import { createEngine, type Engine } from '../plugin/createEngine.ts';
import type { PluginOption } from '../plugin/types.ts';
import { createActionSpace, type ActionSpace } from './actionSpace.ts';

/** Values appended to the feature window in every observation; see `TradingEnv`. */
export const ACCOUNT_FEATURES = ['position_sign', 'exposure', 'unrealized_pnl', 'stop_distance', 'time_in_position', 'pending_order'] as const;

export interface CreateEnvOptions {
  bars: Bars;
  plugins: readonly PluginOption[];
  execution?: Partial<ExecutionConfig>;
  env?: Partial<EnvConfig>;
  /** Seed of the env's own generator (episode starts); default 0. */
  seed?: number;
  /** Bars episodes may use (inclusive indices), e.g. the training split; default the whole series. */
  range?: { start?: number; end?: number };
  /** Write a ledger row every step (default true). */
  recordLedger?: boolean;
  log?: (line: string) => void;
}

export class EnvConfigError extends TradecoreError {
  override name = 'EnvConfigError';
}

/** Everything the envs of one dataset share: bars, features, engine, settings. Built once. */
export interface EnvContext {
  readonly bars: Bars;
  readonly engine: Engine;
  readonly store: FeatureStore;
  /** Normalised features, bar-major float32 (`interleaveFeatures`). */
  readonly matrix: Float32Array;
  /** `matrix` as Int32Array bits, for fast window copies. */
  readonly matrixBits: Int32Array;
  /** `matrix` as pairs of float32 in a Float64Array when the feature count is even (faster copies). */
  readonly matrixWords: Float64Array | undefined;
  readonly numFeatures: number;
  readonly params: ExecutionParams;
  readonly config: EnvConfig;
  readonly actionSpace: ActionSpace;
  readonly observationSize: number;
  /** First bar an episode may start on: after the largest warm-up plus a full window. */
  readonly minStart: number;
  /** Last bar of the env's range. */
  readonly rangeEnd: number;
  readonly recordLedger: boolean;
  readonly log: (line: string) => void;
}

function checkBars(bars: Bars): void {
  const n = bars.length;
  for (const name of ['time', 'open', 'high', 'low', 'close', 'volume'] as const) {
    const column = bars[name];
    if (!(column instanceof Float64Array) || column.length !== n) {
      throw new EnvConfigError(`bars.${name}: expected a Float64Array of length ${n} (bars.length), got ${column instanceof Float64Array ? `length ${column.length}` : typeof column}`);
    }
  }
}

function guardNumber(options: unknown, key: string, plugin: string): number {
  const value = (options as Record<string, unknown> | null)?.[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new EnvConfigError(`risk-guard plugin "${plugin}": options.${key} must be a number (the env builds its action space from it), got ${String(value)}`);
  }
  return value;
}

/** Builds the shared context: engine (refuses without a risk guard), features, action space. */
export async function createEnvContext(options: CreateEnvOptions): Promise<EnvContext> {
  const log = options.log ?? (() => {});
  checkBars(options.bars);
  const engine = await createEngine({ plugins: options.plugins, log });
  const guard = engine.riskGuard;
  if (guard === undefined) throw new EnvConfigError('no risk-guard plugin'); // resolvePlugins already refuses this
  const actionSpace = createActionSpace(guardNumber(guard.options, 'buckets', guard.name), guardNumber(guard.options, 'stopStepBps', guard.name));
  const params = resolveExecutionParams(options.execution, 'execution options');
  const config = parseWithSchema(EnvSchema, options.env ?? {}, 'env options');
  const bars = options.bars;
  const store = buildFeatureStore(bars, engine.collectFeatures(availableColumns(bars)));
  const numFeatures = store.names.length;
  const rangeStart = options.range?.start ?? 0;
  const rangeEnd = options.range?.end ?? bars.length - 1;
  if (!Number.isInteger(rangeStart) || !Number.isInteger(rangeEnd) || rangeStart < 0 || rangeEnd > bars.length - 1 || rangeStart > rangeEnd) {
    throw new EnvConfigError(`range: expected integers with 0 ≤ start ≤ end ≤ ${bars.length - 1}, got start=${rangeStart}, end=${rangeEnd}`);
  }
  const minStart = Math.max(rangeStart, store.maxWarmup + config.window - 1);
  if (minStart > rangeEnd - 1) {
    throw new EnvConfigError(
      `not enough bars: episodes start after the largest feature warm-up (${store.maxWarmup}) plus a window of ${config.window} bars, i.e. at bar ${minStart}, and need at least one more bar, but the range ends at bar ${rangeEnd}`,
    );
  }
  const matrix = interleaveFeatures(store);
  return Object.freeze({
    bars,
    engine,
    store,
    matrix,
    matrixBits: bitsOf(matrix),
    matrixWords: numFeatures % 2 === 0 && numFeatures > 0 ? wordsOf(matrix) : undefined,
    numFeatures,
    params,
    config,
    actionSpace,
    observationSize: config.window * numFeatures + ACCOUNT_FEATURES.length,
    minStart,
    rangeEnd,
    recordLedger: options.recordLedger ?? true,
    log,
  });
}
