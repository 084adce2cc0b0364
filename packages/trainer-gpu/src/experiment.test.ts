import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { riskGuard } from '@tradecore/plugin-risk-guard';
import {
  definePlugin,
  generateSynthetic,
  readParquetTable,
  runExperiment,
  syntheticGeneratorInfo,
  writeDataset,
  type RunRecord,
  type UserConfig,
} from '@tradecore/sdk';
import { beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[experiment.test] ${CHROMIUM} not found: skipping the headless report rendering test (apt-get install -y chromium)`);
import { ppo } from './plugin.ts';

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
let dataDir: string;
let outDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'tc-exp-data-'));
  outDir = mkdtempSync(path.join(tmpdir(), 'tc-exp-runs-'));
  const options = { seed: 5, days: 4, timeframe: '5m' };
  await writeDataset(generateSynthetic(options), { dataDir, source: 'synthetic', symbol: 'TEST-USD', timeframe: '5m', id: 'exp-test', synthetic: syntheticGeneratorInfo(options) });
});

function config(overrides: Partial<UserConfig> = {}): UserConfig {
  return {
    dataset: 'exp-test',
    dataDir,
    plugins: [riskGuard(), ppo({ backend: 'wasm', totalSteps: 2048, numEnvs: 8, nSteps: 64, minibatchSize: 256, epochs: 2, hidden: [32] })],
    env: { window: 8, episodeLength: 128 },
    run: { split: { testFraction: 0.25 } },
    ...overrides,
  };
}

describe('runExperiment', () => {
  it('writes a complete, valid archive', async () => {
    const events: string[] = [];
    const result = await runExperiment({ config: config(), out: outDir, seed: 1, onEvent: (e) => events.push(e.type) });
    const dir = result.dir;
    for (const f of ['run.json', 'config.json', 'metrics.json', 'ledger.parquet', 'trades.parquet', 'train.parquet', 'equity.svg', 'report.html', 'model/model.json', 'model/weights.bin', 'model/normalizer.json']) {
      expect(existsSync(path.join(dir, f)), f).toBe(true);
    }
    const record = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
    expect(record.status).toBe('complete');
    expect(record.seed).toBe(1);
    expect(record.backend?.name).toBe('wasm');
    expect(record.dataset?.partitions.length).toBeGreaterThan(0);
    expect(record.dataset?.partitions[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(record.versions.plugins['@tradecore/trainer-gpu']).toBeDefined();
    expect(record.versions.runtime?.['@tensorflow/tfjs-core']).toMatch(/^4\./);
    expect(record.timings.train).toBeGreaterThan(0);
    expect(record.files?.['ledger.parquet']).toBe(sha(path.join(dir, 'ledger.parquet')));
    expect(events[0]).toBe('start');
    expect(events).toContain('progress');
    expect(events.at(-1)).toBe('complete');

    const metrics = result.metrics;
    expect(Object.keys(metrics.policies)).toEqual(['agent', 'buy-and-hold', 'always-long', 'flat', 'random']);
    const flat = metrics.policies.flat!;
    expect(flat.totalReturn, 'flat never trades').toBe(0);
    expect(flat.trades).toBe(0);
    expect(flat.feesPaid).toBe(0);
    const bh = metrics.policies['buy-and-hold']!;
    expect(bh.trades, 'one buy at the start, held').toBe(1);
    expect(bh.openTrades).toBe(1);
    expect(bh.feeDrag, 'fees cost buy & hold something').toBeGreaterThan(0);
    const long = metrics.policies['always-long']!;
    expect(long.trades).toBeGreaterThanOrEqual(1);
    const random = metrics.policies.random!;
    expect(random.trades).toBeGreaterThan(long.trades);
    expect(random.turnover).toBeGreaterThan(0);
    expect(metrics.randomSpread.seeds).toBe(20);
    expect(metrics.randomSpread.p05).toBeLessThanOrEqual(metrics.randomSpread.p95);
    expect(Object.keys(metrics.significance)).toEqual(['buy-and-hold', 'always-long', 'flat', 'random']);
    expect(metrics.policies.agent!.behaviour.timeLong + metrics.policies.agent!.behaviour.timeShort + metrics.policies.agent!.behaviour.timeFlat).toBeCloseTo(1, 12);

    const trades = await readParquetTable(path.join(dir, 'trades.parquet'));
    expect(trades.numRows).toBe(metrics.policies.agent!.trades);
    const train = await readParquetTable(path.join(dir, 'train.parquet'), { numbersAsFloat64: true });
    expect(train.numRows, 'one row per PPO update').toBe(2048 / (8 * 64));
    expect(Object.keys(train.columns)).toEqual(expect.arrayContaining(['fold', 'steps', 'meanEpisodeReturn', 'policyLoss', 'valueLoss', 'entropy', 'approxKl', 'clipFraction', 'learningRate', 'stepsPerSecond']));
    expect(Array.from(train.columns.steps as Float64Array)).toEqual([512, 1024, 1536, 2048]);

    const ledger = await readParquetTable(path.join(dir, 'ledger.parquet'));
    expect(ledger.numRows).toBe(metrics.policies.agent!.steps);
    expect(Object.keys(ledger.columns)).toEqual(expect.arrayContaining(['fold', 'time', 'action', 'equity', 'fee', 'reward', 'stopTriggered']));
    const svg = readFileSync(path.join(dir, 'equity.svg'), 'utf8');
    expect(svg).toMatch(/^<svg [^>]*id="equity-plot"/);
    expect(svg.match(/<polyline/g)?.length, 'return and drawdown curve per policy').toBe(10);
    const html = readFileSync(path.join(dir, 'report.html'), 'utf8');
    expect(html).toContain('id="equity-plot"');
    expect(html, 'self-contained: no external resources').not.toMatch(/<(script|link)\b|src="http/);
  });

  it('repeats exactly with the same seed and differs with another', async () => {
    const a = await runExperiment({ config: config(), out: outDir, seed: 7 });
    const b = await runExperiment({ config: config(), out: outDir, seed: 7 });
    const c = await runExperiment({ config: config(), out: outDir, seed: 8 });
    expect(a.id).not.toBe(b.id);
    expect(sha(path.join(a.dir, 'metrics.json'))).toBe(sha(path.join(b.dir, 'metrics.json')));
    expect(sha(path.join(a.dir, 'ledger.parquet'))).toBe(sha(path.join(b.dir, 'ledger.parquet')));
    expect(sha(path.join(a.dir, 'model/weights.bin'))).toBe(sha(path.join(b.dir, 'model/weights.bin')));
    expect(sha(path.join(a.dir, 'model/weights.bin'))).not.toBe(sha(path.join(c.dir, 'model/weights.bin')));
    expect(sha(path.join(a.dir, 'metrics.json'))).not.toBe(sha(path.join(c.dir, 'metrics.json')));
  });

  it('runs anchored walk-forward folds', async () => {
    const result = await runExperiment({ config: config(), out: outDir, seed: 2, set: ['run.split.walkForwardFolds=2', 'trainer.totalSteps=1024'] });
    expect(result.metrics.folds).toHaveLength(2);
    const [f0, f1] = result.metrics.folds;
    expect(f0!.split.testEnd + 1).toBe(f1!.split.testStart);
    expect(f1!.split.trainEnd, 'fold 1 trains on everything before its test window').toBe(f1!.split.testStart - 1);
    expect(statSync(path.join(result.dir, 'model/fold-1/model.json')).size).toBeGreaterThan(0);
    expect(result.record.trainer?.options.totalSteps).toBe(1024);
  });

  it('resumes a walk-forward run: trained folds are loaded, the interrupted fold continues from its checkpoint', async () => {
    const controller = new AbortController();
    const base = config();
    const inline: UserConfig = { ...base, plugins: [riskGuard(), ppo({ backend: 'wasm', totalSteps: 2048, numEnvs: 8, nSteps: 64, epochs: 1, hidden: [16], checkpointEvery: 1 })] };
    let dir = '';
    await expect(
      runExperiment({
        config: inline,
        out: outDir,
        seed: 5,
        set: ['run.split.walkForwardFolds=2'],
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type === 'start') dir = e.dir;
          if (e.type === 'progress' && e.fold === 1 && e.steps >= 1024) controller.abort();
        },
      }),
    ).rejects.toThrow(/aborted/);
    const failed = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
    expect(failed.status).toBe('cancelled');
    expect(failed.foldsTrained).toEqual([0]);

    const logs: string[] = [];
    const resumed = await runExperiment({ config: inline, out: outDir, resume: dir, onEvent: (e) => (e.type === 'stage' || e.type === 'log') && logs.push(e.message) });
    expect(resumed.dir).toBe(dir);
    expect(resumed.record).toMatchObject({ status: 'complete', resumes: 1, seed: 5, foldsTrained: [0, 1] });
    expect(logs.some((l) => /fold 0: already trained/.test(l))).toBe(true);
    expect(logs.some((l) => /fold 1: resumed from checkpoint at step 1024/.test(l))).toBe(true);
    expect(resumed.metrics.folds).toHaveLength(2);
  });

  it('adds the indicator plugins of the config\'s tool manifest', async () => {
    const tools = path.resolve(fileURLToPath(new URL('../../../configs/tools/default.json', import.meta.url)));
    const result = await runExperiment({ config: config({ tools }), out: outDir, seed: 4, set: ['trainer.totalSteps=512'] });
    expect(result.record.tools).toEqual({ file: tools, plugins: ['@tradecore/plugin-vwap', '@tradecore/plugin-zscore'] });
    expect(Object.keys(result.record.versions.plugins)).toEqual(expect.arrayContaining(['@tradecore/plugin-vwap', '@tradecore/plugin-zscore', '@tradecore/plugin-risk-guard']));
  });

  it('calls the runStart and runEnd hooks; a throwing tap fails the run naming its plugin', async () => {
    const calls: string[] = [];
    const lifecycle = definePlugin({
      name: 'test-lifecycle',
      version: '0.0.0',
      kind: 'execution',
      setup(hooks) {
        hooks.runStart.tapPromise('test-lifecycle', async (info) => void calls.push(`start ${info.seed}`));
        hooks.runEnd.tapPromise('test-lifecycle', async (summary) => void calls.push(`end ${summary.status}`));
      },
    });
    const base = config();
    await runExperiment({ config: { ...base, plugins: [...base.plugins!, lifecycle()] }, out: outDir, seed: 9, set: ['trainer.totalSteps=512'] });
    expect(calls).toEqual(['start 9', 'end complete']);

    const broken = definePlugin({
      name: 'test-broken-lifecycle',
      version: '0.0.0',
      kind: 'execution',
      setup(hooks) {
        hooks.runStart.tapPromise('test-broken-lifecycle', async () => {
          throw new Error('no database');
        });
      },
    });
    await expect(runExperiment({ config: { ...base, plugins: [...base.plugins!, broken()] }, out: outDir })).rejects.toMatchObject({
      plugin: 'test-broken-lifecycle',
      hook: 'runStart',
    });
  });

  it('refuses a config that cannot run before it creates a run folder, with every problem', async () => {
    const before = readdirSync(outDir).sort();
    const events: string[] = [];
    await expect(runExperiment({ config: config({ dataset: 'no-such-dataset' }), out: outDir, onEvent: (e) => events.push(e.type) })).rejects.toThrow(/no-such-dataset/);
    await expect(runExperiment({ config: config({ plugins: [ppo()] }), out: outDir })).rejects.toThrow(/no risk-guard plugin/);
    await expect(runExperiment({ config: config({ plugins: [riskGuard()] }), out: outDir })).rejects.toThrow(/no trainer plugin/);
    expect(events, 'no run started').toEqual([]);
    expect(readdirSync(outDir).sort(), 'no run folder left behind').toEqual(before);
  });
  it('a resume runs only the config the run started with, from a regular file', async () => {
    // Cancelled before its first update: config.json is written, nothing trained.
    const controller = new AbortController();
    controller.abort(new Error('stop at once'));
    let dir = '';
    await expect(runExperiment({ config: config(), out: outDir, seed: 6, signal: controller.signal, onEvent: (e) => e.type === 'start' && (dir = e.dir) })).rejects.toThrow(
      /cancelled \(stop at once\)/,
    );
    expect((JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord).status).toBe('cancelled');
    const changed = config({ plugins: [riskGuard(), ppo({ backend: 'wasm', totalSteps: 4096, numEnvs: 8, nSteps: 64, minibatchSize: 256, epochs: 2, hidden: [32] })] });
    await expect(runExperiment({ config: changed, out: outDir, resume: dir })).rejects.toThrow(/now resolves to a different config[\s\S]*plugins\[1\]\.options\.totalSteps: 2048 → 4096/);

    // run.json names the config file a resume runs: it must be a regular file, not a FIFO or a device.
    const fifo = path.join(mkdtempSync(path.join(tmpdir(), 'tc-fifo-')), 'tradecore.config.ts');
    execFileSync('mkfifo', [fifo]);
    const record = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as RunRecord;
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...record, configFile: fifo }));
    await expect(runExperiment({ resume: dir, out: outDir })).rejects.toThrow(/config file named by .*run\.json .*is not a regular file \(a FIFO\)/);
    expect(existsSync(path.join(dir, 'run.lock')), 'a refused resume releases the folder').toBe(false);
  });
});

describe.skipIf(!hasChromium)('report.html in headless Chromium', () => {
  it('renders the equity plot with a non-zero size and the metrics table', async () => {
    const result = await runExperiment({ config: config(), out: outDir, seed: 3 });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${result.reportPath}`);
      const plot = await page.locator('#equity-plot').boundingBox();
      expect(plot, 'equity plot is laid out').not.toBeNull();
      expect(plot!.width).toBeGreaterThan(100);
      expect(plot!.height).toBeGreaterThan(100);
      const curves = await page.locator('#equity-plot polyline.series').evaluateAll((els) => els.map((e) => (e as unknown as { getBBox(): { width: number } }).getBBox().width));
      expect(curves).toHaveLength(10);
      for (const w of curves) expect(w).toBeGreaterThan(0);
      const header = await page.locator('#metrics thead th').allTextContents();
      expect(header).toEqual(['', 'agent', 'buy & hold (market reference, outside the guard)', 'always long (guarded)', 'flat', 'random (guarded)']);

      // The price chart marks each entry at the price the ledger filled it at.
      const price = await page.locator('#price-chart').boundingBox();
      expect(price!.width).toBeGreaterThan(100);
      const markers = await page.locator('#price-chart .marker.entry').evaluateAll((els) => els.map((e) => [Number(e.getAttribute('data-time')), Number(e.getAttribute('data-price'))]));
      const ledger = await readParquetTable(path.join(result.dir, 'ledger.parquet'), { numbersAsFloat64: true });
      const time = ledger.columns.time as Float64Array;
      const fillPrice = ledger.columns.fillPrice as Float64Array;
      const filled = ledger.columns.filled as Float64Array;
      let checked = 0;
      for (const [t, p] of markers) {
        const row = time.indexOf(t!);
        expect(row, 'a marker sits on a ledger step').toBeGreaterThanOrEqual(0);
        if (filled[row] === 1) {
          expect(p).toBe(fillPrice[row]);
          checked++;
        }
      }
      expect(markers.length).toBe(result.metrics.policies.agent!.trades);
      if (markers.length > 0) expect(checked).toBeGreaterThan(0);

      // Learning curves from train.parquet.
      const points = await page.locator('#learning-curves polyline.curve').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-points'))));
      expect(points.length).toBeGreaterThanOrEqual(6);
      for (const n of points) expect(n).toBeGreaterThan(1);
      expect(requests.filter((u) => !u.startsWith('file://')), 'no network requests').toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
