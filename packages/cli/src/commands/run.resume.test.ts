import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateSynthetic, readRunStatus, syntheticGeneratorInfo, writeDataset } from '@tradecore/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, tempDir, type CliResult } from '../_testing.ts';

/**
 * Kill-and-resume: a run is SIGKILLed in the middle of one of its writes (checkpoint, model, metrics, ledger,
 * report, run.json), its resume is SIGKILLed again, and the next resume must finish with exactly the files
 * of a run that was never interrupted. The kill comes from the runner's test-only fault points
 * (TRADECORE_FAULT_KILL=<point>:<n>, see packages/sdk/src/experiment/faults.ts).
 */
const src = (pkg: string) => JSON.stringify(path.join(REPO_ROOT, 'packages', pkg, 'src', 'index.ts'));
let dir = '';
let config = '';

beforeAll(async () => {
  dir = await tempDir('tradecore-crash-');
  const options = { seed: 8, days: 3, timeframe: '5m' };
  await writeDataset(generateSynthetic(options), { dataDir: path.join(dir, 'data'), source: 'synthetic', symbol: 'TEST-USD', timeframe: '5m', id: 'crash', synthetic: syntheticGeneratorInfo(options) });
  // An .mjs config: loaded by the CLI's own module loader, so the packages are shared with the CLI (and fast to load).
  // Two walk-forward folds × 4 PPO updates, a checkpoint after every update.
  config = path.join(dir, 'crash.config.mjs');
  writeFileSync(
    config,
    `import { defineConfig } from ${src('sdk')};
import { riskGuard } from ${src('plugin-risk-guard')};
import { ppo } from ${src('trainer-gpu')};
export default defineConfig({
  dataset: 'crash',
  dataDir: './data',
  plugins: [riskGuard(), ppo({ backend: 'wasm', totalSteps: 512, numEnvs: 4, nSteps: 32, epochs: 1, minibatchSize: 64, hidden: [8], checkpointEvery: 1 })],
  env: { window: 8, episodeLength: 48 },
  run: { out: './runs', seed: 11, split: { walkForwardFolds: 2, testFraction: 0.3 } },
});
`,
  );
  const baseline = await runCli(['run', '--config', config, '--id', 'baseline'], { cwd: dir });
  expect(baseline.code, baseline.stderr).toBe(0);
}, 600_000);

const runDir = (id: string) => path.join(dir, 'runs', id);
const bytes = (id: string, file: string) => readFileSync(path.join(runDir(id), file));

/** A fresh start when no run.json was written yet (nothing to resume), a resume otherwise. */
function again(id: string, kill?: string): Promise<CliResult> {
  const args = existsSync(path.join(runDir(id), 'run.json')) ? ['run', '--resume', runDir(id), '--json'] : ['run', '--config', config, '--id', id, '--json'];
  return runCli(args, { cwd: dir, ...(kill ? { env: { TRADECORE_FAULT_KILL: kill } } : {}) });
}

function filesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true }).map((e) => path.relative(folder, path.join(e.parentPath, e.name)));
}

const SCENARIOS: readonly (readonly [string, string])[] = [
  ['checkpoint:3', 'checkpoint:1'], // mid-training of fold 0, then the resume dies writing its first checkpoint
  ['model:1', 'checkpoint:1'], // before fold 0's model, then while rewriting the last checkpoint
  ['model:2', 'model:1'], // fold 1's model, twice
  ['metrics:1', 'metrics:1'],
  ['ledger:1', 'ledger:1'],
  ['report:1', 'report:1'],
  ['run-json:1', 'run-json:1'], // the very first write: nothing recorded yet, so the run is started again with its id
  ['run-json-complete:1', 'run-json:2'], // the last write, then the resume's second record write
];

describe('a run killed at any write point, twice in a row, finishes with the metrics of an uninterrupted run', () => {
  for (const [first, second] of SCENARIOS) {
    it(`killed at ${first}, then at ${second}`, async () => {
      const id = `kill-${first.replace(':', '-')}-${second.replace(':', '-')}`;
      const killed = await runCli(['run', '--config', config, '--id', id, '--json'], { cwd: dir, env: { TRADECORE_FAULT_KILL: first } });
      expect(killed.signal, `killed at ${first}: ${killed.stderr}`).toBe('SIGKILL');
      expect(readRunStatus(runDir(id)).status, 'a killed run is reported interrupted, never complete').toBe('interrupted');

      const killedAgain = await again(id, second);
      expect(killedAgain.signal, `killed again at ${second}: ${killedAgain.stderr}`).toBe('SIGKILL');
      expect(readRunStatus(runDir(id)).status).toBe('interrupted');

      const done = await again(id);
      expect(done.code, done.stderr).toBe(0);
      const record = JSON.parse(bytes(id, 'run.json').toString()) as { status: string; seed: number };
      expect(record).toMatchObject({ status: 'complete', seed: 11 });
      expect(bytes(id, 'metrics.json').equals(bytes('baseline', 'metrics.json')), 'metrics.json equals the uninterrupted run').toBe(true);
      expect(bytes(id, 'ledger.parquet').equals(bytes('baseline', 'ledger.parquet')), 'ledger.parquet equals the uninterrupted run').toBe(true);
      for (const fold of ['fold-0', 'fold-1']) {
        expect(bytes(id, `model/${fold}/weights.bin`).equals(bytes('baseline', `model/${fold}/weights.bin`)), `${fold} weights`).toBe(true);
      }
      const files = filesUnder(runDir(id));
      expect(files.filter((f) => /\.tmp$|\.pending$/.test(path.basename(f))), 'temp files of the killed writes are swept').toEqual([]);
      expect(files).not.toContain('run.lock');
      for (const fold of ['fold-0', 'fold-1']) {
        const kept = readdirSync(path.join(runDir(id), 'checkpoints', fold)).filter((n) => n.startsWith('ckpt-'));
        expect(kept.length, `${fold}: at most two checkpoints kept`).toBeLessThanOrEqual(2);
      }
      if (first === 'checkpoint:3') {
        // The first kill hit fold 0's third checkpoint: both resumes say they continued from the second.
        const resumedFrom = (r: CliResult) =>
          r.stdout
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as { type: string; message?: string })
            .find((e) => e.type === 'log' && /resumed from checkpoint/.test(e.message ?? ''))?.message;
        expect(resumedFrom(killedAgain)).toBe('fold 0: resumed from checkpoint at step 256 (checkpoints/fold-0/ckpt-0000000256)');
        expect(resumedFrom(done)).toBe('fold 0: resumed from checkpoint at step 256 (checkpoints/fold-0/ckpt-0000000256)');
      }
    }, 900_000);
  }
});
