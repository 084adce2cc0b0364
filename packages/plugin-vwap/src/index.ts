export { rollingVwap, RollingVwapState, sessionVwap, SessionVwapState } from './vwap.ts';
export { rollingVwapFeature, sessionVwapFeature, VwapOptions, vwapPlugin, vwapPlugin as default } from './plugin.ts';
