import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Bars, barsToCsv, featuresFor, loadToolManifest, readDataset, resolveTools } from '@tradecore/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { aggregateTrades } from '../bars/BarBuilder.ts';
import { krakenTimeMs } from '../kraken/trades.ts';
import { FakeKraken } from '../testing/FakeKraken.ts';
import { ArrayTape, type FakeTrade, tradeSeconds } from '../testing/tapes.ts';
import { TradeBuffer } from '../trades.ts';
import { type StreamBar, type StreamEvent, type StreamOptions, stream } from './stream.ts';

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));
const T0 = Date.parse('2024-05-01T12:00:00Z');
const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A market whose trades the test makes one at a time, at the test's clock. */
class Market {
  clock: number;
  id = 5_000_000;
  price = 60_000;
  #n = 0;
  constructor(
    readonly fake: FakeKraken,
    start: number,
  ) {
    this.clock = start;
  }
  trade(at = this.clock, overrides: Partial<FakeTrade> = {}): FakeTrade {
    this.#n++;
    this.price = Math.round((this.price + (((this.#n * 7919) % 13) - 6) * 0.7) * 10) / 10;
    const volume = ((((this.#n * 104729) % 997) + 1) / 1e4 + 0.00000001).toFixed(8);
    this.id += this.#n % 5 === 0 ? 2 : 1;
    return { id: this.id, timeUs: at * 1000 + (this.#n % 997), price: this.price.toFixed(5), volume, side: this.#n % 3 === 0 ? 's' : 'b', ordType: 'l', ...overrides };
  }
  /** `count` trades spread over the next `seconds`, published live (or only to REST while no one listens). */
  run(seconds: number, count: number): void {
    for (let k = 0; k < count; k++) {
      this.clock += Math.floor((seconds * 1000) / count);
      this.fake.publish([this.trade()]);
    }
  }
}

async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function barsFromTape(tape: ArrayTape, from: number, to: number): Bars {
  const buffer = new TradeBuffer();
  for (const t of tape.trades) {
    const ms = krakenTimeMs(tradeSeconds(t));
    if (ms >= from && ms < to) buffer.push(t.id, ms, Number(t.price), Number(t.volume), t.side === 'b');
  }
  return aggregateTrades(buffer, { timeframe: '1m' });
}

async function setup(history: number) {
  const fake = await FakeKraken.start({ tape: new ArrayTape() });
  cleanup.push(() => fake.close());
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecore-stream-'));
  cleanup.push(() => rm(dataDir, { recursive: true, force: true }));
  const market = new Market(fake, T0 - history);
  return { fake, dataDir, market };
}

function start(market: Market, dataDir: string, extra: Partial<StreamOptions> = {}) {
  const controller = new AbortController();
  const bars: StreamBar[] = [];
  const events: StreamEvent[] = [];
  const done = stream({
    dataDir,
    exchange: 'kraken',
    symbol: 'BTC/USD',
    restUrl: market.fake.url,
    wsUrl: market.fake.wsUrl,
    rateLimit: 0,
    retryBaseMs: 1,
    reconnectBaseMs: 20,
    reconnectMaxMs: 200,
    graceMs: 2000,
    tickMs: 20,
    now: () => market.clock,
    signal: controller.signal,
    onBar: (b) => bars.push(b),
    onEvent: (e) => events.push(e),
    ...extra,
  });
  cleanup.push(async () => {
    controller.abort();
    await done.catch(() => undefined);
  });
  return { controller, bars, events, done };
}

describe('stream (ccxt pro against the fake WebSocket v2 + REST back-fill)', () => {
  it('stores exactly the bars of the whole trade list across minute boundaries, a dropped socket and a quiet minute', async () => {
    const { fake, dataDir, market } = await setup(4 * 60_000);
    // History before the stream starts: REST back-fills it from --since.
    market.run(4 * 60 + 10, 120);
    const s = start(market, dataDir, { since: T0 - 3 * 60_000 });
    await until('the back-fill and the subscription', () => fake.subscribers === 1 && s.events.some((e) => e.type === 'backfilled'));
    market.run(75, 40); // into 12:01
    await until('bars up to 12:01 closed by later trades', () => s.bars.some((b) => b.time === T0));

    fake.dropSockets();
    market.run(50, 25); // while disconnected: these reach REST only
    await until('the reconnection', () => fake.subscribers === 1);
    market.run(50, 20); // 12:02:15 → 12:03:05
    await until('the gap back-filled and 12:02 closed', () => s.bars.some((b) => b.time === T0 + 2 * 60_000));

    // A quiet minute, then a trade that is late for its minute but within the grace period.
    market.clock = T0 + 5 * 60_000 + 500;
    await new Promise((r) => setTimeout(r, 200));
    fake.publish([market.trade(T0 + 4 * 60_000 + 59_900)]);
    market.clock = T0 + 5 * 60_000 + 2500; // past the grace period of 12:04: confirmed through REST and closed
    await until('12:04 closed after its grace period', () => s.bars.some((b) => b.time >= T0 + 4 * 60_000));
    market.run(30, 10); // 12:05:02 → 12:05:32, the open bar at the stop

    s.controller.abort();
    const result = await s.done;
    const expected = barsFromTape(fake.tape as ArrayTape, T0 - 3 * 60_000, T0 + 5 * 60_000);
    const { bars } = await readDataset(result.dataset, { dataDir });
    expect(barsToCsv(bars)).toBe(barsToCsv(expected));
    expect(s.bars.map((b) => b.time)).toEqual(Array.from(expected.time));
    expect(result.reconnects).toBe(1);
    expect(result.lateTrades).toBe(0);
    expect(s.events.map((e) => e.type)).toContain('disconnected');
    expect(bars.time[bars.length - 1], 'the open bar (12:05) is not written').toBe(T0 + 4 * 60_000);
    // Every (re)connection subscribed to the trade channel in Kraken's v2 shape.
    const subscribes = fake.wsReceived.filter((m) => (m as { method?: string }).method === 'subscribe');
    expect(subscribes).toHaveLength(2);
    expect(subscribes[0]).toMatchObject({ method: 'subscribe', params: { channel: 'trade', symbol: ['BTC/USD'] } });
  });

  it('continues a dataset after its last bar; live indicator values equal the batch values over the stored series', async () => {
    const { fake, dataDir, market } = await setup(30 * 60_000);
    const tools = path.join(dataDir, 'tools.json');
    await writeFile(
      tools,
      JSON.stringify({
        tools: [
          { name: 'vwap', options: { session: true, sessionStartMinuteUtc: 0 } },
          { name: 'rsi', options: { period: 5 } },
          { name: 'zscore', options: { source: 'close', period: 4 } },
        ],
      }),
    );
    // A first stream writes the history; a second one continues it with indicators.
    market.run(20 * 60, 400);
    const first = start(market, dataDir, { since: T0 - 30 * 60_000 });
    await until('history written', () => first.events.some((e) => e.type === 'backfilled') && first.bars.length >= 18);
    first.controller.abort();
    await first.done;
    const stored = (await readDataset('kraken-btc-usd-1m', { dataDir })).bars.length;

    market.run(8 * 60, 160);
    const second = start(market, dataDir, { features: tools, cwd: PACKAGE_DIR });
    await until('the second stream caught up', () => second.events.some((e) => e.type === 'backfilled') && fake.subscribers === 1);
    market.run(3 * 60, 60);
    await until('live bars with features', () => second.bars.length >= 9);
    second.controller.abort();
    await second.done;

    const { bars, manifest } = await readDataset('kraken-btc-usd-1m', { dataDir });
    expect(bars.length).toBe(stored + second.bars.length);
    expect(barsToCsv(bars)).toBe(barsToCsv(barsFromTape(fake.tape as ArrayTape, T0 - 30 * 60_000, bars.time[bars.length - 1] as number + 60_000)));
    expect(manifest.partitions.every((p) => /\/year=2024\/month=05\/day=01\/part-\d{4}\.parquet$/.test(p.path)), 'small day partitions').toBe(true);

    // Batch over the whole stored series, through the plugins' own batch functions.
    const { manifest: toolManifest, file } = await loadToolManifest(tools);
    const plugins = await resolveTools(toolManifest, { cwd: PACKAGE_DIR, source: file });
    const names = second.bars[0]?.features ? Object.keys(second.bars[0].features) : [];
    expect(names.length).toBeGreaterThanOrEqual(3);
    let compared = 0;
    for (const plugin of plugins) {
      for (const definition of await featuresFor(plugin, ['time', 'open', 'high', 'low', 'close', 'volume', 'trades', 'buy_volume', 'sell_volume'])) {
        const out = definition.outputs.map(() => new Float64Array(bars.length));
        definition.batch(bars, out);
        definition.outputs.forEach((o, k) => {
          second.bars.forEach((bar, j) => {
            const batch = (out[k] as Float64Array)[stored + j] as number;
            const live = bar.features?.[o.name] as number;
            if (Number.isNaN(batch)) expect(live, `${o.name} at ${new Date(bar.time).toISOString()}`).toBeNaN();
            else expect(Math.abs(live - batch), `${o.name} at ${new Date(bar.time).toISOString()}: live ${live}, batch ${batch}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(batch)));
            compared++;
          });
        });
      }
    }
    expect(compared).toBeGreaterThan(20);
  });
});
