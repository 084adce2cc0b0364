import type { Command } from 'commander';
import { globalOptions, integerOption, type RegisterCommand } from '../_cli.ts';

export interface ValidateCommandOptions {
  config?: string;
  tools?: string;
  set: string[];
  seed?: number;
  from?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `tradecore validate`: everything `tradecore run` needs, checked without creating anything — the same checks
 * and the same messages as `run`. One line per problem; exit 1 on problems. Loads the SDK lazily.
 */
const register: RegisterCommand = (program) => {
  program
    .command('validate')
    .description(
      'check everything `tradecore run` needs without running it: config, --set overrides, plugins and their options, one risk guard, one trainer, the tool manifest, the dataset and its columns, warm-ups and the split (exit 1 on problems)',
    )
    .option('-c, --config <file>', 'config file (default: tradecore.config.* found from the current folder)')
    .option('--tools <file>', "tool manifest to check instead of the config's `tools`")
    .option('--set <key=value>', 'override a config value as `run` would, e.g. trainer.totalSteps=20000 or plugins.rsi.period=21 (repeatable)', collect, [] as string[])
    .option('--seed <n>', 'seed, as `run --seed`', integerOption('--seed'))
    .option('--from <run>', 'check the archived config of a run (its folder, or its id under runs/)')
    .option('--json', 'print { ok, issues, summary } as JSON')
    .action(async (options: ValidateCommandOptions, command: Command) => {
      const { validateCommand } = await import('../actions/validate.ts');
      const data = command.getOptionValueSourceWithGlobals('data') === 'cli' ? globalOptions(command).data : undefined;
      await validateCommand({ ...options, ...(data !== undefined ? { data } : {}) });
    });
};

export default register;
