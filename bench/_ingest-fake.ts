// Child process of bench/ingest.ts: serves a generated Kraken trade tape on 127.0.0.1 and prints its URL.
import { FakeKraken, generatedTape } from '@tradecore/ingest/testing';

const [start, count] = [process.argv[2] as string, Number(process.argv[3])];
const fake = await FakeKraken.start({ tape: generatedTape({ start, count, perMinute: Math.ceil(count / (30 * 1440)), seed: 7 }), prefetch: true });
// The CPU time the fake has used (SIGUSR2: so far; SIGTERM: before it stops), so the bench can show how the cores were shared.
const cpu = () => {
  const used = process.cpuUsage();
  process.stdout.write(`${JSON.stringify({ cpuSeconds: (used.user + used.system) / 1e6 })}\n`);
};
process.on('SIGUSR2', cpu);
process.on('SIGTERM', () => {
  cpu();
  void fake.close().then(() => process.exit(0));
});
// Only now that the handlers are in place (a SIGUSR2 before them would end the process).
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
