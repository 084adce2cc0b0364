import type { Command } from 'commander';
import type { RegisterCommand } from '../_cli.ts';
import { importOptional } from '../_optional.ts';

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

/** `tradecore runs pull`: brings complete run archives (e.g. a sweep's) back from a store for the studio. */
const register: RegisterCommand = (program) => {
  const runs = program.command('runs').description('run archives in a store (a folder or s3://bucket/prefix)');
  runs
    .command('pull')
    .description('download the complete run archives from a store into runs/ (incomplete ones are skipped and named)')
    .argument('<store>', 's3://bucket/prefix or a folder')
    .option('--out <dir>', 'folder receiving <run id>/', 'runs')
    .option('--sweep <id>', "only the sweep's trials, and its summary into sweeps/<id>/")
    .option('--id <run-id>', 'only this run (repeatable)', collect, [] as string[])
    .action(async (source: string, options: PullOptions, _command: Command) => {
      await pull(source, options);
    });
};

export default register;
