import { hostname } from 'node:os';
import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isProcessAlive } from './_fs.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataError } from './errors.ts';

/** Another process is writing the same dataset and did not finish within the wait. */
export class DatasetLockedError extends DataError {
  override name = 'DatasetLockedError';
}

interface LockHolder {
  pid: number;
  host: string;
  since: string;
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const json = JSON.parse(await readFile(file, 'utf8')) as Partial<LockHolder>;
    return typeof json.pid === 'number' && typeof json.host === 'string' && typeof json.since === 'string' ? (json as LockHolder) : undefined;
  } catch {
    return undefined;
  }
}

/** A lock whose holder is a dead process on this host, or whose content was never written (a crash while taking it). */
async function isStale(file: string, holder: LockHolder | undefined): Promise<boolean> {
  if (holder) return holder.host === hostname() && holder.pid !== process.pid && !isProcessAlive(holder.pid);
  try {
    return Date.now() - (await stat(file)).mtimeMs > 10_000;
  } catch {
    return false;
  }
}

/**
 * Runs `fn` holding an exclusive lock file (`O_EXCL` create; pid, host and start time inside). A lock left by
 * a dead process on this host is taken over; a live holder is waited for up to `timeoutMs`, then the error
 * names it. In-process callers are serialised too.
 */
export async function withLock<T>(file: string, what: string, fn: () => Promise<T>, { timeoutMs = 60_000 } = {}): Promise<T> {
  const previous = inProcess.get(file) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const chained = previous.then(() => mine);
  inProcess.set(file, chained);
  await previous;
  try {
    await acquire(file, what, timeoutMs);
    try {
      return await fn();
    } finally {
      await rm(file, { force: true });
    }
  } finally {
    release();
    if (inProcess.get(file) === chained) inProcess.delete(file);
  }
}

const inProcess = new Map<string, Promise<void>>();

async function acquire(file: string, what: string, timeoutMs: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies LockHolder));
      } finally {
        await handle.close();
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw new DataError(`cannot take the lock ${file}: ${(error as Error).message}`, { cause: error });
    }
    const holder = await readHolder(file);
    if (await isStale(file, holder)) {
      // Re-read right before removing, so a lock another process has just retaken is left alone.
      const again = await readHolder(file);
      if (JSON.stringify(again) === JSON.stringify(holder)) await rm(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder ? `process ${holder.pid} on ${holder.host} since ${holder.since}` : 'another process';
      throw new DatasetLockedError(`${what} is being written by ${who} (lock ${file}); wait for it to finish, or remove the lock file if that process is gone`);
    }
    await sleep(wait);
  }
}
