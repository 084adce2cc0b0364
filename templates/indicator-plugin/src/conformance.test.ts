import { testIndicatorContract, testPluginContract } from '@tradecore/sdk/testing';
import { rocPlugin } from './plugin.ts';

// The SDK's conformance kit: the checks TradeCore relies on when it runs this plugin in an environment.
testPluginContract({
  factory: rocPlugin,
  // Name and version match package.json, @tradecore/sdk is a peer, the `tradecore-plugin` keyword is there.
  packageJson: new URL('../package.json', import.meta.url),
  valid: [{}, { period: 1 }, { period: 60, source: 'open' }],
  invalid: [
    { options: { period: 0 }, path: 'period' },
    { options: { period: 2.5 }, path: 'period' },
    { options: { source: 'volume' }, path: 'source' },
    { options: { unknown: true } },
  ],
});

testIndicatorContract({ plugin: rocPlugin() });
testIndicatorContract({ plugin: rocPlugin({ period: 1, source: 'high' }), title: 'indicator contract: period 1 on high' });
