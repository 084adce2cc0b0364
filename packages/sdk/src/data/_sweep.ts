import { lstat, readdir, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from './_fs.ts';

/** Temp names made by `tempPathFor`: `.<name>.<pid>.<8 hex>.tmp`. */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** A temp file a crashed writer left: our naming, and its process is gone (never this process's own). */
export function isStaleTemp(name: string): boolean {
  const match = TEMP_NAME.exec(name);
  if (!match) return false;
  const pid = Number(match[1]);
  return pid !== process.pid && !isProcessAlive(pid);
}

/**
 * Removes stale temp files (see {@link isStaleTemp}) in `dir` and, when `recursive`, in its sub-folders.
 * Symlinks are never followed and only regular files are removed. Returns the removed paths.
 */
export async function sweepTempFiles(dir: string, { recursive = true, only }: { recursive?: boolean; only?: (name: string) => boolean } = {}): Promise<string[]> {
  const removed: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return removed;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && recursive) removed.push(...(await sweepTempFiles(full, { recursive, ...(only ? { only } : {}) })));
    else if (entry.isFile() && isStaleTemp(entry.name) && (!only || only(entry.name))) {
      await rm(full, { force: true });
      removed.push(full);
    }
  }
  return removed;
}

/** Removes `dir` and then its parents while they are empty, stopping at `stop` (never removed). */
export async function removeEmptyFolders(dir: string, stop: string): Promise<void> {
  let current = dir;
  while (current.startsWith(`${stop}${path.sep}`)) {
    try {
      if (!(await lstat(current)).isDirectory()) return;
      await rmdir(current);
    } catch {
      return;
    }
    current = path.dirname(current);
  }
}
