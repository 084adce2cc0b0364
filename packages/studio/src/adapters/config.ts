/**
 * The data-shaped config the Control page edits: its schema (the SDK's own section schemas), the starting values,
 * the full validation behind "Validate" (the SDK's `validateRunSetup`, what `tradecore validate` and `run` check)
 * and the JSON config a launch runs.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  EnvSchema,
  ExecutionSchema,
  formatSetupIssue,
  ID_PATTERN,
  loadConfig,
  parseWithSchema,
  PluginEntrySchema,
  RunSchema,
  Type,
  validateRunSetup,
  ValidationError,
  type Issue,
  type Static,
  type UserConfig,
} from '@tradecore/sdk';
import type { ApiIssue, JsonSchema, PluginInfo, StudioConfig, ValidationResult } from '../api.ts';
import { writeJsonAtomic } from '../_fs.ts';
import { DEFAULT_TRAINER, RISK_GUARD } from './plugins.ts';

/**
 * A config as the panel accepts it from a request: the JSON-config shape without the keys that name paths
 * (`dataDir`, `tools`, a dataset given as a file): those always come from the studio's own folders.
 */
export const StudioConfigSchema = Type.Object(
  {
    dataset: Type.String({ pattern: ID_PATTERN.source, description: 'Dataset id in the data folder.' }),
    plugins: Type.Array(PluginEntrySchema, { description: 'Plugins by name, with their options.' }),
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
  readonly runsDir: string;
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

/** The config a run gets: the form's settings with the studio's data and runs folders. */
export function runnableConfig(config: ValidStudioConfig, ctx: ConfigContext): UserConfig {
  return { ...config, dataDir: ctx.dataDir, run: { ...config.run, out: ctx.runsDir } } as UserConfig;
}

/**
 * Everything `tradecore run` checks before it trains (schema, every plugin found and its options valid, one risk
 * guard, one trainer, the dataset's columns against every feature, warm-ups and the split), with the CLI's own
 * messages. Collects every problem.
 */
export async function validateConfig(input: unknown, ctx: ConfigContext): Promise<ValidationResult> {
  const shape = checkShape(input);
  if ('issues' in shape) return { ok: false, issues: shape.issues.map((i) => ({ ...i, line: formatSetupIssue({ ...i, source: '' }) })), summary: [] };
  try {
    const report = await validateRunSetup({ cwd: ctx.cwd, config: runnableConfig(shape.config, ctx) });
    const issues: ApiIssue[] = report.issues.map((i) => ({ path: i.path, message: i.message, line: formatSetupIssue({ ...i, source: '' }) }));
    return { ok: report.ok, issues, summary: report.summary.filter((line) => !line.includes('<inline config>')) };
  } catch (error) {
    return { ok: false, issues: [{ path: '', message: message(error), line: message(error) }], summary: [] };
  }
}

/**
 * The config the Control page starts from: the `--config` file as data (every plugin by name with its options, the
 * tool manifest folded in), else the risk guard and the default trainer on the first dataset.
 */
export async function startingConfig(
  ctx: ConfigContext & { configFile: string | null; datasets: readonly string[]; catalogue: readonly PluginInfo[] },
): Promise<{ config: StudioConfig; warnings: string[] }> {
  const warnings: string[] = [];
  const defaults: StudioConfig = {
    dataset: ctx.datasets[0] ?? '',
    plugins: [{ name: RISK_GUARD, enabled: true, options: {} }, ...(ctx.catalogue.some((p) => p.name === DEFAULT_TRAINER) ? [{ name: DEFAULT_TRAINER, enabled: true, options: {} }] : [])],
  };
  if (!ctx.configFile) return { config: defaults, warnings };
  try {
    const { data } = await loadConfig({ cwd: ctx.cwd, configFile: ctx.configFile });
    const { dataDir, tools: _tools, $schema: _schema, run, ...sections } = data as typeof data & { $schema?: string };
    let dataset = data.dataset;
    if (dataset.endsWith('.json') || dataset.includes('/')) {
      dataset = path.basename(dataset, '.json');
      warnings.push(`the config names its dataset by path (${data.dataset}); the panel uses dataset ids from ${ctx.dataDir}`);
    }
    if (path.resolve(dataDir) !== path.resolve(ctx.dataDir) && existsSync(path.join(dataDir, 'manifests'))) {
      warnings.push(`the config's dataDir (${dataDir}) is not the panel's data folder (${ctx.dataDir}); runs launched here use the panel's`);
    }
    const { out: _out, ...runSettings } = run;
    return { config: { ...sections, run: runSettings, dataset, plugins: data.plugins.map((p) => ({ name: p.name, enabled: p.enabled, options: p.options })) } as StudioConfig, warnings };
  } catch (error) {
    warnings.push(`${path.relative(ctx.cwd, ctx.configFile) || ctx.configFile}: ${message(error)}; starting from defaults`);
    return { config: defaults, warnings };
  }
}

/** Config file `tradecore run` loads for a launch. */
export const LAUNCH_CONFIG = 'tradecore.config.json';

/**
 * Writes the config a launch runs into its folder and returns its path: a JSON config, every plugin by name with
 * the options the form set, the studio's data folder. The folder is never rewritten, so `--resume` finds the same
 * config later, and the archive's `config.json` lists the same plugins with the same options.
 */
export async function writeLaunchConfig(folder: string, config: ValidStudioConfig, ctx: ConfigContext): Promise<string> {
  const file = path.join(folder, LAUNCH_CONFIG);
  await writeJsonAtomic(file, runnableConfig(config, ctx));
  return file;
}
