/**
 * Commands whose code lives in an optional package (`@tradecore/studio`, `@tradecore/ingest`,
 * `@tradecore/sweep`) load it with {@link importOptional}, so the CLI installs without their heavy
 * dependencies and a missing one is reported with the command that installs it.
 */
export class MissingPackageError extends Error {
  override name = 'MissingPackageError';
}

function packageManager(): string {
  const agent = process.env.npm_config_user_agent ?? '';
  if (agent.startsWith('pnpm')) return 'pnpm add';
  if (agent.startsWith('yarn')) return 'yarn add';
  return 'npm install';
}

/** `true` when `error` says that `pkg` itself (not one of its own imports) cannot be found. */
export function isMissing(error: unknown, pkg: string): boolean {
  const e = error as NodeJS.ErrnoException | undefined;
  if (!e || (e.code !== 'ERR_MODULE_NOT_FOUND' && e.code !== 'MODULE_NOT_FOUND')) return false;
  return new RegExp(`['"]${pkg.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"]`).test(e.message);
}

/** Imports `pkg`; when it is not installed, throws a {@link MissingPackageError} saying how to install it for `command`. */
export async function importOptional<T>(pkg: string, command: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissing(error, pkg)) {
      throw new MissingPackageError(`${command} needs ${pkg}, which is not installed here: run \`${packageManager()} ${pkg}\``, { cause: error });
    }
    throw error;
  }
}
