import type { TSchema } from 'typebox';
import type { EngineHooks } from './hooks.ts';

/** Major version of the plugin API this SDK implements. A plugin built for another major is refused. */
export const PLUGIN_API_VERSION = 1;

export const PLUGIN_KINDS = ['indicator', 'execution', 'risk-guard', 'trainer', 'reward'] as const;
export type PluginKind = (typeof PLUGIN_KINDS)[number];

export interface PluginContext<O> {
  /** The plugin's validated options, defaults applied. */
  readonly options: O;
  /** Writes a line prefixed with the plugin name to the engine's log. */
  readonly log: (message: string) => void;
}

/** A plugin: a plain object made by a package's factory, `(options) => TradecorePlugin`. */
export interface TradecorePlugin<O = unknown> {
  /** The npm package name. */
  readonly name: string;
  readonly version: string;
  /** The plugin-API major it was built for; must equal {@link PLUGIN_API_VERSION}. */
  readonly apiVersion: number;
  readonly kind: PluginKind;
  readonly optionsSchema?: TSchema;
  /** Validated options with defaults applied. */
  readonly options: O;
  setup(hooks: EngineHooks, ctx: PluginContext<O>): void | Promise<void>;
}

/** What a config's `plugins` array accepts: plugins, nested arrays, and falsy values (so `cond && plugin()` works). */
export type PluginOption = TradecorePlugin | false | null | undefined | readonly PluginOption[];
