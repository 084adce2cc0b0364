import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.ts'],
    // Vitest's default (cores − 1) runs the whole suite one file at a time on a 2-core machine, while the CLI
    // tests mostly wait for the processes they spawn: one worker per core keeps both cores busy.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // In CI also write machine-readable results; .ci/run prints a one-line summary from them.
    reporters: process.env.CI ? ['default', ['json', { outputFile: '.tmp/vitest-results.json' }]] : ['default'],
  },
});
