import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { resolveToolPackage, type TradecorePlugin } from '@tradecore/sdk';

/** A first-party plugin the self-test runs, as found on this machine. */
export interface LoadedPlugin {
  readonly packageName: string;
  readonly version: string;
  /** Folder of the package that was tested. */
  readonly dir: string;
  readonly create: (options?: Record<string, unknown>) => TradecorePlugin;
}

/** Where the CLI itself is installed: the fallback when the project has no copy of a plugin. */
const CLI_DIR = path.dirname(fileURLToPath(import.meta.url));

/**
 * Loads `@tradecore/plugin-<name>` the way the project at `cwd` would (its node_modules first), else the
 * copy installed with the CLI, so the doctor checks the plugins a run in this project would use. The
 * factory is the package's default export or the named `exportName`.
 */
export async function loadPlugin(name: string, cwd: string, exportName?: string): Promise<LoadedPlugin> {
  const resolved = resolveToolPackage(name, { cwd }) ?? resolveToolPackage(name, { cwd: CLI_DIR });
  if (!resolved) throw new Error(`@tradecore/plugin-${name} is not installed (pnpm add @tradecore/plugin-${name})`);
  const mod = (await import(pathToFileURL(resolved.entry).href)) as Record<string, unknown>;
  const create = (exportName ? mod[exportName] : undefined) ?? mod.default;
  if (typeof create !== 'function') throw new Error(`${resolved.packageName} (${resolved.entry}) exports no plugin factory${exportName ? ` "${exportName}"` : ''}`);
  return { packageName: resolved.packageName, version: resolved.version, dir: resolved.dir, create: create as LoadedPlugin['create'] };
}
