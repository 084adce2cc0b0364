import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../_testing.ts';

// Projects live under the repository's (git-ignored) .tmp/ so tool names resolve from its node_modules.
const TMP = path.join(REPO_ROOT, '.tmp');
const DEMO_MANIFEST = path.join(REPO_ROOT, 'data/manifests/synthetic-btc-usd-1m.json');
const OHLCV = ['time', 'open', 'high', 'low', 'close', 'volume'];
let project: string;

/** A dataset manifest like the demo's, with the given columns and row count. */
function manifest(id: string, columns: readonly string[], rows: number): string {
  const demo = JSON.parse(readFileSync(DEMO_MANIFEST, 'utf8')) as Record<string, unknown> & { columns: { name: string }[]; partitions: { rows: number }[] };
  return JSON.stringify({
    ...demo,
    id,
    rows,
    columns: demo.columns.filter((c) => columns.includes(c.name)),
    partitions: [{ ...demo.partitions[0], rows }],
  });
}

async function setup(name: string, { columns = OHLCV, rows = 5000, tools }: { columns?: readonly string[]; rows?: number; tools: unknown }): Promise<string> {
  const dir = path.join(project, name);
  await mkdir(path.join(dir, 'data/manifests'), { recursive: true });
  await mkdir(path.join(dir, 'configs/tools'), { recursive: true });
  await writeFile(path.join(dir, 'data/manifests/test-set.json'), manifest('test-set', columns, rows));
  await writeFile(path.join(dir, 'configs/tools/default.json'), JSON.stringify(tools, null, 2));
  await writeFile(
    path.join(dir, 'tradecore.config.json'),
    JSON.stringify({ dataset: 'test-set', dataDir: './data', tools: 'configs/tools/default.json', plugins: [{ name: 'risk-guard' }, { name: 'trainer-gpu' }] }),
  );
  return dir;
}

const DEMO_CONFIG = path.join(REPO_ROOT, 'templates/app/tradecore.config.ts');

describe.skipIf(!existsSync(DEMO_MANIFEST))('tradecore validate', () => {
  beforeAll(async () => {
    await mkdir(TMP, { recursive: true });
    project = await mkdtemp(path.join(TMP, 'validate-'));
  });
  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('passes the default tool manifest (VWAP + close z-score) on the demo dataset columns', async () => {
    const dir = await setup('clean', {
      columns: [...OHLCV, 'trades', 'buy_volume', 'sell_volume'],
      tools: JSON.parse(readFileSync(path.join(REPO_ROOT, 'configs/tools/default.json'), 'utf8')),
    });
    const { code, stdout } = await runCli(['validate'], { cwd: dir });
    expect(stdout).toContain('✓ dataset "test-set"');
    expect(stdout).toContain('✓ tools configs/tools/default.json: vwap, zscore');
    expect(stdout).toContain('vwap_session, zscore_close_20');
    expect(code, stdout).toBe(0);
  });

  it.skipIf(!existsSync(DEMO_CONFIG))('validates the demo config (templates/app/tradecore.config.ts) clean against the demo dataset', async () => {
    const dir = path.join(project, 'demo');
    await mkdir(path.join(dir, 'data/manifests'), { recursive: true });
    await copyFile(path.join(REPO_ROOT, 'templates/app/tradecore.config.ts'), path.join(dir, 'tradecore.config.ts'));
    await copyFile(DEMO_MANIFEST, path.join(dir, 'data/manifests/synthetic-btc-usd-1m.json'));
    const { code, stdout } = await runCli(['validate'], { cwd: dir });
    expect(stdout).toContain('✓ config tradecore.config.ts');
    expect(stdout).toContain('✓ dataset "synthetic-btc-usd-1m"');
    expect(stdout).toMatch(/✓ \d+ features \(vwap_session, zscore_close_\d+, rsi_14/);
    expect(stdout).toContain('✓ trainer ppo (trainer-gpu): 500,000 steps, 32 envs');
    expect(code, stdout).toBe(0);
  });

  it('reports each problem on its own line naming the file and path, and exits 1', async () => {
    const dir = await setup('broken', {
      rows: 300,
      tools: {
        tools: [
          { name: 'orderflow', options: { mode: 'flow' } },
          { name: 'rsi', options: { period: 0 } },
          { name: 'macd' },
          { name: 'zscore', options: { period: 1000 } },
        ],
      },
    });
    const { code, stdout } = await runCli(['validate'], { cwd: dir });
    const lines = stdout.trim().split('\n');
    const file = 'configs/tools/default.json';
    expect(lines).toContain(
      `${file}: tools[0] (@tradecore/plugin-orderflow): feature "orderflow_20" needs columns "buy_volume", "sell_volume", which dataset "test-set" does not have (it has time, open, high, low, close, volume)`,
    );
    expect(lines).toContain(`${file}: tools[1] (@tradecore/plugin-rsi) period: must be >= 1, got 0`);
    expect(lines.some((l) => l.startsWith(`${file}: tools[2].name: unknown plugin "macd": install @tradecore/plugin-macd (or a community tradecore-plugin-macd): \``))).toBe(true);
    expect(lines).toContain(
      'tradecore.config.json: run.split: fold 0 trains on bars 0..239, but feature "zscore_close_1000" of zscore warms up for 999 bars and the observation window (env.window) is 32, so episodes start at bar 1,030; use more data, a smaller window or shorter indicator periods',
    );
    expect(lines.at(-1)).toBe('✗ 4 problems');
    expect(code).toBe(1);
    // Without the two broken entries, the rest is checked: a warm-up longer than the training part of the split.
    const fixed = await runCli(['validate', '--set', 'plugins.rsi.enabled=false', '--set', 'plugins.macd.enabled=false', '--set', 'plugins.orderflow.mode="proxy"'], { cwd: dir });
    expect(fixed.stdout.trim().split('\n').slice(-2)).toEqual([
      'tradecore.config.json: run.split: fold 0 trains on bars 0..239, but feature "zscore_close_1000" of zscore warms up for 999 bars and the observation window (env.window) is 32, so episodes start at bar 1,030; use more data, a smaller window or shorter indicator periods',
      '✗ 1 problem',
    ]);
  });

  it('honours --tools and reports schema errors of the manifest itself', async () => {
    const dir = await setup('schema', { tools: { tools: [] } });
    await writeFile(path.join(dir, 'other.json'), JSON.stringify({ tools: [{ name: 'vwap', enabled: 'yes' }] }));
    const { code, stdout } = await runCli(['validate', '--tools', 'other.json'], { cwd: dir });
    expect(stdout.split('\n')).toContain('other.json: tools[0].enabled: must be a boolean, got "yes"');
    expect(code).toBe(1);
  });

  it('reports a missing dataset and a bad config value with the config file name', async () => {
    const dir = path.join(project, 'badconfig');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'tradecore.config.json'), JSON.stringify({ dataset: 'nope', env: { window: 0 } }));
    const bad = await runCli(['validate'], { cwd: dir });
    expect(bad.stdout).toMatch(/tradecore\.config\.json: env\.window: must be >= 1, got 0/);
    expect(bad.code).toBe(1);
    await writeFile(path.join(dir, 'tradecore.config.json'), JSON.stringify({ dataset: 'nope' }));
    const missing = await runCli(['validate', '--config', 'tradecore.config.json'], { cwd: dir });
    expect(missing.stdout).toMatch(/tradecore\.config\.json: dataset: dataset "nope" not found/);
    expect(missing.code).toBe(1);
  });
});

describe('tradecore tools ls', () => {
  it('lists the first-party plugins with the name a config uses, their kind, options and defaults', async () => {
    const { code, stdout } = await runCli(['tools', 'ls']);
    expect(code).toBe(0);
    for (const name of ['atr', 'bollinger', 'orderflow', 'rsi', 'vwap', 'zscore']) expect(stdout).toMatch(new RegExp(`^${name}  @tradecore/plugin-${name}@\\S+  indicator  `, 'm'));
    expect(stdout).toMatch(/^risk-guard  @tradecore\/plugin-risk-guard@\S+  risk-guard  /m);
    expect(stdout).toMatch(/^risk-guard:trailing-stop  @tradecore\/plugin-risk-guard@\S+  execution  /m);
    expect(stdout).toMatch(/^trainer-gpu  @tradecore\/trainer-gpu@\S+  trainer  /m);
    expect(stdout).toMatch(/^ {2}period +integer ≥ 2 +20 +Window length in bars\.$/m);
    const indicators = await runCli(['tools', 'ls', '--kind', 'indicator']);
    expect(indicators.stdout).not.toContain('risk-guard');
  });

  it('--json gives machine-readable options', async () => {
    const { stdout } = await runCli(['tools', 'ls', '--json']);
    const { tools } = JSON.parse(stdout) as { tools: { name: string; options: { name: string; default?: string }[] }[] };
    const rsi = tools.find((t) => t.name === 'rsi')!;
    expect(rsi.options.find((o) => o.name === 'method')?.default).toBe('"wilder"');
  });
});
