import { definePlugin, Type, type Bar, type FeatureDefinition, type Static } from '@tradecore/sdk';
import pkg from '../package.json' with { type: 'json' };
import { zscore, ZScoreState } from './zscore.ts';

/** Columns a z-score may be taken of. */
export const ZSCORE_SOURCES = ['open', 'high', 'low', 'close', 'volume', 'trades', 'buy_volume', 'sell_volume'] as const;
export type ZScoreSource = (typeof ZSCORE_SOURCES)[number];

export const ZScoreOptions = Type.Object(
  {
    source: Type.Union(
      [
        Type.Literal('open'),
        Type.Literal('high'),
        Type.Literal('low'),
        Type.Literal('close'),
        Type.Literal('volume'),
        Type.Literal('trades'),
        Type.Literal('buy_volume'),
        Type.Literal('sell_volume'),
      ],
      { default: 'close', description: 'Column to standardise.' },
    ),
    period: Type.Integer({ minimum: 2, default: 20, description: 'Window length in bars.' }),
    deviation: Type.Union([Type.Literal('population'), Type.Literal('sample')], {
      default: 'population',
      description: "σ with N ('population') or N − 1 ('sample').",
    }),
    flatValue: Type.Number({ default: 0, description: 'Output when the window is flat (σ = 0).' }),
  },
  { additionalProperties: false },
);
export type ZScoreOptions = Static<typeof ZScoreOptions>;

/** Feature `zscore_<source>_<period>` (`…_sample` with sample σ); unitless, not rescaled. */
export function zscoreFeature({ source, period, deviation, flatValue }: ZScoreOptions): FeatureDefinition {
  const name = `zscore_${source}_${period}${deviation === 'sample' ? '_sample' : ''}`;
  return {
    id: name,
    inputs: [source],
    outputs: [{ name, normalization: { kind: 'none' }, description: `(${source} − SMA${period}) / σ${period} (${deviation}); ${flatValue} when flat.` }],
    warmup: period - 1,
    batch(bars, [out]) {
      const x = bars[source];
      if (!x) throw new Error(`zscore: the dataset has no "${source}" column`);
      zscore(x, out!, period, deviation, flatValue);
    },
    stream() {
      const state = new ZScoreState(period, deviation, flatValue);
      return { update: (bar: Bar) => state.update(bar[source] ?? Number.NaN) };
    },
  };
}

/** `zscorePlugin({ source: 'close', period: 20 })` (also the default export): rolling z-score of one column. */
export const zscorePlugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  kind: 'indicator',
  optionsSchema: ZScoreOptions,
  setup(hooks, { options }) {
    hooks.features.tap(pkg.name, (registry) => registry.add(zscoreFeature(options)));
  },
});
