/** Column names a dataset may carry. `time` is the bar's open time in epoch milliseconds (UTC). */
export const REQUIRED_COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume'] as const;
export const OPTIONAL_COLUMNS = ['trades', 'buy_volume', 'sell_volume'] as const;
export type RequiredColumn = (typeof REQUIRED_COLUMNS)[number];
export type OptionalColumn = (typeof OPTIONAL_COLUMNS)[number];
export type ColumnName = RequiredColumn | OptionalColumn;

/**
 * A bar series as a struct of typed arrays, all of length `length`. `time` holds epoch
 * milliseconds as float64 (exact below 2^53), so every column is a Float64Array.
 */
export interface Bars {
  readonly length: number;
  readonly time: Float64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly trades?: Float64Array;
  readonly buy_volume?: Float64Array;
  readonly sell_volume?: Float64Array;
}

/** One bar, as handed to streaming indicator states. */
export interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades?: number;
  buy_volume?: number;
  sell_volume?: number;
}

/**
 * How an output is scaled before it enters the observation.
 * - `none`: as is.
 * - `relative-to-close`: `value / close - 1` (price-level outputs such as VWAP or bands).
 * - `ratio-to-close`: `value / close` (price distances such as ATR or a band's width).
 * - `scale`: `value * factor` (e.g. RSI in 0..100 → 0..1 with factor 0.01).
 */
export type Normalization =
  | { readonly kind: 'none' }
  | { readonly kind: 'relative-to-close' }
  | { readonly kind: 'ratio-to-close' }
  | { readonly kind: 'scale'; readonly factor: number };

export interface FeatureOutput {
  /** Column name in the feature store, unique across all features (e.g. `vwap`, `zscore_close_20`). */
  readonly name: string;
  readonly normalization: Normalization;
  readonly description?: string;
}

/** Live, bar-by-bar state of a feature. `update` returns the outputs for the bar just added (NaN in warm-up). */
export interface StreamingFeature {
  update(bar: Bar): ArrayLike<number>;
}

/**
 * What an indicator plugin registers: declared inputs and outputs, a warm-up, a batch function
 * over whole columns and a streaming state. Batch and streaming must agree to 1e-12 relative.
 */
export interface FeatureDefinition {
  /** Unique feature id, usually the plugin's short name plus its parameters. */
  readonly id: string;
  /** The only columns `batch` and `stream` may read. */
  readonly inputs: readonly ColumnName[];
  readonly outputs: readonly FeatureOutput[];
  /** Number of leading bars whose outputs may be NaN; from this index on every output is finite. */
  readonly warmup: number;
  /** Writes output `k` of bar `i` into `out[k][i]`; must not allocate per bar. */
  batch(bars: Bars, out: readonly Float64Array[]): void;
  /** A fresh streaming state. */
  stream(): StreamingFeature;
}

/** Passed to the `features` hook; indicator plugins add their definitions here. */
export interface FeatureRegistry {
  add(definition: FeatureDefinition): void;
  /** Columns present in the dataset the features will run on. */
  readonly availableColumns: ReadonlySet<ColumnName>;
}
