import type { Command } from 'commander';
import type { RegisterCommand } from '../_cli.ts';

/**
 * `tradecore schema`: the JSON Schema of a data-shaped config (JSON/YAML, a run's config.json) with the options of
 * every plugin installed in this project. Loads the SDK lazily.
 */
const register: RegisterCommand = (program) => {
  program
    .command('schema')
    .description("print the JSON Schema of the config, with the options of every plugin installed here (for editors: point a JSON config's \"$schema\" at the file)")
    .option('-o, --out <file>', 'write it to a file instead of printing it')
    .action(async (options: { out?: string }, _command: Command) => {
      const { printSchema } = await import('../actions/schema.ts');
      await printSchema(options);
    });
};

export default register;
