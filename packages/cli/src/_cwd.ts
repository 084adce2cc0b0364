import { existsSync } from 'node:fs';

/**
 * The folder the user ran the command in. A package manager runs a script (`pnpm tradecore …`, `npm run validate`)
 * from the package's root and says where it was started in `INIT_CWD`; config lookup and relative paths start
 * from there.
 */
export function userCwd(): string {
  const init = process.env.INIT_CWD;
  return init && process.env.npm_lifecycle_event && existsSync(init) ? init : process.cwd();
}
