import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { errnoOf, toFileSystemError } from './fsErrors.ts';
import { RunArchiveError } from './archive.ts';

/** The lock file of a run folder: exists while one process writes the folder. */
export const RUN_LOCK = 'run.lock';
const TAKEOVER_DIR = `${RUN_LOCK}.takeover`;
/** A lock held from another host counts as abandoned once its heartbeat is this old. */
export const FOREIGN_LOCK_STALE_MS = 10 * 60_000;
/** The holder refreshes the lock file's modification time this often. */
export const LOCK_HEARTBEAT_MS = 15_000;
const TAKEOVER_STALE_MS = 30_000;

/** `run.lock`: who writes the folder. */
export interface RunLockInfo {
  readonly format: 'tradecore-lock/1';
  readonly pid: number;
  readonly host: string;
  readonly startedAt: string;
  /** Random; tells this holder apart from a later one with the same pid. */
  readonly token: string;
  /** Linux: the holder's boot id and process start time, so a reused pid is not mistaken for the holder. */
  readonly bootId?: string;
  readonly processStart?: string;
  /** The holder's command line, for the refusal message. */
  readonly command: string;
}

/**
 * Whether the holder of a lock still runs: `alive` (this host, pid running), `remote` (another host,
 * heartbeat recent: assumed alive), `gone` (this host, pid not running or reused, or the machine rebooted),
 * `stale` (another host, no heartbeat for {@link FOREIGN_LOCK_STALE_MS}, or an unreadable lock file).
 */
export type HolderState = 'alive' | 'remote' | 'gone' | 'stale';

/** A second writer was refused: `holder` names who has the folder. */
export class RunLockedError extends RunArchiveError {
  override name = 'RunLockedError';
  constructor(
    readonly dir: string,
    readonly holder: RunLockInfo | undefined,
    detail: string,
  ) {
    super(`${dir} is in use: ${detail}. One process at a time writes a run folder; wait for it to finish, or stop it with: tradecore runs cancel ${dir}`);
  }
}

function readProcFile(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat: start time in clock ticks since boot (Linux only). */
function processStart(pid: number | 'self'): string | undefined {
  const stat = readProcFile(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

let ownIdentity: { bootId?: string; processStart?: string } | undefined;
function identity(): { bootId?: string; processStart?: string } {
  if (!ownIdentity) {
    const bootId = readProcFile('/proc/sys/kernel/random/boot_id');
    const start = processStart('self');
    ownIdentity = { ...(bootId ? { bootId } : {}), ...(start ? { processStart: start } : {}) };
  }
  return ownIdentity;
}

function commandLine(): string {
  const args = process.argv.slice(1).map((a) => (a.includes(path.sep) && a.length > 40 ? path.basename(a) : a));
  const text = args.join(' ');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function parseLock(text: string): RunLockInfo | undefined {
  try {
    const value = JSON.parse(text) as Partial<RunLockInfo>;
    if (value.format !== 'tradecore-lock/1' || !Number.isSafeInteger(value.pid) || (value.pid ?? 0) <= 0) return undefined;
    if (typeof value.host !== 'string' || typeof value.token !== 'string' || typeof value.startedAt !== 'string') return undefined;
    return { command: '', ...value } as RunLockInfo;
  } catch {
    return undefined;
  }
}

interface LockSnapshot {
  readonly text: string;
  readonly info: RunLockInfo | undefined;
  readonly mtimeMs: number;
}

function snapshot(dir: string): LockSnapshot | undefined {
  const file = path.join(dir, RUN_LOCK);
  try {
    const text = readFileSync(file, 'utf8');
    return { text, info: parseLock(text), mtimeMs: statSync(file).mtimeMs };
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw toFileSystemError(error, 'read', file);
  }
}

/** The lock of a run folder, or undefined when nobody holds it. `info` is undefined when the file is unreadable. */
export function readRunLock(dir: string): { info: RunLockInfo | undefined; heartbeat: Date; state: HolderState; reason: string } | undefined {
  const snap = snapshot(dir);
  if (!snap) return undefined;
  const { state, reason } = holderState(snap);
  return { info: snap.info, heartbeat: new Date(snap.mtimeMs), state, reason };
}

function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errnoOf(error) === 'EPERM';
  }
}

function holderState(snap: LockSnapshot, now = Date.now()): { state: HolderState; reason: string } {
  const info = snap.info;
  if (!info) return { state: 'stale', reason: 'the lock file is unreadable' };
  const who = `pid ${info.pid} on ${info.host}`;
  if (info.host !== os.hostname()) {
    const age = now - snap.mtimeMs;
    return age > FOREIGN_LOCK_STALE_MS
      ? { state: 'stale', reason: `${who}: no heartbeat for ${Math.round(age / 60_000)} min` }
      : { state: 'remote', reason: `${who} (another host; heartbeat ${Math.round(age / 1000)} s ago)` };
  }
  const self = identity();
  if (info.bootId && self.bootId && info.bootId !== self.bootId) return { state: 'gone', reason: `${who} ran before the machine restarted` };
  if (!pidRunning(info.pid)) return { state: 'gone', reason: `${who} is no longer running` };
  if (info.processStart) {
    const start = processStart(info.pid);
    if (start && start !== info.processStart) return { state: 'gone', reason: `${who} is no longer running (the pid now belongs to another process)` };
  }
  return { state: 'alive', reason: `${who} (${info.command || 'unknown command'}, since ${info.startedAt})` };
}

/** A held lock. `release` is idempotent; `assertHeld` throws when another process took the folder over. */
export class RunLock {
  #released = false;
  constructor(
    readonly dir: string,
    readonly info: RunLockInfo,
  ) {}

  get file(): string {
    return path.join(this.dir, RUN_LOCK);
  }

  get held(): boolean {
    if (this.#released) return false;
    return snapshot(this.dir)?.info?.token === this.info.token;
  }

  assertHeld(): void {
    if (this.#released) throw new RunArchiveError(`${this.dir}: the run folder lock was already released`);
    const snap = snapshot(this.dir);
    if (snap?.info?.token !== this.info.token) {
      throw new RunLockedError(this.dir, snap?.info, snap?.info ? `the lock now belongs to pid ${snap.info.pid} on ${snap.info.host}` : 'its lock file was removed');
    }
  }

  /** Refreshes the heartbeat (the lock file's modification time). */
  touch(): void {
    if (this.#released) return;
    const now = new Date();
    try {
      utimesSync(this.file, now, now);
    } catch {
      // A missing lock is reported by assertHeld at the next write.
    }
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    try {
      if (snapshot(this.dir)?.info?.token === this.info.token) unlinkSync(this.file);
    } catch {
      // Best effort: a lock whose holder is gone is detected as such.
    }
  }
}

function tryLink(dir: string, info: RunLockInfo): boolean {
  const pending = path.join(dir, `${RUN_LOCK}.${info.token}.pending`);
  try {
    writeFileSync(pending, `${JSON.stringify(info, null, 2)}\n`, { flag: 'wx' });
  } catch (error) {
    throw toFileSystemError(error, 'write', pending);
  }
  try {
    // link() fails with EEXIST when the lock exists: the lock appears complete, and only one process wins.
    linkSync(pending, path.join(dir, RUN_LOCK));
    return true;
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') return false;
    throw toFileSystemError(error, 'create', path.join(dir, RUN_LOCK));
  } finally {
    try {
      unlinkSync(pending);
    } catch {
      // swept later
    }
  }
}

/** Removes a lock judged abandoned, unless it changed since it was judged (then someone else got there first). */
function takeOver(dir: string, stale: LockSnapshot): void {
  const guard = path.join(dir, TAKEOVER_DIR);
  try {
    mkdirSync(guard);
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw toFileSystemError(error, 'create', guard);
    let age = 0;
    try {
      age = Date.now() - statSync(guard).mtimeMs;
    } catch {
      return;
    }
    if (age < TAKEOVER_STALE_MS) throw new RunLockedError(dir, stale.info, 'another process is taking over its abandoned lock');
    rmSync(guard, { recursive: true, force: true });
    mkdirSync(guard);
  }
  try {
    const current = snapshot(dir);
    if (current && current.text === stale.text) unlinkSync(path.join(dir, RUN_LOCK));
  } finally {
    rmSync(guard, { recursive: true, force: true });
  }
}

/**
 * Takes the exclusive lock of a run folder: `run.lock` (pid, host, start time, token) is created with
 * `link()`, which only one process can win. A lock whose holder is gone (dead pid on this host, a reused pid,
 * a reboot, or no heartbeat from another host for {@link FOREIGN_LOCK_STALE_MS}) is taken over; a live one
 * is refused with a {@link RunLockedError} naming its holder.
 */
export function acquireRunLock(dir: string, onTakeOver?: (reason: string) => void): RunLock {
  const info: RunLockInfo = {
    format: 'tradecore-lock/1',
    pid: process.pid,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
    ...identity(),
    command: commandLine(),
  };
  for (let attempt = 0; attempt < 8; attempt++) {
    if (tryLink(dir, info)) return new RunLock(dir, info);
    const snap = snapshot(dir);
    if (!snap) continue;
    const { state, reason } = holderState(snap);
    if (snap.info?.token === info.token) return new RunLock(dir, info);
    if (state === 'alive' || state === 'remote') {
      const same = snap.info && snap.info.pid === process.pid && snap.info.host === info.host;
      throw new RunLockedError(dir, snap.info, same ? `this process already writes it (since ${snap.info!.startedAt})` : `held by ${reason}`);
    }
    onTakeOver?.(reason);
    takeOver(dir, snap);
  }
  throw new RunLockedError(dir, snapshot(dir)?.info, 'the lock kept changing hands while taking it');
}
