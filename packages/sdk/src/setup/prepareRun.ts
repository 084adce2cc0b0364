import path from 'node:path';
import type { UserConfig } from '../config/defineConfig.ts';
import { displayPath, formatSetupIssue, RunSetupError, type SetupIssue } from '../config/issues.ts';
import { ConfigLoadError, ConfigNotFoundError, readConfigFile, type LoadedConfigData, type RawConfig } from '../config/loadConfig.ts';
import { INLINE_CONFIG, resolveConfig, type ConfigPlugin } from '../config/resolveConfig.ts';
import type { ResolvedConfig } from '../config/schema.ts';
import { DataError } from '../data/errors.ts';
import { loadManifest } from '../data/manifest.ts';
import { TradecoreError } from '../errors.ts';
import { CONFIG_JSON } from '../experiment/archive.ts';
import { isValidId } from '../paths/ids.ts';
import { isRegularFile, resolveInside } from '../paths/resolveInside.ts';
import { timeSplit, type Fold } from '../experiment/split.ts';
import type { TrainerDefinition, TrainerPlan } from '../experiment/types.ts';
import type { FeatureDefinition } from '../features/types.ts';
import { createEngine, type Engine } from '../plugin/createEngine.ts';
import { createHooks } from '../plugin/hooks.ts';
import { RISK_GUARD_PACKAGE } from '../plugin/resolvePlugins.ts';
import { isValidationError } from '../tools/resolveTools.ts';
import { installCommand, toolNameOf } from '../tools/resolve.ts';
import type { ColumnName } from '../features/types.ts';

/** The trainer the docs and messages suggest when a config has none. */
export const DEFAULT_TRAINER_PACKAGE = '@tradecore/trainer-gpu';

export interface RunSetupOptions {
  /** The folder the user works in: the config is searched from it and command-line paths are relative to it. */
  readonly cwd?: string;
  /** Config file; searched for from `cwd` when omitted. */
  readonly configFile?: string;
  /** An in-memory config instead of a file. */
  readonly config?: UserConfig;
  /** A run folder (or an id under `out`, default `runs`): run again from its archived `config.json`. */
  readonly from?: string;
  /** `key.path=value` overrides, `plugins.<name>.<option>=value` and `plugins.<name>.enabled=false` included. */
  readonly set?: readonly string[];
  /** Seed of the run; recorded as the override `run.seed=<seed>`. */
  readonly seed?: number;
  /** Folder receiving `<id>/`, relative to `cwd`; default the config's `run.out`. */
  readonly out?: string;
  /** Data folder (`--data`), relative to `cwd`; replaces the config's `dataDir`. */
  readonly dataDir?: string;
  /** A tool manifest (relative to `cwd`) that replaces the config's `tools`. */
  readonly tools?: string;
  /** Export conditions for picking plugin entries (default: Node's own, then `node`, `import`, `default`). */
  readonly conditions?: readonly string[];
  /** Receives what plugins log while they are set up. */
  readonly log?: (line: string) => void;
}

/** Everything `tradecore run` needs, checked, before anything is written. */
export interface RunSetup {
  /** Absolute path of the config file, `<run>/config.json` for `from`, or `<inline config>`. */
  readonly configFile: string;
  /** Validated config: defaults and overrides applied, paths absolute, plugins made (tool manifest included). */
  readonly config: LoadedConfigData;
  /** The same config as data (what the archive's `config.json` holds): re-runs the run from data alone. */
  readonly data: ResolvedConfig;
  /** Each plugin with its short name, its position in the config and its data-shaped entry. */
  readonly plugins: readonly ConfigPlugin[];
  /** An engine with every plugin set up (its hooks carry the run lifecycle). */
  readonly engine: Engine;
  readonly trainer: TrainerDefinition;
  readonly plan: TrainerPlan;
  readonly dataset: { readonly id: string; readonly manifest: string; readonly rows: number; readonly columns: readonly string[] };
  readonly features: { readonly names: readonly string[]; readonly maxWarmup: number };
  readonly folds: readonly Fold[];
  readonly seed: number;
  /** The overrides applied, as recorded in `run.json` (a `--seed` becomes `run.seed=<n>`). */
  readonly overrides: readonly string[];
  /** Absolute folder that receives `<id>/`. */
  readonly out: string;
  /** The tool manifest read (absolute), if any. */
  readonly toolsFile?: string;
  /** What was checked, one line each, for `tradecore validate`. */
  readonly summary: readonly string[];
}

/** What {@link validateRunSetup} found. */
export interface RunSetupReport {
  readonly ok: boolean;
  /** Every problem; empty when `ok`. */
  readonly issues: readonly SetupIssue[];
  /** The issues as `file: path: message` lines, exactly as `tradecore run` prints them. */
  readonly lines: readonly string[];
  /** What was checked (also when there are problems: the parts that passed). */
  readonly summary: readonly string[];
  /** The checked setup, when `ok`. */
  readonly setup?: RunSetup;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const count = (n: number) => n.toLocaleString('en-US');

/** The config's raw value: from `from`'s archive, in memory, or a file. Load failures become issues. */
async function readRaw(options: RunSetupOptions, cwd: string): Promise<{ raw?: RawConfig; issues: SetupIssue[] }> {
  try {
    if (options.from) {
      const file = await archivedConfig(options.from, path.resolve(cwd, options.out ?? 'runs'), cwd);
      if (!file.found) return { issues: [{ source: `--from ${options.from}`, path: '', message: `no run found (looked for ${file.looked.join(' and ')})` }] };
      return { raw: await readConfigFile({ cwd, configFile: file.found }), issues: [] };
    }
    if (options.config) return { raw: { filepath: INLINE_CONFIG, value: options.config }, issues: [] };
    return { raw: await readConfigFile({ cwd, ...(options.configFile ? { configFile: options.configFile } : {}) }), issues: [] };
  } catch (error) {
    if (error instanceof RunSetupError) return { issues: [...error.issues] };
    if (error instanceof ConfigLoadError) return { issues: [{ source: displayPath(error.file, cwd), path: '', message: error.detail }] };
    if (error instanceof ConfigNotFoundError || error instanceof TradecoreError) return { issues: [{ source: '', path: '', message: messageOf(error) }] };
    throw error;
  }
}

/** A run's `config.json`: `ref` is a run folder, or a run id under `out`. */
async function archivedConfig(ref: string, out: string, cwd: string): Promise<{ found?: string; looked: string[] }> {
  const looked = [path.join(path.resolve(cwd, ref), CONFIG_JSON)];
  if (isValidId(ref)) looked.push(path.join(resolveInside(out, ref, 'run id'), CONFIG_JSON));
  for (const file of looked) if (await isRegularFile(file)) return { found: file, looked };
  return { looked };
}

function missingPluginMessage(kind: string, entry: string, pkg: string, factory: string, cwd: string): string {
  return `no ${kind} plugin: add { "name": "${entry}" } to plugins, or ${factory} from ${pkg} in a TypeScript config (install it with \`${installCommand(pkg, cwd)}\` if needed)`;
}

/**
 * Checks everything `tradecore run` needs, creating nothing: the config against its schema, `--set` overrides,
 * every plugin (found, options valid, set up without error), exactly one risk guard and one trainer, the tool
 * manifest, the dataset's manifest and its columns against every feature's inputs, the time split, and each
 * fold against the largest warm-up plus the observation window. Returns every problem found, not only the first.
 * `tradecore validate` prints this; `tradecore run` and {@link runExperiment} refuse to start on the same problems,
 * with the same messages.
 */
export async function validateRunSetup(options: RunSetupOptions = {}): Promise<RunSetupReport> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const summary: string[] = [];
  const issues: SetupIssue[] = [];
  const report = (setup?: RunSetup): RunSetupReport => ({ ok: issues.length === 0, issues, lines: issues.map(formatSetupIssue), summary, ...(setup && issues.length === 0 ? { setup } : {}) });

  const loaded = await readRaw(options, cwd);
  issues.push(...loaded.issues);
  if (!loaded.raw) return report();
  const raw = loaded.raw;
  // --data and --seed are recorded as overrides, so `--resume` applies them again.
  const overrides = [
    ...(options.set ?? []),
    ...(options.dataDir !== undefined ? [`dataDir=${JSON.stringify(path.resolve(cwd, options.dataDir))}`] : []),
    ...(options.seed !== undefined ? [`run.seed=${options.seed}`] : []),
  ];
  const resolved = await resolveConfig({
    raw,
    cwd,
    set: overrides,
    ...(options.tools !== undefined ? { tools: options.tools } : {}),
    ...(options.conditions ? { conditions: options.conditions } : {}),
  });
  issues.push(...resolved.issues);
  const source = raw.filepath === INLINE_CONFIG ? INLINE_CONFIG : displayPath(raw.filepath, cwd);
  const { config, data } = resolved;
  if (!config) return report();
  // Plugins that could not be made are reported; the checks below still run with the others.
  const pluginsComplete = resolved.issues.length === 0;
  if (pluginsComplete) summary.push(`✓ config ${source}${overrides.length ? ` with --set ${overrides.join(' ')}` : ''}`);
  if (resolved.toolsFile) {
    const fromTools = resolved.plugins.filter((p) => p.at.startsWith('tools['));
    summary.push(`✓ tools ${displayPath(resolved.toolsFile, cwd)}: ${fromTools.map((p) => p.name).join(', ') || 'none enabled'}`);
  }

  const byKind = (kind: string) => resolved.plugins.filter((p) => p.plugin.kind === kind);
  const where = (p: ConfigPlugin) => `${p.name} (${p.source === source ? '' : `${p.source}: `}${p.at})`;
  const guards = byKind('risk-guard');
  if (!pluginsComplete) {
    // A plugin that could not be made may be the guard or the trainer: counting them now would mislead.
  } else if (guards.length === 0) {
    issues.push({
      source,
      path: 'plugins',
      message: `${missingPluginMessage('risk-guard', 'risk-guard', RISK_GUARD_PACKAGE, 'riskGuard()', cwd)}. TradeCore does not build an environment without one: it sizes every entry from its stop`,
    });
  } else if (guards.length > 1) {
    issues.push({ source, path: 'plugins', message: `exactly one risk-guard plugin is allowed, found ${guards.length}: ${guards.map(where).join(', ')}` });
  }
  const trainers = byKind('trainer');
  if (!pluginsComplete) {
    // as above
  } else if (trainers.length === 0) {
    issues.push({ source, path: 'plugins', message: missingPluginMessage('trainer', toolNameOf(DEFAULT_TRAINER_PACKAGE), DEFAULT_TRAINER_PACKAGE, 'ppo()', cwd) });
  } else if (trainers.length > 1) {
    issues.push({ source, path: 'plugins', message: `exactly one trainer plugin is allowed, found ${trainers.length}: ${trainers.map(where).join(', ')}` });
  }

  // Each plugin's setup on its own hooks, so a failure names its plugin; indicators report their features.
  const featuresOf = new Map<ConfigPlugin, FeatureDefinition[]>();
  const dataset = await readDatasetShape(config, source, cwd, issues);
  if (dataset) {
    summary.push(`✓ dataset "${dataset.id}" (${displayPath(dataset.manifest, cwd)}): ${count(dataset.rows)} rows, columns ${dataset.columns.join(', ')}`);
  }
  for (const p of resolved.plugins) {
    const hooks = createHooks();
    try {
      await p.plugin.setup(hooks, { options: p.plugin.options, log: () => {} });
      if (p.plugin.kind !== 'indicator' || !dataset) continue;
      const definitions: FeatureDefinition[] = [];
      hooks.features.call({ availableColumns: new Set(dataset.columns as ColumnName[]), add: (d) => definitions.push(d) });
      featuresOf.set(p, definitions);
    } catch (error) {
      issues.push({ source: p.source, path: p.at, plugin: p.plugin.name, message: messageOf(error) });
    }
  }

  let maxWarmup = 0;
  let warmest = '';
  const names: string[] = [];
  if (dataset) {
    const have = new Set(dataset.columns);
    for (const [p, definitions] of featuresOf) {
      for (const definition of definitions) {
        const missing = definition.inputs.filter((input) => !have.has(input));
        if (missing.length > 0) {
          issues.push({
            source: p.source,
            path: p.at,
            plugin: p.plugin.name,
            message: `feature "${definition.id}" needs column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')}, which dataset "${dataset.id}" does not have (it has ${dataset.columns.join(', ')})`,
          });
        }
        if (definition.warmup > maxWarmup) {
          maxWarmup = definition.warmup;
          warmest = `"${definition.id}" of ${p.name}`;
        }
        names.push(...definition.outputs.map((o) => o.name));
      }
    }
    if (names.length > 0) summary.push(`✓ ${names.length} features (${names.join(', ')}); largest warm-up ${count(maxWarmup)} of ${count(dataset.rows)} rows`);
  }

  // The engine the run uses: every plugin set up together (duplicate feature outputs, the guard rules).
  let engine: Engine | undefined;
  if (issues.length === 0) {
    try {
      engine = await createEngine({ plugins: config.plugins, ...(options.log ? { log: options.log } : {}) });
      if (dataset) engine.collectFeatures(dataset.columns as ColumnName[]);
    } catch (error) {
      issues.push({ source, path: 'plugins', message: messageOf(error) });
    }
  }

  let trainer: TrainerDefinition | undefined;
  let plan: TrainerPlan | undefined;
  if (engine) {
    const definitions: TrainerDefinition[] = [];
    engine.hooks.trainer.call({ add: (d) => definitions.push(d) });
    const owner = trainers[0]!;
    if (definitions.length !== 1) {
      issues.push({ source: owner.source, path: owner.at, plugin: owner.plugin.name, message: `registered ${definitions.length} trainers through hooks.trainer; a trainer plugin must register exactly one` });
    } else {
      trainer = definitions[0]!;
      try {
        plan = trainer.plan(config.trainer);
        summary.push(`✓ trainer ${trainer.name} (${owner.name}): ${count(plan.totalSteps)} steps, ${plan.numEnvs} envs`);
      } catch (error) {
        if (isValidationError(error)) {
          for (const issue of error.issues) {
            const key = issue.path.split(/[.[]/)[0] ?? '';
            const inSection = key in config.trainer;
            const by = overrides.findLast((o) => o.startsWith(`trainer.${key}=`));
            if (by) issues.push({ source: `--set ${by}`, path: '', message: issue.message });
            else if (inSection) issues.push({ source, path: `trainer.${issue.path}`, message: issue.message });
            else issues.push({ source: owner.source, path: `${owner.at}.options${issue.path ? `.${issue.path}` : ''}`, plugin: owner.plugin.name, message: issue.message });
          }
        } else issues.push({ source, path: 'trainer', message: messageOf(error) });
      }
    }
  }

  let folds: Fold[] | undefined;
  if (dataset) {
    try {
      folds = timeSplit({ length: dataset.rows, testFraction: config.run.split.testFraction, walkForwardFolds: config.run.split.walkForwardFolds, minBars: config.env.window + 2 });
    } catch (error) {
      issues.push({ source, path: 'run.split', message: messageOf(error).replace(/^run\.split: /, '') });
    }
  }
  if (folds && dataset) {
    // Episodes start once every feature is warm and a full window of bars is behind them, and need one bar more.
    const firstStart = maxWarmup + config.env.window - 1;
    const need = `${maxWarmup > 0 ? `feature ${warmest} warms up for ${count(maxWarmup)} bars and ` : ''}the observation window (env.window) is ${config.env.window}, so episodes start at bar ${count(firstStart)}`;
    for (const fold of folds) {
      if (fold.trainEnd - 1 < firstStart) {
        issues.push({ source, path: 'run.split', message: `fold ${fold.fold} trains on bars 0..${count(fold.trainEnd)}, but ${need}; use more data, a smaller window or shorter indicator periods` });
      } else if (Math.max(fold.testStart, firstStart) > fold.testEnd - 1) {
        issues.push({ source, path: 'run.split', message: `fold ${fold.fold} tests on bars ${count(fold.testStart)}..${count(fold.testEnd)}, but ${need}` });
      }
    }
    if (issues.length === 0) {
      const last = folds[folds.length - 1]!;
      summary.push(
        folds.length === 1
          ? `✓ split: ${count(last.trainEnd + 1)} training and ${count(last.testEnd - last.testStart + 1)} test bars`
          : `✓ split: ${folds.length} walk-forward folds, ${count(last.testEnd - folds[0]!.testStart + 1)} test bars in all`,
      );
    }
  }

  if (issues.length > 0 || !data || !engine || !trainer || !plan || !dataset || !folds) return report();
  const out = options.out !== undefined ? path.resolve(cwd, options.out) : config.run.out;
  return report({
    configFile: raw.filepath,
    config,
    // The folder the run is written to is part of it: a run made again from the archive lands beside it.
    data: { ...data, run: { ...data.run, out } },
    plugins: resolved.plugins,
    engine,
    trainer,
    plan,
    dataset,
    features: { names, maxWarmup },
    folds,
    seed: config.run.seed,
    overrides,
    out,
    ...(resolved.toolsFile ? { toolsFile: resolved.toolsFile } : {}),
    summary,
  });
}

/** The dataset's manifest: id, rows and columns. Problems become issues naming the manifest or the config. */
async function readDatasetShape(config: LoadedConfigData, source: string, cwd: string, issues: SetupIssue[]): Promise<RunSetup['dataset'] | undefined> {
  try {
    const { manifest, path: file } = await loadManifest(config.dataset, { dataDir: config.dataDir });
    return { id: manifest.id, manifest: file, rows: manifest.rows, columns: manifest.columns.map((c) => c.name) };
  } catch (error) {
    if (isValidationError(error)) {
      for (const issue of error.issues) issues.push({ source: displayPath(error.source, cwd), path: issue.path, message: issue.message });
    } else if (error instanceof DataError || error instanceof TradecoreError) {
      issues.push({ source, path: 'dataset', message: messageOf(error) });
    } else throw error;
    return undefined;
  }
}

/**
 * {@link validateRunSetup}, throwing a {@link RunSetupError} (every issue, one line each) when anything is wrong.
 * Creates nothing.
 */
export async function prepareRun(options: RunSetupOptions = {}): Promise<RunSetup> {
  const report = await validateRunSetup(options);
  if (!report.setup) throw new RunSetupError(report.issues);
  return report.setup;
}
