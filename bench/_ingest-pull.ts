// Child process of bench/ingest.ts: one pull against the fake, in a process of its own so its peak memory
// is the pull's. Prints the result, the wall time and the peak RSS as JSON.
import { performance } from 'node:perf_hooks';
import { pull } from '@tradecore/ingest';

const [url, dataDir, since, until] = process.argv.slice(2) as [string, string, string, string];
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
const started = performance.now();
const result = await pull({ dataDir, exchange: 'kraken', symbol: 'BTC/USD', since, until, restUrl: url, rateLimit: 0 });
const seconds = (performance.now() - started) / 1000;
clearInterval(sampler);
peak = Math.max(peak, process.memoryUsage().rss);
process.stdout.write(`${JSON.stringify({ seconds, trades: result.trades, bars: result.barsWritten, requests: result.requests, status: result.status, peakRssMiB: peak / 2 ** 20, maxRssMiB: process.resourceUsage().maxRSS / 1024 })}\n`);
