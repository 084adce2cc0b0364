import path from 'node:path';
import { assertId, assertRegularFile, quote, realpathInside, UnsafePathError } from '@tradecore/sdk';
import { guardPath } from './http.ts';

/**
 * Where each id or path a request names becomes a path. Every function validates with the SDK's helpers
 * (`assertId`, `realpathInside`, `assertRegularFile`) and turns a refusal into a 400 naming the value.
 */

/** `runs/<id>`: the id matches the id pattern and the folder (symlinks followed) stays inside the runs folder. */
export function runDirOf(runsDir: string, id: unknown): string {
  return guardPath(() => realpathInside(runsDir, assertId(id, 'run id'), 'run id'));
}

export function datasetIdOf(id: unknown): string {
  return guardPath(() => assertId(id, 'dataset id'));
}

/** `<dir>/<name>.json` for a file named by an id (given with or without `.json`); `what` names it in errors. */
function jsonFileOf(dir: string, name: unknown, what: string): string {
  return guardPath(() => {
    const bare = typeof name === 'string' && name.endsWith('.json') ? name.slice(0, -5) : name;
    return realpathInside(dir, `${assertId(bare, what)}.json`, what);
  });
}

export const toolManifestFileOf = (toolsDir: string, name: unknown) => jsonFileOf(toolsDir, name, 'tool manifest name');
export const savedConfigFileOf = (configsDir: string, name: unknown) => jsonFileOf(configsDir, name, 'config name');

/**
 * A file to import, named relative to the imports folder: no absolute paths, nothing that leaves the folder
 * (also through a symlink), no NUL bytes, and only a regular file (never a FIFO or a device).
 */
export function importFileOf(importsDir: string, rel: unknown): string {
  return guardPath(() => {
    if (typeof rel !== 'string' || rel.length === 0) throw new UnsafePathError(`import path ${quote(rel)} must be a non-empty path relative to ${importsDir}`);
    if (path.isAbsolute(rel) || /^[A-Za-z]:[\\/]/.test(rel)) {
      throw new UnsafePathError(`import path ${quote(rel)} is absolute: name the file relative to ${importsDir}`);
    }
    const file = realpathInside(importsDir, rel, 'import path');
    assertRegularFile(file, 'import path');
    return file;
  });
}
