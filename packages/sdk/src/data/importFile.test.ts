import { execFile, execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importBinanceKlines, importCsv, importKrakenOhlcvt } from './csv.ts';
import { DataError } from './errors.ts';
import { detectImportFormat, importBars } from './importFile.ts';
import { sharedFile, tempDir } from './_testing.ts';

async function file(text: string, name = 'bars.csv'): Promise<string> {
  const out = path.join(await tempDir(), name);
  await writeFile(out, text);
  return out;
}

// Two 1m klines as data.binance.vision writes them (BTCUSDT, 2023-03-01), open times in ms.
const KLINES = [
  '1677628800000,23141.57,23152.48,23133.11,23143.72,3.912156,1677628859999,90534.40,120,1.900000,44000.10,0',
  '1677628860000,23146.32,23152.49,23139.02,23143.67,2.685574,1677628919999,62150.20,98,2.685574,62150.20,0',
];
const KLINES_HEADER = 'open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore';

describe('importBinanceKlines', () => {
  it('reads headerless klines: taker buy volume is the buy volume, the rest of the volume the sell volume', async () => {
    const bars = await importBinanceKlines(await file(`${KLINES.join('\n')}\n`));
    expect(bars.length).toBe(2);
    expect([...bars.time]).toEqual([Date.UTC(2023, 2, 1, 0, 0), Date.UTC(2023, 2, 1, 0, 1)]);
    expect([...bars.open]).toEqual([23141.57, 23146.32]);
    expect([...bars.close]).toEqual([23143.72, 23143.67]);
    expect([...(bars.trades ?? [])]).toEqual([120, 98]);
    expect([...(bars.buy_volume ?? [])]).toEqual([1.9, 2.685574]);
    expect(bars.sell_volume?.[0]).toBeCloseTo(2.012156, 12);
    expect(bars.sell_volume?.[1]).toBe(0);
  });

  it('skips the header line of newer files and reads microsecond open times (spot files from 2025)', async () => {
    const micro = KLINES.map((line) => line.replace(/^(\d+)/, '$1000'));
    const bars = await importBinanceKlines(await file(`${KLINES_HEADER}\n${micro.join('\n')}\n`));
    expect([...bars.time]).toEqual([Date.UTC(2023, 2, 1, 0, 0), Date.UTC(2023, 2, 1, 0, 1)]);
  });

  it('a short row fails naming the file and line', async () => {
    const bad = await file(`${KLINES[0]}\n${KLINES[1]?.split(',').slice(0, 11).join(',')}\n`, 'BTCUSDT-1m-2023-03-01.csv');
    await expect(importBinanceKlines(bad)).rejects.toThrow(/BTCUSDT-1m-2023-03-01\.csv:2: expected 12 fields, found 11/);
  });
});

describe('detectImportFormat and importBars', () => {
  it('tells a header CSV, Kraken OHLCVT and Binance klines apart by the first line', async () => {
    expect(await detectImportFormat(await file('\uFEFFtime,open,high,low,close,volume\n2024-01-01,1,1,1,1,1\n'))).toBe('csv');
    expect(await detectImportFormat(await file('\n1672531200,1,2,0.5,1.5,10,3\n'))).toBe('kraken-ohlcvt');
    expect(await detectImportFormat(await file(`${KLINES.join('\r\n')}\r\n`))).toBe('binance-klines');
    expect(await detectImportFormat(await file(`${KLINES_HEADER}\n${KLINES[0]}\n`))).toBe('csv');
  });

  it('refuses what it cannot tell, naming the file and what the first line holds', async () => {
    const trades = await file('1677628800.1234,23141.5,0.1\n', 'XBTUSD.csv');
    await expect(detectImportFormat(trades)).rejects.toThrow(DataError);
    await expect(detectImportFormat(trades)).rejects.toThrow(/XBTUSD\.csv:1: cannot tell the format of a line of 3 fields without a header \(time,price,volume looks like trades, not bars\)/);
    await expect(detectImportFormat(await file('1,2,3,4,5,6,7,8,9\n'))).rejects.toThrow(/line of 9 fields without a header: expected a header row \(csv\), 7 numbers \(kraken-ohlcvt\) or 12 \(binance-klines\); it starts "1,2,3/);
    await expect(detectImportFormat(await file('\n\n'))).rejects.toThrow(/empty file/);
  });

  it('does not read from a pipe to guess (it could not be read again): the format must be given, and then it imports', async () => {
    const fifo = path.join(await tempDir(), 'bars.fifo');
    execFileSync('mkfifo', [fifo]);
    await expect(detectImportFormat(fifo)).rejects.toThrow(`${fifo} is not a regular file (a pipe can only be read once), so its format is not guessed: pass the format (--format csv|kraken-ohlcvt|binance-klines)`);
    const writer = execFile('sh', ['-c', `printf '${KLINES[0]}\\n' > ${fifo}`]);
    const { bars, format } = await importBars(fifo, { format: 'binance-klines' });
    expect(format).toBe('binance-klines');
    expect(bars.length).toBe(1);
    writer.kill();
  });

  it('reads each format as its own importer does, and an explicit format is not second-guessed', async () => {
    const klines = await file(`${KLINES.join('\n')}\n`);
    const auto = await importBars(klines);
    expect(auto.format).toBe('binance-klines');
    expect(auto.bars).toEqual(await importBinanceKlines(klines));
    await expect(importBars(klines, { format: 'csv' })).rejects.toThrow(/no column for "time" in header/);
  });
});

const binanceUs = sharedFile('btc-usd-1m-binanceus-2023-03', 'BTCUSD_1m_20230301_20230321.csv');
const kraken60 = sharedFile('kraken', 'ohlcvt-samples', 'XBTUSD_60.csv');
describe.skipIf(!binanceUs.exists || !kraken60.exists)('importBars on real files', () => {
  it('detects the Binance.US CSV (header) and Kraken OHLCVT (no header) and reads them as their importers do', async () => {
    const us = await importBars(binanceUs.file);
    expect(us.format).toBe('csv');
    expect(us.bars).toEqual(await importCsv(binanceUs.file));
    const kraken = await importBars(kraken60.file);
    expect(kraken.format).toBe('kraken-ohlcvt');
    expect(kraken.bars).toEqual(await importKrakenOhlcvt(kraken60.file));
  });
});
