import type { ColumnName, FeatureDefinition, FeatureRegistry } from '../features/types.ts';
import { PluginResolutionError, resolvePlugins } from './resolvePlugins.ts';
import { createHooks, type EngineHooks } from './hooks.ts';
import type { PluginOption, TradecorePlugin } from './types.ts';

export interface Engine {
  readonly hooks: EngineHooks;
  readonly plugins: readonly TradecorePlugin[];
  /** The one risk-guard plugin (undefined only when built with `requireRiskGuard: false`). */
  readonly riskGuard: TradecorePlugin | undefined;
  /** Calls the `features` hook and returns every definition registered, checked for clashing outputs. */
  collectFeatures(availableColumns: Iterable<ColumnName>): FeatureDefinition[];
}

export interface CreateEngineOptions {
  plugins: readonly PluginOption[];
  requireRiskGuard?: boolean;
  log?: (line: string) => void;
}

/** Resolves the plugins, builds a fresh hooks object and runs every plugin's `setup` on it, in order. */
export async function createEngine({ plugins, requireRiskGuard = true, log = () => {} }: CreateEngineOptions): Promise<Engine> {
  const resolved = resolvePlugins(plugins, { requireRiskGuard });
  const hooks = createHooks();
  for (const plugin of resolved) {
    await plugin.setup(hooks, { options: plugin.options, log: (message) => log(`[${plugin.name}] ${message}`) });
  }
  return {
    hooks,
    plugins: resolved,
    riskGuard: resolved.find((p) => p.kind === 'risk-guard'),
    collectFeatures(availableColumns) {
      const definitions: FeatureDefinition[] = [];
      const registry: FeatureRegistry = {
        availableColumns: new Set(availableColumns),
        add: (definition) => definitions.push(definition),
      };
      hooks.features.call(registry);
      const owners = new Map<string, string>();
      for (const def of definitions) {
        for (const output of def.outputs) {
          const owner = owners.get(output.name);
          if (owner !== undefined) {
            throw new PluginResolutionError(`feature output "${output.name}" is produced by both "${owner}" and "${def.id}"`);
          }
          owners.set(output.name, def.id);
        }
      }
      return definitions;
    },
  };
}
