import { defineProject, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

const config = mergeConfig(shared, defineProject({ test: { name: '@tradecore/sweep' } }));
// The AWS SDK's `module` builds use extension-less imports Node cannot load: resolve packages as Node
// itself does (the workspace's own packages still resolve to their sources through @tradecore/source).
const conditions = ['@tradecore/source', 'node', 'import', 'default'];
config.resolve.conditions = conditions;
config.ssr.resolve.conditions = conditions;
config.ssr.resolve.externalConditions = conditions;
export default config;
