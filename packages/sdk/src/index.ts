export { TradecoreError, ValidationError, PluginError, formatIssue, type Issue } from './errors.ts';
export { collectIssues, parseWithSchema, pointerToPath } from './schema/validate.ts';
export { configJsonSchema, pluginCatalog, type PluginCatalog, type PluginCatalogEntry } from './schema/configJsonSchema.ts';
export { JSON_SCHEMA_DIALECT, renderJsonSchema, SHIPPED_SCHEMAS } from './schema/jsonSchemas.ts';
export { default as Type, type Static, type TSchema } from 'typebox';

export { STAGE } from './plugin/stages.ts';
export { createHooks, hasTaps, type EngineHooks, type EpisodeStartInfo, type HookName, type TapObserver } from './plugin/hooks.ts';
export {
  PLUGIN_API_VERSION,
  PLUGIN_KINDS,
  type PluginContext,
  type PluginKind,
  type PluginOption,
  type TradecorePlugin,
} from './plugin/types.ts';
export {
  definePlugin,
  pluginFactoryInfo,
  pluginFactoryOf,
  type PluginFactory,
  type PluginFactoryInfo,
  type PluginInput,
  type PluginSpec,
} from './plugin/definePlugin.ts';
export {
  PluginResolutionError,
  RISK_GUARD_PACKAGE,
  resolvePlugins,
  type ResolveOptions,
} from './plugin/resolvePlugins.ts';
export { createEngine, type CreateEngineOptions, type Engine } from './plugin/createEngine.ts';

export { defineConfig, type ConfigEnv, type ConfigPluginOption, type UserConfig, type UserConfigFn } from './config/defineConfig.ts';
export {
  CONFIG_SEARCH_PLACES,
  ConfigLoadError,
  ConfigNotFoundError,
  loadConfig,
  readConfigFile,
  type LoadConfigOptions,
  type LoadedConfig,
  type LoadedConfigData,
  type RawConfig,
} from './config/loadConfig.ts';
export {
  CONFIG_SCHEMA_URL,
  INLINE_CONFIG,
  resolveConfig,
  type ConfigPlugin,
  type RawConfigInput,
  type ResolveConfigOptions,
  type ResolveConfigResult,
} from './config/resolveConfig.ts';
export { formatSetupIssue, RunSetupError, type SetupIssue } from './config/issues.ts';
export {
  DEFAULT_TRAINER_PACKAGE,
  prepareRun,
  validateRunSetup,
  type RunSetup,
  type RunSetupOptions,
  type RunSetupReport,
} from './setup/prepareRun.ts';
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
