import { definePlugin, Type, type FeatureDefinition, type Static } from '@tradecore/sdk';
import pkg from '../package.json' with { type: 'json' };
import { rsi, RsiState, type RsiMethod } from './rsi.ts';
import { stochRsi, StochRsiState } from './stochRsi.ts';

export const RsiOptions = Type.Object(
  {
    period: Type.Integer({ minimum: 1, default: 14, description: 'Averaging period of gains and losses.' }),
    method: Type.Union([Type.Literal('wilder'), Type.Literal('cutler'), Type.Literal('ema')], {
      default: 'wilder',
      description: "'wilder' (α = 1/n, TA-Lib), 'cutler' (SMA) or 'ema' (α = 2/(n+1)).",
    }),
    stochPeriod: Type.Integer({
      minimum: 0,
      default: 0,
      description: 'Also add Stochastic RSI over this many RSI values (0 = off).',
    }),
    talib: Type.Boolean({
      default: false,
      description: "Reproduce TA-Lib exactly (RSI 0 when avgGain + avgLoss < 1e-14, Stochastic RSI 0 on a flat range); 'wilder' only; names rsi_talib_<n>, stochrsi_talib_<n>_<k>.",
    }),
  },
  { additionalProperties: false },
);
export type RsiOptions = Static<typeof RsiOptions>;

/** `14`, `cutler_14`, `ema_14`, `talib_14`: every variant that can give another series has its own name. */
function label(period: number, method: RsiMethod, talib: boolean): string {
  return talib ? `talib_${period}` : method === 'wilder' ? `${period}` : `${method}_${period}`;
}

/**
 * Feature `rsi_<period>` (`rsi_cutler_<n>`, `rsi_ema_<n>`, `rsi_talib_<n>`), scaled 0..100 → 0..1 in observations.
 * `talib` (Wilder only) reproduces TA-Lib's RSI exactly.
 */
export function rsiFeature(period = 14, method: RsiMethod = 'wilder', talib = false): FeatureDefinition {
  const name = `rsi_${label(period, method, talib)}`;
  return {
    id: name,
    inputs: ['close'],
    outputs: [{ name, normalization: { kind: 'scale', factor: 0.01 }, description: `RSI(${period}), ${talib ? "TA-Lib's" : `${method} averaging`}, / 100.` }],
    warmup: period,
    batch(bars, [out]) {
      rsi(bars.close, out!, period, method, talib);
    },
    stream() {
      const state = new RsiState(period, method, talib);
      const values = new Float64Array(1);
      return {
        update(bar) {
          values[0] = state.update(bar.close);
          return values;
        },
      };
    },
  };
}

/** Feature `stochrsi_<period>_<stochPeriod>` (`stochrsi_talib_<n>_<k>` with `talib`), scaled 0..100 → 0..1 in observations. */
export function stochRsiFeature(period = 14, stochPeriod = 14, method: RsiMethod = 'wilder', talib = false): FeatureDefinition {
  const name = `stochrsi_${label(period, method, talib)}_${stochPeriod}`;
  return {
    id: name,
    inputs: ['close'],
    outputs: [{ name, normalization: { kind: 'scale', factor: 0.01 }, description: `Stochastic RSI(${period}, ${stochPeriod})${talib ? ", TA-Lib's," : ''} / 100.` }],
    warmup: period + stochPeriod - 1,
    batch(bars, [out]) {
      stochRsi(bars.close, out!, period, stochPeriod, method, talib);
    },
    stream() {
      const state = new StochRsiState(period, stochPeriod, method, talib);
      return { update: (bar) => state.update(bar.close) };
    },
  };
}

/** `rsiPlugin({ period: 14, method: 'wilder', stochPeriod: 0, talib: false })` (also the default export): RSI and optionally Stochastic RSI. */
export const rsiPlugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  kind: 'indicator',
  optionsSchema: RsiOptions,
  setup(hooks, { options }) {
    if (options.talib && options.method !== 'wilder') {
      throw new RangeError(`talib: true reproduces TA-Lib's RSI, which is Wilder's; method '${options.method}' has no TA-Lib counterpart (use method 'wilder' or talib: false)`);
    }
    hooks.features.tap(pkg.name, (registry) => {
      registry.add(rsiFeature(options.period, options.method, options.talib));
      if (options.stochPeriod > 0) registry.add(stochRsiFeature(options.period, options.stochPeriod, options.method, options.talib));
    });
  },
});
