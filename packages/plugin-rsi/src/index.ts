export { rsi, RsiState, TALIB_EPSILON, type RsiMethod } from './rsi.ts';
export { stochRsi, StochRsiState } from './stochRsi.ts';
export { RsiOptions, rsiFeature, rsiPlugin, rsiPlugin as default, stochRsiFeature } from './plugin.ts';
