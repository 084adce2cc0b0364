import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { exportCsv, importCsv, importKrakenOhlcvt, parseCsv, parseIsoTime } from './csv.ts';
import { DataError } from './errors.ts';
import { readDataset, writeDataset } from './lake.ts';
import { listFiles, sharedFile, tempDir } from './_testing.ts';

async function csvFile(text: string, name = 'bars.csv'): Promise<string> {
  const file = path.join(await tempDir(), name);
  await writeFile(file, text);
  return file;
}

describe('parseIsoTime', () => {
  it('reads UTC, offsets, a space separator and treats zone-less times as UTC', () => {
    expect(parseIsoTime('2023-03-01 00:00:00+00:00')).toBe(Date.UTC(2023, 2, 1));
    expect(parseIsoTime('2023-03-01T01:30:00+01:30')).toBe(Date.UTC(2023, 2, 1));
    expect(parseIsoTime('2023-03-01T00:00:00.250Z')).toBe(Date.UTC(2023, 2, 1) + 250);
    expect(parseIsoTime('2023-03-01T00:00')).toBe(Date.UTC(2023, 2, 1));
    expect(parseIsoTime('2023-03-01')).toBe(Date.UTC(2023, 2, 1));
    expect(parseIsoTime('2023-13-01')).toBeNaN();
    expect(parseIsoTime('yesterday')).toBeNaN();
  });
});

describe('importCsv', () => {
  it('detects columns by header name and reads unix seconds, ms or ISO times', async () => {
    const seconds = await importCsv(await csvFile('timestamp,o,h,l,c,vol,count\n1700000000,1,2,0.5,1.5,10,3\n1700000060,1.5,2,1,1,0,0\n'));
    expect(Array.from(seconds.time)).toEqual([1_700_000_000_000, 1_700_000_060_000]);
    expect(Array.from(seconds.close)).toEqual([1.5, 1]);
    expect(Array.from(seconds.trades ?? [])).toEqual([3, 0]);
    const ms = await importCsv(await csvFile('time,open,high,low,close,volume\n1700000000000,1,2,0.5,1.5,10\n'));
    expect(ms.time[0]).toBe(1_700_000_000_000);
  });

  it('reads microseconds and nanoseconds, by magnitude or by unit, exactly to the millisecond', async () => {
    const expected = [1_700_000_000_000, 1_700_000_060_000];
    const micro = await csvFile('time,open,high,low,close,volume\n1700000000000000,1,2,0.5,1.5,10\n1700000060000000,1,2,0.5,1.5,10\n');
    const nano = await csvFile('time,open,high,low,close,volume\n1700000000000000000,1,2,0.5,1.5,10\n1700000060000000000,1,2,0.5,1.5,10\n');
    expect(Array.from((await importCsv(micro)).time)).toEqual(expected);
    expect(Array.from((await importCsv(micro, { timeUnit: 'us' })).time)).toEqual(expected);
    expect(Array.from((await importCsv(nano)).time), 'nanoseconds once looped forever').toEqual(expected);
    expect(Array.from((await importCsv(nano, { timeUnit: 'ns' })).time)).toEqual(expected);
  });

  it('refuses times outside 2009 … 2100, naming the unit that fits', async () => {
    const ms = await csvFile('time,open,high,low,close,volume\n1700000000000,1,2,0.5,1.5,10\n');
    await expect(importCsv(ms, { timeUnit: 's' }), 'once wrote a dataset dated year 55840').rejects.toThrow(
      `${ms}:2: column "time" is "1700000000000": time +055840-11-08T22:13:20.000Z is outside 2009-01-01 ≤ time < 2100-01-01 (UTC) (read as seconds); the value looks like milliseconds: use --time-unit ms`,
    );
    const nano = await csvFile('time,open,high,low,close,volume\n1700000000000000000,1,2,0.5,1.5,10\n');
    await expect(importCsv(nano, { timeUnit: 'ms' })).rejects.toThrow(/\(read as milliseconds\); the value looks like nanoseconds: use --time-unit ns/);
    const old = await csvFile('time,open,high,low,close,volume\n1990-01-01T00:00:00Z,1,2,0.5,1.5,10\n');
    await expect(importCsv(old)).rejects.toThrow(`${old}:2: column "time" is "1990-01-01T00:00:00Z": time 1990-01-01T00:00:00.000Z is outside 2009-01-01 ≤ time < 2100-01-01 (UTC)`);
  });

  it('uses an explicit column mapping', async () => {
    const bars = await importCsv(await csvFile('Date,Px Open,Px High,Px Low,Px Close,Qty\n2024-01-01T00:00:00Z,1,2,0.5,1.5,7\n'), {
      mapping: { time: 'Date', open: 'Px Open', high: 'Px High', low: 'Px Low', close: 'Px Close', volume: 'Qty' },
    });
    expect(bars.length).toBe(1);
    expect(bars.volume[0]).toBe(7);
  });

  it('names the file and line of a malformed row', async () => {
    const file = await csvFile('time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,7\n2024-01-01T00:01:00Z,1,2,abc,1.5,7\n');
    await expect(importCsv(file)).rejects.toThrow(DataError);
    await expect(importCsv(file)).rejects.toThrow(`${file}:3: column "low" is "abc", expected a number`);
    const short = await csvFile('time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5\n');
    await expect(importCsv(short)).rejects.toThrow(`${short}:2: expected 6 fields, found 4`);
    const badTime = await csvFile('time,open,high,low,close,volume\n\n01/02/2024,1,2,0.5,1.5,7\n');
    await expect(importCsv(badTime)).rejects.toThrow(`${badTime}:3: column "time" is "01/02/2024", expected an ISO 8601 time or unix seconds/ms/us/ns`);
    const empty = await csvFile('time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,,1.5,7\n');
    await expect(importCsv(empty)).rejects.toThrow(`${empty}:2: column "low" is "", expected a number`);
  });

  it('names the missing column when the header lacks one', async () => {
    const file = await csvFile('time,open,high,low,volume\n');
    await expect(importCsv(file)).rejects.toThrow(`${file}:1: no column for "close" in header (time, open, high, low, volume)`);
    await expect(importCsv(file, { mapping: { close: 'last' } })).rejects.toThrow(`${file}:1: mapping close=last names no column`);
  });
});

describe('streaming', () => {
  const text = '\uFEFFZeit,open,high,low,close,volume,trades\r\n2024-01-01T00:00:00Z,1,2,0.5,1.5,7,3\r\n\r\n2024-01-01T00:01:00Z,1.5,2.5,1,2,8,4\n2024-01-01T00:02:00Z,2,3,1.5,2.5,9,5';
  const mapping = { time: 'Zeit' } as const;

  it('gives the same bars however the bytes are split into chunks (property)', async () => {
    const bytes = new TextEncoder().encode(text);
    const whole = await parseCsv([bytes], 'whole.csv', { mapping });
    expect(whole.length).toBe(3);
    expect(Array.from(whole.trades ?? [])).toEqual([3, 4, 5]);
    // Every single split point, including inside the BOM, the CR LF pairs and the multi-byte header.
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(await parseCsv([bytes.subarray(0, cut), bytes.subarray(cut)], 'split.csv', { mapping }), `cut at byte ${cut}`).toEqual(whole);
    }
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 12 }), async (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        const chunks = points.slice(1).map((end, k) => bytes.subarray(points[k] as number, end));
        expect(await parseCsv(chunks, 'chunks.csv', { mapping })).toEqual(whole);
      }),
      { numRuns: 300 },
    );
    expect(await parseCsv(Array.from(bytes, (b) => Uint8Array.of(b)), 'bytewise.csv', { mapping }), 'one byte per chunk').toEqual(whole);
  });

  it('reads a file larger than one read chunk, line numbers exact across chunks', async () => {
    const rows = 40_000;
    const lines = ['time,open,high,low,close,volume'];
    for (let i = 0; i < rows; i++) lines.push(`${Date.UTC(2024, 0, 1) + i * 60_000},${100 + i},${101 + i},${99 + i},${100.5 + i},${i % 7}`);
    lines[rows - 5] = `${Date.UTC(2024, 0, 1)},x,1,1,1,1`;
    const file = await csvFile(`${lines.join('\n')}\n`);
    await expect(importCsv(file)).rejects.toThrow(`${file}:${rows - 4}: column "open" is "x", expected a number`);
    lines[rows - 5] = `${Date.UTC(2024, 0, 1) + (rows - 6) * 60_000},1,1,1,1,1`;
    const good = await importCsv(await csvFile(lines.join('\n')));
    expect(good.length).toBe(rows);
    expect(good.close[rows - 1]).toBe(100.5 + rows - 1);
  });

  it('sizes its columns from the line count: blank lines and a missing last newline still give exact columns that write to the lake', async () => {
    const file = await csvFile('time,open,high,low,close,volume\n\n2024-01-01T00:00:00Z,1,2,0.5,1.5,7\n\n2024-01-01T00:01:00Z,1.5,2,1,1.2,3');
    const bars = await importCsv(file);
    expect(bars.length).toBe(2);
    expect(bars.close.length).toBe(2);
    expect(Array.from(bars.close)).toEqual([1.5, 1.2]);
    const dataDir = await tempDir();
    await writeDataset(bars, { dataDir, source: 'test', symbol: 'BTC-USD', timeframe: '1m' });
    expect((await readDataset('test-btc-usd-1m', { dataDir })).bars).toEqual(bars);
  });

  it('refuses a binary file or a line without end, quoting only a short excerpt', async () => {
    const nul = await csvFile('\0'.repeat(3_000_000));
    const error = await importCsv(nul).then(() => new Error('expected a failure'), (e: unknown) => e as Error);
    expect(error).toBeInstanceOf(DataError);
    expect(error.message).toMatch(new RegExp(`^${nul}:1: line is longer than 65536 characters \\("\\\\u0000`));
    expect(error.message.length, 'a file of NUL bytes once echoed 314 MB to stderr').toBeLessThan(400);
    const nulRow = await csvFile('time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0\0.5,1.5,7\n');
    await expect(importCsv(nulRow)).rejects.toThrow(`${nulRow}:2: holds NUL bytes`);
    const wide = await csvFile(`time,open,high,low,close,volume\n2024-01-01T00:00:00Z,${'9'.repeat(100_000)}\n`);
    const wideError = await importCsv(wide).then(() => new Error('expected a failure'), (e: unknown) => e as Error);
    expect(wideError.message).toContain(`${wide}:2: line is longer than 65536 characters`);
    expect(wideError.message.length).toBeLessThan(400);
  });

  it('caps a malformed cell in the message', async () => {
    const file = await csvFile(`time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,${'y'.repeat(10_000)},1.5,7\n`);
    const error = await importCsv(file).then(() => new Error('expected a failure'), (e: unknown) => e as Error);
    expect(error.message).toMatch(/:2: column "low" is "y+… \(10002 characters\), expected a number$/);
  });
});

describe('exportCsv', () => {
  it('writes a header and round-trips exactly', async () => {
    const source = await importCsv(await csvFile('time,open,high,low,close,volume,trades\n2024-01-01T00:00:00Z,0.1,0.30000000000000004,0.1,0.2,1e-8,5\n'));
    const dir = await tempDir();
    const out = path.join(dir, 'out.csv');
    await exportCsv(source, out);
    expect(await readFile(out, 'utf8')).toBe('time,open,high,low,close,volume,trades\n2024-01-01T00:00:00.000Z,0.1,0.30000000000000004,0.1,0.2,1e-8,5\n');
    expect(await listFiles(dir)).toEqual(['out.csv']);
    expect(await importCsv(out)).toEqual(source);
  });
});

const binance = sharedFile('btc-usd-1m-binanceus-2023-03', 'BTCUSD_1m_20230301_20230321.csv');
describe.skipIf(!binance.exists)('real Binance.US 1m data', () => {
  it('imports 30,240 bars and exports the same values exactly', async () => {
    const bars = await importCsv(binance.file);
    expect(bars.length).toBe(30_240);
    expect(bars.time[0]).toBe(Date.UTC(2023, 2, 1));
    expect(bars.time[30_239]).toBe(Date.UTC(2023, 2, 21, 23, 59));

    const out = path.join(await tempDir(), 'export.csv');
    await exportCsv(bars, out);
    const original = (await readFile(binance.file, 'utf8')).trim().split('\n').slice(1);
    const exported = (await readFile(out, 'utf8')).trim().split('\n').slice(1);
    expect(exported).toHaveLength(original.length);
    for (let i = 0; i < original.length; i++) {
      const a = (original[i] as string).split(',');
      const b = (exported[i] as string).split(',');
      expect(parseIsoTime(b[0] as string), `time at line ${i + 2}`).toBe(parseIsoTime(a[0] as string));
      expect(b.slice(1).map(Number), `values at line ${i + 2}`).toEqual(a.slice(1).map(Number));
    }
    expect(await importCsv(out)).toEqual(bars);
  });
});

const kraken60 = sharedFile('kraken', 'ohlcvt-samples', 'XBTUSD_60.csv');
describe.skipIf(!kraken60.exists)('importKrakenOhlcvt', () => {
  it('reads the header-less 7-column format', async () => {
    const bars = await importKrakenOhlcvt(kraken60.file);
    expect(bars.length).toBe(2160);
    expect(bars.time[0]).toBe(1_672_531_200_000);
    expect([bars.open[0], bars.high[0], bars.low[0], bars.close[0], bars.volume[0], bars.trades?.[0]]).toEqual([16528.7, 16530.0, 16505.2, 16519.3, 96.61968029, 803]);
  });
});

describe('importKrakenOhlcvt errors', () => {
  it('names the line of a row with the wrong number of fields', async () => {
    const file = await csvFile('1672531200,1,2,0.5,1.5,10,3\n1672534800,1,2,0.5,1.5,10\n', 'XBTUSD_60.csv');
    await expect(importKrakenOhlcvt(file)).rejects.toThrow(`${file}:2: expected 7 fields, found 6`);
  });
});
