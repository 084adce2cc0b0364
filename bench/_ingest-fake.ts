// Child process of bench/ingest.ts: serves a generated Kraken trade tape on 127.0.0.1 and prints its URL.
// Every Trades page is rendered before the URL is printed, so the fake's own work is not on the pull's clock
// (a real exchange's is not on the client's machine); what it still does per request is HTTP and the write.
import { FakeKraken, generatedTape } from '@tradecore/ingest/testing';

const [start, count] = [process.argv[2] as string, Number(process.argv[3])];
const fake = await FakeKraken.start({ tape: generatedTape({ start, count, perMinute: Math.ceil(count / (30 * 1440)), seed: 7 }) });
const pages = fake.prerenderTrades();
// On SIGUSR2: the CPU time the fake has used so far and how many requests it answered from the pre-rendered
// pages, so the bench can show how the cores were shared.
const report = () => {
  const used = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuSeconds: (used.user + used.system) / 1e6, pages, prerenderedServed: fake.prerenderedServed })}\n`);
};
process.on('SIGUSR2', report);
process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
// Only now that the handlers are in place (a SIGUSR2 before them would end the process).
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
