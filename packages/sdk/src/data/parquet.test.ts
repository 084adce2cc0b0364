import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from './errors.ts';
import { int64ToMs, msToInt64, readParquetTable, writeParquetTable } from './parquet.ts';
import { listFiles, tempDir } from './_testing.ts';

describe('parquet IO', () => {
  it('round-trips every primitive column type, timestamps and strings', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'ledger.parquet');
    const time = new Float64Array([Date.UTC(2024, 0, 1), Date.UTC(2024, 0, 1, 0, 1), Date.UTC(2030, 5, 1)]);
    const columns = {
      time,
      price: new Float64Array([1.5, -2.25, Number.MAX_VALUE]),
      ratio: new Float32Array([0.5, 1, 2]),
      step: new BigInt64Array([1n, -2n, 9007199254740993n]),
      action: new Int32Array([0, 3, -7]),
      flag: new Uint8Array([0, 1, 255]),
      label: ['hold', 'long', 'close'],
    };
    const written = await writeParquetTable(file, columns, { timestampMs: ['time'] });
    expect(written.rows).toBe(3);
    expect(written.sha256).toMatch(/^[0-9a-f]{64}$/);

    const table = await readParquetTable(file);
    expect(table.numRows).toBe(3);
    expect(table.types).toMatchObject({ time: 'timestamp[ms, UTC]', price: 'float64', step: 'int64', action: 'int32', label: 'utf8' });
    expect(int64ToMs(table.columns.time as BigInt64Array)).toEqual(time);
    expect(table.columns.price).toEqual(columns.price);
    expect(table.columns.ratio).toEqual(columns.ratio);
    expect(table.columns.step).toEqual(columns.step);
    expect(table.columns.action).toEqual(columns.action);
    expect(table.columns.flag).toEqual(columns.flag);
    expect(table.columns.label).toEqual(['hold', 'long', 'close']);
    expect(await listFiles(dir), 'no temp file is left behind').toEqual(['ledger.parquet']);
  });

  it('uses the fast path for numeric tables (typed arrays, not copies of Arrow vectors)', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'x.parquet');
    const close = Float64Array.from({ length: 5000 }, (_, i) => 100 + Math.sin(i));
    await writeParquetTable(file, { close, n: Int32Array.from({ length: 5000 }, (_, i) => i) });
    const table = await readParquetTable(file);
    expect(table.types).toEqual({ close: 'float64', n: 'int32' });
    expect(table.columns.close).toEqual(close);
    expect((table.columns.n as Int32Array)[4999]).toBe(4999);
  });

  it('hands every numeric column out as float64 on request, exactly', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'wide.parquet');
    const time = new Float64Array([0, 4294967296, Date.UTC(2024, 0, 1), 2 ** 53 - 1]);
    await writeParquetTable(file, { time, step: new BigInt64Array([-1n, 2n, -(2n ** 40n), 7n]), n: new Int32Array([-5, 0, 5, 2147483647]), label: ['a', 'b', 'c', 'd'] }, { timestampMs: ['time'] });
    const fast = await readParquetTable(file, { numbersAsFloat64: true });
    expect(fast.columns.time).toEqual(time);
    expect(fast.columns.step).toEqual(new Float64Array([-1, 2, -(2 ** 40), 7]));
    expect(fast.columns.n).toEqual(new Float64Array([-5, 0, 5, 2147483647]));
    expect(fast.columns.label).toEqual(['a', 'b', 'c', 'd']);
    const numeric = path.join(dir, 'numeric.parquet');
    await writeParquetTable(numeric, { time, n: new Int32Array([-5, 0, 5, 2147483647]) }, { timestampMs: ['time'] });
    const direct = await readParquetTable(numeric, { numbersAsFloat64: true });
    expect(direct.columns.time).toEqual(time);
    expect(direct.columns.n).toEqual(new Float64Array([-5, 0, 5, 2147483647]));
    expect(direct.types).toEqual({ time: 'timestamp[ms, UTC]', n: 'int32' });
  });

  it('writes identical bytes for identical columns', async () => {
    const dir = await tempDir();
    const columns = { a: Float64Array.from({ length: 1000 }, (_, i) => i / 7), t: msToInt64(Float64Array.from({ length: 1000 }, (_, i) => i * 60_000)) };
    const first = await writeParquetTable(path.join(dir, 'a.parquet'), columns, { timestampMs: ['t'], compression: 'zstd' });
    const second = await writeParquetTable(path.join(dir, 'b.parquet'), columns, { timestampMs: ['t'], compression: 'zstd' });
    expect(second.sha256).toBe(first.sha256);
    expect(await readFile(path.join(dir, 'b.parquet'))).toEqual(await readFile(path.join(dir, 'a.parquet')));
  });

  it('converts ms ↔ int64 exactly, including negative and large values', () => {
    const ms = new Float64Array([0, 1, -1, 4294967296, -4294967297, 2 ** 53 - 1, 1_700_000_000_123]);
    expect(Array.from(msToInt64(ms), Number)).toEqual(Array.from(ms));
    expect(int64ToMs(msToInt64(ms))).toEqual(ms);
  });

  it('rejects columns of different lengths and unreadable files, writing nothing', async () => {
    const dir = await tempDir();
    await expect(writeParquetTable(path.join(dir, 'bad.parquet'), { a: new Float64Array(3), b: new Float64Array(2) })).rejects.toThrow(
      /bad\.parquet: column "b" has 2 rows, expected 3 like "a"/,
    );
    expect(await listFiles(dir)).toEqual([]);
    await writeFile(path.join(dir, 'junk.parquet'), 'not parquet');
    await expect(readParquetTable(path.join(dir, 'junk.parquet'))).rejects.toThrow(DataError);
    await expect(readParquetTable(path.join(dir, 'junk.parquet'))).rejects.toThrow(/junk\.parquet is not a readable parquet file/);
  });
});
