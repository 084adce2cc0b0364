import { type Issue, ValidationError } from '../errors.ts';
import type { TradecorePlugin } from '../plugin/types.ts';
import type { PluginEntryInput, ToolManifest } from './schema.ts';
import { importPluginFactory, resolveToolPackage, unknownToolMessage, type ResolvedToolPackage, type ResolveToolOptions, type ToolFactory } from './resolve.ts';

/** A ValidationError, also from another copy of the SDK (a plugin may resolve its own). */
export function isValidationError(error: unknown): error is ValidationError {
  return error instanceof ValidationError || (error instanceof Error && error.name === 'ValidationError' && Array.isArray((error as { issues?: unknown }).issues));
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export interface ResolvePluginOptions extends Omit<ResolveToolOptions, 'cwd'> {
  /** Folders names resolve from, in order (each with its node_modules ancestors): the project, then the current folder. */
  readonly dirs: readonly string[];
}

/** A plugin named as data, found, imported and made with its options. */
export interface ResolvedPlugin {
  readonly plugin: TradecorePlugin;
  readonly package: ResolvedToolPackage;
  /** The factory that made it (call it again to change options). */
  readonly factory: ToolFactory;
}

/** The installed package a plugin name refers to, searched from each of `dirs` in turn. */
export function findPluginPackage(name: string, { dirs, ...options }: ResolvePluginOptions): ResolvedToolPackage | undefined {
  for (const cwd of dirs) {
    const found = resolveToolPackage(name, { ...options, cwd });
    if (found) return found;
  }
  return undefined;
}

/**
 * Resolves one plugin entry (`{ name, options }`) to a plugin: finds its package, imports its factory and calls
 * it with the options. Problems come back as issues with paths inside the entry (`name`, `options.period`),
 * never thrown.
 */
export async function resolvePluginEntry(entry: PluginEntryInput, options: ResolvePluginOptions): Promise<ResolvedPlugin | { issues: Issue[] }> {
  const resolved = findPluginPackage(entry.name, options);
  if (!resolved) return { issues: [{ path: 'name', message: unknownToolMessage(entry.name, options.dirs[0]) }] };
  let factory: ToolFactory;
  try {
    factory = (await importPluginFactory(resolved, entry.name)).factory;
  } catch (error) {
    return { issues: [{ path: 'name', message: `${resolved.packageName} failed to load: ${messageOf(error)}` }] };
  }
  const made = makePlugin(factory, entry.options ?? {});
  return 'issues' in made ? made : { plugin: made.plugin, package: resolved, factory };
}

/** Calls a plugin factory, turning a rejection of its options into issues under `options`. */
export function makePlugin(factory: ToolFactory, options: Record<string, unknown>): { plugin: TradecorePlugin } | { issues: Issue[] } {
  try {
    return { plugin: factory(options) };
  } catch (error) {
    if (isValidationError(error)) {
      return { issues: error.issues.map((issue) => ({ path: issue.path ? `options.${issue.path}` : 'options', message: issue.message })) };
    }
    return { issues: [{ path: 'options', message: messageOf(error) }] };
  }
}

export interface ResolvedTool {
  /** Index in `manifest.tools`. */
  index: number;
  name: string;
  packageName: string;
  plugin: TradecorePlugin;
}

export interface InspectToolsResult {
  tools: ResolvedTool[];
  /** One per problem, paths inside the manifest (`tools[1].options.window`). */
  issues: Issue[];
}

/**
 * Resolves every enabled tool of a manifest and calls its factory with the tool's options, collecting
 * problems (unknown tool, bad options, broken package) instead of stopping at the first.
 */
export async function inspectTools(manifest: ToolManifest, options: ResolveToolOptions): Promise<InspectToolsResult> {
  const tools: ResolvedTool[] = [];
  const issues: Issue[] = [];
  const { cwd, ...rest } = options;
  for (const [index, tool] of manifest.tools.entries()) {
    if (!tool.enabled) continue;
    const at = `tools[${index}]`;
    const result = await resolvePluginEntry(tool, { ...rest, dirs: [cwd] });
    if ('issues' in result) {
      for (const issue of result.issues) issues.push({ path: `${at}.${issue.path}`, message: issue.message });
      continue;
    }
    const { plugin, package: resolved } = result;
    if (plugin.kind !== 'indicator') {
      issues.push({ path: `${at}.name`, message: `${resolved.packageName} is a "${plugin.kind}" plugin; a tool manifest lists indicator plugins only (name it in the config's plugins instead)` });
      continue;
    }
    tools.push({ index, name: tool.name, packageName: resolved.packageName, plugin });
  }
  return { tools, issues };
}

/**
 * The plugins a tool manifest enables, ready for a config's `plugins` array. Names resolve from
 * `cwd` (`@tradecore/plugin-<name>`, then `tradecore-plugin-<name>`); any problem throws one
 * {@link ValidationError} listing them all, named after `source` (the manifest file).
 */
export async function resolveTools(
  manifest: ToolManifest,
  { source = 'tool manifest', ...options }: ResolveToolOptions & { source?: string },
): Promise<TradecorePlugin[]> {
  const { tools, issues } = await inspectTools(manifest, options);
  if (issues.length > 0) throw new ValidationError(source, issues);
  return tools.map((t) => t.plugin);
}
