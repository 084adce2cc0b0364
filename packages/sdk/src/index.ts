export { TradecoreError, ValidationError, PluginError, formatIssue, type Issue } from './errors.ts';
export { collectIssues, parseWithSchema, pointerToPath } from './schema/validate.ts';
export { default as Type, type Static, type TSchema } from 'typebox';

export { STAGE } from './plugin/stages.ts';
export { createHooks, hasTaps, type EngineHooks, type EpisodeStartInfo, type HookName } from './plugin/hooks.ts';
export {
  PLUGIN_API_VERSION,
  PLUGIN_KINDS,
  type PluginContext,
  type PluginKind,
  type PluginOption,
  type TradecorePlugin,
} from './plugin/types.ts';
export { definePlugin, type PluginFactory, type PluginInput, type PluginSpec } from './plugin/definePlugin.ts';
export {
  PluginResolutionError,
  RISK_GUARD_PACKAGE,
  resolvePlugins,
  type ResolveOptions,
} from './plugin/resolvePlugins.ts';
export { createEngine, type CreateEngineOptions, type Engine } from './plugin/createEngine.ts';

export { defineConfig, type ConfigEnv, type UserConfig, type UserConfigFn } from './config/defineConfig.ts';
export {
  CONFIG_SEARCH_PLACES,
  ConfigLoadError,
  ConfigNotFoundError,
  loadConfig,
  type LoadConfigOptions,
  type LoadedConfig,
} from './config/loadConfig.ts';
export {
  ConfigSchema,
  EnvSchema,
  ExecutionSchema,
  RunSchema,
  SplitSchema,
  type EnvConfig,
  type ExecutionConfig,
  type ResolvedConfig,
  type RunConfig,
} from './config/schema.ts';
export { SweepSchema, type SweepConfig } from './config/sweepSchema.ts';

export {
  OPTIONAL_COLUMNS,
  REQUIRED_COLUMNS,
  type Bar,
  type Bars,
  type ColumnName,
  type FeatureDefinition,
  type FeatureOutput,
  type FeatureRegistry,
  type Normalization,
  type OptionalColumn,
  type RequiredColumn,
  type StreamingFeature,
} from './features/types.ts';

// Each area keeps its own explicit export list in its index.ts.
export * from './data/index.ts';
export * from './features/index.ts';
export * from './execution/index.ts';
export * from './env/index.ts';
export * from './experiment/index.ts';
export * from './tools/index.ts';
export * from './paths/index.ts';
