/** Conformance kits for plugin authors: `import { testIndicatorContract } from '@tradecore/sdk/testing'`. */
export * from './testing/index.ts';
