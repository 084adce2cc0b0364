/**
 * Run status and control, in one place so the panel follows the SDK's run-folder protocol as it grows.
 *
 * Today `run.json` says `running | complete | failed`. A `running` record whose process is gone is shown as
 * `interrupted`; that is known for runs this panel started (their pid and process start time are in the launch
 * record). A failed run whose cancel was asked for here is shown as `cancelled`.
 */
import { readRunRecord, type RunRecord } from '@tradecore/sdk';
import type { RunStatus } from '../api.ts';
import { isLaunchAlive, type LaunchRecord } from '../launches.ts';

export type { RunRecord };

export function readRecord(dir: string): RunRecord {
  return readRunRecord(dir);
}

/** The status the panel shows for a run record and, when the panel started it, its launch. */
export function statusOf(record: RunRecord, launch: LaunchRecord | undefined): RunStatus {
  const recorded = record.status as string;
  if (recorded === 'complete') return 'complete';
  if (recorded === 'cancelled' || recorded === 'interrupted') return recorded;
  if (recorded === 'failed') return launch?.cancelRequestedAt !== undefined && launch.cancelRequestedAt >= launch.startedAt ? 'cancelled' : 'failed';
  if (launch && !isLaunchAlive(launch)) return 'interrupted';
  return 'running';
}

/** Whether the panel can stop this run: it is running and the panel knows its process. */
export function canCancel(status: RunStatus, launch: LaunchRecord | undefined): boolean {
  return status === 'running' && launch !== undefined && isLaunchAlive(launch);
}

export function canResume(status: RunStatus): boolean {
  return status === 'failed' || status === 'cancelled' || status === 'interrupted';
}

/**
 * Asks a run to stop: SIGTERM to its process, which ends training after the current update, keeps its
 * checkpoint and marks the archive failed (so it can be resumed). Returns false when the process is gone.
 */
export function requestCancel(launch: LaunchRecord): boolean {
  if (!isLaunchAlive(launch)) return false;
  try {
    process.kill(launch.pid, 'SIGTERM');
    return true;
  } catch {
    return false;
  }
}
