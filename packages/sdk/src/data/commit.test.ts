import { spawnSync } from 'node:child_process';
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidIdError, UnsafePathError } from '../paths/index.ts';
import type { Bars } from '../features/types.ts';
import { appendBars, compactDataset } from './append.ts';
import { sliceBars } from './bars.ts';
import { DatasetChangedError, commitDataset, updateDataset } from './commit.ts';
import { BarsValidationError, DataError, DatasetNotFoundError } from './errors.ts';
import { DatasetLockedError } from './_lock.ts';
import { readDataset, writeDataset } from './lake.ts';
import { loadManifest } from './manifest.ts';
import { listFiles, minuteBars, tempDir } from './_testing.ts';

const dataset = { id: 'ds', source: 'test', symbol: 'BTC-USD', timeframe: '1m' } as const;
const folder = 'lake/test/BTC-USD/1m';
const day = (d: number) => Date.UTC(2024, 0, d);
/** `count` 1m bars from `start`; prices follow the minute index so slices of one series line up exactly. */
const bars = (count: number, start = day(1)): Bars => {
  const b = minuteBars(count, start);
  const offset = (start - day(1)) / 60_000;
  for (let i = 0; i < count; i++) {
    (b.open as Float64Array)[i] = 100 + offset + i;
    (b.close as Float64Array)[i] = 100.5 + offset + i;
    (b.high as Float64Array)[i] = 101 + offset + i;
    (b.low as Float64Array)[i] = 99.5 + offset + i;
    (b.volume as Float64Array)[i] = 1 + ((offset + i) % 3);
  }
  return b;
};

/** A pid that belonged to a process that has exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '0']);
  if (!pid) throw new Error('no pid');
  return pid;
}

describe('commitDataset', () => {
  it('writes partitions in any layout under the dataset folder, then the manifest, and reads them back', async () => {
    const dataDir = await tempDir();
    const result = await commitDataset({
      dataDir,
      dataset,
      write: [
        { path: `${folder}/year=2024/month=01/day=01/part-0000.parquet`, bars: bars(1440) },
        { path: `${folder}/year=2024/month=01/day=02/live-0.parquet`, bars: bars(10, day(2)) },
      ],
    });
    expect(result.manifest.partitions.map((p) => [p.path, p.rows])).toEqual([
      [`${folder}/year=2024/month=01/day=01/part-0000.parquet`, 1440],
      [`${folder}/year=2024/month=01/day=02/live-0.parquet`, 10],
    ]);
    expect(result).toMatchObject({ previous: null, deleted: [], unchanged: [] });
    expect(result.path).toBe(path.join(dataDir, 'manifests/ds.json'));
    expect(JSON.parse(await readFile(result.path, 'utf8'))).toEqual(result.manifest);
    const read = await readDataset('ds', { dataDir });
    expect(read.bars.length).toBe(1450);
    expect(read.bars.close[1440]).toBe(bars(10, day(2)).close[0]);
  });

  it('keeps listed partitions, adds new ones and deletes only what the previous manifest listed', async () => {
    const dataDir = await tempDir();
    await commitDataset({ dataDir, dataset, write: [{ path: `${folder}/a/part-0000.parquet`, bars: bars(5) }, { path: `${folder}/b/part-0000.parquet`, bars: bars(5, day(2)) }] });
    // A file nobody listed, in the dataset's folder: not the dataset's to delete.
    await writeFile(path.join(dataDir, folder, 'a/notes.parquet'), 'mine');
    const result = await commitDataset({ dataDir, dataset, keep: [`${folder}/b/part-0000.parquet`], write: [{ path: `${folder}/c/part-0000.parquet`, bars: bars(5, day(3)) }] });
    expect(result.deleted).toEqual([`${folder}/a/part-0000.parquet`]);
    expect(result.written.map((p) => p.path)).toEqual([`${folder}/c/part-0000.parquet`]);
    expect(await listFiles(path.join(dataDir, folder))).toEqual(['a/notes.parquet', 'b/part-0000.parquet', 'c/part-0000.parquet']);
    expect((await readDataset('ds', { dataDir })).bars.time[0]).toBe(day(2));
  });

  it('never deletes what a hand-edited previous manifest points at outside its own folder', async () => {
    const dir = await tempDir();
    const other = await writeDataset(bars(5), { dataDir: dir, ...dataset, id: 'victim', source: 'other' });
    const mine = await commitDataset({ dataDir: dir, dataset, write: [{ path: `${folder}/x/part-0000.parquet`, bars: bars(5) }] });
    const file = path.join(dir, 'manifests/ds.json');
    await writeFile(file, JSON.stringify({ ...mine.manifest, partitions: [{ ...mine.manifest.partitions[0], path: other.partitions[0]?.path }] }));
    const result = await commitDataset({ dataDir: dir, dataset, write: [{ path: `${folder}/y/part-0000.parquet`, bars: bars(5) }] });
    expect(result.previous, 'the edited manifest fails its checks, so nothing it lists is trusted').toBeNull();
    expect(result.deleted).toEqual([]);
    expect((await readDataset('victim', { dataDir: dir })).bars.length).toBe(5);
  });

  it('refuses partition paths outside the dataset folder, writing nothing', async () => {
    const dataDir = await tempDir();
    for (const bad of [
      `${folder}/../../ETH-USD/1m/part-0000.parquet`,
      `${folder}/../1h/part-0000.parquet`,
      'lake/test/ETH-USD/1m/part-0000.parquet',
      `/${folder}/part-0000.parquet`,
      `${folder}/part-0000.csv`,
      `${folder}/a\\..\\..\\part-0000.parquet`,
      `${folder}/\0/part-0000.parquet`,
      `${folder}/.hidden.parquet`,
    ]) {
      await expect(commitDataset({ dataDir, dataset, write: [{ path: bad, bars: bars(3) }] }), bad).rejects.toThrow(UnsafePathError);
    }
    expect(await listFiles(dataDir)).toEqual([]);
  });

  it('refuses a dataset folder that leads out of the lake through a symlink', async () => {
    const dataDir = await tempDir();
    const outside = await tempDir();
    await mkdir(path.join(dataDir, folder), { recursive: true });
    await symlink(outside, path.join(dataDir, folder, 'year=2024'));
    await expect(writeDataset(bars(3), { dataDir, ...dataset })).rejects.toThrow(/resolves through a symlink to .*, outside/);
    expect(await listFiles(outside)).toEqual([]);
    expect(await listFiles(path.join(dataDir, 'manifests'))).toEqual([]);
  });

  it('never replaces a valid manifest with one that fails its checks', async () => {
    const dataDir = await tempDir();
    const good = await commitDataset({ dataDir, dataset, write: [{ path: `${folder}/a/part-0000.parquet`, bars: bars(5) }] });
    const before = await readFile(good.path, 'utf8');
    // Overlapping partitions, an invalid symbol, invalid bars: each refused before anything is written.
    await expect(commitDataset({ dataDir, dataset, keep: 'all', write: [{ path: `${folder}/b/part-0000.parquet`, bars: bars(5) }] })).rejects.toThrow(
      /partitions\[1\]\.firstTime: .* must be after partitions\[0\]\.lastTime/,
    );
    await expect(commitDataset({ dataDir, dataset: { ...dataset, symbol: 'BTC USD' }, write: [{ path: `${folder}/b/part-0000.parquet`, bars: bars(5) }] })).rejects.toThrow(InvalidIdError);
    const negative = bars(5);
    (negative.low as Float64Array)[2] = -1;
    await expect(commitDataset({ dataDir, dataset, write: [{ path: `${folder}/b/part-0000.parquet`, bars: negative }] })).rejects.toThrow(BarsValidationError);
    await expect(commitDataset({ dataDir, dataset, keep: [`${folder}/nope.parquet`] })).rejects.toThrow(/keep: ".*nope.parquet" is not a partition of the current manifest/);
    expect(await readFile(good.path, 'utf8')).toBe(before);
    expect(await listFiles(path.join(dataDir, folder))).toEqual(['a/part-0000.parquet']);
  });

  it('leaves the previous dataset readable when a partition write fails midway', async () => {
    const dataDir = await tempDir();
    const good = await commitDataset({ dataDir, dataset, write: [{ path: `${folder}/a/part-0000.parquet`, bars: bars(5) }] });
    // A folder where the second new file should go makes its rename fail after the first file was written.
    await mkdir(path.join(dataDir, folder, 'c/part-0000.parquet'), { recursive: true });
    await expect(
      commitDataset({ dataDir, dataset, write: [{ path: `${folder}/b/part-0000.parquet`, bars: bars(5, day(2)) }, { path: `${folder}/c/part-0000.parquet`, bars: bars(5, day(3)) }] }),
    ).rejects.toThrow();
    expect((await loadManifest('ds', { dataDir })).manifest).toEqual(good.manifest);
    expect((await readDataset('ds', { dataDir })).bars).toEqual(bars(5));
    expect(await listFiles(path.join(dataDir, folder)), 'the file written before the failure is removed again').toEqual(['a/part-0000.parquet']);
  });

  it('sweeps temp files of crashed writers from the dataset folder and its manifest, not live ones', async () => {
    const dataDir = await tempDir();
    await commitDataset({ dataDir, dataset, write: [{ path: `${folder}/a/part-0000.parquet`, bars: bars(5) }] });
    const dead = deadPid();
    const crashed = [`${folder}/a/.part-0001.parquet.${dead}.0a1b2c3d.tmp`, `manifests/.ds.json.${dead}.0a1b2c3d.tmp`];
    const live = [`${folder}/a/.part-0002.parquet.${process.pid}.0a1b2c3d.tmp`, `manifests/.other.json.${dead}.0a1b2c3d.tmp`];
    for (const file of [...crashed, ...live]) await writeFile(path.join(dataDir, file), 'partial');
    const result = await commitDataset({ dataDir, dataset, keep: 'all', write: [{ path: `${folder}/b/part-0000.parquet`, bars: bars(5, day(2)) }] });
    expect(result.swept.map((f) => path.relative(dataDir, f)).sort()).toEqual(crashed.sort());
    for (const file of live) await expect(stat(path.join(dataDir, file))).resolves.toBeTruthy();
  });

  it('basedOn: refuses a change planned from a manifest that has changed since', async () => {
    const dataDir = await tempDir();
    const first = await commitDataset({ dataDir, dataset, write: [{ path: `${folder}/a/part-0000.parquet`, bars: bars(5) }] });
    await commitDataset({ dataDir, dataset, keep: 'all', write: [{ path: `${folder}/b/part-0000.parquet`, bars: bars(5, day(2)) }] });
    await expect(commitDataset({ dataDir, dataset, basedOn: first.manifest, keep: 'all', write: [{ path: `${folder}/c/part-0000.parquet`, bars: bars(5, day(3)) }] })).rejects.toThrow(
      DatasetChangedError,
    );
    await expect(commitDataset({ dataDir, dataset, basedOn: null, write: [{ path: `${folder}/c/part-0000.parquet`, bars: bars(5, day(3)) }] })).rejects.toThrow(DatasetChangedError);
  });

  it('waits for a live lock holder, naming it, and takes over a lock a dead process left', async () => {
    const dataDir = await tempDir();
    await mkdir(path.join(dataDir, 'manifests'), { recursive: true });
    const lock = path.join(dataDir, 'manifests/.ds.lock');
    await writeFile(lock, JSON.stringify({ pid: 1, host: hostname(), since: '2024-01-01T00:00:00.000Z' }));
    await expect(commitDataset({ dataDir, dataset, lockTimeoutMs: 200, write: [{ path: `${folder}/a/part-0000.parquet`, bars: bars(5) }] })).rejects.toThrow(
      new RegExp(`dataset "ds" is being written by process 1 on ${hostname()} since 2024-01-01T00:00:00.000Z`),
    );
    await expect(commitDataset({ dataDir, dataset, lockTimeoutMs: 200, write: [{ path: `${folder}/a/part-0000.parquet`, bars: bars(5) }] })).rejects.toThrow(DatasetLockedError);
    await writeFile(lock, JSON.stringify({ pid: deadPid(), host: hostname(), since: '2024-01-01T00:00:00.000Z' }));
    await commitDataset({ dataDir, dataset, lockTimeoutMs: 200, write: [{ path: `${folder}/a/part-0000.parquet`, bars: bars(5) }] });
    expect(await listFiles(path.join(dataDir, 'manifests'))).toEqual(['ds.json']);
  });
});

describe('updateDataset', () => {
  it('serialises concurrent read-modify-writes, so none loses another one\'s partitions', async () => {
    const dataDir = await tempDir();
    await commitDataset({ dataDir, dataset, write: [{ path: `${folder}/d01/part-0000.parquet`, bars: bars(5) }] });
    await Promise.all(
      [2, 3, 4, 5].map((d) =>
        updateDataset({ dataDir, id: 'ds' }, (current) => {
          expect(current).not.toBeNull();
          return { keep: 'all', write: [{ path: `${folder}/d0${d}/part-0000.parquet`, bars: bars(5, day(d)) }] };
        }),
      ),
    );
    const { manifest } = await loadManifest('ds', { dataDir });
    expect(manifest.partitions.map((p) => p.firstTime.slice(0, 10))).toEqual(['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04', '2024-01-05']);
  });

  it('a plan returning null changes nothing', async () => {
    const dataDir = await tempDir();
    expect(await updateDataset({ dataDir, id: 'ds' }, () => null)).toBeNull();
    expect(await listFiles(dataDir)).toEqual([]);
  });
});

describe('appendBars', () => {
  const series = bars(3 * 1440);

  it('creates a dataset, then adds bars after and before it in new files, skipping exact repeats', async () => {
    const dataDir = await tempDir();
    await expect(appendBars({ dataDir, id: 'ds', bars: series })).rejects.toThrow(DatasetNotFoundError);
    const created = await appendBars({ dataDir, id: 'ds', bars: sliceBars(series, 1440, 2880), layout: 'day', create: dataset });
    expect(created).toMatchObject({ added: 1440, overlapping: 0 });
    const after = await appendBars({ dataDir, id: 'ds', bars: sliceBars(series, 2000, 4320), layout: 'day' });
    expect(after).toMatchObject({ added: 1440, overlapping: 880 });
    const before = await appendBars({ dataDir, id: 'ds', bars: sliceBars(series, 0, 1500), layout: 'day' });
    expect(before).toMatchObject({ added: 1440, overlapping: 60 });
    const again = await appendBars({ dataDir, id: 'ds', bars: sliceBars(series, 10, 20) });
    expect(again).toMatchObject({ added: 0, overlapping: 10, commit: null });
    expect(before.manifest.partitions.map((p) => p.path)).toEqual([
      `${folder}/year=2024/month=01/day=01/part-0000.parquet`,
      `${folder}/year=2024/month=01/day=02/part-0000.parquet`,
      `${folder}/year=2024/month=01/day=03/part-0000.parquet`,
    ]);
    expect((await readDataset('ds', { dataDir })).bars).toEqual(series);
  });

  it('adds a second file to a bucket that already has one', async () => {
    const dataDir = await tempDir();
    await appendBars({ dataDir, id: 'ds', bars: sliceBars(series, 0, 100), create: dataset, layout: 'month' });
    const { manifest } = await appendBars({ dataDir, id: 'ds', bars: sliceBars(series, 100, 200), layout: 'month' });
    expect(manifest.partitions.map((p) => p.path)).toEqual([`${folder}/year=2024/month=01/part-0000.parquet`, `${folder}/year=2024/month=01/part-0001.parquet`]);
  });

  it('refuses a changed value, a bar inside the range where there was none, and other columns, writing nothing', async () => {
    const dataDir = await tempDir();
    const gappy = sliceBars(series, 0, 10);
    (gappy.time as Float64Array).set([day(1), day(1) + 60_000, day(1) + 5 * 60_000]);
    await appendBars({ dataDir, id: 'ds', bars: sliceBars(gappy, 0, 3), create: dataset });
    const before = await readFile(path.join(dataDir, 'manifests/ds.json'), 'utf8');
    const changed = sliceBars(gappy, 0, 3);
    (changed.volume as Float64Array)[1] = 7;
    await expect(appendBars({ dataDir, id: 'ds', bars: changed })).rejects.toThrow(
      'append to dataset "ds": row 1 (2024-01-01T00:01:00.000Z): volume is 7 but the dataset has 2 at that time; overlapping bars must be identical',
    );
    await expect(appendBars({ dataDir, id: 'ds', bars: sliceBars(series, 2, 4) })).rejects.toThrow(
      'append to dataset "ds": row 0 (2024-01-01T00:02:00.000Z) lies inside the dataset\'s range 2024-01-01T00:00:00.000Z → 2024-01-01T00:05:00.000Z, where it has no bar',
    );
    const extra = { ...sliceBars(series, 10, 12), trades: new Float64Array([1, 2]) };
    await expect(appendBars({ dataDir, id: 'ds', bars: extra })).rejects.toThrow('the bars have columns time,open,high,low,close,volume,trades but the dataset has time,open,high,low,close,volume');
    expect(await readFile(path.join(dataDir, 'manifests/ds.json'), 'utf8')).toBe(before);
    expect(await listFiles(path.join(dataDir, folder))).toHaveLength(1);
  });
});

describe('compactDataset', () => {
  it('merges small files into one per month and deletes them after the new manifest is written', async () => {
    const dataDir = await tempDir();
    const series = bars(2 * 1440, Date.UTC(2024, 0, 31));
    for (let start = 0; start < series.length; start += 360) {
      await appendBars({ dataDir, id: 'ds', bars: sliceBars(series, start, start + 360), layout: 'day', ...(start === 0 ? { create: dataset } : {}) });
    }
    expect((await loadManifest('ds', { dataDir })).manifest.partitions).toHaveLength(8);
    const result = await compactDataset({ dataDir, id: 'ds', layout: 'month' });
    expect(result?.manifest.partitions.map((p) => [p.path, p.rows])).toEqual([
      [`${folder}/year=2024/month=01/part-0000.parquet`, 1440],
      [`${folder}/year=2024/month=02/part-0000.parquet`, 1440],
    ]);
    expect(result?.deleted).toHaveLength(8);
    expect(await listFiles(path.join(dataDir, folder))).toEqual(['year=2024/month=01/part-0000.parquet', 'year=2024/month=02/part-0000.parquet']);
    expect((await readDataset('ds', { dataDir })).bars).toEqual(series);
    expect(await compactDataset({ dataDir, id: 'ds', layout: 'month' }), 'already compact').toBeNull();
    const years = await compactDataset({ dataDir, id: 'ds', layout: 'year' });
    expect(years?.manifest.partitions.map((p) => p.path)).toEqual([`${folder}/year=2024/part-0000.parquet`]);
  });

  it('refuses a dataset that does not exist', async () => {
    await expect(compactDataset({ dataDir: await tempDir(), id: 'nope' })).rejects.toThrow(DataError);
  });
});
