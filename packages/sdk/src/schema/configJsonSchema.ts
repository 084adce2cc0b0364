import type { TSchema } from 'typebox';
import { ConfigSchema } from '../config/schema.ts';
import type { PluginKind } from '../plugin/types.ts';
import { listPluginFactories, listToolPackages, toolNameOf, type ResolveToolOptions } from '../tools/resolve.ts';
import { JSON_SCHEMA_DIALECT, relaxDefaulted } from './jsonSchemas.ts';

/** One plugin an installed package offers, as a config names it. */
export interface PluginCatalogEntry {
  /** The name a config and `--set plugins.<name>.…` use: `rsi`, `risk-guard`, `risk-guard:trailing-stop`, `trainer-gpu`. */
  readonly name: string;
  /** The plugin's own name (its package name, or `<package>:<sub>`); a config may use it too. */
  readonly pluginName: string;
  readonly packageName: string;
  readonly version: string;
  readonly description: string;
  readonly kind: PluginKind;
  /** The package export that makes it (`default`, `riskGuard`, `trailingStop`, `ppo`). */
  readonly exportName: string;
  /** JSON Schema of its options (defaults included); undefined when the plugin declares none. */
  readonly optionsSchema?: Record<string, unknown>;
}

export interface PluginCatalog {
  readonly plugins: readonly PluginCatalogEntry[];
  /** Packages named like plugins that could not be loaded, one line each: `<package> (<folder>): <why>`. */
  readonly broken: readonly string[];
}

const toJson = (schema: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

/**
 * Every plugin installed where `cwd` resolves packages (`@tradecore/plugin-*`, `@tradecore/trainer-*`,
 * `tradecore-plugin-*`, `@scope/tradecore-plugin-*`), each with the name a config gives it, its kind and its
 * options schema. What `tradecore tools ls` lists and what forms are generated from.
 */
export async function pluginCatalog(options: ResolveToolOptions): Promise<PluginCatalog> {
  const plugins: PluginCatalogEntry[] = [];
  const broken: string[] = [];
  for (const pkg of listToolPackages(options)) {
    try {
      for (const factory of await listPluginFactories(pkg)) {
        // A factory made by definePlugin says what it makes; any other is called once without options.
        const info = factory.info ?? (() => {
          const plugin = factory.factory();
          return { name: plugin.name, kind: plugin.kind, ...(plugin.optionsSchema ? { optionsSchema: plugin.optionsSchema } : {}) };
        })();
        const sub = info.name.startsWith(`${pkg.packageName}:`) ? info.name.slice(pkg.packageName.length + 1) : undefined;
        plugins.push({
          name: `${toolNameOf(pkg.packageName)}${sub ? `:${sub}` : ''}`,
          pluginName: info.name,
          packageName: pkg.packageName,
          version: pkg.version,
          description: pkg.description,
          kind: info.kind,
          exportName: factory.exportName,
          ...(info.optionsSchema ? { optionsSchema: relaxDefaulted(toJson(info.optionsSchema)) as Record<string, unknown> } : {}),
        });
      }
    } catch (error) {
      broken.push(`${pkg.packageName} (${pkg.dir}): ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { plugins, broken };
}

/** Escapes a key for a JSON pointer (`/` → `~1`, `~` → `~0`). */
const pointerKey = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * The JSON Schema of a whole data-shaped config (`tradecore.config.json`/`.yaml`, a run's `config.json`) with the
 * options schema of every plugin installed where `cwd` resolves packages: an entry `{ "name": "rsi", "options":
 * { … } }` is checked against the RSI plugin's options, and `trainer` against the installed trainer's. Names of
 * plugins that are not installed are still accepted (their options unchecked). `tradecore schema` prints it;
 * `x-tradecore-plugins` lists the plugins (name, package, kind, options) for tools that build forms.
 */
export async function configJsonSchema(options: ResolveToolOptions): Promise<Record<string, unknown>> {
  const { plugins } = await pluginCatalog(options);
  const base = relaxDefaulted(toJson(ConfigSchema)) as { properties: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  const defs: Record<string, unknown> = {};
  const cases: unknown[] = [];
  for (const plugin of plugins) {
    const names = [...new Set([plugin.name, plugin.pluginName])];
    const key = `plugin:${plugin.name}`;
    defs[key] = plugin.optionsSchema ?? { type: 'object', additionalProperties: false, description: 'This plugin takes no options.' };
    cases.push({
      if: { properties: { name: { enum: names } }, required: ['name'] },
      then: { properties: { options: { $ref: `#/$defs/${pointerKey(key)}` } } },
    });
  }
  const entry = base.properties.plugins!.items as { properties: Record<string, Record<string, unknown>> } & Record<string, unknown>;
  const nameSchema = entry.properties.name!;
  const items = {
    ...entry,
    properties: {
      ...entry.properties,
      name: plugins.length ? { anyOf: [{ enum: plugins.flatMap((p) => [...new Set([p.name, p.pluginName])]) }, nameSchema], description: nameSchema.description } : nameSchema,
    },
    ...(cases.length ? { allOf: cases } : {}),
  };
  const trainers = plugins.filter((p) => p.kind === 'trainer' && p.optionsSchema);
  const trainerSchema =
    trainers.length === 1
      ? (() => {
          const { required: _required, ...schema } = trainers[0]!.optionsSchema as Record<string, unknown>;
          return { ...schema, description: `${String(base.properties.trainer!.description)} Options of ${trainers[0]!.packageName}.` };
        })()
      : base.properties.trainer;
  return {
    $schema: JSON_SCHEMA_DIALECT,
    title: 'TradeCore config (with the installed plugins)',
    ...base,
    properties: { ...base.properties, plugins: { ...base.properties.plugins, items }, trainer: trainerSchema },
    $defs: defs,
    'x-tradecore-plugins': plugins.map(({ optionsSchema: _schema, ...p }) => ({ ...p, options: `#/$defs/${pointerKey(`plugin:${p.name}`)}` })),
  };
}
