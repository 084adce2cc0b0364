import type { Static, TSchema } from 'typebox';
import { parseWithSchema } from '../schema/validate.ts';
import type { EngineHooks } from './hooks.ts';
import { PLUGIN_API_VERSION, type PluginContext, type PluginKind, type TradecorePlugin } from './types.ts';

export interface PluginSpec<S extends TSchema> {
  /** The npm package name. */
  name: string;
  version: string;
  kind: PluginKind;
  /** TypeBox schema of the options; defaults in it are applied. Omit for a plugin without options. */
  optionsSchema?: S;
  /** Defaults to the SDK's {@link PLUGIN_API_VERSION}; set it only to test mismatches. */
  apiVersion?: number;
  setup(hooks: EngineHooks, ctx: PluginContext<Static<S>>): void | Promise<void>;
}

/** Options as a user writes them: properties with defaults may be left out. */
export type PluginInput<S extends TSchema> = Partial<Static<S>>;

export type PluginFactory<S extends TSchema> = (options?: PluginInput<S>) => TradecorePlugin<Static<S>>;

/** What a factory made by {@link definePlugin} says about its plugins before it is called. */
export interface PluginFactoryInfo {
  readonly name: string;
  readonly version: string;
  readonly kind: PluginKind;
  readonly optionsSchema?: TSchema;
}

// Registered symbols, so factories and plugins made by another copy of the SDK are recognised too.
const FACTORY_INFO = Symbol.for('tradecore.pluginFactoryInfo');
const MADE_BY = Symbol.for('tradecore.pluginFactory');

/** The info of a factory made by {@link definePlugin}; undefined for any other value. */
export function pluginFactoryInfo(value: unknown): PluginFactoryInfo | undefined {
  return typeof value === 'function' ? ((value as unknown as Record<symbol, PluginFactoryInfo | undefined>)[FACTORY_INFO] ?? undefined) : undefined;
}

/** The factory that made a plugin object (so it can be made again with other options); undefined when unknown. */
export function pluginFactoryOf(plugin: TradecorePlugin): ((options?: Record<string, unknown>) => TradecorePlugin) | undefined {
  const factory = (plugin as unknown as Record<symbol, unknown>)[MADE_BY];
  return typeof factory === 'function' ? (factory as (options?: Record<string, unknown>) => TradecorePlugin) : undefined;
}

/**
 * Declares a plugin package's factory. Options are validated, with the schema's defaults applied,
 * when the factory is called, so a bad option fails where the user wrote it:
 *
 * ```ts
 * export const vwap = definePlugin({ name: '@tradecore/plugin-vwap', version, kind: 'indicator',
 *   optionsSchema: VwapOptions, setup(hooks, { options }) { hooks.features.tap(...) } });
 * ```
 */
export function definePlugin<S extends TSchema>(spec: PluginSpec<S>): PluginFactory<S> {
  const factory: PluginFactory<S> = (input) => {
    const options = (
      spec.optionsSchema
        ? parseWithSchema(spec.optionsSchema, input ?? {}, `options of plugin "${spec.name}"`)
        : (input ?? {})
    ) as Static<S>;
    const plugin: TradecorePlugin<Static<S>> = {
      name: spec.name,
      version: spec.version,
      apiVersion: spec.apiVersion ?? PLUGIN_API_VERSION,
      kind: spec.kind,
      options,
      setup: spec.setup,
      ...(spec.optionsSchema ? { optionsSchema: spec.optionsSchema } : {}),
    };
    Object.defineProperty(plugin, MADE_BY, { value: factory });
    return Object.freeze(plugin);
  };
  const info: PluginFactoryInfo = { name: spec.name, version: spec.version, kind: spec.kind, ...(spec.optionsSchema ? { optionsSchema: spec.optionsSchema } : {}) };
  return Object.defineProperty(factory, FACTORY_INFO, { value: info });
}
