import { fileURLToPath } from 'node:url';
import { defineProject, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

// The templates' own tests run here too, against the workspace sources, so a template that no longer
// matches the SDK fails in the repo and not first in a user's fresh project.
export default mergeConfig(
  shared,
  defineProject({
    test: {
      name: 'create-tradecore',
      dir: repoRoot,
      include: ['packages/create-tradecore/src/**/*.test.ts', 'templates/*/src/**/*.test.ts', 'templates/*/test/**/*.test.ts'],
      exclude: ['**/node_modules/**', '**/dist/**'],
    },
  }),
);
