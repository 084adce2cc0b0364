export { roc, RocState, rocWarmup, type RocSource } from './roc.ts';
export { RocOptions, rocFeature, rocPlugin, rocPlugin as default } from './plugin.ts';
