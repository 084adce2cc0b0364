import type { Command } from 'commander';
import type { RegisterCommand } from '../_cli.ts';
import { userCwd } from '../_cwd.ts';

const KINDS = ['indicator', 'execution', 'risk-guard', 'trainer', 'reward'];

/** `tradecore tools ls`: installed plugins with the name a config uses, their kind, options and defaults. Loads the SDK lazily. */
const register: RegisterCommand = (program) => {
  const tools = program.command('tools').description('plugins installed in this project (indicators — "tools" —, risk guards, execution helpers, trainers)');
  tools
    .command('ls')
    .description('list installed plugins (@tradecore/plugin-*, @tradecore/trainer-*, tradecore-plugin-*) with the name a config uses, their options and defaults')
    .option('--kind <kind>', `only plugins of this kind (${KINDS.join(', ')})`)
    .option('--json', 'print the list as JSON')
    .action(async (options: { json?: boolean; kind?: string }, _command: Command) => {
      const { listTools } = await import('../actions/tools.ts');
      await listTools({ cwd: userCwd(), json: options.json === true, ...(options.kind ? { kind: options.kind } : {}) });
    });
};

export default register;
