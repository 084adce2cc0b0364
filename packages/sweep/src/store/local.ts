import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { realpathInside, tempPathFor, writeFileAtomic } from '@tradecore/sdk';
import { checkKey, checkPrefix } from './keys.ts';
import type { ArtifactStore, PutResult, StoredObject } from './types.ts';

export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A store in a local folder: each key is a file below `root`, written through a temp file and a rename. */
export class LocalStore implements ArtifactStore {
  readonly url: string;
  readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.url = pathToFileURL(this.root).href;
  }

  /** The absolute path of `key`, checked to stay inside the root (symlinks included). */
  pathOf(key: string): string {
    return realpathInside(this.root, checkKey(key), 'store key');
  }

  async putFile(key: string, file: string): Promise<PutResult> {
    const target = this.pathOf(key);
    await mkdir(path.dirname(target), { recursive: true });
    const temp = tempPathFor(target);
    try {
      await copyFile(file, temp);
      const [source, copy] = await Promise.all([sha256OfFile(file), sha256OfFile(temp)]);
      if (source !== copy) throw new Error(`${target}: the copy's sha256 differs from ${file}'s (the source changed while it was copied?)`);
      await rename(temp, target);
      return { key, size: (await stat(target)).size, sha256: copy };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async putBytes(key: string, bytes: Uint8Array | string): Promise<PutResult> {
    const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    await writeFileAtomic(this.pathOf(key), data);
    return { key, size: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async getFile(key: string, file: string): Promise<boolean> {
    const source = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    const temp = tempPathFor(file);
    try {
      await copyFile(source, temp);
      await rename(temp, file);
      return true;
    } catch (error) {
      await rm(temp, { force: true });
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  async head(key: string): Promise<{ size: number } | undefined> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { size: info.size } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const normalized = checkPrefix(prefix);
    const start = normalized === '' ? this.root : this.pathOf(normalized.slice(0, -1));
    const out: StoredObject[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return;
        throw error;
      }
      for (const entry of entries) {
        // Temp files of writes in progress start with '.', and symlinks are never followed.
        if (entry.name.startsWith('.')) continue;
        if (entry.isDirectory()) await walk(path.join(dir, entry.name), `${keyPrefix}${entry.name}/`);
        else if (entry.isFile()) out.push({ key: `${keyPrefix}${entry.name}`, size: (await stat(path.join(dir, entry.name))).size });
      }
    };
    await walk(start, normalized);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (const key of keys) await rm(this.pathOf(key), { force: true });
  }

  async close(): Promise<void> {}
}
