import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSynthetic, syntheticGeneratorInfo, writeDataset } from '@tradecore/sdk';
import { startFakeRunPod } from '@tradecore/sweep/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../_testing.ts';

const src = (pkg: string) => path.join(REPO_ROOT, 'packages', pkg, 'src', 'index.ts');
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tradecore-sweep-cli-'));
  const options = { seed: 3, days: 2, timeframe: '5m' };
  await writeDataset(generateSynthetic(options), { dataDir: path.join(dir, 'data'), source: 'synthetic', symbol: 'TEST-USD', timeframe: '5m', id: 'cli-sweep', synthetic: syntheticGeneratorInfo(options) });
  writeFileSync(
    path.join(dir, 'tradecore.config.ts'),
    `import { defineConfig } from ${JSON.stringify(src('sdk'))};
import { riskGuard } from ${JSON.stringify(src('plugin-risk-guard'))};
import { ppo } from ${JSON.stringify(src('trainer-gpu'))};
export default defineConfig({
  dataset: 'cli-sweep',
  dataDir: './data',
  plugins: [riskGuard(), ppo({ backend: 'wasm', totalSteps: 128, numEnvs: 4, nSteps: 32, hidden: [16] })],
  env: { window: 8, episodeLength: 128 },
  sweep: { grid: { 'trainer.learningRate': [0.001, 0.003] }, seeds: '0..1', metric: 'sortino' },
});
`,
  );
});

describe('tradecore sweep / pods (no training)', () => {
  it('--list prints the trials of the config sweep block, flags laid over it', async () => {
    const block = await runCli(['sweep', '--list'], { cwd: dir });
    expect(block.code, block.stderr).toBe(0);
    expect(block.stdout).toMatch(/sweep sw-[0-9a-f]{16}: 2 setting\(s\) × 2 seed\(s\) = 4 trials/);
    expect(block.stdout).toMatch(/t-[0-9a-f]{20} +s1 +1 +trainer\.learningRate=0\.003/);
    const flags = await runCli(['sweep', '--list', '--json', '--grid', 'execution.takerFeeBps=5,10', '--seeds', '7'], { cwd: dir });
    const plan = JSON.parse(flags.stdout) as { trials: { overrides: string[]; seed: number }[] };
    expect(plan.trials).toHaveLength(4);
    expect(plan.trials.map((t) => t.seed)).toEqual([7, 7, 7, 7]);
    expect(plan.trials[3]!.overrides).toEqual(['trainer.learningRate=0.003', 'execution.takerFeeBps=10']);
  }, 180_000);

  it('refuses a bad spec with exit 1 and the reason', async () => {
    const result = await runCli(['sweep', '--list', '--seeds', '3..1'], { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--seeds 3\.\.1: the range ends before it starts/);
    const usage = await runCli(['sweep', '--workers', '0'], { cwd: dir });
    expect(usage.code).toBe(2);
  }, 180_000);

  it('--emit k8s prints an Indexed Job running workers, credentials from a Secret', async () => {
    const result = await runCli(['sweep', '--emit', 'k8s', '--queue', 'redis://:s3cret@redis:6379', '--store', 's3://b/p', '--parallelism', '3', '--gpu', '1'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/kind: Job[\s\S]*completionMode: Indexed[\s\S]*completions: 3[\s\S]*parallelism: 3/);
    expect(result.stdout).toMatch(/tradecore worker --queue "\$TRADECORE_QUEUE" --store "s3:\/\/b\/p"/);
    expect(result.stdout).toContain('nvidia.com/gpu: 1');
    expect(result.stdout, 'the Redis password stays in the Secret').not.toContain('s3cret');
  });

  it('pods up --dry-run prints the requests with every secret as ***, and pods ls talks to the API', async () => {
    const key = 'rpa_CLI_TEST_KEY_42';
    const fake = await startFakeRunPod({ apiKey: key });
    const env = { RUNPOD_API_KEY: key, RUNPOD_REST_URL: fake.restUrl, RUNPOD_GRAPHQL_URL: fake.graphqlUrl, AWS_SECRET_ACCESS_KEY: 'very-secret-aws' };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const dry = await runCli(['pods', 'up', '--gpu', 'NVIDIA H100 80GB HBM3', '--count', '2', '--image', 'img:1', '--queue', 'redis://:pw123456@q:6379', '--store', 's3://b/p', '--dry-run'], { cwd: dir });
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout.match(/^POST http:\/\/127\.0\.0\.1:\d+\/v1\/pods$/gm)).toHaveLength(2);
      expect(dry.stdout).toContain('Authorization: Bearer ***');
      for (const secret of [key, 'very-secret-aws', 'pw123456']) expect(dry.stdout + dry.stderr).not.toContain(secret);
      expect(fake.requests, 'nothing sent').toHaveLength(0);
      const ls = await runCli(['pods', 'ls'], { cwd: dir });
      expect(ls.code, ls.stderr).toBe(0);
      expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /v1/pods 200']);
      process.env.RUNPOD_API_KEY = 'rpa_WRONG_KEY_0000';
      const refused = await runCli(['pods', 'ls'], { cwd: dir });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/RunPod refused the API key \(HTTP 401\)/);
      expect(refused.stderr).not.toContain('rpa_WRONG_KEY_0000');
    } finally {
      process.env = saved;
      await fake.close();
    }
  }, 240_000);
});

describe('tradecore sweep / runs (training)', () => {
  it('runs a 2-trial sweep and prints it ranked with warnings; runs pull brings the archives into another folder, runs ls lists them', async () => {
    const swept = await runCli(['sweep', '--workers', '1', '--seeds', '0', '--grid', 'trainer.learningRate=0.001,0.003', '--metric', 'winRate'], { cwd: dir });
    expect(swept.code, swept.stderr).toBe(0);
    expect(swept.stdout).toMatch(/setting +values +done +agent winRate +buy&hold winRate +warnings \(trials\)/);
    expect(swept.stdout.match(/^s[01]\b/gm)?.sort()).toEqual(['s0', 's1']);
    expect(swept.stdout).toMatch(/best by winRate \(max\): s[01] \(\*\)|no setting has a value of agent winRate/);
    expect(swept.stdout).not.toMatch(/NaN|null/);
    const [, sweepId] = swept.stdout.match(/^sweep (sw-[0-9a-f]+): complete$/m)!;
    const summary = JSON.parse(readFileSync(path.join(dir, 'sweeps', sweepId!, 'summary.json'), 'utf8'));
    expect(summary.format).toBe('tradecore-sweep-summary/2');
    expect(summary.trials.every((t: { status: string; warnings?: unknown[] }) => t.status === 'complete' && Array.isArray(t.warnings))).toBe(true);

    const pulled = await runCli(['runs', 'pull', '.', '--sweep', sweepId!, '--out', 'pulled'], { cwd: dir });
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.stdout).toMatch(/^2 pulled, 0 already here, 0 incomplete in the store/m);
    for (const t of summary.trials as { id: string }[]) expect(existsSync(path.join(dir, 'pulled', t.id, 'trades.parquet')), t.id).toBe(true);
    const mistyped = await runCli(['runs', 'pull', 'no-such-store'], { cwd: dir });
    expect(mistyped.code).toBe(1);
    expect(mistyped.stderr).toContain(`no store folder ${path.join(dir, 'no-such-store')}`);
    const ls = await runCli(['runs', 'ls', '--out', 'pulled', '--json'], { cwd: dir });
    expect(ls.code, ls.stderr).toBe(0);
    expect((JSON.parse(ls.stdout) as { id: string; status: string }[]).map((r) => `${r.id} ${r.status}`).sort()).toEqual(
      (summary.trials as { id: string }[]).map((t) => `${t.id} complete`).sort(),
    );
  }, 600_000);
});
