// Child process of bench/ingest.ts: one pull against the fake, in a process of its own (plain node, the built
// package, no TypeScript loader) so its time and peak memory are the pull's. Prints them as JSON.
import { performance } from 'node:perf_hooks';
import { pull } from '@tradecore/ingest';

const [url, dataDir, since, until] = process.argv.slice(2);
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
let steady;
const result = await pull({
  dataDir,
  exchange: 'kraken',
  symbol: 'BTC/USD',
  since,
  until,
  restUrl: url,
  rateLimit: 0,
  // Timing starts with the first page (ccxt's import and the markets request are start-up, not throughput).
  onProgress: (p) => {
    if (!steady && p.phase === 'pulling' && p.trades > 0) steady = { wall: performance.now(), cpu: process.cpuUsage(), trades: p.trades };
  },
});
const seconds = (performance.now() - steady.wall) / 1000;
const used = process.cpuUsage(steady.cpu);
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
process.stdout.write(
  `${JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, trades: result.trades - steady.trades, totalTrades: result.trades, bars: result.barsWritten, requests: result.requests, status: result.status, peakRssMiB: peak / 2 ** 20, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`,
);
