import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunSetupError } from '../config/issues.ts';
import { runExperiment } from '../experiment/runner.ts';
import { prepareRun, validateRunSetup, type RunSetupOptions } from './prepareRun.ts';

// Projects live under the repository's (git-ignored) .tmp/ so plugin names resolve from its node_modules.
const REPO = fileURLToPath(new URL('../../../..', import.meta.url));
const DEMO_MANIFEST = path.join(REPO, 'data/manifests/synthetic-btc-usd-1m.json');
const OHLCV = ['time', 'open', 'high', 'low', 'close', 'volume'];
const ALL_COLUMNS = [...OHLCV, 'trades', 'buy_volume', 'sell_volume'];
const RUNNABLE = [{ name: 'vwap' }, { name: 'rsi' }, { name: 'risk-guard', options: { riskPct: 0.005 } }, { name: 'trainer-gpu', options: { backend: 'cpu' } }];
let root: string;

beforeAll(() => {
  mkdirSync(path.join(REPO, '.tmp'), { recursive: true });
  root = mkdtempSync(path.join(REPO, '.tmp', 'setup-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

let projects = 0;
/** A project folder: a config file and a dataset manifest (like the demo's) with the given columns and rows. */
function project(config: Record<string, unknown>, { columns = ALL_COLUMNS, rows = 20_000, file = 'tradecore.config.json' } = {}): string {
  const dir = path.join(root, `p${projects++}`);
  mkdirSync(path.join(dir, 'data/manifests'), { recursive: true });
  const demo = JSON.parse(readFileSync(DEMO_MANIFEST, 'utf8')) as { columns: { name: string }[]; partitions: { rows: number }[] } & Record<string, unknown>;
  const manifest = { ...demo, id: 'test-set', rows, columns: demo.columns.filter((c) => columns.includes(c.name)), partitions: [{ ...demo.partitions[0], rows }] };
  writeFileSync(path.join(dir, 'data/manifests/test-set.json'), JSON.stringify(manifest));
  writeFileSync(path.join(dir, file), JSON.stringify({ dataset: 'test-set', ...config }));
  return dir;
}

const validate = (cwd: string, options: Omit<RunSetupOptions, 'cwd'> = {}) => validateRunSetup({ cwd, ...options });

describe.skipIf(!existsSync(DEMO_MANIFEST))('validateRunSetup', () => {
  it('accepts a JSON config that names every plugin, the risk guard and the trainer included', async () => {
    const dir = project({ plugins: RUNNABLE });
    const report = await validate(dir);
    expect(report.lines).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.summary).toEqual([
      '✓ config tradecore.config.json',
      '✓ dataset "test-set" (data/manifests/test-set.json): 20,000 rows, columns time, open, high, low, close, volume, trades, buy_volume, sell_volume',
      '✓ 2 features (vwap_session, rsi_14); largest warm-up 14 of 20,000 rows',
      '✓ trainer ppo (trainer-gpu): 200,000 steps, 16 envs',
      '✓ split: 16,000 training and 4,000 test bars',
    ]);
    const setup = report.setup!;
    expect(setup.plugins.map((p) => [p.name, p.at, p.plugin.kind])).toEqual([
      ['vwap', 'plugins[0]', 'indicator'],
      ['rsi', 'plugins[1]', 'indicator'],
      ['risk-guard', 'plugins[2]', 'risk-guard'],
      ['trainer-gpu', 'plugins[3]', 'trainer'],
    ]);
    expect(setup.data.plugins[2]).toEqual({
      name: '@tradecore/plugin-risk-guard',
      enabled: true,
      options: { riskPct: 0.005, stopStepBps: 50, buckets: 4, maxLeverage: 1, qtyStep: 0.00001, minQty: 0.00001 },
    });
    expect(setup.data.dataDir).toBe(path.join(dir, 'data'));
    expect(setup.data.run.out).toBe(path.join(dir, 'runs'));
    expect(setup.folds).toEqual([{ fold: 0, trainStart: 0, trainEnd: 15_999, testStart: 16_000, testEnd: 19_999 }]);
  });

  it('refuses a config without a risk guard or a trainer, or with two, with the message run gives, and run creates nothing', async () => {
    const cases: [unknown[], RegExp][] = [
      [[{ name: 'vwap' }, { name: 'trainer-gpu' }], /^tradecore\.config\.json: plugins: no risk-guard plugin: add \{ "name": "risk-guard" \} to plugins, or riskGuard\(\) from @tradecore\/plugin-risk-guard/],
      [[{ name: 'risk-guard' }], /^tradecore\.config\.json: plugins: no trainer plugin: add \{ "name": "trainer-gpu" \} to plugins, or ppo\(\) from @tradecore\/trainer-gpu/],
      [
        [{ name: 'risk-guard' }, { name: 'trainer-gpu' }, { name: '@tradecore/trainer-gpu' }],
        /^tradecore\.config\.json: plugins\[2\] \(@tradecore\/trainer-gpu\): listed twice \(also at plugins\[1\]\); each plugin may appear once$/,
      ],
    ];
    for (const [plugins, message] of cases) {
      const dir = project({ plugins });
      const report = await validate(dir);
      expect(report.ok).toBe(false);
      expect(report.lines).toHaveLength(1);
      expect(report.lines[0]).toMatch(message);
      const error = await runExperiment({ cwd: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RunSetupError);
      expect((error as Error).message, 'run and validate say the same').toBe(report.lines.join('\n'));
      expect(existsSync(path.join(dir, 'runs')), 'no run folder').toBe(false);
    }
  });

  it('--set plugins.<name>.<option> reaches every first-party plugin, by short or full name', async () => {
    const dir = project({
      plugins: [
        { name: 'vwap' },
        { name: 'zscore' },
        { name: 'atr' },
        { name: 'rsi' },
        { name: 'bollinger' },
        { name: 'orderflow' },
        { name: 'risk-guard' },
        { name: 'risk-guard:trailing-stop' },
        { name: 'trainer-gpu' },
      ],
    });
    const set = [
      'plugins.vwap.rollingWindows=[30]',
      'plugins.zscore.period=50',
      'plugins.atr.period=21',
      'plugins.@tradecore/plugin-rsi.period=21',
      'plugins.bollinger.k=2.5',
      'plugins.orderflow.window=30',
      'plugins.risk-guard.riskPct=0.005',
      'plugins.risk-guard:trailing-stop.trailBps=40',
      'plugins.trainer-gpu.totalSteps=4096',
    ];
    const report = await validate(dir, { set });
    expect(report.lines).toEqual([]);
    const options = Object.fromEntries(report.setup!.plugins.map((p) => [p.name, p.plugin.options as Record<string, unknown>]));
    expect(options.vwap!.rollingWindows).toEqual([30]);
    expect(options.zscore!.period).toBe(50);
    expect(options.atr!.period).toBe(21);
    expect(options.rsi!.period).toBe(21);
    expect(options.bollinger!.k).toBe(2.5);
    expect(options.orderflow!.window).toBe(30);
    expect(options['risk-guard']!.riskPct).toBe(0.005);
    expect(options['risk-guard:trailing-stop']!.trailBps).toBe(40);
    expect(options['trainer-gpu']!.totalSteps).toBe(4096);
    expect(report.setup!.plan.totalSteps).toBe(4096);
    expect(report.setup!.overrides).toEqual(set);
  });

  it('--set overrides plugin objects of a TypeScript config too, and enabled=false removes a plugin', async () => {
    const dir = project({}, { file: 'unused.json' });
    writeFileSync(
      path.join(dir, 'tradecore.config.ts'),
      [
        `import { riskGuard } from '@tradecore/plugin-risk-guard';`,
        `import { rsiPlugin } from '@tradecore/plugin-rsi';`,
        `export default { dataset: 'test-set', plugins: [rsiPlugin({ period: 14 }), { name: 'atr' }, riskGuard({ riskPct: 0.02 }), { name: 'trainer-gpu' }] };`,
      ].join('\n'),
    );
    const report = await validate(dir, { set: ['plugins.rsi.period=30', 'plugins.risk-guard.stopStepBps=25', 'plugins.atr.enabled=false'] });
    expect(report.lines).toEqual([]);
    expect(report.setup!.plugins.map((p) => p.name)).toEqual(['rsi', 'risk-guard', 'trainer-gpu']);
    expect(report.setup!.plugins[0]!.plugin.options).toMatchObject({ period: 30 });
    expect(report.setup!.plugins[1]!.plugin.options).toMatchObject({ riskPct: 0.02, stopStepBps: 25 });
  });

  it('a --set of a plugin or option that does not exist names what does', async () => {
    const dir = project({ plugins: [...RUNNABLE, { name: 'atr', enabled: false }] });
    const report = await validate(dir, { set: ['plugins.macd.period=3', 'plugins.rsi.perod=21', 'plugins.rsi.period=14.5', 'plugins.rsi.enabled=maybe', 'env.window=0'] });
    expect(report.lines).toEqual([
      '--set env.window=0: must be >= 1, got 0',
      '--set plugins.macd.period=3: no plugin "macd" in the config; its plugins: vwap, rsi, risk-guard, trainer-gpu, atr (disabled)',
      '--set plugins.rsi.enabled=maybe: must be true or false, got "maybe"',
      '--set plugins.rsi.perod=21: unknown property (options of rsi: period, method, stochPeriod, talib)',
      '--set plugins.rsi.period=14.5: must be an integer, got 14.5',
    ]);
    const enabled = await validate(dir, { set: ['plugins.atr.enabled=true'] });
    expect(enabled.setup?.plugins.map((p) => p.name)).toContain('atr');
  });

  it('names the package to install for an unknown plugin, and the position of a bad option', async () => {
    const dir = project({ plugins: [{ name: 'macd' }, { name: 'rsi', options: { period: 0 } }, ...RUNNABLE.slice(2)] });
    const report = await validate(dir);
    expect(report.lines[0]).toMatch(
      /^tradecore\.config\.json: plugins\[0\]\.name: unknown plugin "macd": install @tradecore\/plugin-macd \(or a community tradecore-plugin-macd\): `(pnpm add|npm install) @tradecore\/plugin-macd`$/,
    );
    expect(report.lines[1]).toBe('tradecore.config.json: plugins[1] (@tradecore/plugin-rsi) period: must be >= 1, got 0');
    expect(report.issues[1]).toEqual({ source: 'tradecore.config.json', path: 'plugins[1].options.period', plugin: '@tradecore/plugin-rsi', message: 'must be >= 1, got 0' });
  });

  it('checks the dataset: missing columns, warm-ups against the split, the split itself', async () => {
    const flow = project({ plugins: [{ name: 'orderflow', options: { mode: 'flow' } }, ...RUNNABLE.slice(2)] }, { columns: OHLCV });
    expect((await validate(flow)).lines).toEqual([
      'tradecore.config.json: plugins[0] (@tradecore/plugin-orderflow): feature "orderflow_20" needs columns "buy_volume", "sell_volume", which dataset "test-set" does not have (it has time, open, high, low, close, volume)',
    ]);
    const warm = project({ plugins: [{ name: 'zscore', options: { period: 5000 } }, ...RUNNABLE.slice(2)], env: { window: 64 } }, { rows: 6000 });
    expect((await validate(warm)).lines).toEqual([
      'tradecore.config.json: run.split: fold 0 trains on bars 0..4,799, but feature "zscore_close_5000" of zscore warms up for 4,999 bars and the observation window (env.window) is 64, so episodes start at bar 5,062; use more data, a smaller window or shorter indicator periods',
    ]);
    const split = project({ plugins: RUNNABLE.slice(2), run: { split: { testFraction: 0.5, walkForwardFolds: 400 } } }, { rows: 2000 });
    expect((await validate(split)).lines).toEqual([
      'tradecore.config.json: run.split: 2000 bars with testFraction 0.5 and 400 fold(s) leave 1000 training and 2 test bars per fold; each needs at least 34 (warm-up + window + steps). Use more data, a larger testFraction or fewer folds',
    ]);
    const missing = project({ dataset: 'nope', plugins: RUNNABLE });
    expect((await validate(missing)).lines[0]).toMatch(/^tradecore\.config\.json: dataset: dataset "nope" not found: .* \(known datasets: test-set\)$/);
  });

  it('reads the tool manifest: its plugins come after the config’s, its problems name the manifest', async () => {
    const dir = project({ plugins: RUNNABLE.slice(2), tools: 'tools.json' });
    writeFileSync(path.join(dir, 'tools.json'), JSON.stringify({ tools: [{ name: 'vwap' }, { name: 'zscore', options: { period: 1 } }, { name: 'nope', enabled: false }] }));
    expect((await validate(dir)).lines).toEqual(['tools.json: tools[1] (@tradecore/plugin-zscore) period: must be >= 2, got 1']);
    const fixed = await validate(dir, { set: ['plugins.zscore.period=30'] });
    expect(fixed.setup?.plugins.map((p) => `${p.name}@${p.at}`)).toEqual(['risk-guard@plugins[0]', 'trainer-gpu@plugins[1]', 'vwap@tools[0]', 'zscore@tools[1]']);
    expect(fixed.setup?.data.plugins.map((p) => p.name)).toEqual(['@tradecore/plugin-risk-guard', '@tradecore/trainer-gpu', '@tradecore/plugin-vwap', '@tradecore/plugin-zscore']);
    expect(fixed.setup?.data).not.toHaveProperty('tools');
  });

  it('--data replaces dataDir (relative to the working folder) and is recorded for --resume', async () => {
    const dir = project({ plugins: RUNNABLE, dataDir: './elsewhere' });
    expect((await validate(dir)).lines[0]).toMatch(/dataset "test-set" not found/);
    const report = await validate(dir, { dataDir: 'data' });
    expect(report.lines).toEqual([]);
    expect(report.setup!.config.dataDir).toBe(path.join(dir, 'data'));
    expect(report.setup!.overrides).toEqual([`dataDir=${JSON.stringify(path.join(dir, 'data'))}`]);
  });

  it('prepareRun throws every problem at once; from re-reads a run folder’s config.json', async () => {
    const dir = project({ plugins: [{ name: 'rsi', options: { period: 0 } }], env: { window: 0 } });
    const error = await prepareRun({ cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunSetupError);
    expect((error as RunSetupError).issues.map((i) => i.path)).toEqual(['env.window', 'plugins[0].options.period']);

    // Plugin problems do not hide dataset problems: everything is reported in one pass.
    const many = project({ plugins: [{ name: 'macd' }, { name: 'orderflow', options: { mode: 'flow' } }, ...RUNNABLE.slice(2)] }, { columns: OHLCV });
    expect((await validate(many)).issues.map((i) => `${i.path} ${i.plugin ?? ''}`.trim())).toEqual(['plugins[0].name', 'plugins[1] @tradecore/plugin-orderflow']);

    const good = project({ plugins: RUNNABLE });
    const setup = await prepareRun({ cwd: good, seed: 7 });
    const runDir = path.join(good, 'runs', 'some-run');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, 'config.json'), JSON.stringify(setup.data));
    const again = await prepareRun({ cwd: good, from: 'some-run' });
    expect(again.data).toEqual(setup.data);
    expect(again.seed).toBe(7);
    expect(again.configFile).toBe(path.join(runDir, 'config.json'));
    expect(readdirSync(path.join(good, 'runs'))).toEqual(['some-run']);
  });
});
