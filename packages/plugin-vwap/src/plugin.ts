import { definePlugin, Type, type FeatureDefinition, type Static } from '@tradecore/sdk';
import pkg from '../package.json' with { type: 'json' };
import { rollingVwap, RollingVwapState, sessionVwap, SessionVwapState } from './vwap.ts';

export const VwapOptions = Type.Object(
  {
    session: Type.Boolean({ default: true, description: 'Session VWAP, reset every day at sessionStartMinuteUtc.' }),
    sessionStartMinuteUtc: Type.Integer({ minimum: 0, maximum: 1439, default: 0, description: 'Session start, minutes after 00:00 UTC.' }),
    rollingWindows: Type.Array(Type.Integer({ minimum: 1 }), {
      default: [],
      uniqueItems: true,
      description: 'Rolling VWAP windows in bars (one feature each), e.g. [14].',
    }),
  },
  { additionalProperties: false },
);
export type VwapOptions = Static<typeof VwapOptions>;

/** Feature `vwap_session` (`vwap_session_<minute>` for a non-midnight start), relative to close in observations. */
export function sessionVwapFeature(sessionStartMinuteUtc = 0): FeatureDefinition {
  const name = sessionStartMinuteUtc === 0 ? 'vwap_session' : `vwap_session_${sessionStartMinuteUtc}`;
  return {
    id: name,
    inputs: ['time', 'high', 'low', 'close', 'volume'],
    outputs: [{ name, normalization: { kind: 'relative-to-close' }, description: 'Session VWAP of typical price / close − 1.' }],
    warmup: 0,
    batch(bars, [out]) {
      sessionVwap(bars.time, bars.high, bars.low, bars.close, bars.volume, out!, sessionStartMinuteUtc);
    },
    stream: () => new SessionVwapState(sessionStartMinuteUtc),
  };
}

/** Feature `vwap_rolling_<window>`, relative to close in observations. Full windows from bar `window − 1`. */
export function rollingVwapFeature(window = 14): FeatureDefinition {
  const name = `vwap_rolling_${window}`;
  return {
    id: name,
    inputs: ['high', 'low', 'close', 'volume'],
    outputs: [{ name, normalization: { kind: 'relative-to-close' }, description: `${window}-bar rolling VWAP of typical price / close − 1.` }],
    warmup: window - 1,
    batch(bars, [out]) {
      rollingVwap(bars.high, bars.low, bars.close, bars.volume, out!, window);
    },
    stream: () => new RollingVwapState(window),
  };
}

/** `vwapPlugin({ session: true, rollingWindows: [14] })` (also the default export): session and/or rolling VWAP features. */
export const vwapPlugin = definePlugin({
  name: pkg.name,
  version: pkg.version,
  kind: 'indicator',
  optionsSchema: VwapOptions,
  setup(hooks, { options }) {
    if (!options.session && options.rollingWindows.length === 0) {
      throw new Error('nothing to compute: set session: true or give at least one of rollingWindows');
    }
    hooks.features.tap(pkg.name, (registry) => {
      if (options.session) registry.add(sessionVwapFeature(options.sessionStartMinuteUtc));
      for (const window of options.rollingWindows) registry.add(rollingVwapFeature(window));
    });
  },
});
