import type { Command } from 'commander';
import { integerOption, type RegisterCommand } from '../_cli.ts';
import { importOptional } from '../_optional.ts';

interface WorkerCommandOptions {
  queue: string;
  store?: string;
  concurrency: number;
  workDir: string;
  name?: string;
  lockSeconds?: number;
  exitWhenDrained?: boolean;
  checkpointSeconds?: number;
  quiet?: boolean;
}

async function action(options: WorkerCommandOptions): Promise<void> {
  const { startWorker } = await importOptional('@tradecore/sweep', 'tradecore worker', () => import('@tradecore/sweep'));
  const log = options.quiet ? () => {} : (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const worker = startWorker({
    queue: options.queue,
    concurrency: options.concurrency,
    workDir: options.workDir,
    ...(options.store ? { store: options.store } : {}),
    ...(options.name ? { name: options.name } : {}),
    ...(options.lockSeconds !== undefined ? { lockMs: options.lockSeconds * 1000 } : {}),
    ...(options.exitWhenDrained ? { exitWhenDrained: true } : {}),
    ...(options.checkpointSeconds !== undefined ? { checkpointSyncMs: options.checkpointSeconds * 1000 } : {}),
    log,
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      log(`${worker.name}: ${signal} — finishing the running trial, taking no more (again: hand it back to the queue now)`);
      void worker.close();
    } else if (signals === 2) {
      log(`${worker.name}: ${signal} — handing the running trial back (its checkpoints are in the store)`);
      void worker.close({ handBack: true });
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await worker.closed;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

/** `tradecore worker`: runs sweep trials from a Redis queue, on any machine that has the project. */
const register: RegisterCommand = (program) => {
  program
    .command('worker')
    .description('run sweep trials from a Redis queue (BullMQ) in this project folder, storing archives and checkpoints in --store')
    .requiredOption('--queue <redis-url>', 'redis://host:6379 (rediss:// for TLS)')
    .option('--store <dir|s3-url>', "where archives and checkpoints go (default: each sweep's own store)")
    .option('--concurrency <n>', 'trials run at once (each single-threaded; default 1)', integerOption('--concurrency', 1), 1)
    .option('--work-dir <dir>', 'scratch folder where trials train before upload', '.tradecore/work')
    .option('--name <name>', 'worker name in job records and logs (default <host>-<pid>)')
    .option('--lock-seconds <n>', 'job lock: how soon a dead worker\'s trial is re-run elsewhere (default 30)', integerOption('--lock-seconds', 1))
    .option('--checkpoint-seconds <n>', 'least seconds between two checkpoint uploads while a trial trains (default 10)', integerOption('--checkpoint-seconds'))
    .option('--exit-when-drained', 'exit once no trial is waiting and this worker is idle')
    .option('--quiet', 'log nothing')
    .action(async (options: WorkerCommandOptions, _command: Command) => {
      await action(options);
    });
};

export default register;
