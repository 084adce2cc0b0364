import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Bars, barsToCsv, readDataset, writeDataset } from '@tradecore/sdk';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aggregateTrades } from '../bars/BarBuilder.ts';
import { ExchangeResponseError, RequestFailedError } from '../errors.ts';
import { krakenTimeMs } from '../kraken/trades.ts';
import { FakeKraken, type FakeFault, type KrakenCandle } from '../testing/FakeKraken.ts';
import { type ArrayTape, randomTape, tradeSeconds } from '../testing/tapes.ts';
import { TradeBuffer } from '../trades.ts';
import { pull } from './pull.ts';
import type { PullOptions, PullProgress } from './types.ts';

const START = '2024-02-01T00:00:00Z';
let tape: ArrayTape;
let fake: FakeKraken;
let until: number;
let expectedCsv: string;
const dirs: string[] = [];

async function tempData(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tradecore-ingest-'));
  dirs.push(dir);
  return dir;
}

/** The bars a correct pull of [START, until) must produce, straight from the tape. */
function expectedBars(emptyBars: 'omit' | 'flat' = 'omit', from = Date.parse(START), to = until): Bars {
  const buffer = new TradeBuffer();
  for (const t of tape.trades) {
    const ms = krakenTimeMs(tradeSeconds(t));
    if (ms >= from && ms < to) buffer.push(t.id, ms, Number(t.price), Number(t.volume), t.side === 'b');
  }
  const builder = aggregateTrades(buffer, { timeframe: '1m', emptyBars });
  return builder;
}

function options(dataDir: string, extra: Partial<PullOptions> = {}): PullOptions {
  return { dataDir, exchange: 'kraken', symbol: 'BTC/USD', since: START, until, restUrl: fake.url, rateLimit: 0, retryBaseMs: 1, retryMaxMs: 5, ...extra };
}

async function csvOf(dataDir: string, id = 'kraken-btc-usd-1m'): Promise<string> {
  return barsToCsv((await readDataset(id, { dataDir })).bars);
}

beforeAll(async () => {
  tape = randomTape({ start: START, count: 12_000, seed: 21, quietShare: 0.15 });
  fake = await FakeKraken.start({ tape });
  // The last trade's minute and everything after it is left out (a range ending in the past).
  until = Math.floor((tape.at(tape.length - 1).timeUs / 1000 - 600_000) / 60_000) * 60_000;
  expectedCsv = barsToCsv(expectedBars());
});

afterEach(() => fake.clearFaults());

afterAll(async () => {
  await fake.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('pull from Kraken trades (ccxt against the local fake)', () => {
  it('writes exactly the bars built from every trade of the range, and reports progress', async () => {
    const dataDir = await tempData();
    const events: PullProgress[] = [];
    const result = await pull(options(dataDir, { onProgress: (p) => events.push(p), progressIntervalMs: 0 }));
    expect(result).toMatchObject({ dataset: 'kraken-btc-usd-1m', status: 'complete', from: '2024-02-01T00:00:00.000Z', duplicates: 0, retries: 0, warnings: [] });
    expect(result.trades).toBe(expectedBars().trades?.reduce((a, b) => a + b, 0));
    expect(await csvOf(dataDir)).toBe(expectedCsv);
    expect(events[0]?.phase).toBe('starting');
    expect(events.at(-1)).toMatchObject({ phase: 'done', fraction: 1, barsWritten: result.barsWritten, barsComplete: result.barsWritten });
    // Bars count as complete as soon as they close; they are written in batches.
    const pulling = events.filter((e) => e.phase === 'pulling');
    expect(pulling.some((e) => e.barsComplete > e.barsWritten)).toBe(true);
    const counts = events.map((e) => e.barsComplete);
    expect(counts, 'complete bars never go down, not even while they are written').toEqual([...counts].sort((a, b) => a - b));
    const fractions = events.filter((e) => e.phase === 'pulling').map((e) => e.fraction);
    expect(fractions, 'progress only moves forward').toEqual([...fractions].sort((a, b) => a - b));
    // Every request after the first sends Kraken's own `last` back, digit for digit.
    const sinces = fake.requests.filter((r) => r.endpoint === 'Trades').map((r) => r.query.since ?? '');
    expect(sinces[0]).toBe('1706745599');
    expect(sinces.slice(1).every((s) => /^\d{19}$/.test(s))).toBe(true);
    const manifest = JSON.parse(await readFile(result.manifest as string, 'utf8')) as { emptyBars: string; createdBy: string; partitions: { path: string }[] };
    expect(manifest.emptyBars, 'how minutes without trades are stored').toBe('omit');
    expect(manifest.createdBy).toMatch(/^@tradecore\/ingest \d+\.\d+\.\d+/);
    expect(manifest.partitions.map((p) => p.path), 'one partition per month, whatever the number of writes').toEqual([expect.stringMatching(/^lake\/kraken\/BTC-USD\/1m\/year=2024\/month=02\/part-\d{4}\.parquet$/)]);
    expect(readdirSync(path.join(dataDir, 'lake/kraken/BTC-USD/1m/year=2024/month=02')), 'no file left behind').toHaveLength(1);
    const state = JSON.parse(await readFile(result.statePath, 'utf8')) as { completeUntil: string; market: string };
    expect(state).toMatchObject({ completeUntil: new Date(until).toISOString(), market: 'XXBTZUSD' });
  });

  const recovered: [string, FakeFault[]][] = [
    ['a burst of 429 Too Many Requests', [{ on: 'Trades', kind: 'status', status: 429, after: 2, times: 4 }]],
    ['a burst of 500 Internal Server Error', [{ on: 'Trades', kind: 'status', status: 500, after: 3, times: 3 }]],
    ['502 and 503 mixed', [{ on: 'Trades', kind: 'status', status: 502, after: 1, times: 2 }, { on: 'Trades', kind: 'status', status: 503, after: 5, times: 2 }]],
    ['EAPI:Rate limit exceeded in a 200 body', [{ on: 'Trades', kind: 'kraken-error', after: 2, times: 3 }]],
    ['a socket dropped in the middle of a page', [{ on: 'Trades', kind: 'drop', after: 4, times: 2 }]],
    ['pages that overlap the previous one (duplicates)', [{ on: 'Trades', kind: 'overlap', trades: 250, after: 1, times: 100 }]],
    ['trades out of order within a page', [{ on: 'Trades', kind: 'shuffle', after: 0, times: 100 }]],
    ['a cursor that does not advance (twice, then moves on)', [{ on: 'Trades', kind: 'stuck', after: 3, times: 2 }]],
    ['a 429 while loading the markets', [{ on: 'AssetPairs', kind: 'status', status: 429, times: 2 }]],
  ];
  it.each(recovered)('ends with complete, correct data after %s', async (_, faults) => {
    const dataDir = await tempData();
    fake.inject(...faults);
    const result = await pull(options(dataDir));
    expect(result.status).toBe('complete');
    expect(await csvOf(dataDir)).toBe(expectedCsv);
    if (faults.some((f) => f.kind === 'overlap')) expect(result.duplicates).toBeGreaterThan(1000);
    if (faults.some((f) => ['status', 'kraken-error', 'drop', 'stuck'].includes(f.kind))) expect(result.retries).toBeGreaterThan(0);
  });

  it('reports pages at most every progressIntervalMs, and every page with 0', async () => {
    const times: number[] = [];
    await pull(options(await tempData(), { pageSize: 100, progressIntervalMs: 20, onProgress: (p) => p.phase === 'pulling' && !p.message && times.push(performance.now()) }));
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(19);
    let pages = 0;
    const result = await pull(options(await tempData(), { pageSize: 100, progressIntervalMs: 0, onProgress: (p) => p.phase === 'pulling' && !p.message && pages++ }));
    expect(pages, 'one as the pull starts and one per page (the requests count the markets request too)').toBe(result.requests);
  });

  it('stops with an error naming the request when a fault outlasts the retries', async () => {
    const dataDir = await tempData();
    fake.inject({ on: 'Trades', kind: 'status', status: 429, after: 2, times: Number.POSITIVE_INFINITY });
    const error = await pull(options(dataDir, { retries: 3 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestFailedError);
    expect((error as RequestFailedError).attempts).toBe(4);
    expect((error as Error).message).toMatch(new RegExp(`^GET ${fake.url}/0/public/Trades\\?pair=XXBTZUSD&since=\\d{19}&count=1000 failed after 4 attempts: RateLimitExceeded: kraken GET .* 429 Too Many Requests`));
  });

  it('stops with an error naming the request when the cursor never advances', async () => {
    const dataDir = await tempData();
    fake.inject({ on: 'Trades', kind: 'stuck', after: 1, times: Number.POSITIVE_INFINITY });
    const error = await pull(options(dataDir, { retries: 2 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExchangeResponseError);
    expect((error as Error).message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/0\/public\/Trades\?pair=XXBTZUSD&since=\d{19}&count=1000: the cursor did not advance: "last" was \d{19} for since=\d{19} on 3 tries in a row, with 1000 trades; stopping instead of looping$/);
  });

  it('stays exact when `last` comes as an unquoted 19-digit number (ccxt keeps the digits as a string)', async () => {
    const dataDir = await tempData();
    fake.inject({ on: 'Trades', kind: 'last-number', after: 1, times: Number.POSITIVE_INFINITY });
    const result = await pull(options(dataDir));
    expect(result.status).toBe('complete');
    expect(await csvOf(dataDir)).toBe(expectedCsv);
    const sinces = fake.requests.filter((r) => r.endpoint === 'Trades' && r.outcome === 'last-number').map((r) => r.query.since ?? '');
    expect(sinces.length).toBeGreaterThan(3);
    expect(sinces.slice(1).every((s) => s.endsWith('000')), 'cursors sent back digit for digit (the fake\'s end in 000)').toBe(true);
  });

  it('resumes after an abort: the second run continues after the last written bar, the result equals one run', async () => {
    const dataDir = await tempData();
    const controller = new AbortController();
    let pages = 0;
    const first = await pull(
      options(dataDir, {
        signal: controller.signal,
        flushBars: 20,
        pageSize: 500,
        progressIntervalMs: 0,
        onProgress: (p) => {
          if (p.phase === 'pulling' && ++pages === 9) controller.abort();
        },
      }),
    );
    expect(first.status).toBe('stopped');
    expect(first.barsWritten).toBeGreaterThan(0);
    const partial = await csvOf(dataDir);
    expect(expectedCsv.startsWith(partial), 'what was written is a prefix of the full result').toBe(true);
    expect(partial.length).toBeLessThan(expectedCsv.length);
    const second = await pull(options(dataDir));
    expect(second.status).toBe('complete');
    expect(Date.parse(second.startedAt)).toBeGreaterThan(Date.parse(START));
    expect(await csvOf(dataDir)).toBe(expectedCsv);
  });

  it('extends a dataset with a later range into one dataset, equal to a single pull', async () => {
    const dataDir = await tempData();
    const middle = Date.parse(START) + Math.floor((until - Date.parse(START)) / 120_000) * 60_000;
    await pull(options(dataDir, { until: middle }));
    expect(await csvOf(dataDir)).toBe(barsToCsv(expectedBars('omit', Date.parse(START), middle)));
    const again = await pull(options(dataDir, { until: middle }));
    expect(again.barsWritten, 'the same range again is a no-op').toBe(0);
    await pull(options(dataDir));
    expect(await csvOf(dataDir)).toBe(expectedCsv);
  });

  it('a dataset imported without buy/sell volume is not pulled into, and the refusal says where to pull instead — before any request', async () => {
    const dataDir = await tempData();
    const imported = expectedBars('omit', Date.parse(START), Date.parse(START) + 3_600_000);
    const { buy_volume: _buy, sell_volume: _sell, ...ohlcvt } = imported;
    await writeDataset(ohlcvt, { dataDir, source: 'kraken', symbol: 'BTC-USD', timeframe: '1m' });
    const requests = fake.requests.length;
    await expect(pull(options(dataDir))).rejects.toThrow(
      'dataset "kraken-btc-usd-1m" has the columns time,open,high,low,close,volume,trades; bars built --from trades have time,open,high,low,close,volume,trades,buy_volume,sell_volume: write them to a dataset of their own, e.g. --source kraken-trades (dataset kraken-trades-btc-usd-1m)',
    );
    await expect(pull(options(dataDir, { id: 'kraken-live' }))).rejects.toThrow(
      'dataset "kraken-live" would be written to the lake folder of dataset "kraken-btc-usd-1m" (kraken BTC-USD 1m; a folder holds one dataset): add to "kraken-btc-usd-1m" with --id kraken-btc-usd-1m, or give the new one its own folder, e.g. --source kraken-trades',
    );
    expect(fake.requests.length, 'no request was made').toBe(requests);
    const pulled = await pull(options(dataDir, { source: 'kraken-trades' }));
    expect(pulled.dataset).toBe('kraken-trades-btc-usd-1m');
    expect(await csvOf(dataDir, 'kraken-trades-btc-usd-1m')).toBe(expectedCsv);
  });

  it('keeps one partition per month across a month boundary, whatever the flushes', async () => {
    const crossing = randomTape({ start: '2024-02-29T22:30:00Z', count: 9000, seed: 4 });
    const server = await FakeKraken.start({ tape: crossing });
    try {
      const dataDir = await tempData();
      const end = Date.parse('2024-03-01T01:00:00Z');
      await pull({ ...options(dataDir), restUrl: server.url, since: '2024-02-29T22:30:00Z', until: end, flushBars: 17 });
      const { bars, manifest } = await readDataset('kraken-btc-usd-1m', { dataDir });
      expect(manifest.partitions.map((p) => p.path.replace(/part-\d{4}/, 'part-N'))).toEqual([
        'lake/kraken/BTC-USD/1m/year=2024/month=02/part-N.parquet',
        'lake/kraken/BTC-USD/1m/year=2024/month=03/part-N.parquet',
      ]);
      const buffer = new TradeBuffer();
      for (const t of crossing.trades) {
        const ms = krakenTimeMs(tradeSeconds(t));
        if (ms < end) buffer.push(t.id, ms, Number(t.price), Number(t.volume), t.side === 'b');
      }
      expect(barsToCsv(bars)).toBe(barsToCsv(aggregateTrades(buffer, { timeframe: '1m' })));
    } finally {
      await server.close();
    }
  });

  it('stores minutes without trades as flat bars when asked, and resumes flat filling exactly', async () => {
    const dataDir = await tempData();
    const flat = barsToCsv(expectedBars('flat'));
    const middle = Date.parse(START) + 47 * 60_000;
    await pull(options(dataDir, { emptyBars: 'flat', until: middle }));
    await pull(options(dataDir, { emptyBars: 'flat' }));
    const csv = await csvOf(dataDir);
    expect(csv).toBe(flat.slice(0, csv.length));
    // The flat series runs to the end of the range; the reference stops at the last traded minute.
    const { bars } = await readDataset('kraken-btc-usd-1m', { dataDir });
    expect(bars.time[bars.length - 1]).toBe(until - 60_000);
    expect(bars.length, 'one bar per minute, no gaps').toBe((until - (bars.time[0] as number)) / 60_000);
    const error = await pull(options(dataDir, { emptyBars: 'omit' })).catch((e: unknown) => e);
    expect((error as Error).message).toContain('stores periods without trades as flat (its manifest says emptyBars "flat"); use --empty-bars flat');
  });
});

const SAMPLE = path.resolve(fileURLToPath(new URL('../../../../', import.meta.url)), '../shared/data/kraken/ohlcvt-samples/XBTUSD_60.csv');

describe.skipIf(!existsSync(SAMPLE))('pull --from ohlcv (Kraken OHLC, real Q1-2023 hourly candles)', () => {
  // unix_s,open,high,low,close,volume,trades — Kraken's OHLCVT archive rows, served in the OHLC endpoint's shape.
  const rows = readFileSync(SAMPLE, 'utf8').trim().split('\n').map((line) => line.split(','));
  const candles: KrakenCandle[] = rows.map(([t, o, h, l, c, v, n]) => [Number(t), o as string, h as string, l as string, c as string, c as string, v as string, Number(n)]);
  const last = candles[candles.length - 1] as KrakenCandle;
  // The clock stands 30 minutes into the last candle, which is therefore still open.
  const now = () => last[0] * 1000 + 30 * 60_000;

  async function ohlcvPull(fakeCandles: KrakenCandle[], extra: Partial<PullOptions>) {
    const server = await FakeKraken.start({ candles: { interval: 60, rows: fakeCandles } });
    try {
      const dataDir = await tempData();
      const result = await pull({ dataDir, exchange: 'kraken', symbol: 'BTC/USD', timeframe: '1h', from: 'ohlcv', restUrl: server.url, rateLimit: 0, retryBaseMs: 1, now, ...extra } as PullOptions);
      return { result, bars: (await readDataset(result.dataset, { dataDir })).bars };
    } finally {
      await server.close();
    }
  }

  it("stores the exchange's closed candles exactly, never the open one", async () => {
    const since = (candles[candles.length - 700] as KrakenCandle)[0] * 1000;
    const { result, bars } = await ohlcvPull(candles, { since, until: last[0] * 1000 + 3_600_000 });
    expect(result).toMatchObject({ status: 'complete', dataset: 'kraken-btc-usd-1h', warnings: [] });
    const expected = candles.slice(-700, -1);
    expect(bars.length).toBe(expected.length);
    expect(Array.from(bars.time)).toEqual(expected.map((c) => c[0] * 1000));
    expect(Array.from(bars.close)).toEqual(expected.map((c) => Number(c[4])));
    expect(Array.from(bars.volume)).toEqual(expected.map((c) => Number(c[6])));
    expect(bars.trades, 'candles carry no trade split').toBeUndefined();
  });

  it('warns, naming the first candle, when the exchange keeps less history than asked (Kraken: 720)', async () => {
    const { result, bars } = await ohlcvPull(candles, { since: candles[0]?.[0] as number * 1000 });
    const first = new Date((candles[candles.length - 720] as KrakenCandle)[0] * 1000).toISOString();
    expect(result.warnings).toEqual([`kraken returned 1h candles from ${first} on, not from 2023-01-01T00:00:00.000Z: it does not keep older candles (Kraken serves the last 720 only; use --from trades for older history)`]);
    expect(bars.length).toBe(719);
  });

  it('omits or fills the hours the exchange has no candle for, as asked', async () => {
    const holed = candles.slice(-100).filter((_, i) => i < 40 || i > 44);
    const since = (holed[0] as KrakenCandle)[0] * 1000;
    const omit = await ohlcvPull(holed, { since });
    expect(omit.bars.length).toBe(94);
    const flat = await ohlcvPull(holed, { since, emptyBars: 'flat' });
    expect(flat.bars.length).toBe(99);
    const filled = (holed[39] as KrakenCandle)[4];
    expect([flat.bars.open[40], flat.bars.high[42], flat.bars.close[44], flat.bars.volume[44]]).toEqual([Number(filled), Number(filled), Number(filled), 0]);
  });
});
