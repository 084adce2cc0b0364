// A local pool's worker process: runs the trials it is sent, one at a time, with the same runTrial as every distributed worker.
import type { FromChild, ToChild } from './_ipc.ts';
import { openStore, type ArtifactStore } from './store/index.ts';
import { runTrial, type TrialRuntime } from './trial.ts';

const send = (message: FromChild) => process.send?.(message);
let runtime: TrialRuntime | undefined;
let store: ArtifactStore | undefined;

process.on('message', (message: ToChild) => {
  if (message.type === 'init') {
    store = openStore(message.store, { cwd: message.cwd });
    runtime = {
      cwd: message.cwd,
      store,
      workDir: message.workDir,
      ...(message.checkpointSyncMs !== undefined ? { checkpointSyncMs: message.checkpointSyncMs } : {}),
      onEvent: (event) => send({ type: 'event', event }),
    };
    send({ type: 'ready' });
  } else if (message.type === 'run') {
    const job = message.job;
    runTrial(job, runtime!).then(
      (result) => send({ type: 'result', result }),
      (error: unknown) => send({ type: 'error', trialId: job.trialId, message: error instanceof Error ? error.message : String(error) }),
    );
  } else if (message.type === 'stop') {
    void store?.close().finally(() => process.disconnect());
  }
});
// The pool going away (its process killed) ends this one too.
process.on('disconnect', () => process.exit(0));
