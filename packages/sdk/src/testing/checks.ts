import type { Bar, Bars, ColumnName, FeatureDefinition } from '../features/types.ts';
import { columnsOf, sliceBars } from '../data/bars.ts';

/** Default tolerance of batch against streaming (relative). */
export const STREAM_TOLERANCE = 1e-12;

/** Equal as NaN/NaN, bit for bit, or within `tolerance` relative to the larger magnitude. */
export function closeRelative(a: number, b: number, tolerance: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  if (a === b) return true;
  return Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b));
}

/** Written into output arrays before `batch` runs, so a value it never writes is caught. */
const UNWRITTEN = -1.2345678901234567e300;

function allocate(definition: FeatureDefinition, length: number): Float64Array[] {
  return definition.outputs.map(() => new Float64Array(length).fill(UNWRITTEN));
}

/** Runs `batch` on fresh output arrays. */
export function runBatch(definition: FeatureDefinition, bars: Bars): Float64Array[] {
  const out = allocate(definition, bars.length);
  definition.batch(bars, out);
  return out;
}

/**
 * Bars whose undeclared columns throw when read, so a feature that reads a column it did not declare
 * fails loudly instead of silently depending on it.
 */
export function guardedBars(bars: Bars, allowed: readonly ColumnName[], feature: string): Bars {
  const allowedSet = new Set<PropertyKey>(['length', ...allowed]);
  return new Proxy(bars, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !allowedSet.has(key)) {
        throw new Error(`feature "${feature}" read column "${key}", which is not among its declared inputs (${allowed.join(', ')})`);
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

/** Same as {@link guardedBars} for one streaming bar; the target is mutated bar after bar. */
function guardedBar(target: Bar, allowed: readonly ColumnName[], feature: string): Bar {
  const allowedSet = new Set<PropertyKey>(allowed);
  return new Proxy(target, {
    get(bar, key, receiver) {
      if (typeof key === 'string' && !allowedSet.has(key)) {
        throw new Error(`streaming state of "${feature}" read "${key}", which is not among its declared inputs (${allowed.join(', ')})`);
      }
      return Reflect.get(bar, key, receiver);
    },
  });
}

function fillBar(bar: Bar, bars: Bars, i: number, columns: readonly ColumnName[]): void {
  const record = bar as unknown as Record<string, number>;
  for (const name of columns) record[name] = (bars[name] as Float64Array)[i]!;
}

/** Runs a fresh streaming state over every bar and returns its outputs as columns. */
export function runStream(definition: FeatureDefinition, bars: Bars, guard = false): Float64Array[] {
  const out = allocate(definition, bars.length);
  const state = definition.stream();
  const columns = columnsOf(bars);
  const target = {} as Bar;
  const bar = guard ? guardedBar(target, definition.inputs, definition.id) : target;
  for (let i = 0; i < bars.length; i++) {
    fillBar(target, bars, i, columns);
    const values = state.update(bar);
    for (let k = 0; k < out.length; k++) out[k]![i] = values[k] ?? Number.NaN;
  }
  return out;
}

/** First mismatch between two runs of the same definition, as a sentence, or undefined. */
export function firstMismatch(
  definition: FeatureDefinition,
  expected: readonly Float64Array[],
  actual: readonly Float64Array[],
  tolerance: number,
  what: string,
  length = expected[0]?.length ?? 0,
): string | undefined {
  for (let k = 0; k < definition.outputs.length; k++) {
    const e = expected[k]!;
    const a = actual[k]!;
    for (let i = 0; i < length; i++) {
      if (!closeRelative(e[i]!, a[i]!, tolerance)) {
        return `${definition.outputs[k]!.name}[${i}]: ${what}: expected ${e[i]}, got ${a[i]}`;
      }
    }
  }
  return undefined;
}

/** Problems with the declaration itself: ids, names, inputs, warm-up. */
export function checkDeclaration(definition: FeatureDefinition, available: ReadonlySet<ColumnName>): string[] {
  const problems: string[] = [];
  if (!definition.id) problems.push('id is empty');
  if (definition.outputs.length === 0) problems.push(`${definition.id}: declares no outputs`);
  const names = new Set<string>();
  for (const output of definition.outputs) {
    if (!/^[a-z][a-z0-9_]*$/.test(output.name)) problems.push(`${definition.id}: output "${output.name}" is not snake_case`);
    if (names.has(output.name)) problems.push(`${definition.id}: output "${output.name}" is declared twice`);
    names.add(output.name);
  }
  for (const input of definition.inputs) {
    if (!available.has(input)) problems.push(`${definition.id}: input "${input}" is not in the test bars (${[...available].join(', ')})`);
  }
  if (!Number.isInteger(definition.warmup) || definition.warmup < 0) problems.push(`${definition.id}: warmup ${definition.warmup} is not a non-negative integer`);
  return problems;
}

/** Every output is finite from `warmup` on; and every element was written. */
export function checkWarmup(definition: FeatureDefinition, out: readonly Float64Array[]): string | undefined {
  for (let k = 0; k < out.length; k++) {
    const column = out[k]!;
    for (let i = 0; i < column.length; i++) {
      if (column[i] === UNWRITTEN) return `${definition.outputs[k]!.name}[${i}] was never written by batch`;
      if (i >= definition.warmup && !Number.isFinite(column[i]!)) {
        return `${definition.outputs[k]!.name}[${i}] is ${column[i]} but warmup is ${definition.warmup} (every output must be finite from the warm-up on)`;
      }
    }
  }
  return undefined;
}

/** Truncating the bars at several points must leave every earlier output unchanged (bit for bit). */
export function checkCausality(definition: FeatureDefinition, bars: Bars, full: readonly Float64Array[]): string | undefined {
  const cuts = [1, definition.warmup, definition.warmup + 1, Math.floor(bars.length / 3), Math.floor((2 * bars.length) / 3), bars.length - 1];
  for (const cut of cuts) {
    if (cut < 1 || cut >= bars.length) continue;
    const prefix = runBatch(definition, sliceBars(bars, 0, cut));
    const problem = firstMismatch(definition, full, prefix, 0, `truncating the bars at ${cut} changed a past value (look-ahead)`, cut);
    if (problem) return problem;
  }
  return undefined;
}
