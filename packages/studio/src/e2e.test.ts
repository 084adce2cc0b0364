import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readParquetTable } from '@tradecore/sdk';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunList } from './api.ts';
import { makeProject, REPO_ROOT, smallConfig, SOURCE_CLI, waitFor, writeConfigFile, type TestProject } from './_testing.ts';
import { startStudio, type Studio } from './index.ts';
import { clientDir } from './server.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const hasClient = clientDir() !== null;
if (!hasChromium) console.warn(`[studio e2e] ${CHROMIUM} not found: skipping the browser test (apt-get install -y chromium)`);
if (!hasClient) console.warn('[studio e2e] the browser client is not built: skipping the browser test (pnpm --filter @tradecore/studio build)');

/** Screenshots of every page, kept as test artifacts; `STUDIO_SCREENSHOTS=<dir>` copies them there too (the docs' set). */
const ARTIFACTS = path.join(REPO_ROOT, '.tmp', 'studio-e2e');

let project: TestProject;
let studio: Studio;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const foreignRequests: string[] = [];

async function shot(name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `studio-${name}.png`);
  await page.screenshot({ path: file });
  const docs = process.env.STUDIO_SCREENSHOTS;
  if (docs) {
    mkdirSync(docs, { recursive: true });
    copyFileSync(file, path.join(docs, `studio-${name}.png`));
  }
}

async function runs(): Promise<RunList> {
  return (await (await fetch(`http://127.0.0.1:${studio.port}/api/runs`)).json()) as RunList;
}

describe.skipIf(!hasChromium || !hasClient)('the studio in a real browser', () => {
  beforeAll(async () => {
    project = await makeProject('e2e', { days: 3, seed: 21 });
    const configFile = writeConfigFile(project, smallConfig(512, 1));
    studio = await startStudio({ root: project.root, dataDir: project.dataDir, runsDir: project.runsDir, configFile, host: '127.0.0.1', port: 0, cli: SOURCE_CLI, logger: false, pollMs: 300 });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith(`http://127.0.0.1:${studio.port}/`) && !r.url().startsWith('data:')) foreignRequests.push(r.url());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await studio?.close();
  });

  it('configure → validate → launch → watch → compare → replay', { timeout: 900_000 }, async () => {
    const base = `http://127.0.0.1:${studio.port}/`;

    // Control: rsi off, risk 0.5 % (after an out-of-range value), a tiny trainer budget.
    await page.goto(`${base}#/control`);
    await page.locator('[data-plugin="rsi"] [data-path="plugins[2].options.period"]').waitFor({ timeout: 60_000 });
    await page.locator('[data-plugin="rsi"] .switch').click();
    await expect.poll(() => page.locator('[data-plugin="rsi"] [data-path="plugins[2].options.period"]').count()).toBe(0);
    const risk = page.locator('[data-path="plugins[3].options.riskPct"]');
    await risk.fill('1.5');
    await page.locator('[data-path="plugins[4].options.totalSteps"]').fill('640');
    await page.getByRole('button', { name: 'Validate' }).click();
    const riskError = page.locator('[data-error-for="plugins[3].options.riskPct"]');
    await riskError.waitFor({ timeout: 60_000 });
    // The line `tradecore validate` prints for the same value.
    const line = 'plugins[3] (@tradecore/plugin-risk-guard) riskPct: must be <= 1, got 1.5';
    expect(await riskError.textContent()).toBe(line);
    expect(await page.locator('[data-testid="validation-issues"]').textContent()).toContain(line);
    // The problem list links to its field.
    await page.locator('[data-testid="validation-issues"] li').first().click();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('data-path'))).toBe('plugins[3].options.riskPct');
    await page.waitForTimeout(700);
    await shot('control-error');
    await risk.fill('0.005');
    await riskError.waitFor({ state: 'detached', timeout: 60_000 });
    await page.locator('[data-testid="validation-ok"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-plugin="risk-guard"] .suffix').first().textContent()).toBe('= 0.5 %');
    await shot('control');

    await page.getByRole('button', { name: 'Launch run' }).click();
    await page.locator('[data-testid="launched"]').waitFor({ timeout: 120_000 });

    // Runs: the UI's run shows live progress, then completes.
    await page.goto(`${base}#/runs`);
    // A second run to compare with, launched through the API meanwhile.
    const second = fetch(`${base}api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ config: { ...smallConfig(384, 2), execution: { takerFeeBps: 7 } } }) });
    const firstId = await waitFor(async () => (await runs()).runs.find((r) => r.launched && r.seed === 1)?.id, 120_000, 'the launched run');
    const liveRow = page.locator(`tr[data-run="${firstId}"][data-status="running"] [data-testid="live-progress"]`);
    await liveRow.waitFor({ timeout: 240_000 });
    await expect.poll(async () => Number(await liveRow.getAttribute('data-steps')), { timeout: 120_000 }).toBeGreaterThan(0);
    await shot('runs-live');
    expect((await second).status).toBe(201);
    await page.locator(`tr[data-run="${firstId}"][data-status="complete"]`).waitFor({ timeout: 600_000 });
    const secondId = await waitFor(async () => (await runs()).runs.find((r) => r.launched && r.seed === 2 && r.status === 'complete')?.id, 600_000, 'the second run to complete');
    await page.locator(`tr[data-run="${secondId}"][data-status="complete"]`).waitFor({ timeout: 60_000 });
    await shot('runs');

    // The archive holds exactly what the form set.
    const archived = JSON.parse(readFileSync(path.join(project.runsDir, firstId, 'config.json'), 'utf8')) as {
      plugins: { name: string; options: Record<string, unknown> }[];
      env: Record<string, unknown>;
      run: { seed: number; split: { testFraction: number } };
    };
    const plugins = Object.fromEntries(archived.plugins.map((p) => [p.name, p.options]));
    expect(Object.keys(plugins)).toEqual(['@tradecore/plugin-vwap', '@tradecore/plugin-zscore', '@tradecore/plugin-risk-guard', '@tradecore/trainer-gpu']);
    expect(plugins['@tradecore/plugin-risk-guard']).toMatchObject({ riskPct: 0.005 });
    expect(plugins['@tradecore/trainer-gpu']).toMatchObject({ totalSteps: 640, backend: 'wasm', numEnvs: 4, nSteps: 32, hidden: [16] });
    expect(plugins['@tradecore/plugin-zscore']).toMatchObject({ period: 30 });
    expect(archived.env).toMatchObject({ window: 8, episodeLength: 256 });
    expect(archived.run).toMatchObject({ seed: 1, split: { testFraction: 0.3 } });

    // Run detail with its learning curves.
    await page.goto(`${base}#/runs/${firstId}`);
    await page.locator('.uplot').first().waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
    await shot('run');
    // Warnings first, as metrics.json lists them; the significance of the excess return over every baseline.
    const metrics = JSON.parse(readFileSync(path.join(project.runsDir, firstId, 'metrics.json'), 'utf8')) as {
      warnings: { kind: string }[];
      significance: Record<string, unknown>;
      policies: { agent: { trades: number } };
    };
    await page.locator('[data-testid="significance"] tr[data-baseline]').first().waitFor({ timeout: 60_000 });
    const kinds = await page.locator('[data-testid="result-warnings"] li[data-kind]').evaluateAll((items) => items.map((i) => i.getAttribute('data-kind')));
    expect(kinds).toEqual(metrics.warnings.map((w) => w.kind));
    const baselines = await page.locator('[data-testid="significance"] tr[data-baseline]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-baseline')));
    expect(baselines).toEqual([...Object.keys(metrics.significance), 'random-spread']);
    // The agent's round trips from trades.parquet, each linking to the replay.
    if (metrics.policies.agent.trades > 0) {
      await page.locator('#trades-table tbody tr').first().waitFor({ timeout: 60_000 });
      expect(await page.locator('#trades-table tbody tr').count()).toBe(Math.min(200, metrics.policies.agent.trades));
      await page.locator('#trades-table').scrollIntoViewIfNeeded();
      await shot('run-trades');
    }

    // Compare: both runs, metrics of the agent and the baselines, the settings that differ.
    await page.goto(`${base}#/compare?ids=${firstId},${secondId}`);
    for (const id of [firstId, secondId]) {
      for (const policy of ['agent', 'buy-and-hold', 'flat', 'random']) await page.locator(`#metrics-table tr[data-run="${id}"][data-policy="${policy}"]`).waitFor({ timeout: 60_000 });
    }
    const diffPaths = await page.locator('#config-diff tr[data-path]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')));
    expect(diffPaths).toEqual(expect.arrayContaining(['run.seed', 'execution.takerFeeBps', 'plugins.@tradecore/trainer-gpu.options.totalSteps', 'plugins.@tradecore/plugin-risk-guard.options.riskPct']));
    expect(diffPaths).not.toContain('env.window');
    await page.locator('#compare-equity .uplot').waitFor();
    await shot('compare');

    // Replay: candles with fill markers at the ledger's fill prices; keyboard stepping to a fill.
    await page.goto(`${base}#/replay/${firstId}`);
    const replay = await waitFor(() => page.evaluate(() => (globalThis as unknown as { __tradecoreReplay?: ReplayProbe }).__tradecoreReplay), 60_000, 'the replay chart');
    expect(replay.runId).toBe(firstId);
    expect(replay.markers.length).toBeGreaterThan(0);
    const ledger = await readParquetTable(path.join(project.runsDir, firstId, 'ledger.parquet'), { numbersAsFloat64: true });
    const fillPrice = ledger.columns.fillPrice as Float64Array;
    const time = ledger.columns.time as Float64Array;
    expect(replay.rows).toBe(ledger.numRows);
    const fills = replay.markers.filter((m) => m.kind !== 'stop');
    expect(fills.length).toBeGreaterThan(0);
    for (const m of fills) {
      expect(m.price, `marker at step ${m.step}`).toBe(fillPrice[m.step]);
      expect(m.time).toBe(time[m.step]);
    }
    await page.locator('#replay-chart canvas').first().waitFor();
    await page.keyboard.press('Home');
    await expect.poll(() => page.locator('[data-testid="inspector-step"]').textContent()).toBe('0');
    await page.keyboard.press('n');
    const firstFill = replay.markers.find((m) => m.step > 0) ?? replay.markers[0]!;
    await expect.poll(() => page.locator('[data-testid="inspector-step"]').textContent()).toBe(firstFill.step.toLocaleString('en-US'));
    const shown = Number((await page.locator('[data-testid="inspector-fill-price"]').textContent())!.replaceAll(',', ''));
    expect(shown).toBeCloseTo(fillPrice[firstFill.step]!, 2);
    // The round trip of that fill, from trades.parquet: it entered or left at that price.
    const tradeText = await page.locator('[data-testid="inspector-trade"]').textContent({ timeout: 30_000 });
    expect(tradeText).toContain(fillPrice[firstFill.step]!.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('[data-testid="inspector-step"]').textContent()).toBe((firstFill.step + 1).toLocaleString('en-US'));
    await shot('replay');

    // Data: the dataset with its validation and candles.
    await page.goto(`${base}#/data/test-btc-1m`);
    await page.locator('[data-testid="candle-chart"] canvas').first().waitFor({ timeout: 60_000 });
    await page.getByText('checksums verified').waitFor({ timeout: 60_000 });
    await shot('data');

    // A result with warnings: listed first on its page, marked on the Runs page. An archive of metrics format 1:
    // shown with what it lacks.
    const copyRun = (id: string, edit: (metrics: Record<string, unknown>) => Record<string, unknown>) => {
      const dir = path.join(project.runsDir, id);
      cpSync(path.join(project.runsDir, firstId), dir, { recursive: true });
      const record = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...record, id }));
      writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify(edit(JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8')) as Record<string, unknown>)));
    };
    const flagged = [
      { kind: 'few-trades', message: 'Only 3 trades: too few to tell skill from luck.' },
      { kind: 'not-significant', message: 'The 95 % interval of the excess return over buy & hold includes 0.' },
    ];
    copyRun('flagged-run', (m) => ({ ...m, warnings: flagged }));
    copyRun('format-1-run', (m) => ({ format: 'tradecore-metrics/1', dataset: m.dataset, seed: m.seed, policies: { agent: { totalReturn: 0.01, winRate: 0.5, trades: 4 } }, folds: [] }));
    await page.goto(`${base}#/runs/flagged-run`);
    await page.locator('[data-testid="result-warnings"] li[data-kind]').first().waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid="result-warnings"] li[data-kind]').evaluateAll((items) => items.map((i) => i.textContent))).toEqual(flagged.map((w) => `${w.kind} — ${w.message}`));
    await shot('run-warnings');
    await page.goto(`${base}#/runs/format-1-run`);
    await page.locator('[data-testid="metrics-problem"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid="metrics-problem"]').textContent()).toContain('older TradeCore (tradecore-metrics/1)');
    expect(await page.locator('[data-testid="significance"]').count()).toBe(0);
    await page.goto(`${base}#/runs`);
    await page.locator('tr[data-run="flagged-run"] [data-testid="run-warnings"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('tr[data-run="flagged-run"] [data-testid="run-warnings"]').getAttribute('title')).toBe('warnings: few-trades, not-significant');
    expect(await page.locator(`tr[data-run="${firstId}"] [data-testid="run-warnings"]`).count()).toBe(metrics.warnings.length > 0 ? 1 : 0);

    expect(pageErrors, 'no errors in the page').toEqual([]);
    expect(foreignRequests, 'no requests leave the studio').toEqual([]);
  });
});

/** What the Replay page exposes for tests (`window.__tradecoreReplay`). */
interface ReplayProbe {
  runId: string;
  rows: number;
  markers: { step: number; time: number; price: number; kind: string }[];
}
