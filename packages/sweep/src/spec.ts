import { parseOverride, Rng, SweepSchema, parseWithSchema, type SweepConfig } from '@tradecore/sdk';
import { SweepError } from './errors.ts';

/** A distribution a random-search parameter is drawn from. */
export type Distribution =
  | { readonly kind: 'uniform'; readonly low: number; readonly high: number }
  | { readonly kind: 'loguniform'; readonly low: number; readonly high: number }
  | { readonly kind: 'int'; readonly low: number; readonly high: number }
  | { readonly kind: 'choice'; readonly values: readonly unknown[] };

/** A sweep, fully resolved: what it runs and how the best setting is chosen. */
export interface SweepSpec {
  /** Config path (the `--set` form) → the values it takes, in the order given. */
  readonly grid: Readonly<Record<string, readonly unknown[]>>;
  readonly seeds: readonly number[];
  readonly random?: { readonly trials: number; readonly seed: number; readonly params: Readonly<Record<string, Distribution>> };
  /** Agent test-split metric (a `metrics.json` key) the best setting is chosen by. */
  readonly metric: string;
  readonly goal: 'max' | 'min';
  /** `--set` overrides applied to every trial (before the setting's own). */
  readonly base: readonly string[];
  /** The config block's local worker count and retries (the command's flags win). */
  readonly workers?: number;
  readonly retries: number;
}

/** One combination of swept values; every seed runs it once. */
export interface Setting {
  /** `s0`, `s1`, … in grid order (random draws after the grid). */
  readonly id: string;
  /** Config path → value, in grid order then random-parameter order. */
  readonly values: Readonly<Record<string, unknown>>;
}

/** The flags of `tradecore sweep` that shape the spec; each overrides the config's `sweep` block. */
export interface SweepFlags {
  readonly grid?: readonly string[];
  readonly seeds?: string;
  readonly random?: number;
  readonly randomSeed?: number;
  readonly param?: readonly string[];
  readonly metric?: string;
  readonly goal?: 'max' | 'min';
  readonly set?: readonly string[];
}

const NUMBER = String.raw`\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*`;
const RANGE = new RegExp(`^(uniform|loguniform|int)\\(${NUMBER},${NUMBER}\\)$`);

/** Parses `uniform(a,b)`, `loguniform(a,b)`, `int(a,b)` (both ends included) or `choice(x,y,…)`. */
export function parseDistribution(text: string, where: string): Distribution {
  const trimmed = text.trim();
  const choice = /^choice\((.*)\)$/s.exec(trimmed);
  if (choice) {
    const values = splitValues(choice[1]!, where);
    if (values.length === 0) throw new SweepError(`${where}: choice() needs at least one value`);
    return { kind: 'choice', values };
  }
  const m = RANGE.exec(trimmed);
  if (!m) throw new SweepError(`${where}: "${text}" is not a distribution; expected uniform(a,b), loguniform(a,b), int(a,b) or choice(x,y,…)`);
  const kind = m[1] as 'uniform' | 'loguniform' | 'int';
  const low = Number(m[2]);
  const high = Number(m[3]);
  if (!(low < high)) throw new SweepError(`${where}: ${kind}(${low},${high}) needs low < high`);
  if (kind === 'loguniform' && !(low > 0)) throw new SweepError(`${where}: loguniform(${low},${high}) needs 0 < low`);
  if (kind === 'int' && !(Number.isInteger(low) && Number.isInteger(high))) throw new SweepError(`${where}: int(${low},${high}) needs whole numbers`);
  return { kind, low, high };
}

/** A value as `--set` reads it: JSON when it parses, else the string itself. */
function readValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `a,b,c` → values; `[x,y]` as a whole is a JSON array of values (so values may hold commas). */
function splitValues(text: string, where: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const parsed = readValue(trimmed);
    if (!Array.isArray(parsed)) throw new SweepError(`${where}: "${trimmed}" starts with "[" but is not a JSON array`);
    return parsed;
  }
  return trimmed.length === 0 ? [] : trimmed.split(',').map((v) => readValue(v.trim()));
}

/** `key=v1,v2` (or `key=[v1,v2]` as JSON) → [key, values]. */
export function parseGridFlag(entry: string): [string, unknown[]] {
  const eq = entry.indexOf('=');
  const where = `--grid ${entry}`;
  if (eq <= 0) throw new SweepError(`${where}: expected key=v1,v2,… e.g. trainer.learningRate=1e-4,3e-4`);
  const key = entry.slice(0, eq).trim();
  checkPath(key, where);
  const values = splitValues(entry.slice(eq + 1), where);
  if (values.length === 0) throw new SweepError(`${where}: no values`);
  return [key, values];
}

/** `key=distribution` → [key, distribution]. */
export function parseParamFlag(entry: string): [string, Distribution] {
  const eq = entry.indexOf('=');
  const where = `--param ${entry}`;
  if (eq <= 0) throw new SweepError(`${where}: expected key=distribution, e.g. trainer.entropyCoef=loguniform(1e-4,1e-1)`);
  const key = entry.slice(0, eq).trim();
  checkPath(key, where);
  return [key, parseDistribution(entry.slice(eq + 1), where)];
}

/** `0..4` (inclusive), `3`, or `0,2,5` → seeds. */
export function parseSeeds(text: string, where = '--seeds'): number[] {
  const t = text.trim();
  const range = /^(\d+)\s*\.\.\s*(\d+)$/.exec(t);
  let seeds: number[];
  if (range) {
    const a = Number(range[1]);
    const b = Number(range[2]);
    if (b < a) throw new SweepError(`${where} ${text}: the range ends before it starts`);
    if (b - a >= 100_000) throw new SweepError(`${where} ${text}: more than 100,000 seeds`);
    seeds = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  } else if (/^\d+(\s*,\s*\d+)*$/.test(t)) {
    seeds = t.split(',').map((s) => Number(s.trim()));
  } else {
    throw new SweepError(`${where} ${text}: expected a range like 0..4 or a list like 0,1,7`);
  }
  if (seeds.some((s) => !Number.isSafeInteger(s) || s > 0xffffffff)) throw new SweepError(`${where} ${text}: seeds must be whole numbers below 2^32`);
  if (new Set(seeds).size !== seeds.length) throw new SweepError(`${where} ${text}: a seed is listed twice`);
  return seeds;
}

function checkPath(key: string, where: string): void {
  // The same parser `--set` uses, so a key the runner would refuse is refused here, before anything runs.
  parseOverride(`${key}=0`);
  if (key === 'run.seed' || key === 'seed') throw new SweepError(`${where}: seeds are swept with --seeds, not as a grid key`);
  if (key === 'run.out' || key === 'dataDir') throw new SweepError(`${where}: ${key} is where a run is written, not a setting`);
  if (/\s/.test(key)) throw new SweepError(`${where}: "${key}" contains whitespace`);
}

/**
 * The sweep to run: the config's `sweep` block (validated) with the command-line flags laid over it —
 * `--grid` keys add to or replace the block's, `--seeds`, `--random`, `--metric` and `--goal` replace.
 */
export function resolveSpec(block: SweepConfig | undefined, flags: SweepFlags = {}, source = 'sweep'): SweepSpec {
  const config = parseWithSchema(SweepSchema, block ?? {}, `${source} (sweep block)`);
  const grid: Record<string, unknown[]> = {};
  for (const [key, values] of Object.entries(config.grid)) {
    checkPath(key, `${source}: sweep.grid.${key}`);
    grid[key] = [...values];
  }
  for (const entry of flags.grid ?? []) {
    const [key, values] = parseGridFlag(entry);
    grid[key] = values;
  }
  const seeds = flags.seeds !== undefined ? parseSeeds(flags.seeds) : typeof config.seeds === 'string' ? parseSeeds(config.seeds, `${source}: sweep.seeds`) : [...config.seeds];
  if (typeof config.seeds !== 'string' && flags.seeds === undefined && new Set(seeds).size !== seeds.length) throw new SweepError(`${source}: sweep.seeds lists a seed twice`);

  const params: Record<string, Distribution> = {};
  for (const [key, text] of Object.entries(config.random?.params ?? {})) {
    checkPath(key, `${source}: sweep.random.params.${key}`);
    params[key] = parseDistribution(text, `${source}: sweep.random.params.${key}`);
  }
  for (const entry of flags.param ?? []) {
    const [key, distribution] = parseParamFlag(entry);
    params[key] = distribution;
  }
  const trials = flags.random ?? config.random?.trials;
  const hasParams = Object.keys(params).length > 0;
  if (trials !== undefined && !hasParams) throw new SweepError('--random needs at least one --param key=distribution (or sweep.random.params in the config)');
  if (hasParams && trials === undefined) throw new SweepError('--param needs --random <n>: how many settings to draw');
  for (const key of Object.keys(params)) {
    if (key in grid) throw new SweepError(`${key} is both a grid key and a random parameter: choose one`);
  }
  const base = [...(flags.set ?? [])];
  for (const entry of base) parseOverride(entry);
  return {
    grid,
    seeds,
    ...(trials !== undefined ? { random: { trials, seed: flags.randomSeed ?? config.random?.seed ?? 0, params } } : {}),
    metric: flags.metric ?? config.metric,
    goal: flags.goal ?? config.goal,
    base,
    ...(config.workers !== undefined ? { workers: config.workers } : {}),
    retries: config.retries,
  };
}

/** Rounds a drawn float to 6 significant digits, so settings print (and hash) as they read. */
function round6(x: number): number {
  return Number(x.toPrecision(6));
}

function draw(d: Distribution, rng: Rng): unknown {
  switch (d.kind) {
    case 'uniform':
      return round6(d.low + (d.high - d.low) * rng.nextFloat());
    case 'loguniform':
      return round6(Math.exp(Math.log(d.low) + (Math.log(d.high) - Math.log(d.low)) * rng.nextFloat()));
    case 'int':
      return d.low + rng.nextInt(d.high - d.low + 1);
    case 'choice':
      return d.values[rng.nextInt(d.values.length)];
  }
}

/** Every setting of the spec: the grid's combinations (first key slowest) × the random draws. */
export function expandSettings(spec: SweepSpec): Setting[] {
  let combos: Record<string, unknown>[] = [{}];
  for (const [key, values] of Object.entries(spec.grid)) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  if (spec.random) {
    const rng = new Rng(spec.random.seed);
    const draws = Array.from({ length: spec.random.trials }, () => Object.fromEntries(Object.entries(spec.random!.params).map(([k, d]) => [k, draw(d, rng)])));
    combos = combos.flatMap((c) => draws.map((d) => ({ ...c, ...d })));
  }
  return combos.map((values, i) => ({ id: `s${i}`, values }));
}

/** A setting's values as `--set` entries (values JSON-encoded, so `1e-4` stays a number). */
export function settingOverrides(values: Readonly<Record<string, unknown>>): string[] {
  // A string that would read back as something else (`"1"`, `"true"`) is JSON-quoted.
  return Object.entries(values).map(([k, v]) => `${k}=${typeof v === 'string' && readValue(v) === v ? v : JSON.stringify(v)}`);
}
