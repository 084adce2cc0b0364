import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic, syntheticGeneratorInfo, writeDataset } from '@tradecore/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, tempDir } from '../_testing.ts';

const ENTRY = fileURLToPath(new URL('../index.ts', import.meta.url));
const TSX = path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
const src = (pkg: string) => path.join(REPO_ROOT, 'packages', pkg, 'src', 'index.ts');

let dir: string;

/** A config in a temp folder; it imports the workspace packages by path, since a temp folder has no node_modules. */
function writeConfig(totalSteps: number): string {
  const file = path.join(dir, `tradecore.config.${totalSteps}.ts`);
  writeFileSync(
    file,
    `import { defineConfig } from ${JSON.stringify(src('sdk'))};
import { riskGuard } from ${JSON.stringify(src('plugin-risk-guard'))};
import { ppo } from ${JSON.stringify(src('trainer-gpu'))};
export default defineConfig({
  dataset: 'cli-run',
  dataDir: './data',
  plugins: [riskGuard(), ppo({ backend: 'wasm', totalSteps: ${totalSteps}, numEnvs: 8, nSteps: 64, epochs: 2, hidden: [32], checkpointEvery: 1 })],
  env: { window: 8, episodeLength: 128 },
  run: { out: './runs' },
});
`,
  );
  return file;
}

beforeAll(async () => {
  dir = await tempDir('tradecore-run-');
  const options = { seed: 3, days: 4, timeframe: '5m' };
  await writeDataset(generateSynthetic(options), { dataDir: path.join(dir, 'data'), source: 'synthetic', symbol: 'TEST-USD', timeframe: '5m', id: 'cli-run', synthetic: syntheticGeneratorInfo(options) });
});

type Event = { type: string; [k: string]: unknown };
const events = (stdout: string): Event[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event);

describe('tradecore run', () => {
  it('runs a config end to end and prints the archive and report paths', async () => {
    const config = writeConfig(1024);
    const result = await runCli(['run', '--config', config, '--seed', '4', '--set', 'run.split.testFraction=0.3'], { cwd: dir });
    expect(result.stderr).toContain('fold 0: training');
    expect(result.code, result.stderr).toBe(0);
    const archive = /archive: (.+)/.exec(result.stdout)?.[1];
    const report = /report: +(.+)/.exec(result.stdout)?.[1];
    expect(archive).toBeDefined();
    expect(existsSync(report!)).toBe(true);
    const record = JSON.parse(readFileSync(path.join(archive!, 'run.json'), 'utf8')) as { status: string; seed: number; overrides: string[] };
    expect(record).toMatchObject({ status: 'complete', seed: 4 });
    expect(record.overrides).toEqual(['run.split.testFraction=0.3', 'run.seed=4']);
    expect(result.stdout).toMatch(/buy-and-hold/);
  });

  it('--json prints JSON-lines events; a bad --set fails with the path and the rule', async () => {
    const config = writeConfig(512);
    const ok = await runCli(['run', '--config', config, '--json'], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    const types = events(ok.stdout).map((e) => e.type);
    expect(types[0]).toBe('start');
    expect(types).toContain('backend');
    expect(types).toContain('progress');
    expect(types.at(-1)).toBe('complete');
    const bad = await runCli(['run', '--config', config, '--set', 'run.split.testFraction=2'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/run\.split\.testFraction/);
  });

  it('a run killed mid-training is not complete, and --resume finishes it from the checkpoint', async () => {
    const config = writeConfig(40_960);
    const child = spawn(process.execPath, ['--conditions=@tradecore/source', '--import', TSX, ENTRY, 'run', '--config', config, '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let runDir = '';
    let killedAt = 0;
    let buffer = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const event = JSON.parse(buffer.slice(0, nl)) as Event;
          buffer = buffer.slice(nl + 1);
          if (event.type === 'start') runDir = String(event.dir);
          if (event.type === 'progress' && Number(event.steps) >= 2048 && killedAt === 0 && existsSync(path.join(runDir, 'checkpoints', 'fold-0', 'latest.json'))) {
            killedAt = Number(event.steps);
            child.kill('SIGKILL');
          }
        }
      });
      child.on('exit', () => resolve());
      child.on('error', reject);
    });
    expect(killedAt, 'killed during training').toBeGreaterThan(0);
    expect(killedAt).toBeLessThan(40_960);
    const killed = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { status: string };
    expect(killed.status).toBe('running');
    expect(existsSync(path.join(runDir, 'report.html')), 'no report from a killed run').toBe(false);

    const resumed = await runCli(['run', '--resume', runDir, '--json'], { cwd: dir });
    expect(resumed.code, resumed.stderr).toBe(0);
    const log = events(resumed.stdout);
    // The killed run's lock is taken over (its holder is gone), the config file run.json names is announced, then the run starts.
    expect(log.find((e) => e.type === 'log')?.message).toMatch(/taking over an abandoned lock \(pid \d+ on .* is no longer running\)/);
    const types = log.map((e) => e.type);
    expect(types.indexOf('resume')).toBeLessThan(types.indexOf('start'));
    expect(log.find((e) => e.type === 'resume')).toMatchObject({ dir: runDir, configFile: config });
    expect(log.find((e) => e.type === 'start')).toMatchObject({ resumed: true, dir: runDir });
    const from = log.find((e) => e.type === 'log' && /resumed from checkpoint at step/.test(String(e.message)));
    expect(from, 'resumed from a checkpoint, not from scratch').toBeDefined();
    const firstProgress = log.find((e) => e.type === 'progress');
    expect(Number(firstProgress?.steps)).toBeGreaterThan(512);
    const record = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { status: string; resumes: number };
    expect(record).toMatchObject({ status: 'complete', resumes: 1 });
    expect(existsSync(path.join(runDir, 'report.html'))).toBe(true);

    const again = await runCli(['run', '--resume', runDir], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already complete/);
  });
});

describe('tradecore run interrupted', () => {
  it('Ctrl-C stops after the current update and marks the run cancelled, resumable', async () => {
    const config = writeConfig(40_960);
    const child = spawn(process.execPath, ['--conditions=@tradecore/source', '--import', TSX, ENTRY, 'run', '--config', config, '--json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let runDir = '';
    let sent = false;
    let buffer = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const event = JSON.parse(buffer.slice(0, nl)) as Event;
          buffer = buffer.slice(nl + 1);
          if (event.type === 'start') runDir = String(event.dir);
          if (event.type === 'progress' && !sent) {
            sent = true;
            child.kill('SIGINT');
          }
        }
      });
      child.on('exit', (c) => resolve(c));
      child.on('error', reject);
    });
    expect(code).toBe(130);
    expect(stderr).toMatch(/SIGINT — stopping after the current update/);
    expect(stderr).toMatch(/cancelled \(SIGINT received\): training aborted at step \d+; a resume continues from ckpt-/);
    const record = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as { status: string; error: string };
    expect(record.status).toBe('cancelled');
    expect(record.error).toMatch(/aborted/);
    expect(existsSync(path.join(runDir, 'run.lock')), 'the folder is released').toBe(false);
    expect(existsSync(path.join(runDir, 'checkpoints', 'fold-0', 'latest.json')), 'the interrupted run saved a checkpoint').toBe(true);
  });
});

const DEMO_MANIFEST = path.join(REPO_ROOT, 'data', 'manifests', 'synthetic-btc-usd-1m.json');
if (!existsSync(DEMO_MANIFEST)) console.warn(`[run.test] ${DEMO_MANIFEST} is missing: skipping the template-config run`);

describe.skipIf(!existsSync(DEMO_MANIFEST))('the template app config (what pnpm demo runs)', () => {
  it('runs on the shipped demo dataset with VWAP, z-score, RSI, the risk guard and PPO', async () => {
    const out = await tempDir('tradecore-demo-');
    const result = await runCli(
      ['run', '--config', 'templates/app/tradecore.config.ts', '--set', 'dataDir=data', '--set', 'trainer.totalSteps=2048', '--set', 'trainer.numEnvs=8', '--out', out, '--json'],
      { cwd: REPO_ROOT },
    );
    expect(result.code, result.stderr).toBe(0);
    const done = events(result.stdout).find((e) => e.type === 'complete');
    expect(done).toBeDefined();
    const config = JSON.parse(readFileSync(path.join(String(done!.dir), 'config.json'), 'utf8')) as { dataset: string; plugins: { name: string; kind: string }[] };
    expect(config.dataset).toBe('synthetic-btc-usd-1m');
    expect(config.plugins.map((p) => p.name)).toEqual([
      '@tradecore/plugin-vwap',
      '@tradecore/plugin-zscore',
      '@tradecore/plugin-rsi',
      '@tradecore/plugin-risk-guard',
      '@tradecore/trainer-gpu',
    ]);
    expect(existsSync(String(done!.report))).toBe(true);
  });
});
