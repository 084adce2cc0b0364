/**
 * The data-shaped config the Control page edits: its schema (built from the SDK's own section schemas), the
 * starting values, the full validation behind "Validate", and the file a launch runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  checkIndicatorAgainstDataset,
  createEngine,
  EnvSchema,
  ExecutionSchema,
  loadConfig,
  loadManifest,
  loadToolManifest,
  parseWithSchema,
  RunSchema,
  timeSplit,
  ToolEntrySchema,
  toolNameOf,
  Type,
  ValidationError,
  type Issue,
  type PluginOption,
  type Static,
  type TradecorePlugin,
} from '@tradecore/sdk';
import type { JsonSchema, PluginEntry, PluginInfo, StudioConfig, ValidationResult } from '../api.ts';
import { writeFileAtomic, writeJsonAtomic } from '../_fs.ts';
import { importFactory, resolvePluginPackage, RISK_GUARD_PACKAGE, TRAINER_PACKAGES } from './plugins.ts';

/** A config as data: the JSON-config shape, every plugin by name with its options. */
export const StudioConfigSchema = Type.Object(
  {
    dataset: Type.String({ minLength: 1, description: 'Dataset id in the data folder.' }),
    plugins: Type.Array(ToolEntrySchema, { description: 'Plugins by name, with their options.' }),
    execution: ExecutionSchema,
    env: EnvSchema,
    trainer: Type.Record(Type.String(), Type.Unknown(), { default: {}, description: 'Overrides of the trainer plugin options.' }),
    run: RunSchema,
  },
  { additionalProperties: false },
);
export type ValidStudioConfig = Static<typeof StudioConfigSchema>;

/** JSON Schemas of the config sections the forms are generated from. */
export function sectionSchemas(): Record<string, JsonSchema> {
  const json = (schema: unknown) => JSON.parse(JSON.stringify(schema)) as JsonSchema;
  return { execution: json(ExecutionSchema), env: json(EnvSchema), run: json(RunSchema) };
}

export interface ConfigContext {
  /** The project folder: plugin names resolve from its node_modules. */
  readonly cwd: string;
  readonly dataDir: string;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Schema check with defaults applied: the config, or the `path: message` issues. */
export function checkShape(input: unknown): { config: ValidStudioConfig } | { issues: Issue[] } {
  try {
    return { config: parseWithSchema(StudioConfigSchema, input, 'config') };
  } catch (error) {
    if (error instanceof ValidationError) return { issues: [...error.issues] };
    throw error;
  }
}

interface BuiltPlugin {
  readonly index: number;
  readonly plugin: TradecorePlugin;
}

/** Resolves and builds every enabled plugin entry; option errors come back at `plugins[i].options.<path>`. */
async function buildPlugins(config: ValidStudioConfig, cwd: string, issues: Issue[]): Promise<BuiltPlugin[]> {
  const built: BuiltPlugin[] = [];
  for (const [index, entry] of config.plugins.entries()) {
    if (entry.enabled === false) continue;
    const at = `plugins[${index}]`;
    const resolved = resolvePluginPackage(entry.name, cwd);
    if (!resolved) {
      issues.push({ path: `${at}.name`, message: `unknown plugin "${entry.name}": install @tradecore/plugin-${entry.name} (or a community tradecore-plugin-${entry.name})` });
      continue;
    }
    try {
      const factory = await importFactory(resolved);
      built.push({ index, plugin: factory(entry.options) });
    } catch (error) {
      const issueList = (error as { issues?: Issue[] }).issues;
      if (Array.isArray(issueList)) {
        for (const issue of issueList) issues.push({ path: issue.path ? `${at}.options.${issue.path}` : `${at}.options`, message: issue.message });
      } else {
        issues.push({ path: at, message: `${resolved.packageName}: ${message(error)}` });
      }
    }
  }
  return built;
}

/**
 * Everything `tradecore run` would check before it trains: the schema of every section, every plugin resolves
 * and accepts its options, exactly one risk guard and one trainer, the dataset exists, every indicator's input
 * columns exist and its warm-up fits, and the split leaves enough bars. Collects every problem.
 */
export async function validateConfig(input: unknown, ctx: ConfigContext): Promise<ValidationResult> {
  const shape = checkShape(input);
  if ('issues' in shape) return { ok: false, issues: shape.issues, summary: [] };
  const { config } = shape;
  const issues: Issue[] = [];
  const summary: string[] = [];
  const built = await buildPlugins(config, ctx.cwd, issues);

  const guards = built.filter((b) => b.plugin.kind === 'risk-guard');
  const trainers = built.filter((b) => b.plugin.kind === 'trainer');
  // Counted only when every entry built: a guard whose options are invalid is not "missing".
  const complete = issues.length === 0;
  if (complete && guards.length !== 1) issues.push({ path: 'plugins', message: guards.length === 0 ? `a risk guard is required: add { "name": "risk-guard" } (${RISK_GUARD_PACKAGE})` : `exactly one risk guard is allowed, found ${guards.length}` });
  if (complete && trainers.length !== 1) issues.push({ path: 'plugins', message: trainers.length === 0 ? `a trainer is required: add { "name": "${TRAINER_PACKAGES[0]}" }` : `exactly one trainer is allowed, found ${trainers.length}` });

  let dataset: { id: string; file: string; columns: string[]; rows: number } | undefined;
  try {
    const { manifest, path: file } = await loadManifest(config.dataset, { dataDir: ctx.dataDir });
    dataset = { id: manifest.id, file, columns: manifest.columns.map((c) => c.name), rows: manifest.rows };
    summary.push(`dataset "${manifest.id}": ${manifest.rows.toLocaleString('en-US')} rows, columns ${dataset.columns.join(', ')}`);
  } catch (error) {
    issues.push({ path: 'dataset', message: message(error) });
  }

  const indicators = built.filter((b) => b.plugin.kind === 'indicator');
  if (dataset) {
    for (const { index, plugin } of indicators) {
      for (const problem of await checkIndicatorAgainstDataset(plugin, dataset)) issues.push({ path: `plugins[${index}]`, message: problem });
    }
    try {
      timeSplit({ length: dataset.rows, testFraction: config.run.split.testFraction, walkForwardFolds: config.run.split.walkForwardFolds, minBars: config.env.window + 2 });
    } catch (error) {
      issues.push({ path: 'run.split', message: message(error).replace(/^run\.split(\.\w+)?: /, '') });
    }
  }
  if (issues.length === 0) {
    try {
      const engine = await createEngine({ plugins: built.map((b) => b.plugin) as PluginOption[] });
      const features = engine.collectFeatures((dataset?.columns ?? []) as Parameters<typeof engine.collectFeatures>[0]);
      const warmup = Math.max(0, ...features.map((f) => f.warmup));
      const outputs = features.flatMap((f) => f.outputs.map((o) => o.name));
      summary.push(`${outputs.length} features from ${indicators.length} indicators (${outputs.join(', ') || 'none'}); largest warm-up ${warmup} bars`);
      summary.push(`risk guard ${guards[0]!.plugin.name}; trainer ${trainers[0]!.plugin.name}`);
    } catch (error) {
      issues.push({ path: 'plugins', message: message(error) });
    }
  }
  return { ok: issues.length === 0, issues, summary };
}

/** A live plugin (from a TypeScript config) as a data entry. */
function entryOf(plugin: TradecorePlugin): PluginEntry {
  return { name: toolNameOf(plugin.name), enabled: true, options: JSON.parse(JSON.stringify(plugin.options ?? {})) as Record<string, unknown> };
}

function flatten(option: PluginOption, out: TradecorePlugin[] = []): TradecorePlugin[] {
  if (Array.isArray(option)) for (const o of option as readonly PluginOption[]) flatten(o, out);
  else if (option) out.push(option as TradecorePlugin);
  return out;
}

/**
 * The config the Control page starts from: the `--config` file as data (a TypeScript config's plugin objects
 * become `{ name, options }`; its tool manifest's tools are listed too), else defaults with the first dataset.
 */
export async function startingConfig(
  ctx: ConfigContext & { configFile: string | null; datasets: readonly string[]; catalogue: readonly PluginInfo[] },
): Promise<{ config: StudioConfig; warnings: string[] }> {
  const warnings: string[] = [];
  const defaults: StudioConfig = {
    dataset: ctx.datasets[0] ?? '',
    plugins: [{ name: 'risk-guard', enabled: true, options: {} }, ...(ctx.catalogue.some((p) => p.packageName === TRAINER_PACKAGES[0]) ? [{ name: TRAINER_PACKAGES[0], enabled: true, options: {} }] : [])],
  };
  if (!ctx.configFile) return { config: defaults, warnings };
  try {
    if (ctx.configFile.endsWith('.json')) {
      const data = JSON.parse(readFileSync(ctx.configFile, 'utf8')) as Record<string, unknown>;
      if (Array.isArray(data.plugins) && data.plugins.every((p) => p && typeof p === 'object' && typeof (p as PluginEntry).name === 'string')) {
        const { $schema: _schema, dataDir: _dataDir, tools: _tools, ...rest } = data;
        return { config: rest as unknown as StudioConfig, warnings };
      }
    }
    const { config } = await loadConfig({ cwd: ctx.cwd, configFile: ctx.configFile });
    const plugins = flatten(config.plugins).map(entryOf);
    if (config.tools) {
      const { manifest } = await loadToolManifest(config.tools);
      for (const tool of manifest.tools) plugins.push({ name: tool.name, enabled: tool.enabled, options: tool.options });
    }
    let dataset = config.dataset;
    if (dataset.endsWith('.json') || dataset.includes('/')) {
      dataset = path.basename(dataset, '.json');
      warnings.push(`the config names its dataset by path (${config.dataset}); the panel uses dataset ids from ${ctx.dataDir}`);
    }
    if (path.resolve(config.dataDir) !== path.resolve(ctx.dataDir) && existsSync(path.join(config.dataDir, 'manifests'))) {
      warnings.push(`the config's dataDir (${config.dataDir}) is not the panel's data folder (${ctx.dataDir}); runs launched here use the panel's`);
    }
    const { plugins: _p, dataDir: _d, tools: _t, $schema: _s, ...sections } = config;
    return { config: { ...sections, dataset, plugins }, warnings };
  } catch (error) {
    warnings.push(`${ctx.configFile}: ${message(error)}; starting from defaults`);
    return { config: defaults, warnings };
  }
}

/** Settings file written for a launch, beside its log. */
export const LAUNCH_SETTINGS = 'settings.json';
/** Config file `tradecore run` loads for a launch. */
export const LAUNCH_CONFIG = 'tradecore.config.mjs';

/**
 * Writes the config a launch runs into its folder and returns the file to pass to `--config`. The settings are
 * kept as data (`settings.json`, exactly what the form sent, with the panel's data folder); the config module
 * resolves each plugin by name from the project, so the archive's `config.json` lists the same plugins with the
 * same options. The folder is never rewritten, so `--resume` finds the same config later.
 */
export async function writeLaunchConfig(folder: string, config: ValidStudioConfig, ctx: ConfigContext): Promise<string> {
  const settings = { ...config, dataDir: ctx.dataDir };
  await writeJsonAtomic(path.join(folder, LAUNCH_SETTINGS), settings);
  const entries = config.plugins.filter((p) => p.enabled !== false);
  const resolved = entries.map((entry) => {
    const pkg = resolvePluginPackage(entry.name, ctx.cwd);
    if (!pkg) throw new Error(`unknown plugin "${entry.name}"`);
    return { packageName: pkg.packageName, url: pathToFileURL(pkg.entry).href };
  });
  const module = `// Written by TradeCore Studio for one launch; the settings are data in ${LAUNCH_SETTINGS} beside this file.
import { existsSync, readFileSync } from 'node:fs';

const settings = JSON.parse(readFileSync(new URL('./${LAUNCH_SETTINGS}', import.meta.url), 'utf8'));
const packages = ${JSON.stringify(resolved, null, 2)};
const named = ${JSON.stringify({ [RISK_GUARD_PACKAGE]: 'riskGuard', [TRAINER_PACKAGES[0]]: 'ppo' })};
const entries = settings.plugins.filter((p) => p.enabled !== false);
const plugins = [];
for (const [i, entry] of entries.entries()) {
  const mod = await import(packages[i].url);
  const factory = mod.default ?? mod[named[packages[i].packageName]];
  plugins.push(factory(entry.options ?? {}));
}
export default { ...settings, plugins };
`;
  const file = path.join(folder, LAUNCH_CONFIG);
  await writeFileAtomic(file, module);
  return file;
}
