import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateSynthetic, syntheticGeneratorInfo, writeDataset } from '@tradecore/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../_testing.ts';

// The project lives under the repository's (git-ignored) .tmp/ so plugin names resolve from its node_modules.
let project: string;
const TINY = ['--set', 'trainer.totalSteps=512', '--set', 'trainer.numEnvs=4', '--set', 'trainer.nSteps=64', '--set', 'trainer.epochs=1', '--set', 'trainer.minibatchSize=128'];

/** A JSON config that names every plugin, the risk guard and the trainer included. */
const JSON_CONFIG = {
  dataset: 'cli-config',
  plugins: [
    { name: 'vwap' },
    { name: 'rsi', options: { period: 14 } },
    { name: 'risk-guard', options: { riskPct: 0.005 } },
    { name: 'risk-guard:trailing-stop', options: { trailBps: 80 } },
    { name: 'trainer-gpu', options: { backend: 'wasm', hidden: [16] } },
  ],
  env: { window: 8, episodeLength: 128 },
  run: { split: { testFraction: 0.25 } },
};

beforeAll(async () => {
  await mkdir(path.join(REPO_ROOT, '.tmp'), { recursive: true });
  project = await mkdtemp(path.join(REPO_ROOT, '.tmp', 'cli-config-'));
  const options = { seed: 11, days: 3, timeframe: '5m' };
  await writeDataset(generateSynthetic(options), { dataDir: path.join(project, 'data'), source: 'synthetic', symbol: 'TEST-USD', timeframe: '5m', id: 'cli-config', synthetic: syntheticGeneratorInfo(options) });
  await writeFile(path.join(project, 'tradecore.config.json'), JSON.stringify(JSON_CONFIG, null, 2));
});
afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

type Event = { type: string; [k: string]: unknown };
const events = (stdout: string): Event[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Event);

describe('a JSON config with every plugin by name', () => {
  it('runs, archives a data-shaped config.json, and `run --from` reproduces metrics.json byte for byte', async () => {
    const first = await runCli(['run', '--json', '--seed', '3', '--set', 'plugins.rsi.period=21', ...TINY], { cwd: project });
    expect(first.code, first.stderr).toBe(0);
    const done = events(first.stdout).find((e) => e.type === 'complete')!;
    const dir = String(done.dir);
    const archived = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { plugins: { name: string; options: Record<string, unknown> }[]; run: { seed: number; out: string } };
    expect(archived.plugins.map((p) => p.name)).toEqual([
      '@tradecore/plugin-vwap',
      '@tradecore/plugin-rsi',
      '@tradecore/plugin-risk-guard',
      '@tradecore/plugin-risk-guard:trailing-stop',
      '@tradecore/trainer-gpu',
    ]);
    expect(archived.plugins[1]!.options).toEqual({ period: 21, method: 'wilder', stochPeriod: 0, talib: false });
    expect(archived.plugins[3]!.options).toEqual({ trailBps: 80, activateAfterBars: 0 });
    expect(archived.run).toMatchObject({ seed: 3, out: path.join(project, 'runs') });

    const checked = await runCli(['validate', '--from', path.basename(dir)], { cwd: project });
    expect(checked.code, checked.stdout).toBe(0);
    expect(checked.stdout).toContain(`✓ config ${path.relative(project, path.join(dir, 'config.json'))}`);

    const again = await runCli(['run', '--json', '--from', path.basename(dir)], { cwd: project });
    expect(again.code, again.stderr).toBe(0);
    const redone = events(again.stdout).find((e) => e.type === 'complete')!;
    expect(String(redone.dir)).not.toBe(dir);
    expect(path.dirname(String(redone.dir)), 'beside the run it came from').toBe(path.dirname(dir));
    expect(readFileSync(path.join(String(redone.dir), 'metrics.json'), 'utf8')).toBe(readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
    expect(readFileSync(path.join(String(redone.dir), 'config.json'), 'utf8')).toBe(readFileSync(path.join(dir, 'config.json'), 'utf8'));
  });

  it('a config that cannot run fails before a run folder exists, with the message validate prints', async () => {
    const dir = await mkdtemp(path.join(project, 'broken-'));
    await writeFile(path.join(dir, 'tradecore.config.json'), JSON.stringify({ ...JSON_CONFIG, dataDir: '../data', plugins: JSON_CONFIG.plugins.filter((p) => p.name !== 'trainer-gpu') }));
    const validate = await runCli(['validate', '--set', 'plugins.risk-guard.riskPct=2'], { cwd: dir });
    const run = await runCli(['run', '--set', 'plugins.risk-guard.riskPct=2'], { cwd: dir });
    expect(validate.code).toBe(1);
    expect(run.code).toBe(1);
    const problems = validate.stdout.trim().split('\n').filter((l) => !l.startsWith('✓') && !l.startsWith('✗'));
    expect(problems).toEqual(['--set plugins.risk-guard.riskPct=2: must be <= 1, got 2']);
    expect(run.stderr.trim()).toBe(`tradecore: ${problems.join('\n')}`);
    const withoutTheBadSet = await runCli(['run'], { cwd: dir });
    expect(withoutTheBadSet.stderr.trim()).toMatch(
      /^tradecore: tradecore\.config\.json: plugins: no trainer plugin: add \{ "name": "trainer-gpu" \} to plugins, or ppo\(\) from @tradecore\/trainer-gpu in a TypeScript config \(install it with `(pnpm add|npm install) @tradecore\/trainer-gpu` if needed\)$/,
    );
    expect(readdirSync(dir), 'no runs/ folder').toEqual(['tradecore.config.json']);
  });
});

describe('tradecore validate', () => {
  it('accepts --set and --data like run, and finds the config from the folder the user ran the command in (INIT_CWD)', async () => {
    const inside = path.join(project, 'notebooks');
    await mkdir(inside, { recursive: true });
    const viaPnpm = await runCli(['validate', '--set', 'plugins.rsi.period=30', '--data', '../data'], {
      cwd: REPO_ROOT,
      env: { INIT_CWD: inside, npm_lifecycle_event: 'tradecore', npm_lifecycle_script: 'node packages/cli/bin/tradecore.js', npm_package_json: path.join(REPO_ROOT, 'package.json') },
    });
    expect(viaPnpm.code, viaPnpm.stdout).toBe(0);
    expect(viaPnpm.stdout).toContain(`✓ config ../tradecore.config.json with --set plugins.rsi.period=30 dataDir=${JSON.stringify(path.join(project, 'data'))}`);
    expect(viaPnpm.stdout).toContain('rsi_30');
    const wrongData = await runCli(['validate', '--data', 'nowhere'], { cwd: project });
    expect(wrongData.code).toBe(1);
    expect(wrongData.stdout).toMatch(/^tradecore\.config\.json: dataset: dataset "cli-config" not found: .*nowhere/m);
    const json = JSON.parse((await runCli(['validate', '--json', '--set', 'plugins.rsi.period=0'], { cwd: project })).stdout) as { ok: boolean; issues: unknown[] };
    expect(json).toMatchObject({ ok: false, issues: [{ source: '--set plugins.rsi.period=0', path: '', message: 'must be >= 1, got 0' }] });
  });
});

describe('tradecore schema', () => {
  it('prints the config JSON Schema with the options of every installed plugin', async () => {
    const { code, stdout } = await runCli(['schema'], { cwd: project });
    expect(code).toBe(0);
    const schema = JSON.parse(stdout) as { $defs: Record<string, { properties: Record<string, unknown> }>; 'x-tradecore-plugins': { name: string; kind: string }[] };
    expect(schema['x-tradecore-plugins'].map((p) => p.name)).toEqual(expect.arrayContaining(['rsi', 'risk-guard', 'risk-guard:trailing-stop', 'trainer-gpu']));
    expect(Object.keys(schema.$defs['plugin:risk-guard']!.properties)).toContain('riskPct');
    const out = path.join(project, 'schema', 'tradecore.schema.json');
    expect((await runCli(['schema', '-o', 'schema/tradecore.schema.json'], { cwd: project })).code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(schema);
    expect(existsSync(`${out}.tmp`)).toBe(false);
  });
});
