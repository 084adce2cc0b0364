import { parseArgs } from 'node:util';
import { isTemplateName, TEMPLATES, type TemplateName } from './templates.ts';

export interface CliArgs {
  targetDir?: string;
  template?: TemplateName;
  packageName?: string;
  /** Accept every default; never prompt. */
  yes: boolean;
  force: boolean;
  help: boolean;
  version: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: npm create tradecore@latest [dir] -- [options]
       create-tradecore [dir] [options]

Options:
  -t, --template <name>  ${TEMPLATES.join(' | ')} (default: app)
  -n, --name <pkg>       package name (default: from the folder name; plugins get the tradecore-plugin- prefix)
  -y, --yes              accept the defaults, never prompt
  -f, --force            write into a non-empty folder (files with the same names are overwritten)
  -h, --help             show this help
  -v, --version          print the version

On a terminal, missing answers are asked for; without one, flags and defaults are used.`;

export function parseCliArgs(argv: readonly string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        template: { type: 'string', short: 't' },
        name: { type: 'string', short: 'n' },
        yes: { type: 'boolean', short: 'y', default: false },
        force: { type: 'boolean', short: 'f', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1) throw new UsageError(`expected one target folder, got ${positionals.length}: ${positionals.join(' ')}`);
  if (values.template !== undefined && !isTemplateName(values.template)) {
    throw new UsageError(`unknown template "${values.template}"; expected one of: ${TEMPLATES.join(', ')}`);
  }
  return {
    ...(positionals[0] !== undefined ? { targetDir: positionals[0] } : {}),
    ...(values.template !== undefined ? { template: values.template } : {}),
    ...(values.name !== undefined ? { packageName: values.name } : {}),
    yes: values.yes,
    force: values.force,
    help: values.help,
    version: values.version,
  };
}
