import { type Issue, ValidationError } from '../errors.ts';
import type { TradecorePlugin } from '../plugin/types.ts';
import type { ToolManifest } from './schema.ts';
import { importToolFactory, resolveToolPackage, unknownToolMessage, type ResolveToolOptions } from './resolve.ts';

/** A ValidationError, also from another copy of the SDK (a plugin may resolve its own). */
function isValidationError(error: unknown): error is ValidationError {
  return error instanceof ValidationError || (error instanceof Error && error.name === 'ValidationError' && Array.isArray((error as { issues?: unknown }).issues));
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
  for (const [index, tool] of manifest.tools.entries()) {
    if (!tool.enabled) continue;
    const at = `tools[${index}]`;
    const resolved = resolveToolPackage(tool.name, options);
    if (!resolved) {
      issues.push({ path: `${at}.name`, message: unknownToolMessage(tool.name) });
      continue;
    }
    let plugin: TradecorePlugin;
    try {
      const factory = await importToolFactory(resolved);
      plugin = factory(tool.options);
    } catch (error) {
      if (isValidationError(error)) {
        for (const issue of error.issues) {
          issues.push({ path: issue.path ? `${at}.options.${issue.path}` : `${at}.options`, message: issue.message });
        }
      } else {
        issues.push({ path: at, message: `${resolved.packageName} failed to load: ${error instanceof Error ? error.message : String(error)}` });
      }
      continue;
    }
    if (plugin.kind !== 'indicator') {
      issues.push({ path: `${at}.name`, message: `${resolved.packageName} is a "${plugin.kind}" plugin; a tool manifest lists indicator plugins only` });
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
