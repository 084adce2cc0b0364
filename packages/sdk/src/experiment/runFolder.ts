import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { assertId, quote } from '../paths/ids.ts';
import { resolveInside } from '../paths/resolveInside.ts';
import { newRunId, readRunRecord, RUN_JSON, RunArchiveError, writeRunRecord, type RunRecord } from './archive.ts';
import { ensureDirectory, errnoOf, toFileSystemError } from './fsErrors.ts';
import { acquireRunLock, LOCK_HEARTBEAT_MS, RUN_LOCK, RunLock } from './lock.ts';

/** Written into a run folder by `cancelRun`; the run polls for it and stops after its current update. */
export const CANCEL_REQUEST = 'cancel.request';
const CANCEL_POLL_MS = 1000;

/** Temp names of every atomic write of a run (`.<name>.<pid>.<8 hex>.tmp`, files and checkpoint folders) and lock attempts. */
const TEMP_NAME = /^\..+\.\d+\.[0-9a-f]{8}\.tmp$/;
const PENDING_LOCK = /^run\.lock\.[0-9a-f]{16}\.pending$/;

/**
 * Removes what interrupted writes left in a run folder: temp files and temp checkpoint folders of atomic
 * writes, and abandoned lock attempts. Only call it while holding the folder's lock (then no other writer
 * can own them). Symlinks are never followed. Returns the removed paths, relative to `dir`.
 */
export function sweepTempFiles(dir: string): string[] {
  const removed: string[] = [];
  const walk = (folder: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(folder, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(folder, entry.name);
      if (TEMP_NAME.test(entry.name) || (depth === 0 && PENDING_LOCK.test(entry.name))) {
        rmSync(full, { recursive: entry.isDirectory(), force: true });
        removed.push(path.relative(dir, full));
      } else if (entry.isDirectory() && depth < 4) {
        walk(full, depth + 1);
      }
    }
  };
  walk(dir, 0);
  return removed;
}

type ExitHandler = (code: number) => void;
const open = new Set<RunFolder>();
function onProcessExit(code: number): void {
  for (const folder of [...open]) folder.exitNow(code);
}

/**
 * A run folder this process writes: holds its lock (refreshing the heartbeat), watches for cancel requests,
 * saves `run.json` in order, and — if the process exits with the run unfinished (`process.exit`, an uncaught
 * error, a second Ctrl-C) — records that synchronously and releases the lock on the way out.
 */
export class RunFolder {
  readonly #controller = new AbortController();
  readonly #timer: NodeJS.Timeout;
  #pending: Promise<void> = Promise.resolve();
  #record: RunRecord | undefined;
  #onExit: ExitHandler | undefined;
  #closed = false;

  constructor(
    readonly dir: string,
    readonly lock: RunLock,
    /** Paths (relative to `dir`) of temp files left by an interrupted write, removed when the folder was opened. */
    readonly swept: readonly string[],
  ) {
    let ticks = 0;
    this.#timer = setInterval(() => {
      ticks += 1;
      if (!this.#controller.signal.aborted && existsQuiet(path.join(dir, CANCEL_REQUEST))) {
        this.#controller.abort(new RunArchiveError(cancelReason(path.join(dir, CANCEL_REQUEST))));
      }
      if ((ticks * CANCEL_POLL_MS) % LOCK_HEARTBEAT_MS === 0) lock.touch();
    }, CANCEL_POLL_MS);
    this.#timer.unref();
    if (open.size === 0) process.on('exit', onProcessExit);
    open.add(this);
  }

  /** Aborted when another process asks this run to stop (see `cancelRun`). */
  get cancelRequested(): AbortSignal {
    return this.#controller.signal;
  }

  /** The record `saveRecord` writes; `onExit` runs if the process exits before `close`. */
  track(record: RunRecord, onExit: ExitHandler): void {
    this.#record = record;
    this.#onExit = onExit;
  }

  /** Writes `run.json` after any write still in flight, so a late progress write never lands after the last one. */
  saveRecord(): Promise<void> {
    const record = this.#record;
    if (!record) return Promise.reject(new RunArchiveError('saveRecord before track'));
    this.#pending = this.#pending
      .catch(() => {})
      .then(async () => {
        this.lock.assertHeld();
        await writeRunRecord(this.dir, record);
      });
    return this.#pending;
  }

  /** Called by the process `exit` hook: the run did not finish, so say so before the process is gone. */
  exitNow(code: number): void {
    if (this.#closed) return;
    try {
      if (this.lock.held) this.#onExit?.(code);
    } catch {
      // Nothing more can be done while exiting; the released lock still tells readers the run stopped.
    }
    this.close();
  }

  /** Stops the heartbeat, releases the lock and forgets any cancel request. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    open.delete(this);
    if (open.size === 0) process.off('exit', onProcessExit);
    if (this.lock.held) rmSync(path.join(this.dir, CANCEL_REQUEST), { force: true });
    this.lock.release();
  }
}

function cancelReason(file: string): string {
  try {
    const request = JSON.parse(readFileSync(file, 'utf8')) as { reason?: unknown; by?: { pid?: unknown; host?: unknown } };
    const by = request.by ? ` by pid ${String(request.by.pid)} on ${String(request.by.host)}` : '';
    return `cancel requested${by}${typeof request.reason === 'string' ? `: ${quote(request.reason)}` : ''}`;
  } catch {
    return `cancel requested (${file})`;
  }
}

function existsQuiet(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Entries a folder may hold and still count as "nothing recorded yet". */
function onlyLeftovers(dir: string): boolean {
  return readdirSync(dir).every((name) => name === RUN_LOCK || name === `${RUN_LOCK}.takeover` || name === CANCEL_REQUEST || TEMP_NAME.test(name) || PENDING_LOCK.test(name));
}

function openLocked(dir: string, log: (line: string) => void): RunFolder {
  const lock = acquireRunLock(dir, (reason) => log(`${dir}: taking over an abandoned lock (${reason})`));
  try {
    const swept = sweepTempFiles(dir);
    if (swept.length > 0) log(`${dir}: removed ${swept.length} temp file(s) left by an interrupted write: ${swept.slice(0, 5).join(', ')}${swept.length > 5 ? ', …' : ''}`);
    rmSync(path.join(dir, CANCEL_REQUEST), { force: true });
    return new RunFolder(dir, lock, swept);
  } catch (error) {
    lock.release();
    throw error;
  }
}

export interface CreateRunFolderOptions {
  /** A chosen run id (e.g. a sweep's trial id); default a new `<time>-s<seed>-<8 hex>` id. */
  readonly id?: string;
  readonly seed: number;
  readonly log?: (line: string) => void;
}

/**
 * Creates `<out>/<id>/` and takes its lock. The folder is made with a non-recursive mkdir, so two runs can
 * never share one: a generated id that exists is drawn again; a chosen id that exists is refused (resume
 * it instead) unless its folder holds nothing but the leftovers of a process killed before it recorded
 * anything.
 */
export function createRunFolder(out: string, { id, seed, log = () => {} }: CreateRunFolderOptions): { id: string; folder: RunFolder } {
  ensureDirectory(out);
  if (id !== undefined) {
    assertId(id, 'run id');
    const dir = resolveInside(out, id, 'run id');
    try {
      mkdirSync(dir);
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw toFileSystemError(error, 'create folder', dir);
      if (!lstatSync(dir).isDirectory()) throw new RunArchiveError(`run id ${id}: ${dir} exists and is not a folder`);
      const folder = openLocked(dir, log);
      if (onlyLeftovers(dir)) return { id, folder };
      folder.close();
      let status = '';
      try {
        status = ` (status ${readRunRecord(dir).status})`;
      } catch {
        // not a run, or unreadable: the message below still says what to do
      }
      const hasRecord = existsQuiet(path.join(dir, RUN_JSON));
      throw new RunArchiveError(
        hasRecord
          ? `run ${id} already exists in ${out}${status}: continue it with --resume ${id} (runExperiment({ resume })), or choose another id`
          : `run id ${id}: ${dir} already exists and is not a run folder; choose another id`,
      );
    }
    return { id, folder: openLocked(dir, log) };
  }
  for (let attempt = 0; attempt < 16; attempt++) {
    const candidate = newRunId(seed);
    const dir = path.join(out, candidate);
    try {
      mkdirSync(dir);
    } catch (error) {
      if (errnoOf(error) === 'EEXIST') continue;
      throw toFileSystemError(error, 'create folder', dir);
    }
    return { id: candidate, folder: openLocked(dir, log) };
  }
  throw new RunArchiveError(`${out}: could not create a new run folder (16 ids taken in a row)`);
}

/** Takes the lock of an existing run folder (to resume it): refused while another process writes it. */
export function openRunFolder(dir: string, log: (line: string) => void = () => {}): RunFolder {
  return openLocked(dir, log);
}
