export { bollinger, BollingerState, type BollingerOutputs } from './bollinger.ts';
export { bollingerTalib, BollingerTalibState } from './bollingerTalib.ts';
export { ema, EmaState, emaWarmup, type EmaSeed } from './ema.ts';
export { keltner, KeltnerState, type KeltnerOutputs } from './keltner.ts';
export { BollingerOptions, bollingerFeature, bollingerPlugin, bollingerPlugin as default, keltnerFeature } from './plugin.ts';
