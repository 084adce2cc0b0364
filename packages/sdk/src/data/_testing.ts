import { existsSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bars } from '../features/types.ts';

/** Repository root, from this file's location (packages/sdk/src/data). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The shared real-data folder beside the repository (absent on some machines). */
export const SHARED_DATA = path.resolve(REPO_ROOT, '../shared/data');

export function sharedFile(...parts: string[]): { file: string; exists: boolean } {
  const file = path.join(SHARED_DATA, ...parts);
  const exists = existsSync(file);
  if (!exists) console.warn(`[skip] ${file} not found: tests on shared real data are skipped`);
  return { file, exists };
}

export function tempDir(prefix = 'tradecore-data-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Every file under `dir`, relative, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** A small valid 1-minute series starting at `start`. */
export function minuteBars(count: number, start = Date.UTC(2024, 0, 1)): Bars {
  const time = new Float64Array(count);
  const open = new Float64Array(count);
  const high = new Float64Array(count);
  const low = new Float64Array(count);
  const close = new Float64Array(count);
  const volume = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    time[i] = start + i * 60_000;
    open[i] = 100 + i;
    close[i] = 100.5 + i;
    high[i] = 101 + i;
    low[i] = 99.5 + i;
    volume[i] = 1 + (i % 3);
  }
  return { length: count, time, open, high, low, close, volume };
}
