import path from 'node:path';
import {
  checkIndicatorAgainstDataset,
  ConfigNotFoundError,
  createEngine,
  type DatasetShape,
  inspectTools,
  loadConfig,
  loadManifest,
  loadToolManifest,
  type LoadedConfig,
  type PluginOption,
  type TradecorePlugin,
  ValidationError,
} from '@tradecore/sdk';

export interface ValidateOptions {
  cwd: string;
  config?: string;
  tools?: string;
}

export interface ValidateResult {
  /** One line per problem: `<file>: <path>: <message>`. */
  problems: string[];
  /** What was checked, for a clean run. */
  summary: string[];
}

function flatten(option: PluginOption, out: TradecorePlugin[] = []): TradecorePlugin[] {
  if (Array.isArray(option)) for (const o of option as readonly PluginOption[]) flatten(o, out);
  else if (option) out.push(option as TradecorePlugin);
  return out;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Loads the config, its dataset manifest and the tool manifest and checks them together: tools resolve
 * to installed packages, options pass their schemas, every feature's input columns exist in the dataset
 * and every warm-up is shorter than the data. Collects every problem instead of stopping at the first.
 */
export async function validateProject({ cwd, config: configFile, tools: toolsFile }: ValidateOptions): Promise<ValidateResult> {
  const problems: string[] = [];
  const summary: string[] = [];
  const rel = (file: string) => {
    const r = path.relative(cwd, file);
    return r && !r.startsWith('..') ? r : file;
  };
  const issueLines = (error: ValidationError, prefix = '') =>
    error.issues.map((i) => `${rel(error.source)}: ${prefix}${i.path ? `${i.path}: ` : ''}${i.message}`);

  let loaded: LoadedConfig;
  try {
    loaded = await loadConfig({ cwd, ...(configFile ? { configFile } : {}) });
  } catch (error) {
    if (error instanceof ValidationError) return { problems: issueLines(error), summary };
    if (error instanceof ConfigNotFoundError) return { problems: [messageOf(error)], summary };
    return { problems: [`${configFile ?? 'config'}: cannot load: ${messageOf(error)}`], summary };
  }
  const { config, filepath } = loaded;
  const configDir = path.dirname(filepath);
  summary.push(`✓ config ${rel(filepath)}`);

  // Dataset: an id in <dataDir>/manifests, or a manifest path relative to the config file.
  let dataset: DatasetShape | undefined;
  const ref = config.dataset.endsWith('.json') || config.dataset.includes('/') ? path.resolve(configDir, config.dataset) : config.dataset;
  try {
    const { manifest, path: manifestFile } = await loadManifest(ref, { dataDir: config.dataDir });
    dataset = { id: manifest.id, file: rel(manifestFile), columns: manifest.columns.map((c) => c.name), rows: manifest.rows };
    summary.push(`✓ dataset "${manifest.id}" (${rel(manifestFile)}): ${manifest.rows.toLocaleString('en-US')} rows, columns ${dataset.columns.join(', ')}`);
  } catch (error) {
    if (error instanceof ValidationError) problems.push(...issueLines(error));
    else problems.push(`${rel(filepath)}: dataset: ${messageOf(error)}`);
  }

  const indicators: { plugin: TradecorePlugin; where: string }[] = [];
  flatten(config.plugins).forEach((plugin, index) => {
    if (plugin.kind === 'indicator') indicators.push({ plugin, where: `${rel(filepath)}: plugins[${index}] (${plugin.name})` });
  });

  // Same rule as `tradecore run`: a tool manifest is used only when named (here with --tools, or by the config).
  const manifestFile = toolsFile ? path.resolve(cwd, toolsFile) : config.tools;
  if (manifestFile) {
    try {
      const { manifest, file } = await loadToolManifest(manifestFile);
      const { tools, issues } = await inspectTools(manifest, { cwd: configDir });
      for (const issue of issues) problems.push(`${rel(file)}: ${issue.path}: ${issue.message}`);
      const fromConfig = new Set(indicators.map((i) => i.plugin.name));
      for (const tool of tools) {
        const where = `${rel(file)}: tools[${tool.index}] (${tool.name})`;
        if (fromConfig.has(tool.packageName)) {
          problems.push(`${where}: ${tool.packageName} is also in the config's plugins; enable it in one place only`);
          continue;
        }
        indicators.push({ plugin: tool.plugin, where });
      }
      summary.push(`✓ tools ${rel(file)}: ${tools.map((t) => t.name).join(', ') || 'none enabled'}`);
    } catch (error) {
      if (error instanceof ValidationError) problems.push(...issueLines(error));
      else problems.push(`${rel(manifestFile)}: ${messageOf(error)}`);
    }
  } else {
    summary.push('· no tool manifest (no --tools and no `tools` in the config)');
  }

  if (dataset) {
    for (const { plugin, where } of indicators) {
      for (const message of await checkIndicatorAgainstDataset(plugin, dataset)) problems.push(`${where}: ${message}`);
    }
    if (problems.length === 0 && indicators.length > 0) {
      try {
        const engine = await createEngine({ plugins: indicators.map((i) => i.plugin), requireRiskGuard: false });
        const features = engine.collectFeatures(dataset.columns as Parameters<typeof engine.collectFeatures>[0]);
        const maxWarmup = Math.max(0, ...features.map((f) => f.warmup));
        summary.push(
          `✓ ${features.length} features (${features.flatMap((f) => f.outputs.map((o) => o.name)).join(', ')}); largest warm-up ${maxWarmup} of ${dataset.rows.toLocaleString('en-US')} rows`,
        );
      } catch (error) {
        problems.push(`${rel(filepath)}: plugins: ${messageOf(error)}`);
      }
    }
  }
  return { problems, summary };
}
