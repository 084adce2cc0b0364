import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic, syntheticGeneratorInfo, writeDataset } from '@tradecore/sdk';
import type { StudioConfig } from './api.ts';
import type { CliCommand } from './launches.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
export const CLI_ENTRY = path.join(REPO_ROOT, 'packages', 'cli', 'src', 'index.ts');

/** `tradecore` from the workspace sources (no build needed; plugins resolve to their sources too). */
export const SOURCE_CLI: CliCommand = { command: process.execPath, args: ['--conditions=@tradecore/source', '--import', TSX, CLI_ENTRY] };

export interface TestProject {
  readonly root: string;
  readonly dataDir: string;
  readonly runsDir: string;
}

/**
 * A project folder inside the repository's `.tmp/` (so plugin names resolve from the workspace's node_modules)
 * with a small synthetic dataset `test-btc-1m`.
 */
export async function makeProject(prefix: string, { days = 3, seed = 11 }: { days?: number; seed?: number } = {}): Promise<TestProject> {
  const base = path.join(REPO_ROOT, '.tmp', 'studio-tests');
  mkdirSync(base, { recursive: true });
  const root = mkdtempSync(path.join(base, `${prefix}-`));
  const dataDir = path.join(root, 'data');
  const runsDir = path.join(root, 'runs');
  mkdirSync(runsDir, { recursive: true });
  const options = { seed, days, timeframe: '1m', start: '2024-05-01T00:00:00.000Z' };
  await writeDataset(generateSynthetic(options), { dataDir, source: 'synthetic', symbol: 'TEST-USD', timeframe: '1m', id: 'test-btc-1m', synthetic: syntheticGeneratorInfo(options) });
  return { root, dataDir, runsDir };
}

/** A small, quick config as data: three indicators, the risk guard, PPO on wasm with a budget of `steps`. */
export function smallConfig(steps = 512, seed = 1): StudioConfig {
  return {
    dataset: 'test-btc-1m',
    plugins: [
      { name: 'vwap', enabled: true, options: { session: true } },
      { name: 'zscore', enabled: true, options: { period: 30 } },
      { name: 'rsi', enabled: true, options: { period: 14 } },
      { name: 'risk-guard', enabled: true, options: { riskPct: 0.01 } },
      { name: '@tradecore/trainer-gpu', enabled: true, options: { backend: 'wasm', totalSteps: steps, numEnvs: 4, nSteps: 32, epochs: 1, minibatchSize: 64, hidden: [16], checkpointEvery: 1 } },
    ],
    env: { window: 8, episodeLength: 256 },
    run: { seed, split: { testFraction: 0.3 } },
  };
}

export function writeConfigFile(project: TestProject, config: StudioConfig, name = 'studio.config.json'): string {
  const file = path.join(project.root, name);
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

/** Polls `probe` until it returns a value other than undefined (or throws after `ms`, naming `what`). */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const until = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
