import path from 'node:path';
import { parseCliArgs, USAGE, UsageError } from './args.ts';
import { defaultPackageName, invalidPackageName, invalidPluginName } from './names.ts';
import { createPrompter, type Prompter } from './prompts.ts';
import { isEmptyDir, ownVersion, scaffold, ScaffoldError, type ScaffoldResult } from './scaffold.ts';
import { TEMPLATE_DESCRIPTIONS, TEMPLATES, type TemplateName } from './templates.ts';

export interface CliIO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Prompts are used only when both ends are a terminal. */
  interactive: boolean;
  cwd: string;
  /** `npm_config_user_agent`, which tells which package manager ran `create`. */
  userAgent?: string | undefined;
}

const DEFAULT_DIRS: Record<TemplateName, string> = { app: 'tradecore-app', 'indicator-plugin': 'tradecore-plugin-example' };

/** Runs the scaffolder; resolves to the process exit code (0 ok, 1 failed, 2 usage error). */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  let prompter: Prompter | undefined;
  try {
    const args = parseCliArgs(argv);
    if (args.help) {
      io.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (args.version) {
      io.stdout.write(`${ownVersion()}\n`);
      return 0;
    }
    const ask = io.interactive && !args.yes;
    prompter = ask ? createPrompter(io.stdin, io.stdout) : undefined;

    const template: TemplateName =
      args.template ??
      (prompter
        ? await prompter.choose(
            'Which template?',
            TEMPLATES.map((value) => ({ value, hint: TEMPLATE_DESCRIPTIONS[value] })),
            'app',
          )
        : 'app');

    let targetDir = args.targetDir;
    if (targetDir === undefined) {
      if (prompter) targetDir = await prompter.text('Project folder', DEFAULT_DIRS[template]);
      else if (args.yes) targetDir = DEFAULT_DIRS[template];
      else throw new UsageError('missing the target folder (there is no terminal to ask on); pass it, or --yes for the default');
    }
    const absoluteTarget = path.resolve(io.cwd, targetDir);

    const validateName = (name: string): string | undefined =>
      invalidPackageName(name) ?? (template === 'indicator-plugin' ? invalidPluginName(name) : undefined);
    const suggested = defaultPackageName(absoluteTarget, template);
    const packageName = args.packageName ?? (prompter ? await prompter.text('Package name', suggested, validateName) : suggested);

    let force = args.force;
    if (!force && prompter && !(await isEmptyDir(absoluteTarget))) {
      force = await prompter.confirm(`${targetDir} is not empty. Write into it anyway (same-named files are overwritten)?`, false);
      if (!force) {
        io.stderr.write('Cancelled; nothing was written.\n');
        return 1;
      }
    }
    prompter?.close();
    prompter = undefined;

    const result = await scaffold({ targetDir: absoluteTarget, template, packageName, force });
    const relative = path.relative(io.cwd, absoluteTarget) || '.';
    io.stdout.write(nextSteps(result, template, relative.startsWith('..') ? absoluteTarget : relative, io.userAgent));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`create-tradecore: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof ScaffoldError) {
      io.stderr.write(`create-tradecore: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    prompter?.close();
  }
}

/** `npm`, `pnpm`, `yarn` or `bun`, from the user agent the package manager sets for `create`. */
export function packageManagerFrom(userAgent: string | undefined): string {
  const name = userAgent?.split(' ')[0]?.split('/')[0];
  return name === 'pnpm' || name === 'yarn' || name === 'bun' ? name : 'npm';
}

function nextSteps(result: ScaffoldResult, template: TemplateName, shownDir: string, userAgent: string | undefined): string {
  const pm = packageManagerFrom(userAgent);
  const run = (script: string) => (pm === 'npm' ? `npm run ${script}` : `${pm} ${script}`);
  const lines = [`\nScaffolded ${result.packageName} (${template}) in ${result.targetDir} — ${result.files.length} files.`, '', 'Next steps:'];
  if (shownDir !== '.') lines.push(`  cd ${shownDir.includes(' ') ? JSON.stringify(shownDir) : shownDir}`);
  lines.push(`  ${pm} install`);
  if (template === 'app') {
    lines.push(
      `  ${run('data:synth')}    # write a seeded synthetic BTC-USD dataset to ./data`,
      `  ${run('validate')}      # check config, tools and dataset`,
      `  ${run('run')}           # train PPO, evaluate beside baselines, archive runs/<id>/report.html`,
    );
  } else {
    lines.push(
      `  ${run('test')}          # your tests plus the @tradecore/sdk/testing conformance kit`,
      `  ${run('build')}`,
      `  npm publish           # keep the keyword "tradecore-plugin" so others can find it`,
    );
  }
  // The docs ship inside @tradecore/sdk, which every scaffolded project installs.
  return `${lines.join('\n')}\n\nDocs (after install): node_modules/@tradecore/sdk/docs/README.md — start with getting-started.md there.\n`;
}
