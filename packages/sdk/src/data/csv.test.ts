import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportCsv, importCsv, importKrakenOhlcvt, parseIsoTime } from './csv.ts';
import { DataError } from './errors.ts';
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
    const forcedSeconds = await importCsv(await csvFile('time,open,high,low,close,volume\n1700000000000,1,2,0.5,1.5,10\n'), { timeUnit: 's' });
    expect(forcedSeconds.time[0]).toBe(1_700_000_000_000_000);
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
    await expect(importCsv(badTime)).rejects.toThrow(`${badTime}:3: column "time" is "01/02/2024", expected an ISO 8601 time or unix seconds/ms`);
    const empty = await csvFile('time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,,1.5,7\n');
    await expect(importCsv(empty)).rejects.toThrow(`${empty}:2: column "low" is "", expected a number`);
  });

  it('names the missing column when the header lacks one', async () => {
    const file = await csvFile('time,open,high,low,volume\n');
    await expect(importCsv(file)).rejects.toThrow(`${file}:1: no column for "close" in header (time, open, high, low, volume)`);
    await expect(importCsv(file, { mapping: { close: 'last' } })).rejects.toThrow(`${file}:1: mapping close=last names no column`);
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
