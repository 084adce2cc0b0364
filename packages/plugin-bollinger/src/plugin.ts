import { definePlugin, Type, type FeatureDefinition, type Static } from '@tradecore/sdk';
import pkg from '../package.json' with { type: 'json' };
import { bollinger, BollingerState } from './bollinger.ts';
import { bollingerTalib, BollingerTalibState } from './bollingerTalib.ts';
import { emaWarmup, type EmaSeed } from './ema.ts';
import { keltner, KeltnerState } from './keltner.ts';

export const BollingerOptions = Type.Object(
  {
    period: Type.Integer({ minimum: 2, default: 20, description: 'SMA and σ window in bars.' }),
    k: Type.Number({ exclusiveMinimum: 0, default: 2, description: 'Band width in population σ.' }),
    talib: Type.Boolean({
      default: false,
      description: "Reproduce TA-Lib's BBANDS exactly (running sums, its σ loses digits: 1.4e-3 instead of 0 on a flat window); names bb_*_talib_*.",
    }),
    keltner: Type.Boolean({ default: false, description: 'Also add Keltner Channels (EMA ± multiplier·ATR).' }),
    keltnerPeriod: Type.Integer({ minimum: 1, default: 20, description: 'EMA period of the Keltner middle line.' }),
    keltnerAtrPeriod: Type.Integer({ minimum: 1, default: 10, description: 'ATR period of the Keltner bands (StockCharts seeding).' }),
    keltnerMultiplier: Type.Number({ exclusiveMinimum: 0, default: 2, description: 'ATR multiple of the Keltner bands.' }),
    keltnerEmaSeed: Type.Union([Type.Literal('first'), Type.Literal('sma')], {
      default: 'first',
      description: "Keltner EMA start: 'first' = the first close (StockCharts sheet), 'sma' = SMA of the first keltnerPeriod closes (TA-Lib).",
    }),
  },
  { additionalProperties: false },
);
export type BollingerOptions = Static<typeof BollingerOptions>;

/** `2` → `2`, `2.5` → `2p5`, so parameters fit snake_case column names. */
function num(x: number): string {
  return String(x).replace('.', 'p');
}

/**
 * Features `bb_upper_<n>_<k>`, `bb_middle_<n>`, `bb_lower_<n>_<k>` (relative to close in observations),
 * `bb_percent_b_<n>_<k>` and `bb_bandwidth_<n>_<k>` (as they are). With `talib`, TA-Lib's BBANDS
 * ({@link bollingerTalib}) under its own names: `bb_upper_talib_<n>_<k>`, `bb_middle_talib_<n>`, ….
 */
export function bollingerFeature(period = 20, k = 2, talib = false): FeatureDefinition {
  const variant = talib ? 'talib_' : '';
  const tag = `${variant}${period}_${num(k)}`;
  return {
    id: `bb_${tag}`,
    inputs: ['close'],
    outputs: [
      { name: `bb_upper_${tag}`, normalization: { kind: 'relative-to-close' } },
      { name: `bb_middle_${variant}${period}`, normalization: { kind: 'relative-to-close' } },
      { name: `bb_lower_${tag}`, normalization: { kind: 'relative-to-close' } },
      { name: `bb_percent_b_${tag}`, normalization: { kind: 'none' }, description: '(close − lower)/(upper − lower); 0.5 when flat.' },
      { name: `bb_bandwidth_${tag}`, normalization: { kind: 'none' }, description: '(upper − lower)/middle.' },
    ],
    warmup: period - 1,
    batch(bars, [upper, middle, lower, percentB, bandwidth]) {
      const out = { upper: upper!, middle: middle!, lower: lower!, percentB: percentB!, bandwidth: bandwidth! };
      if (talib) bollingerTalib(bars.close, out, period, k);
      else bollinger(bars.close, out, period, k);
    },
    stream() {
      const state = talib ? new BollingerTalibState(period, k) : new BollingerState(period, k);
      return { update: (bar) => state.update(bar.close) };
    },
  };
}

/**
 * Features `kc_upper_<n>_<atr>_<m>`, `kc_middle_<n>`, `kc_lower_<n>_<atr>_<m>`, relative to close in
 * observations. The SMA-seeded EMA is another series, so it has its own names: `kc_upper_smaseed_<n>_<atr>_<m>`,
 * `kc_middle_smaseed_<n>`, `kc_lower_smaseed_<n>_<atr>_<m>`.
 */
export function keltnerFeature(period = 20, atrPeriod = 10, multiplier = 2, emaSeed: EmaSeed = 'first'): FeatureDefinition {
  const variant = emaSeed === 'sma' ? 'smaseed_' : '';
  const tag = `${variant}${period}_${atrPeriod}_${num(multiplier)}`;
  return {
    id: `kc_${tag}`,
    inputs: ['high', 'low', 'close'],
    outputs: [
      { name: `kc_upper_${tag}`, normalization: { kind: 'relative-to-close' } },
      { name: `kc_middle_${variant}${period}`, normalization: { kind: 'relative-to-close' } },
      { name: `kc_lower_${tag}`, normalization: { kind: 'relative-to-close' } },
    ],
    warmup: Math.max(atrPeriod - 1, emaWarmup(period, emaSeed)),
    batch(bars, [upper, middle, lower]) {
      keltner(bars.high, bars.low, bars.close, { upper: upper!, middle: middle!, lower: lower! }, period, atrPeriod, multiplier, emaSeed);
    },
    stream: () => new KeltnerState(period, atrPeriod, multiplier, emaSeed),
  };
}

/** `bollingerPlugin({ period: 20, k: 2, talib: false, keltner: false })` (also the default export): Bollinger Bands, %b, bandwidth and optional Keltner Channels. */
export const bollingerPlugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  kind: 'indicator',
  optionsSchema: BollingerOptions,
  setup(hooks, { options }) {
    hooks.features.tap(pkg.name, (registry) => {
      registry.add(bollingerFeature(options.period, options.k, options.talib));
      if (options.keltner) {
        registry.add(keltnerFeature(options.keltnerPeriod, options.keltnerAtrPeriod, options.keltnerMultiplier, options.keltnerEmaSeed));
      }
    });
  },
});
