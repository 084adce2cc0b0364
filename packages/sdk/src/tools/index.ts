// Public API of src/tools: explicit named exports only.
export { checkIndicatorAgainstDataset, featuresFor, type DatasetShape } from './checkTools.ts';
export { describeOptions, describeType, type OptionInfo } from './describeOptions.ts';
export { loadToolManifest, parseToolManifest, type LoadedToolManifest } from './loadToolManifest.ts';
export {
  defaultConditions,
  findPackage,
  importToolFactory,
  listToolPackages,
  resolveToolPackage,
  ToolResolutionError,
  toolNameOf,
  toolPackageCandidates,
  unknownToolMessage,
  type ResolvedToolPackage,
  type ResolveToolOptions,
  type ToolFactory,
} from './resolve.ts';
export { inspectTools, resolveTools, type InspectToolsResult, type ResolvedTool } from './resolveTools.ts';
export { ToolEntrySchema, ToolManifestSchema, type ToolEntry, type ToolManifest } from './schema.ts';
