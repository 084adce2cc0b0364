import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidIdError, UnsafePathError } from '../paths/index.ts';
import { appendBars } from './append.ts';
import { commitDataset } from './commit.ts';
import { DataError } from './errors.ts';
import { readDataset, writeDataset } from './lake.ts';
import { loadManifest } from './manifest.ts';
import { minuteBars, tempDir } from './_testing.ts';

/** Pieces hostile ids are made of: traversal, separators, NUL, unicode, absolute paths, encodings. */
const piece = fc.oneof(
  fc.constantFrom('..', '.', '/', '\\', '\0', '', ' ', '/etc/passwd', 'C:\\x', '%2e%2e', '..%2f', 'é', '🙂', '\u202e', 'BTC', 'usd', '-', '1m', 'a'.repeat(130)),
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const hostile = fc.array(piece, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(''));

/** Every entry below `dir`, relative, without following symlinks. */
async function tree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}

const expectedRefusal = (error: unknown) => error instanceof InvalidIdError || error instanceof UnsafePathError || error instanceof DataError;

describe('hostile ids through the real write API (property)', () => {
  it('random ids, sources, symbols and timeframes never put a file outside <dataDir>/lake and <dataDir>/manifests', async () => {
    const sandbox = await tempDir();
    const dataDir = path.join(sandbox, 'a', 'b', 'data');
    await mkdir(path.join(sandbox, 'a', 'b', 'outside'), { recursive: true });
    await writeFile(path.join(sandbox, 'package.json'), 'sentinel');
    const outsideBefore = (await tree(sandbox)).filter((p) => !p.startsWith('a/b/data'));
    const bars = minuteBars(3);
    await fc.assert(
      fc.asyncProperty(
        fc.record({ id: fc.option(hostile, { nil: undefined }), source: hostile, symbol: hostile, timeframe: fc.oneof(hostile, fc.constant('1m')) }),
        async ({ id, source, symbol, timeframe }) => {
          try {
            const manifest = await writeDataset(bars, { dataDir, source, symbol, timeframe, ...(id !== undefined ? { id } : {}) });
            // What was accepted is a valid id set, and reads back.
            expect((await loadManifest(manifest.id, { dataDir })).manifest).toEqual(manifest);
          } catch (error) {
            if (!expectedRefusal(error)) throw error;
          }
          const after = (await tree(sandbox)).filter((p) => !p.startsWith('a/b/data'));
          expect(after).toEqual(outsideBefore);
          for (const entry of await tree(dataDir).catch(() => [])) expect(entry === 'lake' || entry === 'manifests' || entry.startsWith('lake/') || entry.startsWith('manifests/'), entry).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
    // Valid pieces still work through the same call.
    expect((await writeDataset(bars, { dataDir, source: 'fine', symbol: 'btc/usd', timeframe: '1m' })).partitions[0]?.path).toBe('lake/fine/BTC-USD/1m/year=2024/part-0000.parquet');
  });

  it('random partition paths given to commitDataset and appendBars are refused unless they stay in the dataset folder', async () => {
    const sandbox = await tempDir();
    const dataDir = path.join(sandbox, 'data');
    const dataset = { id: 'ds', source: 'test', symbol: 'BTC-USD', timeframe: '1m' };
    await commitDataset({ dataDir, dataset, write: [{ path: 'lake/test/BTC-USD/1m/year=2024/part-0000.parquet', bars: minuteBars(3) }] });
    const segment = fc.oneof(piece, fc.constantFrom('year=2024', 'lake', 'test', 'BTC-USD', '1m', 'part-0001.parquet'));
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 7 }), fc.boolean(), async (segments, prefixed) => {
        const rel = (prefixed ? ['lake', 'test', 'BTC-USD', '1m', ...segments] : segments).join('/');
        try {
          await commitDataset({ dataDir, dataset, keep: 'all', write: [{ path: rel, bars: minuteBars(2, Date.UTC(2024, 0, 2)) }] });
          expect(rel.startsWith('lake/test/BTC-USD/1m/') && !rel.split('/').includes('..')).toBe(true);
          await commitDataset({ dataDir, dataset, keep: ['lake/test/BTC-USD/1m/year=2024/part-0000.parquet'] });
        } catch (error) {
          if (!expectedRefusal(error)) throw error;
        }
        expect((await tree(sandbox)).every((p) => p === 'data' || p.startsWith('data/'))).toBe(true);
        expect((await readDataset('ds', { dataDir })).bars.length).toBe(3);
      }),
      { numRuns: 200 },
    );
    await expect(appendBars({ dataDir, id: '../ds', bars: minuteBars(1) })).rejects.toThrow(InvalidIdError);
  });
});
