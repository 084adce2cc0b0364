/** One stored object. */
export interface StoredObject {
  /** `/`-separated key relative to the store's root, e.g. `runs/t-…/metrics.json`. */
  readonly key: string;
  readonly size: number;
}

/** What a put wrote: the caller checks it against what it meant to write. */
export interface PutResult {
  readonly key: string;
  readonly size: number;
  readonly sha256: string;
}

/**
 * Where archives and checkpoints go: a local folder or an S3-compatible bucket, behind one interface so
 * the trial code is the same for both. Keys are `/`-separated ids (each segment matches `ID_PATTERN`),
 * so no key can leave the store's root. Every put is whole-or-nothing for readers and checksummed.
 */
export interface ArtifactStore {
  /** `file:///abs/path` or `s3://bucket/prefix` (without credentials), for messages. */
  readonly url: string;
  /** Uploads a local file; resolves once the stored object was verified (size and checksum). */
  putFile(key: string, file: string): Promise<PutResult>;
  putBytes(key: string, bytes: Uint8Array | string): Promise<PutResult>;
  /** The object's bytes, or undefined when there is none; throws when its checksum does not match. */
  get(key: string): Promise<Buffer | undefined>;
  /** Downloads to `file` (atomically); false when there is no such object. */
  getFile(key: string, file: string): Promise<boolean>;
  /** Size and sha256 (when recorded) of an object, or undefined. */
  head(key: string): Promise<{ size: number; sha256?: string } | undefined>;
  /** Every object whose key starts with `prefix` (a folder: give it with its trailing `/`), sorted by key. */
  list(prefix: string): Promise<StoredObject[]>;
  delete(keys: readonly string[]): Promise<void>;
  close(): Promise<void>;
}
