export { main, packageManagerFrom, type CliIO } from './main.ts';
export { parseCliArgs, USAGE, UsageError, type CliArgs } from './args.ts';
export { isEmptyDir, scaffold, ScaffoldError, type ScaffoldOptions, type ScaffoldResult } from './scaffold.ts';
export { defaultPackageName, invalidPackageName, invalidPluginName, PLUGIN_PREFIX, toPackageName } from './names.ts';
export { isTemplateName, TEMPLATE_DESCRIPTIONS, TEMPLATES, templatesRoot, type TemplateName } from './templates.ts';
