import { realpathSync, statSync, type Stats } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import path from 'node:path';
import { TradecoreError } from '../errors.ts';
import { quote } from './ids.ts';

/** A path that would leave its root (`..`, an absolute path, a symlink out of the root) or holds a NUL byte. */
export class UnsafePathError extends TradecoreError {
  override name = 'UnsafePathError';
}

function isInside(root: string, target: string): boolean {
  const rel = path.relative(root, target);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/**
 * Joins `segments` onto `root` and returns the absolute result, or throws {@link UnsafePathError} when the
 * result is not `root` itself or below it. Lexical only (symlinks are checked by {@link realpathInside}).
 * `what` names the value for the error message, e.g. `run id`.
 */
export function resolveInside(root: string, segments: string | readonly string[], what = 'path'): string {
  const list = typeof segments === 'string' ? [segments] : segments;
  for (const segment of list) {
    if (segment.includes('\0')) throw new UnsafePathError(`${what} ${quote(segment)} contains a NUL byte`);
  }
  const base = path.resolve(root);
  const target = path.resolve(base, ...list);
  if (!isInside(base, target)) {
    throw new UnsafePathError(`${what} ${quote(list.join('/'))} leaves ${base}: paths must stay inside it (no '..', no absolute paths)`);
  }
  return target;
}

/** The deepest existing ancestor of `target` (itself when it exists), with symlinks resolved. */
function realExisting(target: string): string {
  let probe = target;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(probe), ...rest.reverse());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = path.dirname(probe);
      if (parent === probe) return target;
      rest.push(path.basename(probe));
      probe = parent;
    }
  }
}

/**
 * {@link resolveInside}, then follows symlinks of whatever part of the path exists and checks the real
 * location is still inside the real root. Use before reading, writing or deleting anything a user or a
 * file named.
 */
export function realpathInside(root: string, segments: string | readonly string[], what = 'path'): string {
  const target = resolveInside(root, segments, what);
  const realRoot = realExisting(path.resolve(root));
  const real = realExisting(target);
  if (!isInside(realRoot, real)) {
    throw new UnsafePathError(`${what} ${quote(path.relative(path.resolve(root), target) || '.')} resolves through a symlink to ${real}, outside ${realRoot}`);
  }
  return target;
}

/** Throws unless `file` is a regular file (not a FIFO, socket, device or a symlink to one). */
export function assertRegularFile(file: string, what = 'file'): void {
  let info;
  try {
    info = statSync(file);
  } catch (error) {
    throw new UnsafePathError(`${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  if (!info.isFile()) throw new UnsafePathError(`${what} ${file} is not a regular file (${kindOf(info)}); only regular files are read`);
}

/** Async {@link assertRegularFile}; `false` instead of throwing, for directory listings that skip odd entries. */
export async function isRegularFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** `true` when `file` itself is a symlink (not followed). */
export async function isSymlink(file: string): Promise<boolean> {
  try {
    return (await lstat(file)).isSymbolicLink();
  } catch {
    return false;
  }
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a file';
}

