import { lstatSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isValidId } from '../paths/ids.ts';
import { readRunRecord, RUN_JSON, RunArchiveError, writeJson, type RunRecord } from './archive.ts';
import { readRunLock, RUN_LOCK, type RunLockInfo } from './lock.ts';
import { CANCEL_REQUEST } from './runFolder.ts';

/**
 * What a run is doing now. `running`: a live process holds its lock. `complete`, `failed`, `cancelled`: as
 * `run.json` says (failed and cancelled runs can be resumed). `interrupted`: `run.json` says running (or was
 * never written) but the process holding the folder is gone — killed, crashed, or the machine restarted;
 * it can be resumed too.
 */
export type RunState = 'running' | 'complete' | 'failed' | 'cancelled' | 'interrupted';

export interface RunStatusInfo {
  readonly id: string;
  readonly dir: string;
  readonly status: RunState;
  /** `run.json`, when it exists and is valid. */
  readonly record?: RunRecord;
  /** Who holds the folder's lock (a live or a vanished process). */
  readonly holder?: RunLockInfo;
  /** Last heartbeat of the holder (the lock file's modification time). */
  readonly heartbeat?: Date;
  /** Why the status is what it is, in words (e.g. `pid 4242 on box is no longer running`). */
  readonly reason: string;
}

function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** The status of one run folder, from its `run.json` and its lock. Never throws for an unreadable run.json. */
export function readRunStatus(dir: string): RunStatusInfo {
  const lock = readRunLock(dir);
  const live = lock !== undefined && (lock.state === 'alive' || lock.state === 'remote');
  let record: RunRecord | undefined;
  let recordProblem = '';
  if (exists(path.join(dir, RUN_JSON))) {
    try {
      record = readRunRecord(dir);
    } catch (error) {
      recordProblem = (error as Error).message;
    }
  } else {
    recordProblem = 'no run.json yet';
  }
  const base = {
    id: record?.id ?? path.basename(dir),
    dir,
    ...(record ? { record } : {}),
    ...(lock?.info ? { holder: lock.info } : {}),
    ...(lock ? { heartbeat: lock.heartbeat } : {}),
  };
  if (!record) {
    return live
      ? { ...base, status: 'running', reason: `starting: ${lock.reason}` }
      : { ...base, status: 'interrupted', reason: `${recordProblem}; ${lock ? lock.reason : 'no process holds its lock'}` };
  }
  if (record.status === 'complete') return { ...base, status: 'complete', reason: `finished ${record.finishedAt ?? record.updatedAt}` };
  if (live) return { ...base, status: 'running', reason: lock.reason };
  if (record.status === 'running') {
    return { ...base, status: 'interrupted', reason: `run.json says running but ${lock ? lock.reason : 'no process holds its lock'}` };
  }
  return { ...base, status: record.status, reason: record.error ?? record.status };
}

/** The status of every run folder under `out` (folders named by a valid id holding run.json or run.lock), oldest id first. */
export function listRuns(out: string): RunStatusInfo[] {
  let entries;
  try {
    entries = readdirSync(out, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory() && isValidId(e.name))
    .map((e) => path.join(out, e.name))
    .filter((dir) => exists(path.join(dir, RUN_JSON)) || exists(path.join(dir, RUN_LOCK)))
    .sort()
    .map(readRunStatus);
}

export interface CancelRunOptions {
  /** Recorded in the request and in the run's error, e.g. `cancelled from the studio`. */
  readonly reason?: string;
  /**
   * Also send this signal to the holder when it runs on this host (e.g. `SIGTERM` for a `tradecore run`
   * process). Leave unset for runs hosted inside a long-lived process (a server, a worker): the request
   * file alone stops them.
   */
  readonly signal?: NodeJS.Signals;
}

/**
 * Asks the process running `dir` to stop: writes `cancel.request` into the folder, which the run polls
 * every second; it stops after its current training update, marks itself `cancelled` (resumable from its
 * last checkpoint) and releases the lock. Works from any process and any host that sees the folder.
 * Throws when the run is not running. Returns the holder it asked.
 */
export async function cancelRun(dir: string, options: CancelRunOptions = {}): Promise<RunLockInfo> {
  const status = readRunStatus(dir);
  if (status.status !== 'running' || !status.holder) throw new RunArchiveError(`${dir}: not running (${status.status}: ${status.reason})`);
  await writeJson(path.join(dir, CANCEL_REQUEST), {
    requestedAt: new Date().toISOString(),
    by: { pid: process.pid, host: os.hostname() },
    ...(options.reason ? { reason: options.reason } : {}),
  });
  if (options.signal && status.holder.host === os.hostname()) {
    try {
      process.kill(status.holder.pid, options.signal);
    } catch {
      // gone meanwhile: the request file is harmless (swept at the next open)
    }
  }
  return status.holder;
}
