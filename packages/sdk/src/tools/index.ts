// Public API of src/tools: explicit named exports only.
export { checkIndicatorAgainstDataset, featuresFor, type DatasetShape } from './checkTools.ts';
export { describeOptions, describeType, type OptionInfo } from './describeOptions.ts';
export { loadToolManifest, parseToolManifest, type LoadedToolManifest } from './loadToolManifest.ts';
export {
  defaultConditions,
  findPackage,
  importPluginFactory,
  importToolFactory,
  installCommand,
  listPluginFactories,
  listToolPackages,
  packageManager,
  PLUGIN_NAME_PATTERN,
  resolveToolPackage,
  splitPluginName,
  ToolResolutionError,
  toolNameOf,
  toolPackageCandidates,
  unknownToolMessage,
  type PluginFactoryExport,
  type ResolvedToolPackage,
  type ResolveToolOptions,
  type ToolFactory,
} from './resolve.ts';
export {
  findPluginPackage,
  inspectTools,
  isValidationError,
  makePlugin,
  resolvePluginEntry,
  resolveTools,
  type InspectToolsResult,
  type ResolvedPlugin,
  type ResolvedTool,
  type ResolvePluginOptions,
} from './resolveTools.ts';
export {
  PluginEntrySchema,
  ToolEntrySchema,
  ToolManifestSchema,
  type PluginEntry,
  type PluginEntryInput,
  type ToolEntry,
  type ToolManifest,
} from './schema.ts';
