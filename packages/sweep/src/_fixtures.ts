// Test fixtures (not exported): a tiny project — a synthetic dataset and a TS config importing the workspace sources.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic, syntheticGeneratorInfo, writeDataset } from '@tradecore/sdk';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const src = (pkg: string) => path.join(REPO_ROOT, 'packages', pkg, 'src', 'index.ts');

export interface TinyProject {
  readonly dir: string;
  /** `tradecore.config.ts` (relative to dir). */
  readonly configFile: string;
}

/** A project with ~2,000 five-minute bars and a PPO budget of `totalSteps` (a few seconds per trial). */
export async function tinyProject({ totalSteps = 256, days = 7, sweep }: { totalSteps?: number; days?: number; sweep?: unknown } = {}): Promise<TinyProject> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tc-sweep-project-'));
  const options = { seed: 11, days, timeframe: '5m' };
  await writeDataset(generateSynthetic(options), { dataDir: path.join(dir, 'data'), source: 'synthetic', symbol: 'TEST-USD', timeframe: '5m', id: 'tiny', synthetic: syntheticGeneratorInfo(options) });
  writeFileSync(
    path.join(dir, 'tradecore.config.ts'),
    `import { defineConfig } from ${JSON.stringify(src('sdk'))};
import { riskGuard } from ${JSON.stringify(src('plugin-risk-guard'))};
import { ppo } from ${JSON.stringify(src('trainer-gpu'))};
export default defineConfig({
  dataset: 'tiny',
  dataDir: './data',
  plugins: [riskGuard(), ppo({ backend: 'wasm', totalSteps: ${totalSteps}, numEnvs: 4, nSteps: 32, epochs: 1, minibatchSize: 64, hidden: [16], checkpointEvery: 1 })],
  env: { window: 8, episodeLength: 128 },
  run: { out: './runs', split: { testFraction: 0.25 } },${sweep ? `\n  sweep: ${JSON.stringify(sweep)},` : ''}
});
`,
  );
  return { dir, configFile: 'tradecore.config.ts' };
}
