import type { TrialJob } from './plan.ts';
import type { TrialEvent, TrialResult } from './trial.ts';

/** What the local pool sends a worker process. */
export type ToChild =
  | { readonly type: 'init'; readonly cwd: string; readonly store: string; readonly workDir: string; readonly checkpointSyncMs?: number }
  | { readonly type: 'run'; readonly job: TrialJob }
  | { readonly type: 'stop' };

/** What a worker process sends back. */
export type FromChild =
  | { readonly type: 'ready' }
  | { readonly type: 'event'; readonly event: TrialEvent }
  | { readonly type: 'result'; readonly result: TrialResult }
  | { readonly type: 'error'; readonly trialId: string; readonly message: string };
