import type { Command } from 'commander';
import type { RegisterCommand } from '../_cli.ts';

interface RunsOptions {
  out: string;
  json?: boolean;
}

/** `tradecore runs [ls] | status <run> | cancel <run>`: what the run folders under --out are doing. */
const register: RegisterCommand = (program) => {
  const runs = program
    .command('runs')
    .description('list run folders with their status (running, complete, failed, cancelled, interrupted), show one, or cancel a running one');

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
};

export default register;
