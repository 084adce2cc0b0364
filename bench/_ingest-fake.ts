// Child process of bench/ingest.ts: serves a generated Kraken trade tape on 127.0.0.1 and prints its URL.
import { FakeKraken, generatedTape } from '@tradecore/ingest/testing';

const [start, count] = [process.argv[2] as string, Number(process.argv[3])];
const fake = await FakeKraken.start({ tape: generatedTape({ start, count, perMinute: Math.ceil(count / (30 * 1440)), seed: 7 }), prefetch: true });
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
