/**
 * Installed plugins by name: the catalogue the Control page builds its forms from (the SDK's `pluginCatalog`:
 * each plugin's kind, the name a config gives it and its options' JSON Schema).
 */
import { pluginCatalog } from '@tradecore/sdk';
import type { JsonSchema, PluginInfo } from '../api.ts';

/** The trainer a new config starts with. */
export const DEFAULT_TRAINER = 'trainer-gpu';
export const RISK_GUARD = 'risk-guard';

/** Every installed plugin the panel can configure, found from `cwd`. */
export async function pluginCatalogue(cwd: string): Promise<{ plugins: PluginInfo[]; broken: string[] }> {
  const catalog = await pluginCatalog({ cwd });
  const plugins: PluginInfo[] = catalog.plugins.map((p) => ({
    name: p.name,
    pluginName: p.pluginName,
    packageName: p.packageName,
    version: p.version,
    description: p.description,
    kind: p.kind,
    optionsSchema: (p.optionsSchema as JsonSchema | undefined) ?? null,
  }));
  plugins.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  return { plugins, broken: [...catalog.broken] };
}
