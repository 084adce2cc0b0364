import type { Options } from 'tsup';

export const tsupDefaults: Options = {
  format: ['esm'],
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: false,
};
