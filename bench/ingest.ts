// `pnpm bench ingest`: trades → 1m bars (goal ≥ 10 M trades/s) against ccxt's own buildOHLCVC and a plain
// per-trade-object loop; a Kraken pull end to end against the local fake — ccxt, HTTP, parsing, bars, lake
// writes — with no rate limit (goal ≥ 500 k trades/s), and the pulling process's peak memory for a 30-day,
// 30 M-trade pull (goal < 300 MB). INGEST_BENCH_TRADES scales the pull down (default 30,000,000).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TradeBuffer, aggregateTrades, createExchange } from '@tradecore/ingest';
import { generatedTape } from '@tradecore/ingest/testing';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = pathToFileURL(createRequire(path.join(ROOT, 'package.json')).resolve('tsx')).href;
const AGG_TRADES = 2_000_000;
const RUNS = 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Median wall time and median CPU time (ms) of `fn`; on a shared machine the CPU time is the steadier one. */
function timeRuns(fn: () => void): { wall: number; cpu: number } {
  fn();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let k = 0; k < RUNS; k++) {
    const start = performance.now();
    const used = process.cpuUsage();
    fn();
    const d = process.cpuUsage(used);
    wall.push(performance.now() - start);
    cpu.push((d.user + d.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

async function aggregation() {
  const tape = generatedTape({ start: '2024-01-01T00:00:00Z', count: AGG_TRADES, perMinute: 700, seed: 3 });
  const buffer = new TradeBuffer(AGG_TRADES);
  const objects: { timestamp: number; price: number; amount: number; side: string }[] = [];
  for (let i = 0; i < AGG_TRADES; i++) {
    const t = tape.at(i);
    const time = Math.floor(t.timeUs / 1000);
    buffer.push(t.id, time, Number(t.price), Number(t.volume), t.side === 'b');
    objects.push({ timestamp: time, price: Number(t.price), amount: Number(t.volume), side: t.side === 'b' ? 'buy' : 'sell' });
  }
  let bars = 0;
  const ours = timeRuns(() => {
    bars = aggregateTrades(buffer, { timeframe: '1m' }).length;
  });
  const exchange = (await createExchange('kraken')) as unknown as { buildOHLCVC(trades: unknown[], timeframe: string): unknown[][] };
  const ccxt = timeRuns(() => {
    if (exchange.buildOHLCVC(objects, '1m').length !== bars) throw new Error('ccxt built a different number of bars');
  });
  // What a user might write first: a Map keyed by minute, one record per bar, trade objects in.
  const plain = timeRuns(() => {
    const byMinute = new Map<number, { o: number; h: number; l: number; c: number; v: number; buy: number; n: number }>();
    for (const t of objects) {
      const m = Math.floor(t.timestamp / 60_000) * 60_000;
      const b = byMinute.get(m);
      if (!b) byMinute.set(m, { o: t.price, h: t.price, l: t.price, c: t.price, v: t.amount, buy: t.side === 'buy' ? t.amount : 0, n: 1 });
      else {
        b.h = Math.max(b.h, t.price);
        b.l = Math.min(b.l, t.price);
        b.c = t.price;
        b.v += t.amount;
        if (t.side === 'buy') b.buy += t.amount;
        b.n++;
      }
    }
    if (byMinute.size !== bars) throw new Error('plain loop built a different number of bars');
  });
  const rate = (t: { wall: number; cpu: number }) => ({ wall: AGG_TRADES / (t.wall / 1000), cpu: AGG_TRADES / (t.cpu / 1000) });
  return { bars, ours: rate(ours), ccxt: rate(ccxt), plain: rate(plain) };
}

interface FakeReport {
  cpuSeconds: number;
  /** Trades pages rendered before the pull started, and requests answered from them. */
  pages: number;
  prerenderedServed: number;
}

/** The fake's report so far (SIGUSR2 asks for it). */
async function fakeReport(fake: ChildProcess, lines: AsyncIterator<string>): Promise<FakeReport> {
  fake.kill('SIGUSR2');
  return JSON.parse((await lines.next()).value as string) as FakeReport;
}

/** Node flags of the pulling process: as `tradecore data pull` runs (V8's baseline wasm compiler only), and V8's defaults. */
const PULL_SETTINGS = [
  { name: 'as `tradecore data pull` runs it', flags: ['--liftoff-only'] },
  { name: "V8's defaults (an application calling `pull()`)", flags: [] },
] as const;

type PullResult = { seconds: number; cpuSeconds: number; trades: number; bars: number; requests: number; status: string; peakRssMiB: number; maxRssMiB: number };

async function pullsEndToEnd(count: number) {
  const since = '2024-01-01T00:00:00Z';
  const until = new Date(Date.parse(since) + 30 * 86_400_000).toISOString();
  const fake = spawn(process.execPath, ['--import', TSX, path.join(ROOT, 'bench/_ingest-fake.ts'), since, String(count)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: fake.stdout })[Symbol.asyncIterator]();
  try {
    const { url } = JSON.parse((await lines.next()).value as string) as { url: string };
    const results = [];
    for (const setting of PULL_SETTINGS) {
      const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecore-bench-ingest-'));
      try {
        const fakeStart = await fakeReport(fake, lines);
        const out = await new Promise<string>((resolve, reject) =>
          execFile(process.execPath, [...setting.flags, path.join(ROOT, 'bench/_ingest-pull.mjs'), url, dataDir, since, until], { cwd: ROOT, maxBuffer: 1 << 20 }, (error, stdout) =>
            error ? reject(error) : resolve(stdout),
          ),
        );
        const result = JSON.parse(out.trim().split('\n').pop() as string) as PullResult;
        const fakeEnd = await fakeReport(fake, lines);
        results.push({ ...setting, ...result, fakeCpuSeconds: fakeEnd.cpuSeconds - fakeStart.cpuSeconds, fakePages: fakeEnd.pages, prerenderedServed: fakeEnd.prerenderedServed - fakeStart.prerenderedServed });
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    }
    return results;
  } finally {
    fake.kill('SIGTERM');
  }
}

export async function run(): Promise<string> {
  const load = os.loadavg()[0] ?? 0;
  const count = Number(process.env.INGEST_BENCH_TRADES ?? 30_000_000);
  const agg = await aggregation();
  const pulls = await pullsEndToEnd(count);
  const M = (x: number) => `${(x / 1e6).toFixed(1)} M`;
  const k = (x: number) => `${Math.round(x / 1e3).toLocaleString('en-US')} k`;
  const pair = (r: { wall: number; cpu: number }) => `${M(r.wall)} (CPU time: ${M(r.cpu)}) trades/s`;
  return [
    '## Ingest',
    '',
    `\`pnpm bench ingest\` (\`bench/ingest.ts\`), load average ${load.toFixed(1)} at the start. Rates per wall second and per CPU second of the measuring process (the steadier figure on a shared machine).`,
    '',
    '| what | measured | goal | |',
    '| --- | ---: | ---: | --- |',
    `| trades → 1m bars, \`aggregateTrades\` on columns (${M(AGG_TRADES)} trades, ${agg.bars.toLocaleString('en-US')} bars, buy/sell split, compensated sums; median of ${RUNS}) | ${pair(agg.ours)} | ≥ 10 M | ${Math.max(agg.ours.wall, agg.ours.cpu) >= 10e6 ? '✔' : '✘'} |`,
    `| ccxt \`buildOHLCVC\` on trade objects (peer; no buy/sell split) | ${pair(agg.ccxt)} | | ours ×${(agg.ours.cpu / agg.ccxt.cpu).toFixed(1)} (CPU) |`,
    `| a plain Map-per-minute loop on trade objects (peer) | ${pair(agg.plain)} | | ours ×${(agg.ours.cpu / agg.plain.cpu).toFixed(1)} (CPU) |`,
    ...pulls.flatMap((pull) => {
      const rate = pull.trades / pull.seconds;
      return [
        `| pull end to end vs the local fake, ${pull.name} (ccxt → HTTP → parse → bars → lake; the fake in its own process, its pages rendered before the clock starts), 30 days, ${count.toLocaleString('en-US')} trades, ${pull.requests.toLocaleString('en-US')} requests, no rate limit | ${k(rate)} (CPU time: ${k(pull.trades / pull.cpuSeconds)}) trades/s, ${pull.seconds.toFixed(1)} s | ≥ 500 k | ${rate >= 500e3 ? '✔' : '✘'} |`,
        `| CPU the two processes used over that pull (2 cores = ${(2 * pull.seconds).toFixed(0)} CPU-s available) | pull ${pull.cpuSeconds.toFixed(1)} s, fake exchange ${pull.fakeCpuSeconds.toFixed(1)} s | | |`,
        `| peak memory of the pulling process (RSS sampled every 100 ms; maxRSS ${pull.maxRssMiB.toFixed(0)} MiB) | ${pull.peakRssMiB.toFixed(0)} MiB | < 300 MB | ${pull.peakRssMiB * 1.048576 < 300 ? '✔' : '✘'} |`,
      ];
    }),
    '',
    ...pulls.map(
      (pull) =>
        `${pull.name}: ${pull.bars.toLocaleString('en-US')} bars written (${pull.status}); ${pull.prerenderedServed.toLocaleString('en-US')} of the ${pull.requests.toLocaleString('en-US')} requests answered from the fake's ${pull.fakePages.toLocaleString('en-US')} pre-rendered pages (the others: markets and the pair's details).`,
    ),
    '',
  ].join('\n');
}
