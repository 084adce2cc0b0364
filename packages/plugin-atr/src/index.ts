export { atr, AtrState, atrWarmup, trueRange, trueRangeWarmup, type AtrSeeding } from './atr.ts';
export { AtrOptions, atrFeature, atrPlugin, atrPlugin as default } from './plugin.ts';
