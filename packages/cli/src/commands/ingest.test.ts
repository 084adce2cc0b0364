import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { FakeKraken, randomTape } from '@tradecore/ingest/testing';
import { readDataset } from '@tradecore/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, tempDir } from '../_testing.ts';

const ENTRY = path.join(REPO_ROOT, 'packages/cli/src/index.ts');
const TSX = pathToFileURL(createRequire(path.join(REPO_ROOT, 'package.json')).resolve('tsx')).href;
const START = '2024-03-01T00:00:00Z';

let fake: FakeKraken;
let until: string;
const dirs: string[] = [];

const stderrs = new WeakMap<ChildProcess, () => string>();
function stderrOf(run: { child: ChildProcess }): string {
  return stderrs.get(run.child)?.() ?? '';
}

/** The CLI as a child process we can signal (runCli waits for the exit). */
function startCli(args: readonly string[]): { child: ChildProcess; exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, ['--conditions=@tradecore/source', '--import', TSX, ENTRY, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += String(d)));
  child.stderr?.on('data', (d: Buffer) => (stderr += String(d)));
  stderrs.set(child, () => stderr);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, exit };
}

async function data(): Promise<string> {
  const dir = await tempDir('tradecore-cli-ingest-');
  dirs.push(dir);
  return dir;
}

const pullArgs = (dataDir: string, extra: string[] = []) => [
  '--data',
  dataDir,
  'data',
  'pull',
  'kraken',
  'BTC/USD',
  '--since',
  START,
  '--until',
  until,
  '--rest-url',
  fake.url,
  '--rate-limit',
  '0',
  '--quiet',
  ...extra,
];

async function exportCsv(dataDir: string): Promise<string> {
  const out = path.join(dataDir, 'export.csv');
  const result = await runCli(['--data', dataDir, 'data', 'export', 'kraken-btc-usd-1m', '--out', out]);
  expect(result.code, result.stderr).toBe(0);
  return readFile(out, 'utf8');
}

beforeAll(async () => {
  const tape = randomTape({ start: START, count: 24_000, seed: 77, quietShare: 0.1 });
  fake = await FakeKraken.start({ tape });
  until = new Date(Math.floor((tape.at(tape.length - 1).timeUs / 1000 - 300_000) / 60_000) * 60_000).toISOString();
});

afterAll(async () => {
  await fake.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('tradecore data pull', () => {
  it('pulls Kraken trades into 1m bars and says what it wrote', { timeout: 600_000 }, async () => {
    const dataDir = await data();
    const { code, stdout, stderr } = await runCli(pullArgs(dataDir));
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^pulled kraken-btc-usd-1m: [\d,]+ new bar\(s\), 2024-03-01T00:00:00\.000Z → 2024-03-0\dT\d\d:\d\d:00\.000Z \([\d,]+ trades, [\d,]+ requests, 0 retries, 0 duplicates dropped\) in /);
    expect(stdout).toContain(`manifest: ${path.join(dataDir, 'manifests', 'kraken-btc-usd-1m.json')}`);
    const validate = await runCli(['--data', dataDir, 'data', 'validate', 'kraken-btc-usd-1m']);
    expect(validate.code, validate.stdout).toBe(0);
    const again = await runCli(pullArgs(dataDir, ['--json']));
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'complete', barsWritten: 0, requests: 0 });
  });

  it('exits 2 on bad options, naming them', { timeout: 600_000 }, async () => {
    const dataDir = await data();
    const unknown = await runCli(['--data', dataDir, 'data', 'pull', 'krakn', 'BTC/USD', '--since', '2024-01-01']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown exchange "krakn"');
    const since = await runCli(['--data', dataDir, 'data', 'pull', 'kraken', 'BTC/USD', '--since', 'yesterday-ish']);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since "yesterday-ish" is not a time');
    const url = await runCli(['--data', dataDir, 'data', 'pull', 'kraken', 'BTC/USD', '--since', '2024-01-01', '--rest-url', 'ftp://x']);
    expect(url.code).toBe(2);
    expect(url.stderr).toContain('--rest-url "ftp://x" must use http or https');
    const symbol = await runCli(['--data', dataDir, 'data', 'pull', 'kraken', '../etc', '--since', '2024-01-01']);
    expect(symbol.code).toBe(2);
    expect(symbol.stderr).toContain('is not a valid id');
  });

  it('resumed after SIGKILL at several points, exports byte for byte what one uninterrupted pull exports', { timeout: 1_200_000 }, async () => {
    const whole = await data();
    const uninterrupted = await runCli(pullArgs(whole, ['--page-size', '200', '--flush-bars', '25']));
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    const expected = await exportCsv(whole);

    const dataDir = await data();
    // Kill points: after n Trades requests (during paging, flushes and state writes), then once a few ms
    // after a request (inside a lake write, likely).
    const killAfter = [3, 17, 41, 68];
    let served = 0;
    let killed = 0;
    const partial: number[] = [];
    for (const [i, n] of killAfter.entries()) {
      const run = startCli(pullArgs(dataDir, ['--page-size', '200', '--flush-bars', '25']));
      const target = served + n;
      await new Promise<void>((resolve) => {
        fake.onRequest = (r) => {
          if (r.endpoint === 'Trades' && fake.count('Trades') >= target) {
            fake.onRequest = undefined;
            setTimeout(() => {
              run.child.kill('SIGKILL');
              resolve();
            }, i % 2 === 0 ? 0 : 15);
          }
        };
        void run.exit.then(() => resolve());
      });
      const { signal, code, stderr } = await run.exit;
      expect(signal === 'SIGKILL' || code === 0, stderr).toBe(true);
      if (signal === 'SIGKILL') killed++;
      if (existsSync(path.join(dataDir, 'manifests', 'kraken-btc-usd-1m.json'))) {
        partial.push((await readDataset('kraken-btc-usd-1m', { dataDir })).bars.length);
      }
      served = fake.count('Trades');
    }
    expect(killed, 'the pulls were killed, not finished').toBeGreaterThanOrEqual(3);
    expect(partial.length, 'killed with bars in the lake').toBeGreaterThanOrEqual(2);
    expect(partial, 'each resumed run added bars').toEqual([...partial].sort((a, b) => a - b));
    const last = await runCli(pullArgs(dataDir, ['--page-size', '200', '--flush-bars', '25']));
    expect(last.code, last.stderr).toBe(0);
    expect(await exportCsv(dataDir)).toBe(expected);
    const validate = await runCli(['--data', dataDir, 'data', 'validate', 'kraken-btc-usd-1m', '--json']);
    expect(JSON.parse(validate.stdout)).toMatchObject({ ok: true, stats: { duplicates: 0 } });
  });
});

describe('tradecore data compact | retain', () => {
  it('compacts day partitions into a month partition, then retains a window with a dry run first', { timeout: 600_000 }, async () => {
    const dataDir = await data();
    expect((await runCli(pullArgs(dataDir, ['--page-size', '500', '--flush-bars', '60']))).code).toBe(0);
    const before = await exportCsv(dataDir);
    const days = await runCli(['--data', dataDir, 'data', 'compact', 'kraken-btc-usd-1m', '--layout', 'day']);
    expect(days.stdout, days.stderr).toMatch(/merged 1 partition\(s\) into 1\n {2}year=2024\/month=03\/day=01: 1 file\(s\)/);
    const dry = await runCli(['--data', dataDir, 'data', 'compact', 'kraken-btc-usd-1m', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^kraken-btc-usd-1m: would merge \d+ partition\(s\) into one per month\n {2}year=2024\/month=03: \d+ file\(s\)\n$/);
    const done = await runCli(['--data', dataDir, 'data', 'compact', 'kraken-btc-usd-1m']);
    expect(done.stdout).toMatch(/merged \d+ partition\(s\) into 1\n[\s\S]*checksums verified: \d+ partition\(s\) before, 1 after/);
    expect(await exportCsv(dataDir)).toBe(before);

    const retain = await runCli(['--data', dataDir, 'data', 'retain', 'kraken-btc-usd-1m', '--before', '2024-03-01T03:00:00Z', '--dry-run']);
    expect(retain.code, retain.stderr).toBe(0);
    expect(retain.stdout).toMatch(/keep bars from 2024-03-01T03:00:00.000Z on — [\d,]+ → [\d,]+ rows \(dry run: nothing changed\)\n {2}would trim lake\/kraken\/BTC-USD\/1m\/year=2024\/month=03\/part-\d{4}\.parquet: keep [\d,]+ rows, drop [\d,]+\n$/);
    const real = await runCli(['--data', dataDir, 'data', 'retain', 'kraken-btc-usd-1m', '--before', '2024-03-01T03:00:00Z']);
    expect(real.code, real.stderr).toBe(0);
    const after = await exportCsv(dataDir);
    const kept = before.split('\n').filter((line, i) => i === 0 || line === '' || line >= '2024-03-01T03:00');
    expect(after).toBe(kept.join('\n'));
    const bad = await runCli(['--data', dataDir, 'data', 'retain', 'kraken-btc-usd-1m', '--keep', 'ninety days']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--keep "ninety days" is not a duration');
  });
});

describe('tradecore data stream', () => {
  it('prints each closed bar with its indicator values and stops cleanly on Ctrl-C', { timeout: 600_000 }, async () => {
    const dataDir = await data();
    const live = await FakeKraken.start({ tape: randomTape({ start: Date.now() - 180_000, count: 150, seed: 5, perMinute: 50, quietShare: 0 }) });
    try {
      const tools = path.join(REPO_ROOT, 'configs/tools/default.json');
      const run = startCli(['--data', dataDir, 'data', 'stream', 'kraken', 'BTC/USD', '--since', '3m', '--rest-url', live.url, '--ws-url', live.wsUrl, '--rate-limit', '0', '--features', tools]);
      const start = Date.now();
      while (!run.child.killed && Date.now() - start < 60_000) {
        await new Promise((r) => setTimeout(r, 100));
        if (live.subscribers > 0) break;
      }
      expect(live.subscribers).toBe(1);
      // A live trade: the stream reports the connection with its first trade.
      const t = live.tape.at(live.tape.length - 1);
      live.publish([{ ...t, id: t.id + 1, timeUs: Date.now() * 1000 }]);
      for (const waitStart = Date.now(); !stderrOf(run).includes('connected:') && Date.now() - waitStart < 60_000; ) await new Promise((r) => setTimeout(r, 100));
      run.child.kill('SIGINT');
      const { code, stdout, stderr } = await run.exit;
      expect(code, stderr).toBe(0);
      // The back-fill closed the bars of the last minutes; each line has OHLCV, counts and the tools' values.
      const lines = stdout.trim().split('\n');
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d {2}O [\d.]+ {2}H [\d.]+ {2}L [\d.]+ {2}C [\d.]+ {2}V \d+\.\d{8} {2}n \d+ {2}buy \d+\.\d{8} {2}sell \d+\.\d{8}( {2}[a-z][a-z0-9_]*=(NaN|-?[\d.e+-]+)){2}$/);
      expect(stderr).toContain('connected: WebSocket ws://127.0.0.1:');
      expect(stderr).toMatch(/stopped: \d+ bar\(s\) written to kraken-btc-usd-1m, 0 reconnect\(s\)/);
    } finally {
      await live.close();
    }
  });
});
