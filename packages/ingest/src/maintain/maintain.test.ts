import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type Bars, appendBars, barsToCsv, concatBars, generateSynthetic, readDataset, sliceBars } from '@tradecore/sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { compact, retain } from './maintain.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempData(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tradecore-maintain-'));
  dirs.push(dir);
  return dir;
}

const ID = 'kraken-btc-usd-1m';
const CREATE = { source: 'kraken', symbol: 'BTC-USD', timeframe: '1m', emptyBars: 'omit' as const };

/** A dataset written the way a stream writes: one small file per append, in day folders. */
async function streamedDataset(dataDir: string): Promise<Bars> {
  const bars = generateSynthetic({ seed: 3, days: 4, start: '2024-01-30T00:00:00Z' });
  for (let i = 0; i < bars.length; i += 1440 / 4) {
    await appendBars({ dataDir, id: ID, bars: sliceBars(bars, i, Math.min(bars.length, i + 1440 / 4)), layout: 'day', create: CREATE });
  }
  return bars;
}

describe('compact', () => {
  it('merges small day files into month partitions; the bars are unchanged; --dry-run changes nothing', async () => {
    const dataDir = await tempData();
    const bars = await streamedDataset(dataDir);
    const manifestFile = path.join(dataDir, 'manifests', `${ID}.json`);
    const before = await readFile(manifestFile, 'utf8');
    const dry = await compact({ dataDir, id: ID, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, partitionsBefore: 16, partitionsAfter: 16, merged: [{ bucket: 'year=2024/month=01', files: 8 }, { bucket: 'year=2024/month=02', files: 8 }] });
    expect(await readFile(manifestFile, 'utf8'), 'dry run: manifest untouched').toBe(before);

    const result = await compact({ dataDir, id: ID });
    expect(result).toMatchObject({ partitionsBefore: 16, partitionsAfter: 2, verified: { before: 16, after: 2 } });
    const { manifest, bars: after } = await readDataset(ID, { dataDir });
    expect(manifest.partitions.map((p) => p.path)).toEqual(['lake/kraken/BTC-USD/1m/year=2024/month=01/part-0000.parquet', 'lake/kraken/BTC-USD/1m/year=2024/month=02/part-0000.parquet']);
    expect(barsToCsv(after)).toBe(barsToCsv(bars));
    expect((await compact({ dataDir, id: ID })).merged, 'already compact').toEqual([]);
  });
});

describe('retain', () => {
  it('drops whole partitions before the cutoff and trims the one that straddles it; --dry-run reports the same', async () => {
    const dataDir = await tempData();
    const bars = await streamedDataset(dataDir);
    await compact({ dataDir, id: ID });
    const now = () => Date.parse('2024-02-02T12:00:00Z');
    const dry = await retain({ dataDir, id: ID, keep: '2d', now, dryRun: true });
    const cutoff = Date.parse('2024-01-31T12:00:00Z');
    const keepFrom = bars.time.findIndex((t) => t >= cutoff);
    expect(dry).toMatchObject({ cutoff: '2024-01-31T12:00:00.000Z', dryRun: true, rowsBefore: bars.length, rowsAfter: bars.length - keepFrom, dropped: [] });
    expect(dry.trimmed).toEqual([{ path: 'lake/kraken/BTC-USD/1m/year=2024/month=01/part-0000.parquet', keptRows: 720, droppedRows: keepFrom - 0 }]);
    expect((await readDataset(ID, { dataDir })).bars.length, 'dry run: nothing removed').toBe(bars.length);

    const result = await retain({ dataDir, id: ID, keep: '2d', now });
    expect(result).toMatchObject({ rowsAfter: bars.length - keepFrom, verified: { before: 2, after: 2 }, archived: null });
    const { bars: after } = await readDataset(ID, { dataDir });
    expect(barsToCsv(after)).toBe(barsToCsv(sliceBars(bars, keepFrom, bars.length)));
  });

  it('archives what it drops into another data folder: archive + kept = the original', async () => {
    const dataDir = await tempData();
    const archive = await tempData();
    const bars = await streamedDataset(dataDir);
    const result = await retain({ dataDir, id: ID, before: '2024-02-01', archive });
    expect(result.archived).toEqual({ dataDir: archive, id: ID, rows: 2 * 1440 });
    expect(result.dropped).toHaveLength(8);
    const kept = (await readDataset(ID, { dataDir })).bars;
    const archived = (await readDataset(ID, { dataDir: archive })).bars;
    expect(barsToCsv(concatBars([archived, kept]))).toBe(barsToCsv(bars));
    expect(kept.time[0]).toBe(Date.parse('2024-02-01T00:00:00Z'));
  });

  it('refuses to empty a dataset, and stops on a bad checksum before changing anything', async () => {
    const dataDir = await tempData();
    await streamedDataset(dataDir);
    await expect(retain({ dataDir, id: ID, before: '2024-03-01' })).rejects.toThrow(`retaining bars from 2024-03-01T00:00:00.000Z on would leave dataset "${ID}" empty (its last bar is 2024-02-02T23:59:00.000Z); nothing was changed`);
    await expect(retain({ dataDir, id: ID, keep: '90d', before: '2024-01-01' })).rejects.toThrow('exactly one of --keep');
    const manifestFile = path.join(dataDir, 'manifests', `${ID}.json`);
    const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { partitions: { path: string }[] };
    await appendFile(path.join(dataDir, manifest.partitions[3]?.path as string), 'x');
    const before = await readFile(manifestFile, 'utf8');
    await expect(retain({ dataDir, id: ID, before: '2024-02-01' })).rejects.toThrow(/cannot be read|checksum mismatch/);
    await expect(compact({ dataDir, id: ID })).rejects.toThrow(/cannot be read|checksum mismatch/);
    expect(await readFile(manifestFile, 'utf8')).toBe(before);
  });
});
