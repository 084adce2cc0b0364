import type { Command } from 'commander';
import type { RegisterCommand } from '../_cli.ts';

/** `tradecore tools ls`: installed indicator plugins with their options and defaults. Loads the SDK lazily. */
const register: RegisterCommand = (program) => {
  const tools = program.command('tools').description('indicator plugins ("tools") installed in this project');
  tools
    .command('ls')
    .description('list installed indicator plugins (@tradecore/plugin-*, tradecore-plugin-*) with their options and defaults')
    .option('--json', 'print the list as JSON')
    .action(async (options: { json?: boolean }, _command: Command) => {
      const { listTools } = await import('../actions/tools.ts');
      await listTools({ cwd: process.cwd(), json: options.json === true });
    });
};

export default register;
