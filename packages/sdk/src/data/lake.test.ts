import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import type { Bars } from '../features/types.ts';
import { concatBars, readDataset, writeDataset } from './lake.ts';
import { BarsValidationError, ChecksumMismatchError, DataError } from './errors.ts';
import { type DatasetManifest, type DatasetPartition, listDatasets, loadManifest } from './manifest.ts';
import { generateSynthetic, SYNTHETIC_GENERATOR_VERSION, syntheticGeneratorInfo } from './synthetic.ts';
import { listFiles, minuteBars, tempDir } from './_testing.ts';

const base = { source: 'test', symbol: 'btc-usd', timeframe: '1m' } as const;

describe('writeDataset / readDataset', () => {
  it('writes hive partitions per UTC year plus a manifest, and reads the same columns back', async () => {
    const dataDir = await tempDir();
    const bars = generateSynthetic({ seed: 3, days: 2, start: '2023-12-31T00:00:00Z' });
    const manifest = await writeDataset(bars, { ...base, dataDir });

    expect(manifest).toMatchObject({ id: 'test-btc-usd-1m', source: 'test', symbol: 'BTC-USD', timeframe: '1m', synthetic: false, rows: 2880, compression: 'lz4' });
    expect(manifest.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'time:timestamp[ms, UTC]',
      'open:float64',
      'high:float64',
      'low:float64',
      'close:float64',
      'volume:float64',
      'trades:int32',
      'buy_volume:float64',
      'sell_volume:float64',
    ]);
    expect(manifest.partitions.map((p) => [p.path, p.rows, p.firstTime, p.lastTime])).toEqual([
      ['lake/test/BTC-USD/1m/year=2023/part-0000.parquet', 1440, '2023-12-31T00:00:00.000Z', '2023-12-31T23:59:00.000Z'],
      ['lake/test/BTC-USD/1m/year=2024/part-0000.parquet', 1440, '2024-01-01T00:00:00.000Z', '2024-01-01T23:59:00.000Z'],
    ]);
    expect(await listFiles(dataDir)).toEqual([
      'lake/test/BTC-USD/1m/year=2023/part-0000.parquet',
      'lake/test/BTC-USD/1m/year=2024/part-0000.parquet',
      'manifests/test-btc-usd-1m.json',
    ]);

    const read = await readDataset('test-btc-usd-1m', { dataDir });
    expect(read.report?.ok).toBe(true);
    expect(read.bars).toEqual(bars);
    const byPath = await readDataset(path.join(dataDir, 'manifests/test-btc-usd-1m.json'), { dataDir, validate: false });
    expect(byPath.report).toBeUndefined();
    expect(byPath.bars.close).toEqual(bars.close);
  });

  it('labels synthetic datasets with their generator parameters', async () => {
    const dataDir = await tempDir();
    const options = { seed: 11, days: 1 };
    const manifest = await writeDataset(generateSynthetic(options), { ...base, source: 'synthetic', dataDir, id: 'demo', synthetic: syntheticGeneratorInfo(options) });
    expect(manifest.synthetic).toBe(true);
    expect(manifest.generator).toEqual({
      name: 'tradecore-synthetic',
      version: SYNTHETIC_GENERATOR_VERSION,
      seed: 11,
      params: { days: 1, start: '2024-01-01T00:00:00.000Z', timeframe: '1m', startPrice: 42_000, annualVolatility: 0.6 },
    });
    expect((await listDatasets({ dataDir })).manifests.map((m) => m.id)).toEqual(['demo']);
  });

  it('refuses unsorted or duplicate times and writes nothing', async () => {
    const dataDir = await tempDir();
    const bars = minuteBars(5);
    const unsorted: Bars = { ...bars, time: Float64Array.from([0, 2, 1, 3, 4], (k) => (bars.time[0] as number) + k * 60_000) };
    const error = await writeDataset(unsorted, { ...base, dataDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BarsValidationError);
    expect((error as Error).message).toContain('dataset "test-btc-usd-1m" failed validation:');
    expect((error as Error).message).toContain('row 2 (2024-01-01T00:01:00.000Z): time 2024-01-01T00:01:00.000Z is before row 1');
    const duplicate: Bars = { ...bars, time: Float64Array.from([0, 1, 1, 2, 3], (k) => (bars.time[0] as number) + k * 60_000) };
    await expect(writeDataset(duplicate, { ...base, dataDir })).rejects.toThrow('row 2 (2024-01-01T00:01:00.000Z): time 2024-01-01T00:01:00.000Z repeats row 1');
    expect(await listFiles(dataDir)).toEqual([]);
  });

  it('refuses bars off the timeframe grid and non-integer trade counts, writing nothing', async () => {
    const dataDir = await tempDir();
    await expect(writeDataset(minuteBars(5), { ...base, timeframe: '1h', dataDir })).rejects.toThrow('is not on the 1h grid');
    const bars = { ...minuteBars(3), trades: new Float64Array([1, 2.5, 3]) };
    await expect(writeDataset(bars, { ...base, dataDir })).rejects.toThrow('row 1 (2024-01-01T00:01:00.000Z): trades 2.5 is not a whole number');
    expect(await listFiles(dataDir)).toEqual([]);
  });

  it('detects a tampered partition by checksum', async () => {
    const dataDir = await tempDir();
    const manifest = await writeDataset(minuteBars(50), { ...base, dataDir });
    const part = path.join(dataDir, manifest.partitions[0]?.path as string);
    const bytes = await readFile(part);
    bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] as number) ^ 0xff;
    await writeFile(part, bytes);
    const error = await readDataset(manifest.id, { dataDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksumMismatchError);
    expect((error as Error).message).toMatch(new RegExp(`^checksum mismatch for ${part.replaceAll('.', '\\.')}: manifest says sha256 ${manifest.partitions[0]?.sha256}, file has [0-9a-f]{64}$`));
  });

  it('reports a manifest failing its schema with the file and the path inside it', async () => {
    const dataDir = await tempDir();
    const manifest = await writeDataset(minuteBars(10), { ...base, dataDir });
    const file = path.join(dataDir, 'manifests', `${manifest.id}.json`);
    const broken = { ...manifest, rows: -1, partitions: [{ ...manifest.partitions[0], sha256: 'xyz' }] };
    delete (broken as Partial<typeof manifest>).timeframe;
    await writeFile(file, JSON.stringify(broken));
    const error = await loadManifest(manifest.id, { dataDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const message = (error as Error).message;
    expect(message).toContain(`${file} is invalid:`);
    expect(message).toContain('timeframe: is required');
    expect(message).toContain('rows: must be >= 1');
    expect(message).toContain('partitions[0].sha256: must match pattern');
    await writeFile(file, '{ not json');
    await expect(readDataset(manifest.id, { dataDir })).rejects.toThrow(`${file} is not valid JSON`);
  });

  it('checks what a schema cannot: id = file name, partitions in the dataset folder, in time order, rows summed', async () => {
    const dataDir = await tempDir();
    const manifest = await writeDataset(generateSynthetic({ seed: 2, days: 2, start: '2023-12-31' }), { ...base, dataDir });
    const file = path.join(dataDir, 'manifests', `${manifest.id}.json`);
    const [a, b] = manifest.partitions as [DatasetPartition, DatasetPartition];
    const broken = (change: Partial<DatasetManifest>) => writeFile(file, JSON.stringify({ ...manifest, ...change }));
    await broken({ id: 'other' });
    await expect(loadManifest(manifest.id, { dataDir })).rejects.toThrow(`${file} is invalid:\n  id: "other" but the file is named for "test-btc-usd-1m"`);
    await broken({ partitions: [a, { ...b, path: 'lake/other/BTC-USD/1m/year=2024/part-0000.parquet' }] });
    await expect(loadManifest(manifest.id, { dataDir })).rejects.toThrow("partitions[1].path: must lie in the dataset's folder lake/test/BTC-USD/1m/");
    await broken({ partitions: [a, { ...b, path: 'lake/test/BTC-USD/1m/../../../../x.parquet' }] });
    await expect(loadManifest(manifest.id, { dataDir })).rejects.toThrow('partitions[1].path: must match pattern');
    await broken({ partitions: [b, a], firstTime: b.firstTime, lastTime: a.lastTime });
    await expect(loadManifest(manifest.id, { dataDir })).rejects.toThrow('partitions[1].firstTime: 2023-12-31T00:00:00.000Z must be after partitions[0].lastTime 2024-01-01T23:59:00.000Z');
    await broken({ rows: 5 });
    await expect(loadManifest(manifest.id, { dataDir })).rejects.toThrow('rows: 5 but the partitions hold 2880');
    await broken({ firstTime: '1970-01-01T00:00:00.000Z', partitions: [{ ...a, firstTime: '1970-01-01T00:00:00.000Z' }, b] });
    await expect(loadManifest(manifest.id, { dataDir })).rejects.toThrow('firstTime: 1970-01-01T00:00:00.000Z is outside 2009-01-01 ≤ time < 2100-01-01 (UTC)');
    await expect(loadManifest('Bad Id', { dataDir })).rejects.toThrow('dataset id "Bad Id" is not a valid id');
  });

  it('names the known datasets when a ref is not found', async () => {
    const dataDir = await tempDir();
    await writeDataset(minuteBars(10), { ...base, dataDir, id: 'one' });
    await expect(loadManifest('two', { dataDir })).rejects.toThrow(/dataset "two" not found: .*two\.json does not exist \(known datasets: one\)/);
  });

  it('replaces a dataset: new files never overwrite listed ones, the old partitions go after the new manifest', async () => {
    const dataDir = await tempDir();
    const first = await writeDataset(generateSynthetic({ seed: 1, days: 2, start: '2023-12-31' }), { ...base, dataDir });
    const second = await writeDataset(minuteBars(10), { ...base, dataDir });
    expect(second.partitions.map((p) => p.path), 'year=2024/part-0000 is listed by the old manifest, so the new file takes the next number').toEqual([
      'lake/test/BTC-USD/1m/year=2024/part-0001.parquet',
    ]);
    expect(await listFiles(dataDir)).toEqual(['lake/test/BTC-USD/1m/year=2024/part-0001.parquet', 'manifests/test-btc-usd-1m.json']);
    expect((await readDataset(second.id, { dataDir })).bars).toEqual(minuteBars(10));
    expect(first.partitions).toHaveLength(2);
    const third = await writeDataset(minuteBars(10), { ...base, dataDir });
    expect(third, 'identical bytes: the listed file is kept, not rewritten').toEqual(second);
  });

  it('refuses to overwrite partitions owned by another dataset id', async () => {
    const dataDir = await tempDir();
    await writeDataset(minuteBars(10), { ...base, dataDir, id: 'first' });
    await expect(writeDataset(minuteBars(10), { ...base, dataDir, id: 'second' })).rejects.toThrow(DataError);
    expect(await listFiles(path.join(dataDir, 'manifests'))).toEqual(['first.json']);
  });

  it('leaves no manifest behind when a write fails after the partitions were staged', async () => {
    const dataDir = await tempDir();
    // A folder where the manifest file should go makes the final rename fail.
    await mkdir(path.join(dataDir, 'manifests', 'test-btc-usd-1m.json'), { recursive: true });
    await expect(writeDataset(minuteBars(10), { ...base, dataDir })).rejects.toThrow();
    expect((await listDatasets({ dataDir })).manifests).toEqual([]);
  });

  it('concatenates bar series', () => {
    const a = minuteBars(3);
    const joined = concatBars([a, minuteBars(2, (a.time[2] as number) + 60_000)]);
    expect(joined.length).toBe(5);
    expect(Array.from(joined.time.subarray(2, 4))).toEqual([(a.time[2] as number), (a.time[2] as number) + 60_000]);
  });
});
