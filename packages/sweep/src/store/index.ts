import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalStore } from './local.ts';
import { S3Store, type S3StoreOptions } from './s3.ts';
import type { ArtifactStore } from './types.ts';

export type { ArtifactStore, PutResult, StoredObject } from './types.ts';
export { LocalStore, sha256OfFile } from './local.ts';
export { S3Store, parseS3Url, type S3Location, type S3StoreOptions } from './s3.ts';

/** `s3://bucket/prefix`, `file:///abs/dir` or a folder path (relative to `cwd`) → a store. */
export function openStore(url: string, { cwd = process.cwd(), s3 }: { cwd?: string; s3?: S3StoreOptions } = {}): ArtifactStore {
  if (url.startsWith('s3://')) return new S3Store(url, s3);
  if (url.startsWith('file://')) return new LocalStore(fileURLToPath(url));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) throw new TypeError(`--store ${url}: unsupported scheme; use a folder, file:///… or s3://bucket/prefix`);
  return new LocalStore(path.resolve(cwd, url));
}
