#!/usr/bin/env node
// `create-tradecore` (`npm create tradecore`). Runs the built scaffolder (dist/). Started with the `@tradecore/source`
// condition and tsx, it runs the TypeScript sources instead; in a checkout that has not been
// built yet it does the same through tsx, so the command works right after `pnpm install`.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SOURCE_CONDITION = '@tradecore/source';
const built = new URL('../dist/bin.js', import.meta.url);
const source = new URL('../src/bin.ts', import.meta.url);

if (process.execArgv.some((arg) => arg.includes(SOURCE_CONDITION))) {
  await import(source.href);
} else if (existsSync(built)) {
  await import(built.href);
} else {
  let tsx;
  try {
    tsx = createRequire(import.meta.url).resolve('tsx');
  } catch {
    process.stderr.write('create-tradecore: this copy of create-tradecore is not built (no dist/): run `pnpm build`\n');
    process.exit(1);
  }
  const args = [`--conditions=${SOURCE_CONDITION}`, '--import', pathToFileURL(tsx).href, fileURLToPath(source), ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  // The child gets Ctrl-C from the terminal itself and decides how to stop; this process waits for it.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => {});
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
