import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The folder the user ran the command in. A package manager runs a script (`pnpm tradecore …`, `npm run validate`)
 * from the package's root and says where it was started in `INIT_CWD`; config lookup and relative paths start
 * from there. Only when this process is that script (its command names `tradecore` and it runs in the
 * package's folder): a tool or test that merely inherited the variables keeps its own working folder.
 */
export function userCwd(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const init = env.INIT_CWD;
  if (!init || !env.npm_lifecycle_event || !/\btradecore\b/.test(env.npm_lifecycle_script ?? '')) return cwd;
  if (env.npm_package_json && path.dirname(path.resolve(env.npm_package_json)) !== path.resolve(cwd)) return cwd;
  return existsSync(init) ? init : cwd;
}
