import { TradecoreError } from '../errors.ts';
import { PLUGIN_API_VERSION, PLUGIN_KINDS, type PluginOption, type TradecorePlugin } from './types.ts';

export const RISK_GUARD_PACKAGE = '@tradecore/plugin-risk-guard';

/** The plugin list cannot be used as it is; the message says why and what to do. */
export class PluginResolutionError extends TradecoreError {
  override name = 'PluginResolutionError';
}

export interface ResolveOptions {
  /** Require exactly one `risk-guard` plugin (true whenever an environment is built). */
  requireRiskGuard?: boolean;
}

function isPlugin(value: unknown): value is TradecorePlugin {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return typeof p.name === 'string' && typeof p.setup === 'function' && typeof p.kind === 'string';
}

function flatten(options: readonly PluginOption[], path: string, out: { plugin: TradecorePlugin; path: string }[]) {
  options.forEach((option, index) => {
    const here = `${path}[${index}]`;
    if (option === false || option === null || option === undefined) return;
    if (Array.isArray(option)) {
      flatten(option as readonly PluginOption[], here, out);
      return;
    }
    if (!isPlugin(option)) {
      throw new PluginResolutionError(
        `${here}: expected a plugin object (call the package's factory, e.g. vwap()), got ${typeof option === 'function' ? 'a function' : JSON.stringify(option)}`,
      );
    }
    out.push({ plugin: option, path: here });
  });
}

/**
 * Flattens nested arrays, drops `false`/`null`/`undefined`, and checks the result: unique names,
 * known kinds, the SDK's plugin-API version, and (for an environment) exactly one risk guard.
 */
export function resolvePlugins(
  options: readonly PluginOption[],
  { requireRiskGuard = true }: ResolveOptions = {},
): readonly TradecorePlugin[] {
  const entries: { plugin: TradecorePlugin; path: string }[] = [];
  flatten(options, 'plugins', entries);

  const byName = new Map<string, string>();
  for (const { plugin, path } of entries) {
    const first = byName.get(plugin.name);
    if (first !== undefined) {
      throw new PluginResolutionError(
        `${path}: duplicate plugin "${plugin.name}" (already at ${first}); each plugin may appear once — pass several outputs through its options instead`,
      );
    }
    byName.set(plugin.name, path);
    if (!(PLUGIN_KINDS as readonly string[]).includes(plugin.kind)) {
      throw new PluginResolutionError(
        `${path}: plugin "${plugin.name}" has unknown kind "${plugin.kind}" (expected one of ${PLUGIN_KINDS.join(', ')})`,
      );
    }
    if (plugin.apiVersion !== PLUGIN_API_VERSION) {
      throw new PluginResolutionError(
        `${path}: plugin "${plugin.name}"@${plugin.version} targets plugin API ${plugin.apiVersion}, but @tradecore/sdk implements plugin API ${PLUGIN_API_VERSION}; install a version of "${plugin.name}" built for API ${PLUGIN_API_VERSION}`,
      );
    }
  }

  if (requireRiskGuard) {
    const guards = entries.filter((e) => e.plugin.kind === 'risk-guard');
    if (guards.length === 0) {
      throw new PluginResolutionError(
        `no risk-guard plugin: TradeCore does not build an environment without one. Install ${RISK_GUARD_PACKAGE} (pnpm add ${RISK_GUARD_PACKAGE}) and add riskGuard() to plugins`,
      );
    }
    if (guards.length > 1) {
      throw new PluginResolutionError(
        `exactly one risk-guard plugin is allowed, found ${guards.length}: ${guards.map((g) => `"${g.plugin.name}" at ${g.path}`).join(', ')}`,
      );
    }
  }
  return Object.freeze(entries.map((e) => e.plugin));
}
