import type { GuardSnapshot } from '../execution/types.ts';
import type { ColumnName, FeatureDefinition, FeatureRegistry } from '../features/types.ts';
import { PluginResolutionError, resolvePlugins } from './resolvePlugins.ts';
import { createHooks, type EngineHooks } from './hooks.ts';
import { createOrderGuard } from './orderHook.ts';
import type { PluginOption, TradecorePlugin } from './types.ts';

export interface Engine {
  readonly hooks: EngineHooks;
  readonly plugins: readonly TradecorePlugin[];
  /** The one risk-guard plugin (undefined only when built with `requireRiskGuard: false`). */
  readonly riskGuard: TradecorePlugin | undefined;
  /**
   * The risk guard's result for the entry being sized, copied by the engine when the guard's tap
   * returns; brokers check every entry against it (`verifySizedOrder`). Unused without a risk guard.
   */
  readonly guardSnapshot: GuardSnapshot;
  /** Calls the `features` hook and returns every definition registered, checked for clashing outputs. */
  collectFeatures(availableColumns: Iterable<ColumnName>): FeatureDefinition[];
}

export interface CreateEngineOptions {
  plugins: readonly PluginOption[];
  requireRiskGuard?: boolean;
  log?: (line: string) => void;
}

/**
 * Resolves the plugins, builds a fresh hooks object and runs every plugin's `setup` on it, in order.
 * Only the risk guard may tap `hooks.order` at `STAGE.RISK_GUARD` or later (see `createOrderGuard`).
 */
export async function createEngine({ plugins, requireRiskGuard = true, log = () => {} }: CreateEngineOptions): Promise<Engine> {
  const resolved = resolvePlugins(plugins, { requireRiskGuard });
  const order = createOrderGuard();
  const hooks = createHooks(order.observe);
  for (const plugin of resolved) {
    const warning = await order.setup(plugin, () => plugin.setup(hooks, { options: plugin.options, log: (message) => log(`[${plugin.name}] ${message}`) }));
    if (warning !== undefined) log(`[engine] ${warning}`);
  }
  return {
    hooks,
    plugins: resolved,
    riskGuard: resolved.find((p) => p.kind === 'risk-guard'),
    guardSnapshot: order.snapshot,
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
