import path from 'node:path';
import { Value } from 'typebox/value';
import { type Issue } from '../errors.ts';
import { OverrideError, applyOverrides, isPluginOverride, parseOverride, type ParsedOverride } from '../experiment/overrides.ts';
import { pluginFactoryOf } from '../plugin/definePlugin.ts';
import { resolvePlugins } from '../plugin/resolvePlugins.ts';
import type { TradecorePlugin } from '../plugin/types.ts';
import { collectIssues } from '../schema/validate.ts';
import { loadToolManifest } from '../tools/loadToolManifest.ts';
import { importPluginFactory, toolNameOf, toolPackageCandidates, splitPluginName, type ToolFactory } from '../tools/resolve.ts';
import { findPluginPackage, isValidationError, makePlugin, resolvePluginEntry } from '../tools/resolveTools.ts';
import { PluginEntrySchema, type PluginEntry } from '../tools/schema.ts';
import { displayPath, type SetupIssue } from './issues.ts';
import { ConfigSchema, type ResolvedConfig } from './schema.ts';

/** The label of a config given in memory (`runExperiment({ config })`) instead of a file. */
export const INLINE_CONFIG = '<inline config>';

/** Where the published config JSON Schema lives; written into data-shaped configs for editors. */
export const CONFIG_SCHEMA_URL = 'https://unpkg.com/@tradecore/sdk/schemas/config.schema.json';

/** A plugin of a resolved config, with where it was written and the data that makes it again. */
export interface ConfigPlugin {
  readonly plugin: TradecorePlugin;
  /** Short name, as `--set plugins.<name>.…` accepts it: `rsi`, `risk-guard`, `trainer-gpu`, `risk-guard:trailing-stop`. */
  readonly name: string;
  /** Position where it was written: `plugins[2]`, `plugins[1][0]`, `tools[0]`. */
  readonly at: string;
  /** The file it was written in (relative to the working folder when inside it). */
  readonly source: string;
  /** `{ name, enabled: true, options }` with the plugin's full name and final options: makes the same plugin from data. */
  readonly entry: PluginEntry;
}

/** The config value to resolve: from a file (`readConfigFile`) or in memory. */
export interface RawConfigInput {
  /** Absolute path of the file, or {@link INLINE_CONFIG}. */
  readonly filepath: string;
  readonly value: unknown;
}

export interface ResolveConfigOptions {
  readonly raw: RawConfigInput;
  /** The working folder: command-line paths are relative to it; plugin packages are also searched from it. */
  readonly cwd: string;
  /** `key.path=value` overrides (`plugins.<name>.<option>=value` included). */
  readonly set?: readonly string[];
  /** Tool manifest given on the command line, relative to `cwd`; replaces the config's `tools`. */
  readonly tools?: string;
  /** Export conditions used to pick a plugin package's entry (default: Node's own, then `node`, `import`, `default`). */
  readonly conditions?: readonly string[];
}

/**
 * A config after validation and plugin resolution. `config` is absent when the config's own sections are invalid
 * (with plugin problems it holds the plugins that could be made); `data` is present only when there are no issues.
 */
export interface ResolveConfigResult {
  readonly config?: Omit<ResolvedConfig, 'plugins'> & { plugins: TradecorePlugin[] };
  /** The same config as data: every plugin `{ name, options }` with final options, paths absolute, no `tools`. */
  readonly data?: ResolvedConfig;
  readonly plugins: ConfigPlugin[];
  readonly issues: SetupIssue[];
  /** Folder the config's own relative paths resolve from. */
  readonly baseDir: string;
  /** The tool manifest that was read (absolute), if any. */
  readonly toolsFile?: string;
}

/** One plugin as written, before resolution. */
interface PluginSpec {
  readonly at: string;
  readonly source: string;
  readonly plugin?: TradecorePlugin;
  readonly entry?: PluginEntry;
  enabled: boolean;
  /** Option overrides from `--set`, and which `--set` wrote each top-level option. */
  readonly overrides: Record<string, unknown>;
  readonly overriddenBy: Map<string, ParsedOverride>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function isPluginObject(value: unknown): value is TradecorePlugin {
  return isRecord(value) && typeof value.name === 'string' && typeof value.setup === 'function' && typeof value.kind === 'string';
}

const isPathLike = (ref: string): boolean => ref.endsWith('.json') || ref.includes('/') || ref.includes(path.sep);

const dotted = (keys: readonly string[]): string => keys.join('.');

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? JSON.stringify(value).slice(0, 60) : typeof value;
}

/** Names a `--set plugins.<name>…` may use for a spec: as written, short, and the full package names it may be. */
function refsOf(spec: PluginSpec): string[] {
  if (spec.plugin) return [...new Set([spec.plugin.name, toolNameOf(spec.plugin.name)])];
  const name = spec.entry!.name;
  const { sub } = splitPluginName(name);
  return [...new Set([name, toolNameOf(name), ...toolPackageCandidates(name).map((p) => (sub ? `${p}:${sub}` : p))])];
}

function shortNameOf(spec: PluginSpec): string {
  return spec.plugin ? toolNameOf(spec.plugin.name) : toolNameOf(spec.entry!.name);
}

/** Sets `value` at `keys` inside a copy of `target`. */
function setIn(target: Record<string, unknown>, keys: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = keys;
  if (rest.length === 0) return { ...target, [head!]: value };
  const child = target[head!];
  return { ...target, [head!]: setIn(isRecord(child) ? child : {}, rest, value) };
}

/** Deep merge of option overrides into options (objects merge, everything else replaces). */
function mergeOptions(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) out[key] = isRecord(value) && isRecord(base[key]) ? mergeOptions(base[key], value) : value;
  return out;
}

function optionNames(plugin: TradecorePlugin | undefined, fallback: Record<string, unknown>): string[] {
  const properties = (plugin?.optionsSchema as { properties?: Record<string, unknown> } | undefined)?.properties;
  return Object.keys(properties ?? (isRecord(plugin?.options) ? plugin.options : fallback));
}

/**
 * Validates a config value and makes its plugins: the config's own sections against the schema, each plugin entry
 * against the entry schema, `--set` overrides applied (`plugins.<name>.<option>` and `plugins.<name>.enabled`
 * included), plugins named as data resolved from their packages (from the config's folder, then `cwd`), and the
 * tool manifest's plugins added after the config's. Collects every problem as a {@link SetupIssue} instead of
 * stopping at the first.
 */
export async function resolveConfig(options: ResolveConfigOptions): Promise<ResolveConfigResult> {
  const { raw, cwd } = options;
  const inline = raw.filepath === INLINE_CONFIG;
  const source = inline ? INLINE_CONFIG : displayPath(raw.filepath, cwd);
  const baseDir = inline ? cwd : path.dirname(raw.filepath);
  const issues: SetupIssue[] = [];
  const plugins: ConfigPlugin[] = [];
  const result = (extra: Partial<ResolveConfigResult> = {}): ResolveConfigResult => ({ plugins, issues, baseDir, ...extra });

  if (!isRecord(raw.value)) {
    issues.push({
      source,
      path: '',
      message: `the config must be an object, e.g. \`export default defineConfig({ dataset: '…', plugins: [...] })\`, got ${describeValue(raw.value)}`,
    });
    return result();
  }

  // --set: parse every override; plugin ones are applied below, where plugin names are known.
  const overrides: ParsedOverride[] = [];
  for (const text of options.set ?? []) {
    try {
      overrides.push(parseOverride(text));
    } catch (error) {
      issues.push({ source: `--set ${text}`, path: '', message: error instanceof OverrideError ? error.message.replace(/^--set [^:]*: /, '') : String(error) });
    }
  }
  const configOverrides = overrides.filter((o) => !isPluginOverride(o));
  const pluginOverrides = overrides.filter(isPluginOverride);
  const setBy = (issuePath: string): ParsedOverride | undefined =>
    configOverrides.findLast((o) => {
      const key = dotted(o.path);
      return issuePath === key || issuePath.startsWith(`${key}.`) || issuePath.startsWith(`${key}[`);
    });

  // The config's own sections (plugins are checked one by one below, so their paths keep their positions).
  const { plugins: writtenPlugins, ...rest } = raw.value;
  let merged: Record<string, unknown>;
  try {
    merged = applyOverrides({ ...rest, plugins: [] }, configOverrides.map((o) => o.text));
  } catch (error) {
    issues.push({ source: '--set', path: '', message: String((error as Error).message) });
    merged = { ...rest, plugins: [] };
  }
  const withDefaults = Value.Default(ConfigSchema, Value.Clone(merged)) as ResolvedConfig;
  for (const issue of collectIssues(ConfigSchema, withDefaults)) {
    const by = setBy(issue.path);
    if (by) issues.push({ source: `--set ${by.text}`, path: issue.path === dotted(by.path) ? '' : issue.path, message: issue.message });
    else issues.push({ source, path: issue.path, message: issue.message });
  }
  const sectionsValid = issues.length === 0;
  if (writtenPlugins !== undefined && !Array.isArray(writtenPlugins)) {
    issues.push({ source, path: 'plugins', message: `must be an array of plugins, got ${describeValue(writtenPlugins)}` });
  }

  // Paths: those from the file are relative to the file, those from the command line to the working folder.
  const fromCli = (key: string) => configOverrides.some((o) => dotted(o.path) === key || (key.startsWith(`${dotted(o.path)}.`) && o.path.length === 1));
  const resolvePath = (value: string, key: string) => path.resolve(fromCli(key) ? cwd : baseDir, value);
  const dataDir = resolvePath(String(withDefaults.dataDir ?? './data'), 'dataDir');
  const dataset = typeof withDefaults.dataset === 'string' && isPathLike(withDefaults.dataset) ? resolvePath(withDefaults.dataset, 'dataset') : withDefaults.dataset;
  const toolsSetting = options.tools !== undefined ? path.resolve(cwd, options.tools) : typeof withDefaults.tools === 'string' ? resolvePath(withDefaults.tools, 'tools') : undefined;
  const out = typeof withDefaults.run?.out === 'string' ? resolvePath(withDefaults.run.out, 'run.out') : undefined;

  // Plugins as written: objects, entries by name, nested arrays; falsy values dropped.
  const specs: PluginSpec[] = [];
  const addSpecs = (list: readonly unknown[], at: string) => {
    list.forEach((value, index) => {
      const here = `${at}[${index}]`;
      if (value === false || value === null || value === undefined) return;
      if (Array.isArray(value)) return addSpecs(value, here);
      if (isPluginObject(value)) {
        specs.push({ at: here, source, plugin: value, enabled: true, overrides: {}, overriddenBy: new Map() });
        return;
      }
      if (isRecord(value) && 'name' in value) {
        const entry = Value.Default(PluginEntrySchema, Value.Clone(value)) as PluginEntry;
        const entryIssues = collectIssues(PluginEntrySchema, entry);
        for (const issue of entryIssues) issues.push({ source, path: `${here}${issue.path ? `.${issue.path}` : ''}`, message: issue.message });
        if (entryIssues.length === 0) specs.push({ at: here, source, entry, enabled: entry.enabled, overrides: {}, overriddenBy: new Map() });
        return;
      }
      issues.push({
        source,
        path: here,
        message:
          typeof value === 'function'
            ? "got a function: call the package's factory, e.g. rsiPlugin({ period: 14 }), or name it as data: { name: 'rsi', options: { period: 14 } }"
            : `expected a plugin (e.g. rsiPlugin()) or { "name": "rsi", "options": { … } }, got ${describeValue(value)}`,
      });
    });
  };
  if (Array.isArray(writtenPlugins)) addSpecs(writtenPlugins, 'plugins');

  // The tool manifest: indicator plugins by name, after the config's own.
  let toolsFile: string | undefined;
  if (toolsSetting) {
    try {
      const { manifest, file } = await loadToolManifest(toolsSetting);
      toolsFile = file;
      const shown = displayPath(file, cwd);
      manifest.tools.forEach((entry, index) => {
        specs.push({ at: `tools[${index}]`, source: shown, entry, enabled: entry.enabled, overrides: {}, overriddenBy: new Map() });
      });
    } catch (error) {
      if (isValidationError(error)) for (const issue of error.issues) issues.push({ source: displayPath(error.source, cwd), path: issue.path, message: issue.message });
      else issues.push({ source, path: 'tools', message: (error as Error).message });
    }
  }

  // --set plugins.<name>.<option>=value and plugins.<name>.enabled=true|false.
  for (const override of pluginOverrides) {
    const target = override.path.slice(1).join('.');
    let best = 0;
    let matched: PluginSpec[] = [];
    for (const spec of specs) {
      const length = Math.max(0, ...refsOf(spec).filter((ref) => target.startsWith(`${ref}.`)).map((ref) => ref.length));
      if (length === 0 || length < best) continue;
      if (length > best) matched = [];
      best = length;
      matched.push(spec);
    }
    const problem = (message: string) => issues.push({ source: `--set ${override.text}`, path: '', message });
    if (matched.length === 0) {
      const known = specs.map((s) => `${shortNameOf(s)}${s.enabled ? '' : ' (disabled)'}`);
      problem(`no plugin "${override.path[1]}" in the config; ${known.length ? `its plugins: ${known.join(', ')}` : 'it has no plugins'}`);
      continue;
    }
    if (matched.length > 1) {
      problem(`"${target.slice(0, best)}" matches ${matched.length} plugins (${matched.map((s) => s.at).join(', ')}); use the full package name`);
      continue;
    }
    const spec = matched[0]!;
    const keys = target.slice(best + 1).split('.');
    if (keys.length === 1 && keys[0] === 'enabled') {
      if (typeof override.value !== 'boolean') problem(`must be true or false, got ${JSON.stringify(override.value)}`);
      else spec.enabled = override.value;
      continue;
    }
    Object.assign(spec.overrides, setIn(spec.overrides, keys, override.value));
    spec.overriddenBy.set(keys[0]!, override);
  }

  // Make every enabled plugin.
  const searchDirs = [...new Set([baseDir, cwd])];
  const resolveOptions = { dirs: searchDirs, ...(options.conditions ? { conditions: options.conditions } : {}) };
  for (const spec of specs) {
    if (!spec.enabled) continue;
    const made = await makeSpec(spec, resolveOptions);
    const pluginName = made.plugin?.name ?? made.packageName;
    for (const issue of made.issues) {
      const option = /^options\.([^.[\]]+)/.exec(issue.path)?.[1];
      const by = option ? spec.overriddenBy.get(option) : undefined;
      if (by) {
        const known = issue.message === 'unknown property' ? ` (options of ${shortNameOf(spec)}: ${optionNames(made.basePlugin, spec.entry?.options ?? {}).join(', ') || 'none'})` : '';
        const inner = issue.path.slice(`options.${option}`.length).replace(/^\./, '');
        issues.push({ source: `--set ${by.text}`, path: inner, message: `${issue.message}${known}` });
      } else {
        issues.push({ source: spec.source, path: `${spec.at}${issue.path ? `.${issue.path}` : ''}`, message: issue.message, ...(pluginName ? { plugin: pluginName } : {}) });
      }
    }
    if (!made.plugin) continue;
    const plugin = made.plugin;
    try {
      resolvePlugins([plugin], { requireRiskGuard: false });
    } catch (error) {
      issues.push({ source: spec.source, path: spec.at, plugin: plugin.name, message: (error as Error).message.replace(/^plugins\[0\]: /, '') });
      continue;
    }
    const first = plugins.find((p) => p.plugin.name === plugin.name);
    if (first) {
      issues.push({
        source: spec.source,
        path: spec.at,
        plugin: plugin.name,
        message: `listed twice (also at ${first.source === spec.source ? '' : `${first.source}: `}${first.at}); each plugin may appear once`,
      });
      continue;
    }
    plugins.push({
      plugin,
      name: toolNameOf(plugin.name),
      at: spec.at,
      source: spec.source,
      entry: { name: plugin.name, enabled: true, options: isRecord(plugin.options) ? (plugin.options as Record<string, unknown>) : {} },
    });
  }

  if (!sectionsValid) return result(toolsFile ? { toolsFile } : {});
  const { tools: _tools, $schema: _schema, ...sections } = withDefaults;
  const config = {
    ...sections,
    dataset: dataset!,
    dataDir,
    ...(toolsFile ? { tools: toolsFile } : {}),
    run: { ...sections.run, out: out! },
    plugins: plugins.map((p) => p.plugin),
  };
  const data: ResolvedConfig = {
    $schema: CONFIG_SCHEMA_URL,
    dataset: dataset!,
    dataDir,
    plugins: plugins.map((p) => p.entry),
    execution: sections.execution,
    env: sections.env,
    trainer: sections.trainer,
    run: { ...sections.run, out: out! },
  };
  // With plugin problems the config is still returned (its sections are valid, its plugins are those that could
  // be made), so later checks can run; the data form only when everything resolved.
  return result({ config, ...(issues.length === 0 ? { data } : {}), ...(toolsFile ? { toolsFile } : {}) });
}

interface MadeSpec {
  plugin?: TradecorePlugin;
  /** The plugin as written, before `--set` (to name its options). */
  basePlugin?: TradecorePlugin;
  packageName?: string;
  issues: Issue[];
}

/** Makes one plugin: an object as it is (made again when `--set` changes its options), an entry from its package. */
async function makeSpec(spec: PluginSpec, options: { dirs: readonly string[]; conditions?: readonly string[] }): Promise<MadeSpec> {
  const hasOverrides = Object.keys(spec.overrides).length > 0;
  if (spec.plugin) {
    if (!hasOverrides) return { plugin: spec.plugin, issues: [] };
    let factory: ToolFactory | undefined = pluginFactoryOf(spec.plugin);
    if (!factory) {
      const found = findPluginPackage(spec.plugin.name, options);
      factory = found ? await importPluginFactory(found, spec.plugin.name).then((f) => f.factory, () => undefined) : undefined;
    }
    if (!factory) {
      return {
        basePlugin: spec.plugin,
        issues: [{ path: 'options', message: `"${spec.plugin.name}" is an object made in the config without a factory the SDK can find; change its options there` }],
      };
    }
    const base = isRecord(spec.plugin.options) ? (spec.plugin.options as Record<string, unknown>) : {};
    const made = makePlugin(factory, mergeOptions(base, spec.overrides));
    return 'issues' in made ? { basePlugin: spec.plugin, packageName: spec.plugin.name, issues: made.issues } : { plugin: made.plugin, basePlugin: spec.plugin, issues: [] };
  }
  const entry = spec.entry!;
  const options2 = mergeOptions(entry.options, spec.overrides);
  const resolved = await resolvePluginEntry({ name: entry.name, options: options2 }, options);
  if (!('issues' in resolved)) return { plugin: resolved.plugin, packageName: resolved.package.packageName, issues: [] };
  // Name the plugin's options when an override names one it does not have.
  let basePlugin: TradecorePlugin | undefined;
  if (hasOverrides && resolved.issues.some((i) => i.message === 'unknown property')) {
    const base = await resolvePluginEntry(entry, options);
    if (!('issues' in base)) basePlugin = base.plugin;
  }
  const found = findPluginPackage(entry.name, options);
  return { ...(basePlugin ? { basePlugin } : {}), ...(found ? { packageName: found.packageName } : {}), issues: resolved.issues };
}
