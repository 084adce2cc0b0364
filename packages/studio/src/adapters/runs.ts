/**
 * Run status and control through the SDK's run-folder protocol (`run.lock`, `cancel.request`): the panel shows
 * what `tradecore runs` shows, for runs it started and for runs started anywhere else on the same runs folder.
 */
import { cancelRun, readRunRecord, readRunStatus, type RunRecord, type RunState } from '@tradecore/sdk';
import type { RunStatus } from '../api.ts';

export type { RunRecord };

export function readRecord(dir: string): RunRecord {
  return readRunRecord(dir);
}

/** The status of a run folder: `running` while a live process holds its lock, else what `run.json` says. */
export function statusOf(dir: string): RunStatus {
  const state: RunState = readRunStatus(dir).status;
  return state;
}

/** Whether the panel can stop this run: a live process holds it (here, elsewhere on this host, or on another host). */
export function canCancel(status: RunStatus): boolean {
  return status === 'running';
}

export function canResume(status: RunStatus): boolean {
  return status === 'failed' || status === 'cancelled' || status === 'interrupted';
}

/**
 * Asks the process that holds the run to stop: it finishes its current training update, keeps its checkpoint,
 * marks the run `cancelled` (resumable) and releases the lock. Throws when the run is not running.
 */
export async function requestCancel(dir: string): Promise<void> {
  await cancelRun(dir, { reason: 'cancelled from the studio' });
}
