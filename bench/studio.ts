// `pnpm bench studio`: TradeCore Studio's API listing 1,000 runs, the Replay page's first paint for a 30-day 1m
// evaluation episode (43,200 bars) in headless Chromium with keyboard stepping, and the latency from a run's
// progress line to the Runs page's DOM over Server-Sent Events.
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { riskGuard } from '@tradecore/plugin-risk-guard';
import {
  acquireRunLock,
  evaluatePolicies,
  generateSynthetic,
  LEDGER_COLUMNS,
  syntheticGeneratorInfo,
  writeDataset,
  writeParquetTable,
  type ParquetColumn,
} from '@tradecore/sdk';
import { createStudioApp } from '@tradecore/studio';

const CHROMIUM = '/usr/bin/chromium';
const EPISODE = 43_200;
const RUNS = 1_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
const ms = (v: number) => `${v.toFixed(v < 10 ? 1 : 0)} ms`;
const verdict = (value: number, goal: number) => (value <= goal ? '✔' : '✘');

function runRecord(id: string, seed: number, status: string, datasetId = 'bench-btc-1m'): object {
  const now = new Date(Date.UTC(2026, 0, 1) + seed * 60_000).toISOString();
  return {
    format: 'tradecore-run/1',
    id,
    status,
    createdAt: now,
    updatedAt: now,
    ...(status === 'complete' ? { finishedAt: now } : {}),
    seed,
    configFile: 'tradecore.config.json',
    overrides: [],
    resumes: 0,
    timings: { total: 60 + (seed % 40) },
    backend: { name: 'wasm', report: [] },
    versions: { node: process.version, sdk: '0.1.0', plugins: {} },
    dataset: { id: datasetId, manifest: 'x', manifestSha256: '0'.repeat(64), rows: EPISODE, synthetic: true, partitions: [] },
    trainer: { name: 'ppo', options: { totalSteps: 200_000 } },
    foldsTrained: [0],
  };
}

function metrics(seed: number): object {
  const m = (r: number) => ({ totalReturn: r, sharpe: r * 10, sortino: r * 12, maxDrawdown: 0.05, trades: 100, winRate: 0.5, feesPaid: 12, feeDrag: 0.01, turnover: 20, stopOutShare: 0.1, exposure: 0.5, initialEquity: 10_000, finalEquity: 10_000 * (1 + r), steps: EPISODE });
  const excess = { excessReturn: 0.01, low: -0.02, high: 0.04, shareAhead: 0.7, days: 30, blockDays: 4, resamples: 2000 };
  return {
    format: 'tradecore-metrics/2',
    dataset: 'bench-btc-1m',
    seed,
    policies: { agent: m(((seed % 13) - 6) / 100), 'buy-and-hold': m(0.02), 'always-long': m(0.015), flat: m(0), random: m(-0.03) },
    randomSpread: { seeds: 20, p05: -0.05, p50: -0.03, p95: -0.01 },
    significance: { 'buy-and-hold': excess, 'always-long': excess, flat: excess, random: excess },
    warnings: [{ kind: 'not-significant', message: 'The 95 % interval of the excess return over buy & hold includes 0.' }],
    folds: [],
  };
}

/**
 * A policy that trades like an agent would: a position every ~40 bars (long or short by turns, market or limit,
 * stop bucket 1–4), closed after ~25 bars unless its stop hits first. Gives thousands of fills in 43,200 steps.
 */
function swingPolicy(): (observation: Float32Array, mask: Uint8Array) => number {
  let step = 0;
  let trade = 0;
  return (_observation, mask) => {
    step += 1;
    if (mask[1] === 1) return step % 25 === 0 ? 1 : 0; // in a position: close now and then
    if (step % 40 !== 0) return 0;
    trade += 1;
    const k = 1 + (trade % 4);
    const limit = trade % 3 === 0 ? 1 : 0;
    const action = trade % 2 === 0 ? 2 + 2 * (k - 1) + limit : 2 + 2 * 4 + 2 * (k - 1) + limit;
    return mask[action] === 1 ? action : 0;
  };
}

/** A project folder with a 35-day 1m dataset and one complete run whose evaluation episode is 43,200 bars long. */
async function makeProject(): Promise<{ root: string; dataDir: string; runsDir: string; replayId: string }> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'tc-bench-studio-'));
  const dataDir = path.join(root, 'data');
  const runsDir = path.join(root, 'runs');
  const options = { seed: 7, days: 35, timeframe: '1m', start: '2024-01-01T00:00:00.000Z' };
  const bars = generateSynthetic(options);
  await writeDataset(bars, { dataDir, source: 'synthetic', symbol: 'BTC-USD', timeframe: '1m', id: 'bench-btc-1m', synthetic: syntheticGeneratorInfo(options) });

  const testEnd = bars.length - 1;
  const testStart = testEnd - EPISODE;
  const [agent] = await evaluatePolicies({
    bars,
    plugins: [riskGuard({ riskPct: 0.005 })],
    execution: {},
    env: { window: 16, episodeLength: EPISODE + 1, ruinDrawdown: 1 },
    testStart,
    testEnd,
    policies: [{ name: 'agent', make: () => swingPolicy() }],
  });
  if (agent!.ledger.index.length < EPISODE) throw new Error(`the episode ended after ${agent!.ledger.index.length} steps, expected ${EPISODE}`);
  const ledger = agent!.ledger;
  const replayId = '20260101-000000-s0-replay00';
  const dir = path.join(runsDir, replayId);
  mkdirSync(dir, { recursive: true });
  const columns: Record<string, ParquetColumn> = { fold: new Int32Array(ledger.index.length) };
  for (const name of LEDGER_COLUMNS) columns[name] = ledger[name] as ParquetColumn;
  await writeParquetTable(path.join(dir, 'ledger.parquet'), columns, { timestampMs: ['time'] });
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify(runRecord(replayId, 0, 'complete')));
  writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify(metrics(0)));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ plugins: [{ name: '@tradecore/plugin-risk-guard', kind: 'risk-guard', options: { buckets: 4, stopStepBps: 50 } }] }));
  return { root, dataDir, runsDir, replayId };
}

/** 999 more runs (complete, failed, a few cancelled), as small as real ones: run.json and metrics.json. */
function addRuns(runsDir: string): void {
  for (let seed = 1; seed < RUNS; seed++) {
    const id = `20260101-${String(seed).padStart(6, '0')}-s${seed}-${(seed * 2654435761 >>> 0).toString(16).padStart(8, '0')}`;
    const dir = path.join(runsDir, id);
    mkdirSync(dir, { recursive: true });
    const status = seed % 17 === 0 ? 'failed' : 'complete';
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify(runRecord(id, seed, status), null, 2));
    if (status === 'complete') writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify(metrics(seed), null, 2));
  }
}

export async function run(): Promise<string> {
  const project = await makeProject();
  addRuns(project.runsDir);
  const { app } = await createStudioApp({ root: project.root, dataDir: project.dataDir, runsDir: project.runsDir, host: '127.0.0.1', token: null, cli: null, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const lines: string[] = [];
  try {
    // 1. GET /api/runs with 1,000 archives: the first (cold: every run.json and metrics.json parsed) and warm calls.
    let t = performance.now();
    const first = (await (await fetch(`${base}/api/runs`)).json()) as { runs: unknown[] };
    const cold = performance.now() - t;
    if (first.runs.length !== RUNS) throw new Error(`expected ${RUNS} runs, the API listed ${first.runs.length}`);
    const warm: number[] = [];
    for (let i = 0; i < 30; i++) {
      t = performance.now();
      await (await fetch(`${base}/api/runs`)).arrayBuffer();
      warm.push(performance.now() - t);
    }
    const bytes = JSON.stringify(first).length;
    // The same list in process (no socket): the handler's wall time and the CPU it used.
    const handler: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < 30; i++) {
      t = performance.now();
      await app.inject({ method: 'GET', url: '/api/runs', headers: { host: '127.0.0.1' } });
      handler.push(performance.now() - t);
    }
    const cpu = process.cpuUsage(cpu0);
    const cpuPerCall = (cpu.user + cpu.system) / 1000 / 30;

    // 2. Replay of a 43,200-bar episode in headless Chromium.
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium`);
    const check = await fetch(`${base}/api/runs/${project.replayId}/replay`);
    if (!check.ok) throw new Error(`replay endpoint: ${check.status} ${await check.text()}`);
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    const paints: number[] = [];
    const inPage: number[] = [];
    const whole: number[] = [];
    let stepMs = 0;
    let markers = 0;
    let payload = 0;
    let sse: number[] = [];
    try {
      for (let i = 0; i < 6; i++) {
        const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('requestfailed', (r) => errors.push(`${r.url()}: ${r.failure()?.errorText}`));
        const start = performance.now();
        await page.goto(`${base}/#/replay/${project.replayId}`);
        const probe = await page
          .waitForFunction(() => (globalThis as unknown as { __tradecoreReplay?: { firstPaintMs: number; markers: unknown[] } }).__tradecoreReplay, undefined, { timeout: 120_000 })
          .catch((error: Error) => {
            throw new Error(`${error.message}; page errors: ${errors.join('; ') || 'none'}`);
          });
        const firstPaint = performance.now() - start;
        const info = (await probe.jsonValue()) as { firstPaintMs: number; markers: unknown[] };
        await page.waitForFunction(() => (globalThis as unknown as { __tradecoreReplay?: { loadedMs?: number } }).__tradecoreReplay?.loadedMs, undefined, { timeout: 120_000 });
        const loaded = performance.now() - start;
        // The first load warms the browser's caches and the server's parquet cache; it is not counted.
        if (i > 0) {
          paints.push(firstPaint);
          inPage.push(info.firstPaintMs);
          whole.push(loaded);
        }
        markers = info.markers.length;
        if (i === 5) {
          // Keyboard stepping: 200 steps, each waits for the inspector to show the new step.
          const t0 = performance.now();
          for (let k = 0; k < 200; k++) {
            await page.keyboard.press('ArrowRight');
          }
          await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { textContent: string } | null } }).document.querySelector('[data-testid="inspector-step"]')?.textContent !== '0');
          stepMs = (performance.now() - t0) / 200;
        }
        await page.close();
      }
      payload = (await (await fetch(`${base}/api/runs/${project.replayId}/replay`)).arrayBuffer()).byteLength;

      // 3. SSE: a running run started "from the panel" (a live process stands in for it); each appended progress
      // line must reach the Runs page's DOM.
      sse = await sseLatency(browser, base, project.runsDir);
    } finally {
      await browser.close();
    }

    lines.push(
      '## Studio',
      '',
      `\`pnpm bench studio\` (\`bench/studio.ts\`), ${new Date().toISOString().slice(0, 10)}, ${os.cpus()[0]?.model ?? 'CPU'} × ${os.cpus().length}, Node ${process.version}, headless Chromium (Debian), load average ${os.loadavg()[0]!.toFixed(1)} at the end.`,
      '',
      '| what | measured | goal | |',
      '| --- | ---: | ---: | --- |',
      `| \`GET /api/runs\`, ${RUNS.toLocaleString('en-US')} archives, warm (median of 30; p95 ${ms(p95(warm))}) | ${ms(median(warm))} | ≤ 50 ms | ${verdict(median(warm), 50)} |`,
      `| same, in process (no socket): handler wall time, median of 30 | ${ms(median(handler))} | — | |`,
      `| same, CPU time per call | ${ms(cpuPerCall)} | — | |`,
      `| same, first call (every run.json and metrics.json parsed) | ${ms(cold)} | — | |`,
      `| Replay first paint, ${EPISODE.toLocaleString('en-US')}-bar episode (${markers.toLocaleString('en-US')} fill markers), navigation → chart drawn (median of 5) | ${ms(median(paints))} | ≤ 1.5 s | ${verdict(median(paints), 1500)} |`,
      `| of which in the page (script start → first frame with the chart) | ${ms(median(inPage))} | — | |`,
      `| the whole episode in the chart (navigation → all ${EPISODE.toLocaleString('en-US')} bars and markers drawn) | ${ms(median(whole))} | — | |`,
      `| Replay keyboard stepping, per step (200 steps) | ${ms(stepMs)} | — | |`,
      `| SSE: progress line written → Runs page DOM updated (median of ${sse.length}; p95 ${ms(p95(sse))}) | ${ms(median(sse))} | ≤ 250 ms | ${verdict(median(sse), 250)} |`,
      '',
      `The run list is ${(bytes / 1024).toFixed(0)} KiB of JSON; the replay payload is ${(payload / 1024 / 1024).toFixed(1)} MiB of typed columns (OHLCV + the ledger, one binary response).`,
      '',
    );
  } finally {
    await app.close();
    rmSync(project.root, { recursive: true, force: true });
  }
  return lines.join('\n');
}

async function sseLatency(browser: import('playwright-core').Browser, base: string, runsDir: string): Promise<number[]> {
  const id = '20260201-000000-s1-live0000';
  const dir = path.join(runsDir, id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...runRecord(id, 1, 'running'), createdAt: new Date().toISOString() }));
  // The run folder's lock, held by this process as the run's own process would hold it: the run shows running.
  const lock = acquireRunLock(dir);
  const stand = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
  const launchId = '20260201-000000-live0000';
  const launchDir = path.join(runsDir, '.studio', 'launches', launchId);
  mkdirSync(launchDir, { recursive: true });
  const events = path.join(launchDir, 'events.jsonl');
  writeFileSync(events, `${JSON.stringify({ type: 'start', id })}\n`);
  const stat = readFileSync(`/proc/${stand.pid}/stat`, 'utf8');
  const pidStart = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  writeFileSync(path.join(launchDir, 'launch.json'), JSON.stringify({ format: 'tradecore-studio-launch/1', launchId, kind: 'run', pid: stand.pid, pidStart, startedAt: new Date().toISOString(), argv: [], configFile: null, runId: id }));
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const out: number[] = [];
  try {
    // A fresh page re-reads the launches (the registry loads at start; restart-free discovery is by run id).
    await page.goto(`${base}/#/runs`);
    await page.waitForSelector(`tr[data-run="${id}"]`, { timeout: 30_000 });
    await page.evaluate(() => {
      const g = globalThis as unknown as { __seen: Record<string, number>; document: { body: unknown }; MutationObserver: new (cb: () => void) => { observe(n: unknown, o: object): void } };
      g.__seen = {};
      const doc = globalThis as unknown as { document: { querySelectorAll(s: string): { getAttribute(n: string): string | null }[] } };
      new g.MutationObserver(() => {
        for (const el of doc.document.querySelectorAll('[data-testid="live-progress"]')) {
          const steps = el.getAttribute('data-steps');
          if (steps && !(steps in g.__seen)) g.__seen[steps] = Date.now();
        }
      }).observe(g.document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-steps'] });
    });
    for (let k = 1; k <= 25; k++) {
      const steps = k * 1000;
      const written = Date.now();
      appendFileSync(events, `${JSON.stringify({ type: 'progress', fold: 0, folds: 1, steps, totalSteps: 100_000, stepsPerSecond: 5000, meanEpisodeReturn: 0.01, meanStepReward: 0.0001, etaSeconds: 10, stats: {} })}\n`);
      const seenAt = (await (await page.waitForFunction((s) => (globalThis as unknown as { __seen: Record<string, number> }).__seen[String(s)], steps, { timeout: 10_000 })).jsonValue()) as number;
      out.push(seenAt - written);
      await page.waitForTimeout(150);
    }
  } finally {
    await page.close();
    stand.kill();
    lock.release();
  }
  return out;
}
