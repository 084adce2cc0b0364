import { defineConfig } from 'vitest/config';

/**
 * Workspace packages resolve each other's TypeScript sources through the
 * `@tradecore/source` export condition, so tests never run against a stale dist/.
 */
const conditions = ['@tradecore/source', 'module', 'node', 'import', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    environment: 'node',
    // Plugins named as data are found and imported by the SDK itself; with this condition it picks their
    // TypeScript sources too, like every import in the tests.
    execArgv: ['--conditions=@tradecore/source'],
    // Generous: the suite must pass on a loaded 2-core machine, where spawning the CLI from its sources alone can
    // take 20 s. Speed is measured by `pnpm bench`, never by a test's time limit.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    clearMocks: true,
    restoreMocks: true,
  },
});
