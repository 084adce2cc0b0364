import type { PluginOption } from '../plugin/types.ts';
import type { PluginEntryInput } from '../tools/schema.ts';
import type { EnvConfig, ExecutionConfig, RunConfig } from './schema.ts';

/**
 * What a config's `plugins` array accepts: plugin objects made by a package's factory (`rsiPlugin({ period: 14 })`),
 * plugins named as data (`{ name: 'rsi', options: { period: 14 } }`), nested arrays, and falsy values (so
 * `cond && plugin()` works).
 */
export type ConfigPluginOption = PluginOption | PluginEntryInput | readonly ConfigPluginOption[];

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

/** What a user writes in `tradecore.config.ts`; everything but `dataset` has a default. */
export interface UserConfig {
  $schema?: string;
  dataset: string;
  dataDir?: string;
  tools?: string;
  plugins?: readonly ConfigPluginOption[];
  execution?: Partial<ExecutionConfig>;
  env?: Partial<EnvConfig>;
  trainer?: Record<string, unknown>;
  run?: DeepPartial<RunConfig>;
}

export interface ConfigEnv {
  mode: 'backtest' | 'paper' | 'live';
}

export type UserConfigFn = (env: ConfigEnv) => UserConfig | Promise<UserConfig>;

/** Identity helper that gives `tradecore.config.ts` its types. */
export function defineConfig(config: UserConfig): UserConfig;
export function defineConfig(config: UserConfigFn): UserConfigFn;
export function defineConfig(config: UserConfig | UserConfigFn): UserConfig | UserConfigFn {
  return config;
}
