import { definePlugin, Type, type FeatureDefinition, type Static } from '@tradecore/sdk';
import pkg from '../package.json' with { type: 'json' };
import { atr, AtrState, atrWarmup } from './atr.ts';

export const AtrOptions = Type.Object(
  {
    period: Type.Integer({ minimum: 1, default: 14, description: 'Wilder smoothing period.' }),
    seeding: Type.Union([Type.Literal('talib'), Type.Literal('stockcharts')], {
      default: 'talib',
      description: "First value: 'talib' = mean(TR[1..n]) at bar n; 'stockcharts' = mean(TR[0..n−1]) at bar n−1 with TR[0] = H−L.",
    }),
  },
  { additionalProperties: false },
);
export type AtrOptions = Static<typeof AtrOptions>;

/** Feature columns `tr` and `atr_<period>` (`atr_sc_<period>` with StockCharts seeding), both divided by close in observations. */
export function atrFeature({ period, seeding }: AtrOptions): FeatureDefinition {
  const suffix = seeding === 'talib' ? `${period}` : `sc_${period}`;
  return {
    id: `atr_${suffix}`,
    inputs: ['high', 'low', 'close'],
    outputs: [
      { name: seeding === 'talib' ? 'tr' : 'tr_sc', normalization: { kind: 'ratio-to-close' }, description: 'True range / close.' },
      { name: `atr_${suffix}`, normalization: { kind: 'ratio-to-close' }, description: `Wilder ATR(${period}) / close.` },
    ],
    warmup: atrWarmup(period, seeding),
    batch(bars, [trOut, atrOut]) {
      atr(bars.high, bars.low, bars.close, atrOut!, trOut!, period, seeding);
    },
    stream: () => new AtrState(period, seeding),
  };
}

/** `atrPlugin({ period: 14, seeding: 'talib' })` (also the default export): Wilder ATR and true range as features. */
export const atrPlugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  kind: 'indicator',
  optionsSchema: AtrOptions,
  setup(hooks, { options }) {
    hooks.features.tap(pkg.name, (registry) => registry.add(atrFeature(options)));
  },
});
