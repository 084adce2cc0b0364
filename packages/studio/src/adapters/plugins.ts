/**
 * Installed plugins by name: the catalogue the Control page builds its forms from, and the factory call that
 * checks an entry's options with the plugin's own schema.
 *
 * Names resolve like tool-manifest names (`vwap` → `@tradecore/plugin-vwap`, then `tradecore-plugin-vwap`, or
 * a full package name). A package's plugin factory is its default export; the first-party risk guard and
 * trainer packages predate that convention and are read from their named factory.
 */
import { pathToFileURL } from 'node:url';
import {
  findPackage,
  importToolFactory,
  listToolPackages,
  resolveToolPackage,
  toolNameOf,
  ToolResolutionError,
  type ResolvedToolPackage,
  type ToolFactory,
  type TradecorePlugin,
} from '@tradecore/sdk';
import type { JsonSchema, PluginInfo } from '../api.ts';

/** Named factories of first-party packages without a default export. */
const NAMED_FACTORIES: Readonly<Record<string, string>> = {
  '@tradecore/plugin-risk-guard': 'riskGuard',
  '@tradecore/trainer-gpu': 'ppo',
};

/** Trainer packages offered by the panel (besides any installed `@tradecore/plugin-*` of kind trainer). */
export const TRAINER_PACKAGES = ['@tradecore/trainer-gpu'] as const;

export const RISK_GUARD_PACKAGE = '@tradecore/plugin-risk-guard';

/** The resolved package of a plugin name, or undefined when nothing installed answers to it. */
export function resolvePluginPackage(name: string, cwd: string): ResolvedToolPackage | undefined {
  return name.startsWith('@') && !name.startsWith('@tradecore/plugin-') ? findPackage(name, { cwd }) : resolveToolPackage(name, { cwd });
}

export async function importFactory(resolved: ResolvedToolPackage): Promise<ToolFactory> {
  const named = NAMED_FACTORIES[resolved.packageName];
  if (named) {
    const mod = (await import(pathToFileURL(resolved.entry).href)) as Record<string, unknown>;
    const factory = mod.default ?? mod[named];
    if (typeof factory !== 'function') throw new ToolResolutionError(`${resolved.packageName} exports no plugin factory (${named})`);
    return factory as ToolFactory;
  }
  return importToolFactory(resolved);
}

/** A plugin's options schema as plain JSON (TypeBox schemas are JSON Schema objects). */
function jsonSchemaOf(plugin: TradecorePlugin): JsonSchema | null {
  return plugin.optionsSchema ? (JSON.parse(JSON.stringify(plugin.optionsSchema)) as JsonSchema) : null;
}

/** Every installed plugin the panel can configure, found from `cwd`, with its kind and options schema. */
export async function pluginCatalogue(cwd: string): Promise<{ plugins: PluginInfo[]; broken: string[] }> {
  const packages = new Map<string, ResolvedToolPackage>();
  for (const pkg of listToolPackages({ cwd })) packages.set(pkg.packageName, pkg);
  for (const name of TRAINER_PACKAGES) {
    const pkg = findPackage(name, { cwd });
    if (pkg) packages.set(name, pkg);
  }
  const plugins: PluginInfo[] = [];
  const broken: string[] = [];
  for (const pkg of packages.values()) {
    try {
      const plugin = (await importFactory(pkg))();
      plugins.push({
        name: toolNameOf(pkg.packageName),
        packageName: pkg.packageName,
        version: pkg.version,
        description: pkg.description,
        kind: plugin.kind,
        optionsSchema: jsonSchemaOf(plugin),
      });
    } catch (error) {
      // A helper package without a factory (or one that needs options) is not offered.
      if (!(error instanceof ToolResolutionError)) broken.push(`${pkg.packageName}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  plugins.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  return { plugins, broken };
}
