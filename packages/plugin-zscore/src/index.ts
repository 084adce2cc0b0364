export { MeanStdChunks, rollingMeanStd, RollingMoments, type Deviation } from './rollingMoments.ts';
export { zscore, ZScoreState } from './zscore.ts';
export { ZSCORE_SOURCES, ZScoreOptions, zscoreFeature, zscorePlugin, zscorePlugin as default, type ZScoreSource } from './plugin.ts';
