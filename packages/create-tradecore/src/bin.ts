#!/usr/bin/env node
import { main } from './main.ts';

const code = await main(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  cwd: process.cwd(),
  userAgent: process.env.npm_config_user_agent,
});
process.exitCode = code;
