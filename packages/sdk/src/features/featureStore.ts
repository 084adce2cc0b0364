import { TradecoreError } from '../errors.ts';
import type { Bars, ColumnName, FeatureDefinition, Normalization } from './types.ts';

/**
 * Every feature output of one dataset, computed once in batch.
 * - `raw[k]`: output `k` as the definition's `batch` wrote it.
 * - `normalized[k]`: the same after the output's `normalization`.
 * - `maxWarmup`: the largest warm-up of all definitions; from this bar on every output is finite.
 */
export interface FeatureStore {
  readonly length: number;
  readonly names: readonly string[];
  readonly raw: readonly Float64Array[];
  readonly normalized: readonly Float64Array[];
  readonly maxWarmup: number;
  readonly definitions: readonly FeatureDefinition[];
}

export class FeatureStoreError extends TradecoreError {
  override name = 'FeatureStoreError';
}

/** Columns present in `bars` (optional ones only when they are there). */
export function availableColumns(bars: Bars): ColumnName[] {
  const columns: ColumnName[] = ['time', 'open', 'high', 'low', 'close', 'volume'];
  if (bars.trades) columns.push('trades');
  if (bars.buy_volume) columns.push('buy_volume');
  if (bars.sell_volume) columns.push('sell_volume');
  return columns;
}

function normalize(raw: Float64Array, close: Float64Array, normalization: Normalization, out: Float64Array): void {
  const n = raw.length;
  switch (normalization.kind) {
    case 'none':
      out.set(raw);
      return;
    case 'relative-to-close':
      for (let i = 0; i < n; i++) out[i] = (raw[i] as number) / (close[i] as number) - 1;
      return;
    case 'ratio-to-close':
      for (let i = 0; i < n; i++) out[i] = (raw[i] as number) / (close[i] as number);
      return;
    case 'scale': {
      const factor = normalization.factor;
      for (let i = 0; i < n; i++) out[i] = (raw[i] as number) * factor;
      return;
    }
  }
}

function describeBar(bars: Bars, i: number): string {
  const t = bars.time[i];
  return t !== undefined && Number.isFinite(t) ? `bar ${i} (${new Date(t).toISOString()})` : `bar ${i}`;
}

/**
 * Runs every definition's `batch` over `bars` once and normalises the outputs. Refuses a feature
 * that reads a missing column or leaves a non-finite value after its declared warm-up.
 */
export function buildFeatureStore(bars: Bars, definitions: readonly FeatureDefinition[]): FeatureStore {
  const n = bars.length;
  const present = new Set(availableColumns(bars));
  const names: string[] = [];
  const raw: Float64Array[] = [];
  const normalized: Float64Array[] = [];
  let maxWarmup = 0;
  for (const def of definitions) {
    for (const input of def.inputs) {
      if (!present.has(input)) {
        throw new FeatureStoreError(`feature "${def.id}" reads column "${input}", which the dataset does not have (it has ${[...present].join(', ')})`);
      }
    }
    if (!Number.isInteger(def.warmup) || def.warmup < 0) {
      throw new FeatureStoreError(`feature "${def.id}": warmup must be a non-negative integer, got ${def.warmup}`);
    }
    const outs = def.outputs.map(() => new Float64Array(n).fill(Number.NaN));
    def.batch(bars, outs);
    def.outputs.forEach((output, k) => {
      const column = outs[k] as Float64Array;
      const norm = new Float64Array(n);
      normalize(column, bars.close, output.normalization, norm);
      for (let i = def.warmup; i < n; i++) {
        if (!Number.isFinite(norm[i] as number)) {
          throw new FeatureStoreError(
            `feature "${def.id}" output "${output.name}" is ${column[i]} at ${describeBar(bars, i)}, after its warm-up of ${def.warmup} bars (normalised: ${norm[i]}); expected a finite number`,
          );
        }
      }
      names.push(output.name);
      raw.push(column);
      normalized.push(norm);
    });
    if (def.warmup > maxWarmup) maxWarmup = def.warmup;
  }
  return Object.freeze({ length: n, names, raw, normalized, maxWarmup, definitions: [...definitions] });
}

/**
 * The normalised outputs interleaved bar-major as float32: value of output `k` at bar `i` is
 * `matrix[i × F + k]`, so the window of bars `i-w+1 .. i` is one contiguous run of `w × F` values.
 */
export function interleaveFeatures(store: FeatureStore): Float32Array {
  const f = store.normalized.length;
  const matrix = new Float32Array(store.length * f);
  store.normalized.forEach((column, k) => {
    for (let i = 0; i < store.length; i++) matrix[i * f + k] = column[i] as number;
  });
  return matrix;
}

/**
 * Copies the `window` bars ending at `index` of an interleaved matrix into `out` from `offset`.
 * Pass Int32Array views of the float32 buffers (`bitsOf`) on hot paths: copying the bits skips the
 * float32 → float64 → float32 round trip of each value and runs about twice as fast.
 */
export function writeFeatureWindow<A extends Float32Array | Int32Array | Float64Array>(
  matrix: A,
  numFeatures: number,
  index: number,
  window: number,
  out: A,
  offset: number,
): void {
  const count = window * numFeatures;
  const from = (index - window + 1) * numFeatures;
  for (let k = 0; k < count; k++) out[offset + k] = matrix[from + k] as number;
}

/**
 * A Float64Array over the same bytes as `values` (pairs of float32), for copies at half the element
 * count, or undefined when `values` is not 8-byte aligned or has an odd length. The copy is bit-exact
 * as long as no float32 is NaN: only a NaN in the upper half of a pair can make the double a NaN,
 * whose bits a copy through a register might not keep; feature values after the warm-up are finite.
 */
export function wordsOf(values: Float32Array): Float64Array | undefined {
  if (values.byteOffset % 8 !== 0 || values.length % 2 !== 0) return undefined;
  return new Float64Array(values.buffer, values.byteOffset, values.length / 2);
}

/** An Int32Array over the same bytes as `values`, for bit-exact copies. */
export function bitsOf(values: Float32Array): Int32Array {
  return new Int32Array(values.buffer, values.byteOffset, values.length);
}
