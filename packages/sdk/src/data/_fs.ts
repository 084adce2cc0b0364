import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A sibling temp name: same folder, so the final rename never crosses file systems. */
export function tempPathFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Writes `data` (bytes, text, or text pieces streamed one by one) to a temp file beside `file` and renames it
 * over `file`: readers see the old or the new file, never a part.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string | Iterable<string>): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = tempPathFor(file);
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await writeFile(temp, data, { flush: true });
    else {
      const handle = await open(temp, 'w');
      try {
        for (const piece of data) await handle.write(piece);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Whether a process with this pid exists on this host (EPERM: it exists but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
