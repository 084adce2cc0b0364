import type { Command } from 'commander';
import type { RegisterCommand } from '../_cli.ts';

/**
 * `tradecore validate [--config file] [--tools file]`: config, tool manifest and dataset manifest,
 * checked together; one line per problem; exit 1 on problems. Loads the SDK lazily.
 */
const register: RegisterCommand = (program) => {
  program
    .command('validate')
    .description(
      'check the config, the tool manifest and the dataset: tools resolve, options are valid, input columns exist, warm-ups fit (exit 1 on problems)',
    )
    .option('--config <file>', 'config file (default: tradecore.config.* found from the current folder)')
    .option('--tools <file>', "tool manifest to check (default: the config's `tools`, the one `tradecore run` uses)")
    .action(async (options: { config?: string; tools?: string }, _command: Command) => {
      const { validateProject } = await import('../actions/validate.ts');
      const { problems, summary } = await validateProject({ cwd: process.cwd(), ...options });
      for (const line of problems) process.stdout.write(`${line}\n`);
      if (problems.length > 0) {
        process.stdout.write(`✗ ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
        process.exitCode = 1;
      } else {
        for (const line of summary) process.stdout.write(`${line}\n`);
      }
    });
};

export default register;
