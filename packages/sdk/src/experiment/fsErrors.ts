import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { TradecoreError } from '../errors.ts';

const CAUSES: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a parent is not a folder',
  EISDIR: 'is a folder',
  EEXIST: 'already exists',
  ENOENT: 'no such file or folder',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  EFBIG: 'file too large',
};

/** A failed read, write or mkdir, naming the path and the system's reason (`ENOSPC`, `EROFS`, …). */
export class FileSystemError extends TradecoreError {
  override name = 'FileSystemError';
  constructor(
    readonly action: string,
    readonly path: string,
    /** The errno code, e.g. `ENOSPC`; undefined when the cause was not a system error. */
    readonly code: string | undefined,
    options?: { cause?: unknown },
  ) {
    const reason = code ? `${CAUSES[code] ?? 'system error'} (${code})` : String((options?.cause as Error | undefined)?.message ?? options?.cause);
    super(`cannot ${action} ${path}: ${reason}`, options);
  }
}

export function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/** Wraps a system error into a {@link FileSystemError} naming `file` (errors that already are one pass through). */
export function toFileSystemError(error: unknown, action: string, file: string): Error {
  if (error instanceof FileSystemError || error instanceof TradecoreError) return error;
  const code = errnoOf(error);
  if (!code) return error instanceof Error ? error : new Error(String(error));
  return new FileSystemError(action, file, code, { cause: error });
}

/** Runs `work`, turning a system error into a {@link FileSystemError} that names `file`. */
export async function withFileContext<T>(action: string, file: string, work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toFileSystemError(error, action, file);
  }
}

/**
 * `mkdir -p` that reports the real cause. Node's recursive mkdir says `ENOENT` when a parent cannot be
 * created (a read-only or full file system): this retries the first missing component alone to get
 * `EROFS`, `EACCES` or `ENOSPC`, and names the folder that could not be made.
 */
export function ensureDirectory(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    return;
  } catch (error) {
    if (errnoOf(error) !== 'ENOENT') throw toFileSystemError(error, 'create folder', dir);
  }
  let missing = path.resolve(dir);
  for (;;) {
    const parent = path.dirname(missing);
    if (parent === missing) break;
    let exists = false;
    try {
      exists = statSync(parent).isDirectory();
    } catch {
      exists = false;
    }
    if (exists) break;
    missing = parent;
  }
  try {
    mkdirSync(missing);
  } catch (error) {
    if (errnoOf(error) !== 'EEXIST') throw toFileSystemError(error, 'create folder', missing);
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw toFileSystemError(error, 'create folder', dir);
  }
}
