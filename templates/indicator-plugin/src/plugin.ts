import { createRequire } from 'node:module';
import { definePlugin, Type, type FeatureDefinition, type Static } from '@tradecore/sdk';
import { roc, RocState, rocWarmup } from './roc.ts';

// The plugin's name must equal its npm name; read it (and the version) from package.json so they never drift.
const pkg = createRequire(import.meta.url)('../package.json') as { name: string; version: string };

export const RocOptions = Type.Object(
  {
    period: Type.Integer({ minimum: 1, default: 10, description: 'Bars between the two prices compared.' }),
    source: Type.Union([Type.Literal('open'), Type.Literal('high'), Type.Literal('low'), Type.Literal('close')], {
      default: 'close',
      description: 'Price column the rate of change is taken of.',
    }),
  },
  { additionalProperties: false },
);
export type RocOptions = Static<typeof RocOptions>;

/** Feature `roc_<source>_<period>`: `x[i] / x[i − period] − 1`, already scale-free, so not normalised further. */
export function rocFeature({ period, source }: RocOptions): FeatureDefinition {
  const name = `roc_${source}_${period}`;
  return {
    id: name,
    inputs: [source],
    outputs: [{ name, normalization: { kind: 'none' }, description: `Rate of change of ${source} over ${period} bars.` }],
    warmup: rocWarmup(period),
    batch(bars, [out]) {
      roc(bars[source], out!, period);
    },
    stream: () => new RocState(period, source),
  };
}

/** `rocPlugin({ period: 10, source: 'close' })` adds one rate-of-change feature. */
export const rocPlugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  kind: 'indicator',
  optionsSchema: RocOptions,
  setup(hooks, { options }) {
    hooks.features.tap(pkg.name, (registry) => registry.add(rocFeature(options)));
  },
});
