import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { tempPathFor } from '@tradecore/sdk';
import { SweepError } from '../errors.ts';
import { checkKey, checkPrefix } from './keys.ts';
import { sha256OfFile } from './local.ts';
import type { ArtifactStore, PutResult, StoredObject } from './types.ts';

export interface S3StoreOptions {
  /** Files at least this large go up in parts (default 16 MiB). */
  readonly multipartThreshold?: number;
  /** Part size of multipart uploads (default 8 MiB; S3's minimum is 5 MiB). */
  readonly partSize?: number;
  /** Extra client settings (endpoint, region, credentials, retries); the standard AWS environment fills the rest. */
  readonly client?: S3ClientConfig;
}

export interface S3Location {
  readonly bucket: string;
  /** Key prefix without a trailing `/` (may be empty). */
  readonly prefix: string;
  readonly endpoint?: string;
  readonly region?: string;
  readonly forcePathStyle?: boolean;
}

/**
 * `s3://bucket/prefix[?endpoint=http://host:port&region=…&path-style=true]`. Without `endpoint` the AWS SDK's
 * own settings apply (`AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL`, `AWS_REGION`, the profile); an explicit
 * endpoint (MinIO, R2, a test server) defaults to path-style addressing.
 */
export function parseS3Url(url: string): S3Location {
  const m = /^s3:\/\/([^/?#]+)(\/[^?#]*)?(\?[^#]*)?$/.exec(url);
  if (!m) throw new SweepError(`${url}: not an S3 URL; expected s3://bucket/prefix`);
  const bucket = m[1]!;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new SweepError(`${url}: "${bucket}" is not a valid bucket name (3–63 of a-z, 0-9, '.', '-')`);
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix) checkKey(prefix, `${url}: prefix`);
  const query = new URLSearchParams(m[3]?.slice(1) ?? '');
  for (const key of query.keys()) {
    if (!['endpoint', 'region', 'path-style'].includes(key)) throw new SweepError(`${url}: unknown parameter "${key}" (known: endpoint, region, path-style)`);
  }
  const endpoint = query.get('endpoint') ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL ?? undefined;
  const pathStyle = query.get('path-style');
  return {
    bucket,
    prefix,
    ...(endpoint ? { endpoint } : {}),
    ...(query.get('region') ? { region: query.get('region')! } : {}),
    ...(pathStyle !== null ? { forcePathStyle: pathStyle !== 'false' && pathStyle !== '0' } : endpoint ? { forcePathStyle: true } : {}),
  };
}

const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest();

/**
 * A store in an S3-compatible bucket through `@aws-sdk/client-s3`. Small files are one PutObject with a
 * SHA-256 checksum S3 verifies; large ones a multipart upload with per-part SHA-256 checksums. The whole
 * file's sha256 travels as `x-amz-meta-sha256`, every put is checked afterwards (size and recorded sha256),
 * and every download is verified against it.
 */
export class S3Store implements ArtifactStore {
  readonly url: string;
  readonly location: S3Location;
  readonly #client: S3Client;
  readonly #threshold: number;
  readonly #partSize: number;

  constructor(url: string, options: S3StoreOptions = {}) {
    this.location = parseS3Url(url);
    const { bucket, prefix, endpoint, region, forcePathStyle } = this.location;
    this.url = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
    this.#client = new S3Client({
      ...(endpoint ? { endpoint } : {}),
      region: region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      ...(forcePathStyle !== undefined ? { forcePathStyle } : {}),
      maxAttempts: 4,
      ...options.client,
    });
    this.#partSize = Math.max(5 * 1024 * 1024, options.partSize ?? 8 * 1024 * 1024);
    this.#threshold = Math.max(this.#partSize, options.multipartThreshold ?? 16 * 1024 * 1024);
  }

  get client(): S3Client {
    return this.#client;
  }

  #key(key: string): string {
    checkKey(key);
    return this.location.prefix ? `${this.location.prefix}/${key}` : key;
  }

  #wrap(action: string, key: string, error: unknown): SweepError {
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : '';
    return new SweepError(`${this.url}: ${action} ${key} failed: ${e.name ?? 'Error'}${status}: ${e.message ?? String(error)}`, { cause: error });
  }

  async #verify(key: string, size: number, sha256: string): Promise<PutResult> {
    const stored = await this.head(key);
    if (!stored) throw new SweepError(`${this.url}: ${key} is missing right after it was uploaded`);
    if (stored.size !== size || stored.sha256 !== sha256) {
      throw new SweepError(`${this.url}: ${key} was stored with ${stored.size} bytes / sha256 ${stored.sha256 ?? '(none)'}, expected ${size} / ${sha256}`);
    }
    return { key, size, sha256 };
  }

  async putFile(key: string, file: string): Promise<PutResult> {
    const { size } = await stat(file);
    if (size < this.#threshold) {
      const { readFile } = await import('node:fs/promises');
      return this.putBytes(key, await readFile(file));
    }
    const sha256 = await sha256OfFile(file);
    try {
      const upload = new Upload({
        client: this.#client,
        partSize: this.#partSize,
        queueSize: 2,
        leavePartsOnError: false,
        params: { Bucket: this.location.bucket, Key: this.#key(key), Body: createReadStream(file), ChecksumAlgorithm: 'SHA256', Metadata: { sha256 } },
      });
      await upload.done();
    } catch (error) {
      throw this.#wrap('multipart upload of', key, error);
    }
    const again = await sha256OfFile(file);
    if (again !== sha256) throw new SweepError(`${file} changed while it was uploaded to ${this.url}/${key}`);
    return this.#verify(key, size, sha256);
  }

  async putBytes(key: string, bytes: Uint8Array | string): Promise<PutResult> {
    const body = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
    const digest = sha256Of(body);
    const sha256 = digest.toString('hex');
    try {
      await this.#client.send(
        new PutObjectCommand({ Bucket: this.location.bucket, Key: this.#key(key), Body: body, ChecksumSHA256: digest.toString('base64'), Metadata: { sha256 } }),
      );
    } catch (error) {
      throw this.#wrap('upload of', key, error);
    }
    return this.#verify(key, body.byteLength, sha256);
  }

  async get(key: string): Promise<Buffer | undefined> {
    let response;
    try {
      response = await this.#client.send(new GetObjectCommand({ Bucket: this.location.bucket, Key: this.#key(key) }));
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchKey' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return undefined;
      throw this.#wrap('download of', key, error);
    }
    const bytes = Buffer.from(await response.Body!.transformToByteArray());
    const expected = response.Metadata?.sha256;
    if (expected && sha256Of(bytes).toString('hex') !== expected) {
      throw new SweepError(`${this.url}: ${key} is corrupt: its sha256 differs from the recorded ${expected}`);
    }
    return bytes;
  }

  async getFile(key: string, file: string): Promise<boolean> {
    const bytes = await this.get(key);
    if (!bytes) return false;
    await mkdir(path.dirname(file), { recursive: true });
    const temp = tempPathFor(file);
    try {
      await writeFile(temp, bytes);
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return true;
  }

  async head(key: string): Promise<{ size: number; sha256?: string } | undefined> {
    try {
      const r = await this.#client.send(new HeadObjectCommand({ Bucket: this.location.bucket, Key: this.#key(key) }));
      return { size: r.ContentLength ?? 0, ...(r.Metadata?.sha256 ? { sha256: r.Metadata.sha256 } : {}) };
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined;
      throw this.#wrap('HEAD of', key, error);
    }
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const normalized = checkPrefix(prefix);
    const base = this.location.prefix ? `${this.location.prefix}/` : '';
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.#client.send(
          new ListObjectsV2Command({ Bucket: this.location.bucket, Prefix: base + normalized, ...(token ? { ContinuationToken: token } : {}) }),
        );
      } catch (error) {
        throw this.#wrap('listing of', normalized || '/', error);
      }
      for (const o of page.Contents ?? []) {
        if (o.Key?.startsWith(base)) out.push({ key: o.Key.slice(base.length), size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      try {
        await this.#client.send(new DeleteObjectsCommand({ Bucket: this.location.bucket, Delete: { Objects: batch.map((k) => ({ Key: this.#key(k) })), Quiet: true } }));
      } catch (error) {
        throw this.#wrap('delete of', batch[0]!, error);
      }
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
  }
}
