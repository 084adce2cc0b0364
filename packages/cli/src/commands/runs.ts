import type { Command } from 'commander';
import type { RegisterCommand } from '../_cli.ts';
import { importOptional } from '../_optional.ts';

interface RunsOptions {
  out: string;
  json?: boolean;
}

interface PullOptions {
  out: string;
  sweep?: string;
  id: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

async function pull(source: string, options: PullOptions): Promise<void> {
  const sweep = await importOptional('@tradecore/sweep', 'tradecore runs pull', () => import('@tradecore/sweep'));
  const result = await sweep.pullRuns(source, { out: options.out, ...(options.sweep ? { sweep: options.sweep } : {}), ids: options.id });
  for (const r of result.pulled) process.stdout.write(`pulled ${r}\n`);
  for (const r of result.skipped) process.stdout.write(`up to date ${r}\n`);
  for (const r of result.incomplete) process.stderr.write(`skipped ${r.id}: ${r.reason}\n`);
  process.stdout.write(`${result.pulled.length} pulled, ${result.skipped.length} already here, ${result.incomplete.length} incomplete in the store → ${result.out}\n`);
}

/**
 * `tradecore runs [ls] | status <run> | cancel <run>`: what the run folders under --out are doing;
 * `tradecore runs pull <store>`: brings complete run archives (e.g. a sweep's) back from a store.
 */
const register: RegisterCommand = (program) => {
  const runs = program
    .command('runs')
    .description('list run folders with their status (running, complete, failed, cancelled, interrupted), show one, cancel a running one, or pull archives from a store');

  runs
    .command('ls', { isDefault: true })
    .description('list the runs under --out, oldest first')
    .option('--out <dir>', 'folder holding the run folders', 'runs')
    .option('--json', 'print the statuses as JSON')
    .action(async (options: RunsOptions, _command: Command) => {
      const { list } = await import('../actions/runs.ts');
      await list(options);
    });

  runs
    .command('status')
    .description('status of one run: who holds it, why it stopped')
    .argument('<run>', 'run folder, or run id under --out')
    .option('--out <dir>', 'folder holding the run folders', 'runs')
    .option('--json', 'print the status as JSON')
    .action(async (run: string, options: RunsOptions, _command: Command) => {
      const { status } = await import('../actions/runs.ts');
      await status(run, options);
    });

  runs
    .command('cancel')
    .description('ask a running run to stop after its current update (it is marked cancelled and can be resumed)')
    .argument('<run>', 'run folder, or run id under --out')
    .option('--out <dir>', 'folder holding the run folders', 'runs')
    .option('--reason <text>', 'recorded with the cancellation')
    .action(async (run: string, options: RunsOptions & { reason?: string }, _command: Command) => {
      const { cancel } = await import('../actions/runs.ts');
      await cancel(run, options);
    });

  runs
    .command('pull')
    .description('download the complete run archives from a store (a folder or s3://bucket/prefix) into --out; incomplete ones are skipped and named')
    .argument('<store>', 's3://bucket/prefix or a folder')
    .option('--out <dir>', 'folder receiving <run id>/', 'runs')
    .option('--sweep <id>', "only the sweep's trials, and its summary into sweeps/<id>/")
    .option('--id <run-id>', 'only this run (repeatable)', collect, [] as string[])
    .action(async (source: string, options: PullOptions, _command: Command) => {
      await pull(source, options);
    });
};

export default register;
