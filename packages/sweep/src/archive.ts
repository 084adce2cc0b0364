import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CANCEL_REQUEST, CHECKPOINTS_DIR, METRICS_JSON, resolveInside, RUN_JSON, writeFileAtomic, type RunMetrics, type RunRecord } from '@tradecore/sdk';
import { SweepError } from './errors.ts';
import { checkKey } from './store/keys.ts';
import { sha256OfFile } from './store/local.ts';
import type { ArtifactStore } from './store/index.ts';

/** Store layout: `runs/<trial id>/…` (a run archive, as `runs/` of a project) and `sweeps/<sweep id>/…`. */
export const RUNS_PREFIX = 'runs';
export const SWEEPS_PREFIX = 'sweeps';
const LATEST_JSON = 'latest.json';
/** Where the checkpoint mirror keeps a copy of a training run's run.json (with its checkpoints, removed once the archive is complete). */
const RESUME_RECORD = `${CHECKPOINTS_DIR}/resume/${RUN_JSON}`;

/** Where stored file `rel` (from a listing or a run.json: untrusted) goes below `dir`; refuses anything that would leave it. */
function localPath(dir: string, rel: string): string {
  return resolveInside(dir, checkKey(rel, 'stored file'), 'stored file');
}

export const runKey = (id: string, rel = ''): string => (rel ? `${RUNS_PREFIX}/${id}/${rel}` : `${RUNS_PREFIX}/${id}`);

/** The stored run.json: the runner's record plus the size and sha256 of every file uploaded before it. */
export interface StoredRunRecord extends RunRecord {
  readonly archive?: { readonly files: Readonly<Record<string, { readonly size: number; readonly sha256: string }>> };
}

/** Files below `dir` as `/`-separated relative paths; hidden files (temp files of writes in progress) and symlinks are skipped. */
async function listFiles(dir: string, rel = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(path.join(dir, rel), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith('.')) continue;
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, child)));
    else if (e.isFile()) out.push(child);
  }
  return out;
}

export async function readLocalRecord(dir: string): Promise<RunRecord | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, RUN_JSON), 'utf8')) as RunRecord;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export type StoredRunState =
  | { readonly state: 'complete'; readonly record: StoredRunRecord }
  | { readonly state: 'incomplete'; readonly reason: string; readonly record?: StoredRunRecord }
  | { readonly state: 'missing' };

/** The metrics.json format the summary reads. */
const METRICS_FORMAT = 'tradecore-metrics/2';

/**
 * What is wrong with an archive's file list, if anything: the runner's `files` (sha256 of every file it
 * wrote: metrics.json, ledger.parquet, trades.parquet, train.parquet, config.json…) must each be in
 * `archive.files` with the same sha256.
 */
function checksumProblem(record: StoredRunRecord, archived: Readonly<Record<string, { readonly sha256: string }>>): string | undefined {
  if (!record.files || Object.keys(record.files).length === 0) return 'run.json lists no checksums of its files (made by an older TradeCore)';
  for (const [rel, sha256] of Object.entries(record.files)) {
    const got = archived[rel];
    if (!got) return `${rel} (listed in run.json) is not in the archive`;
    if (got.sha256 !== sha256) return `${rel} has sha256 ${got.sha256.slice(0, 12)}…, run.json says ${String(sha256).slice(0, 12)}…`;
  }
  return undefined;
}

/**
 * Whether the store holds a complete archive of run `id`: its run.json (uploaded last) says `complete`,
 * every file the run wrote is in its archive list with the sha256 the run recorded, and every listed file
 * is there with the size listed. Anything else is incomplete or missing.
 */
export async function storedRunState(store: ArtifactStore, id: string): Promise<StoredRunState> {
  const bytes = await store.get(runKey(id, RUN_JSON));
  if (!bytes) return { state: 'missing' };
  let record: StoredRunRecord;
  try {
    record = JSON.parse(bytes.toString('utf8')) as StoredRunRecord;
  } catch {
    return { state: 'incomplete', reason: `${runKey(id, RUN_JSON)} is not valid JSON` };
  }
  if (record.status !== 'complete') return { state: 'incomplete', reason: `run.json says ${record.status}`, record };
  if (!record.archive) return { state: 'incomplete', reason: 'run.json lists no archive files', record };
  const problem = checksumProblem(record, record.archive.files);
  if (problem) return { state: 'incomplete', reason: problem, record };
  const stored = new Map((await store.list(`${runKey(id)}/`)).map((o) => [o.key, o.size]));
  for (const [rel, { size }] of Object.entries(record.archive.files)) {
    const found = stored.get(runKey(id, rel));
    if (found === undefined) return { state: 'incomplete', reason: `${rel} is missing`, record };
    if (found !== size) return { state: 'incomplete', reason: `${rel} has ${found} bytes, run.json says ${size}`, record };
  }
  return { state: 'complete', record };
}

/** metrics.json of a complete stored run (format `tradecore-metrics/2`). */
export async function readStoredMetrics(store: ArtifactStore, id: string): Promise<RunMetrics> {
  const key = runKey(id, METRICS_JSON);
  const bytes = await store.get(key);
  if (!bytes) throw new SweepError(`${store.url}: ${key} is missing`);
  let metrics: { format?: unknown };
  try {
    metrics = JSON.parse(bytes.toString('utf8')) as { format?: unknown };
  } catch {
    throw new SweepError(`${store.url}: ${key} is not valid JSON`);
  }
  if (metrics.format !== METRICS_FORMAT) {
    throw new SweepError(`${store.url}: ${key} has format ${JSON.stringify(metrics.format)}, expected "${METRICS_FORMAT}" (an archive made by another TradeCore version: remove ${runKey(id)} from the store, or sweep into another --store)`);
  }
  return metrics as RunMetrics;
}

/**
 * Uploads a complete local run archive as run `id`: every file but the checkpoints first (each verified
 * by the store), then run.json — with the list of those files, sizes and sha256 — last. Until that last
 * put lands, readers see the run as incomplete. Checkpoints stored while it trained are removed after.
 */
export async function uploadRunArchive(store: ArtifactStore, dir: string, id: string): Promise<StoredRunRecord> {
  const record = await readLocalRecord(dir);
  if (!record) throw new SweepError(`${dir}: no run.json to upload`);
  if (record.status !== 'complete') throw new SweepError(`${path.join(dir, RUN_JSON)}: run ${record.id} is ${record.status}; only complete runs are uploaded as archives`);
  const files: Record<string, { size: number; sha256: string }> = {};
  for (const rel of await listFiles(dir)) {
    if (rel === RUN_JSON || rel === CANCEL_REQUEST || rel.startsWith(`${CHECKPOINTS_DIR}/`) || rel.endsWith('.lock')) continue;
    const put = await store.putFile(runKey(id, rel), path.join(dir, rel));
    files[rel] = { size: put.size, sha256: put.sha256 };
  }
  const stored: StoredRunRecord = { ...record, archive: { files } };
  const problem = checksumProblem(stored, files);
  if (problem) throw new SweepError(`${dir}: not uploaded as a complete archive: ${problem}`);
  await store.putBytes(runKey(id, RUN_JSON), `${JSON.stringify(stored, null, 2)}\n`);
  const checkpoints = (await store.list(`${runKey(id, CHECKPOINTS_DIR)}/`)).map((o) => o.key);
  if (checkpoints.length > 0) await store.delete(checkpoints);
  return stored;
}

/** Downloads a complete stored run into `dir` (run.json last, so a half-pulled folder never looks complete). */
export async function downloadRunArchive(store: ArtifactStore, id: string, dir: string): Promise<StoredRunRecord> {
  const state = await storedRunState(store, id);
  if (state.state !== 'complete') throw new SweepError(`${store.url}: run ${id} is ${state.state === 'missing' ? 'not in the store' : `incomplete (${state.reason})`}`);
  for (const [rel, { size, sha256 }] of Object.entries(state.record.archive!.files)) {
    const file = localPath(dir, rel);
    if (!(await store.getFile(runKey(id, rel), file))) throw new SweepError(`${store.url}: ${runKey(id, rel)} vanished while it was downloaded`);
    const got = await sha256OfFile(file);
    if (got !== sha256) throw new SweepError(`${store.url}: ${runKey(id, rel)} arrived with sha256 ${got.slice(0, 12)}… (${size} bytes expected), run.json says ${sha256.slice(0, 12)}…`);
  }
  const { archive: _archive, ...record } = state.record;
  await writeFileAtomic(path.join(dir, RUN_JSON), `${JSON.stringify(record, null, 2)}\n`);
  return state.record;
}

/**
 * Mirrors a training run's checkpoints into the store while it trains: new files first, each fold's
 * `latest.json` after the checkpoint it points to, and stored checkpoints the trainer has since deleted
 * removed last. Another machine resuming the trial downloads what `latest.json` points to.
 */
export class CheckpointMirror {
  readonly #uploaded = new Map<string, string>();
  #record: string | undefined;
  #busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ArtifactStore,
    private readonly dir: string,
    private readonly id: string,
  ) {}

  /** One sync pass; passes never overlap. */
  sync(): Promise<void> {
    this.#busy = this.#busy.catch(() => {}).then(() => this.#sync());
    return this.#busy;
  }

  async #sync(): Promise<void> {
    const base = path.join(this.dir, CHECKPOINTS_DIR);
    const files = await listFiles(base);
    const stamp = async (rel: string) => {
      try {
        const s = await stat(path.join(base, rel));
        return `${s.size}:${s.mtimeMs}`;
      } catch {
        return undefined;
      }
    };
    const ordered = [...files.filter((f) => path.posix.basename(f) !== LATEST_JSON), ...files.filter((f) => path.posix.basename(f) === LATEST_JSON)];
    for (const rel of ordered) {
      const s = await stamp(rel);
      if (s === undefined || this.#uploaded.get(rel) === s) continue;
      try {
        await this.store.putFile(runKey(this.id, `${CHECKPOINTS_DIR}/${rel}`), path.join(base, rel));
      } catch (error) {
        // A checkpoint the trainer removed while it was read is no loss; anything else is.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      this.#uploaded.set(rel, s);
    }
    // The run's record, for a resume elsewhere (not at runs/<id>/run.json: readers must never see it there before the archive is complete).
    const record = path.join(this.dir, RUN_JSON);
    const recordStamp = await stat(record).then((s) => `${s.size}:${s.mtimeMs}`, () => undefined);
    if (recordStamp && this.#record !== recordStamp && this.#uploaded.size > 0) {
      await this.store.putFile(runKey(this.id, RESUME_RECORD), record).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      });
      this.#record = recordStamp;
    }
    const present = new Set(files);
    const gone = [...this.#uploaded.keys()].filter((rel) => !present.has(rel));
    if (gone.length > 0) {
      await this.store.delete(gone.map((rel) => runKey(this.id, `${CHECKPOINTS_DIR}/${rel}`)));
      for (const rel of gone) this.#uploaded.delete(rel);
    }
  }
}

/**
 * Restores, into an empty `dir`, what a run interrupted on another machine left in the store: its
 * checkpoints and its run.json (pointed at `configFile` here, with no fold counted as trained, so each fold
 * resumes from its last checkpoint). Returns the folds restored; none means there is nothing to resume.
 */
export async function downloadResumeState(store: ArtifactStore, id: string, dir: string, configFile: string): Promise<string[]> {
  const bytes = await store.get(runKey(id, RESUME_RECORD));
  if (!bytes) return [];
  const folds = await downloadCheckpoints(store, id, dir);
  if (folds.length === 0) return [];
  const record = JSON.parse(bytes.toString('utf8')) as RunRecord;
  await writeFileAtomic(path.join(dir, RUN_JSON), `${JSON.stringify({ ...record, configFile, foldsTrained: [] }, null, 2)}\n`);
  return folds;
}

/**
 * Downloads the stored checkpoints of run `id` into `dir/checkpoints/` — per fold, the checkpoint its
 * `latest.json` points to, then that `latest.json` — so a trial interrupted elsewhere resumes here.
 * Returns the folds restored.
 */
export async function downloadCheckpoints(store: ArtifactStore, id: string, dir: string): Promise<string[]> {
  const prefix = `${runKey(id, CHECKPOINTS_DIR)}/`;
  const objects = await store.list(prefix);
  const folds = [...new Set(objects.map((o) => o.key.slice(prefix.length).split('/')[0]!))].filter((f) => objects.some((o) => o.key === `${prefix}${f}/${LATEST_JSON}`));
  const restored: string[] = [];
  for (const fold of folds) {
    const latest = await store.get(`${prefix}${fold}/${LATEST_JSON}`);
    if (!latest) continue;
    const { checkpoint } = JSON.parse(latest.toString('utf8')) as { checkpoint?: unknown };
    if (typeof checkpoint !== 'string') continue;
    const files = objects.filter((o) => o.key.startsWith(`${prefix}${fold}/${checkpoint}/`));
    if (files.length === 0) continue;
    for (const o of files) await store.getFile(o.key, localPath(dir, `${CHECKPOINTS_DIR}/${o.key.slice(prefix.length)}`));
    await writeFileAtomic(localPath(dir, `${CHECKPOINTS_DIR}/${fold}/${LATEST_JSON}`), latest);
    restored.push(fold);
  }
  return restored;
}
