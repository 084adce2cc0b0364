import { validateRunSetup, type RunSetupReport } from '@tradecore/sdk';
import { userCwd } from '../_cwd.ts';
import type { ValidateCommandOptions } from '../commands/validate.ts';

/** Runs {@link validateRunSetup} with the command's options, from the folder the user is in. */
export function validate(options: ValidateCommandOptions & { data?: string }, cwd = userCwd()): Promise<RunSetupReport> {
  return validateRunSetup({
    cwd,
    set: options.set,
    ...(options.config ? { configFile: options.config } : {}),
    ...(options.tools ? { tools: options.tools } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.from ? { from: options.from } : {}),
    ...(options.data !== undefined ? { dataDir: options.data } : {}),
  });
}

export async function validateCommand(options: ValidateCommandOptions & { data?: string }): Promise<void> {
  const report = await validate(options);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ok: report.ok, issues: report.issues, summary: report.summary }, null, 2)}\n`);
  } else {
    for (const line of report.summary) process.stdout.write(`${line}\n`);
    for (const line of report.lines) process.stdout.write(`${line}\n`);
    if (!report.ok) process.stdout.write(`✗ ${report.issues.length} problem${report.issues.length === 1 ? '' : 's'}\n`);
  }
  if (!report.ok) process.exitCode = 1;
}
