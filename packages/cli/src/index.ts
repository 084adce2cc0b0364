#!/usr/bin/env node
/**
 * The `tradecore` command-line tool.
 *
 * Adding a command (one line here per command module):
 *   1. Create `src/commands/<name>.ts` whose default export is a `RegisterCommand`
 *      (`(program) => void`, see `_cli.ts`) that declares the command, its options and help.
 *      Its action loads the heavy code lazily: `const { run } = await import('../actions/<name>.ts')`.
 *      Never import `@tradecore/sdk`, parquet-wasm, apache-arrow or tfjs at the top of a command
 *      module: `tradecore --help` must start in ≤ 300 ms (bench/data.ts measures it).
 *   2. Add `await register(import('./commands/<name>.ts'));` to the list below.
 *
 * Exit codes: 0 ok, 1 validation failure (or any other failure), 2 usage error. Throw `UsageError`
 * for bad flags; set `process.exitCode = EXIT.validationFailure` (or throw) when the input is invalid.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EXIT, type RegisterCommand, UsageError } from './_cli.ts';
import { isBrokenPipe, stderr, stdout } from './_stdout.ts';

// A reader that closes the pipe early (`| head`) must not crash any command with an EPIPE stack trace.
stdout();
stderr();

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('tradecore')
  .description('TradeCore: datasets, indicator tools, RL training and experiments on crypto OHLCV data.')
  .version(version, '-v, --version')
  .option('--data <dir>', 'folder holding lake/ and manifests/', './data')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

async function register(module: Promise<{ default: RegisterCommand }>): Promise<void> {
  (await module).default(program);
}

await register(import('./commands/data.ts'));
await register(import('./commands/doctor.ts'));
await register(import('./commands/ingest.ts'));
await register(import('./commands/run.ts'));
await register(import('./commands/runs.ts'));
await register(import('./commands/tools.ts'));
await register(import('./commands/validate.ts'));
await register(import('./commands/sweep.ts'));
await register(import('./commands/worker.ts'));
await register(import('./commands/pods.ts'));
await register(import('./commands/studio.ts'));
await register(import('./commands/schema.ts'));

/** Commander usage errors exit 2 (help and version exit 0); SDK errors print their message and exit 1. */
function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof UsageError || (error instanceof Error && error.name === 'DatasetNotFoundError')) return EXIT.usage;
  return EXIT.validationFailure;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // The reader of our output went away (`| head`): nothing is wrong with the command itself.
  const code = isBrokenPipe(error) ? EXIT.ok : exitCodeOf(error);
  // Commander has already printed its own message.
  if (!(error instanceof CommanderError) && !isBrokenPipe(error)) {
    const message = error instanceof Error ? (process.env.TRADECORE_DEBUG ? (error.stack ?? error.message) : error.message) : String(error);
    process.stderr.write(`tradecore: ${message}\n`);
    if (error instanceof UsageError) process.stderr.write('(run with --help for usage)\n');
  }
  process.exitCode = code;
}
