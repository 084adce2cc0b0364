import type { Options } from 'tsup';

export const tsupDefaults: Options = {
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  // Entries share chunks: without it `@tradecore/sdk` and `@tradecore/sdk/testing` each bundle their own
  // ValidationError/PluginError classes and `instanceof` fails across them (found by the consumer test).
  splitting: true,
};
