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
  return (input) => {
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
    return Object.freeze(plugin);
  };
}
