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
  },
  { additionalProperties: false },
);
export type RsiOptions = Static<typeof RsiOptions>;

function label(period: number, method: RsiMethod): string {
  return method === 'wilder' ? `${period}` : `${method}_${period}`;
}

/** Feature `rsi_<period>` (`rsi_cutler_<n>`, `rsi_ema_<n>`), scaled 0..100 → 0..1 in observations. */
export function rsiFeature(period = 14, method: RsiMethod = 'wilder'): FeatureDefinition {
  const name = `rsi_${label(period, method)}`;
  return {
    id: name,
    inputs: ['close'],
    outputs: [{ name, normalization: { kind: 'scale', factor: 0.01 }, description: `RSI(${period}), ${method} averaging, / 100.` }],
    warmup: period,
    batch(bars, [out]) {
      rsi(bars.close, out!, period, method);
    },
    stream() {
      const state = new RsiState(period, method);
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

/** Feature `stochrsi_<period>_<stochPeriod>`, scaled 0..100 → 0..1 in observations. */
export function stochRsiFeature(period = 14, stochPeriod = 14, method: RsiMethod = 'wilder'): FeatureDefinition {
  const name = `stochrsi_${label(period, method)}_${stochPeriod}`;
  return {
    id: name,
    inputs: ['close'],
    outputs: [{ name, normalization: { kind: 'scale', factor: 0.01 }, description: `Stochastic RSI(${period}, ${stochPeriod}) / 100.` }],
    warmup: period + stochPeriod - 1,
    batch(bars, [out]) {
      stochRsi(bars.close, out!, period, stochPeriod, method);
    },
    stream() {
      const state = new StochRsiState(period, stochPeriod, method);
      return { update: (bar) => state.update(bar.close) };
    },
  };
}

/** `rsiPlugin({ period: 14, method: 'wilder', stochPeriod: 0 })` (also the default export): RSI and optionally Stochastic RSI. */
export const rsiPlugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  kind: 'indicator',
  optionsSchema: RsiOptions,
  setup(hooks, { options }) {
    hooks.features.tap(pkg.name, (registry) => {
      registry.add(rsiFeature(options.period, options.method));
      if (options.stochPeriod > 0) registry.add(stochRsiFeature(options.period, options.stochPeriod, options.method));
    });
  },
});
