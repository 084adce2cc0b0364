import { randomBytes } from 'node:crypto';
import { lstatSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempPathFor } from '../data/_fs.ts';
import { TradecoreError } from '../errors.ts';
import { isValidId, quote } from '../paths/ids.ts';
import { resolveInside } from '../paths/resolveInside.ts';
import { faultPoint, type WritePoint } from './faults.ts';
import { ensureDirectory, errnoOf, toFileSystemError } from './fsErrors.ts';

export const RUN_JSON = 'run.json';
export const CONFIG_JSON = 'config.json';
export const METRICS_JSON = 'metrics.json';
export const LEDGER_PARQUET = 'ledger.parquet';
export const TRADES_PARQUET = 'trades.parquet';
export const TRAIN_PARQUET = 'train.parquet';
export const EQUITY_SVG = 'equity.svg';
export const REPORT_HTML = 'report.html';
export const MODEL_DIR = 'model';
export const CHECKPOINTS_DIR = 'checkpoints';

/**
 * What `run.json` records. `failed` and `cancelled` runs keep their checkpoints and can be resumed; a run that
 * says `running` while nobody holds its lock was killed (see `readRunStatus`, which reports it `interrupted`).
 */
export type RunStatus = 'running' | 'complete' | 'failed' | 'cancelled';
const RUN_STATUSES: readonly string[] = ['running', 'complete', 'failed', 'cancelled'];
const MAX_SEED = 2 ** 32 - 1;

/** `run.json`: what ran, how far it got, and how long each stage took. */
export interface RunRecord {
  readonly format: 'tradecore-run/1';
  readonly id: string;
  status: RunStatus;
  error?: string;
  readonly createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  readonly seed: number;
  /** Config file the run was made from, and the `--set` overrides applied to it (needed by `--resume`). */
  readonly configFile: string;
  readonly overrides: readonly string[];
  /** Times the run was resumed. */
  resumes: number;
  /** Seconds per stage (summed over resumes). */
  timings: Record<string, number>;
  backend?: { name: string; report: readonly { backend: string; status: string; reason: string }[] };
  versions: { node: string; sdk: string; plugins: Record<string, string>; runtime?: Record<string, string> };
  dataset?: {
    id: string;
    manifest: string;
    manifestSha256: string;
    rows: number;
    synthetic: boolean;
    partitions: readonly { path: string; rows: number; sha256: string }[];
  };
  trainer?: { name: string; options: Readonly<Record<string, unknown>> };
  /** Tool manifest the indicator plugins came from (besides the config's own plugins). */
  tools?: { file: string; plugins: readonly string[] };
  folds?: readonly { fold: number; trainStart: number; trainEnd: number; testStart: number; testEnd: number }[];
  /** Folds whose training finished (their model is saved); a resume skips them. */
  foldsTrained: number[];
  progress?: { fold: number; steps: number; totalSteps: number };
  /** sha256 of the archive files, written when the run completes. */
  files?: Record<string, string>;
}

export class RunArchiveError extends TradecoreError {
  override name = 'RunArchiveError';
}

/**
 * e.g. `20261124-014055-s0-3fa9c21b`: sortable by start time, 32 random bits so that runs started in the
 * same second never collide in practice (and the folder is created with a non-recursive mkdir, so they
 * cannot share a folder even if they do).
 */
export function newRunId(seed: number, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-s${seed}-${randomBytes(4).toString('hex')}`;
}

/**
 * Writes a file of a run folder atomically (temp file beside it, then rename), naming the path and the
 * system's reason when it fails. `point` marks the write for the crash tests (see `faults.ts`).
 */
export async function writeArchiveFile(file: string, data: string | Uint8Array, point?: WritePoint): Promise<void> {
  ensureDirectory(path.dirname(file));
  const temp = tempPathFor(file);
  try {
    await writeFile(temp, data, { flush: true });
    if (point) faultPoint(point);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw toFileSystemError(error, 'write', file);
  }
}

export async function writeJson(file: string, value: unknown, point?: WritePoint): Promise<void> {
  await writeArchiveFile(file, `${JSON.stringify(value, null, 2)}\n`, point);
}

export async function writeRunRecord(dir: string, record: RunRecord): Promise<void> {
  record.updatedAt = new Date().toISOString();
  await writeJson(path.join(dir, RUN_JSON), record, record.status === 'complete' ? 'run-json-complete' : 'run-json');
}

/** Synchronous `run.json` write, for the last moments of a process that is exiting. */
export function writeRunRecordSync(dir: string, record: RunRecord): void {
  record.updatedAt = new Date().toISOString();
  const file = path.join(dir, RUN_JSON);
  const temp = tempPathFor(file);
  try {
    writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`);
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw toFileSystemError(error, 'write', file);
  }
}

function recordProblem(r: Record<string, unknown>): string | undefined {
  if (r.format !== 'tradecore-run/1') return 'format must be "tradecore-run/1"';
  if (!isValidId(r.id)) return `id ${quote(r.id)} is not a valid run id`;
  if (!Number.isSafeInteger(r.seed) || (r.seed as number) < 0 || (r.seed as number) > MAX_SEED) return `seed ${quote(r.seed)} must be an integer in 0..${MAX_SEED}`;
  if (typeof r.configFile !== 'string' || r.configFile.length === 0 || r.configFile.includes('\0')) return 'configFile must name the config file';
  if (typeof r.status !== 'string' || !RUN_STATUSES.includes(r.status)) return `status ${quote(r.status)} must be one of ${RUN_STATUSES.join(', ')}`;
  if (r.overrides !== undefined && !(Array.isArray(r.overrides) && r.overrides.every((o) => typeof o === 'string'))) return 'overrides must be a list of key=value strings';
  if (r.foldsTrained !== undefined && !(Array.isArray(r.foldsTrained) && r.foldsTrained.every((f) => Number.isSafeInteger(f) && (f as number) >= 0))) {
    return 'foldsTrained must be a list of fold numbers';
  }
  if (r.resumes !== undefined && !(Number.isSafeInteger(r.resumes) && (r.resumes as number) >= 0)) return 'resumes must be a whole number';
  return undefined;
}

/** Reads and checks `run.json` (everything a resume takes from it: id, seed, config file, overrides, folds). */
export function readRunRecord(dir: string): RunRecord {
  const file = path.join(dir, RUN_JSON);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if (errnoOf(error)) throw toFileSystemError(error, 'read the run record', file);
    throw new RunArchiveError(`${file}: cannot read the run record (${(error as Error).message})`);
  }
  const problem = json && typeof json === 'object' && !Array.isArray(json) ? recordProblem(json as Record<string, unknown>) : 'expected a JSON object';
  if (problem) throw new RunArchiveError(`${file}: not a TradeCore run record: ${problem}`);
  return { foldsTrained: [], resumes: 0, timings: {}, overrides: [], ...(json as object) } as unknown as RunRecord;
}

function isRunFolder(dir: string): boolean {
  try {
    const info = lstatSync(dir);
    if (!info.isDirectory()) return false;
    return lstatSync(path.join(dir, RUN_JSON)).isFile();
  } catch {
    return false;
  }
}

/**
 * A run folder from `--resume <dir or id>`: a folder holding `run.json` (a path, relative to `cwd`), or the
 * run id `ref` under `out` (checked against the id rule and resolved inside `out`).
 */
export function resolveRunDir(ref: string, out: string, cwd: string): string {
  const asPath = path.resolve(cwd, ref);
  const candidates = [asPath];
  if (isValidId(ref)) candidates.push(resolveInside(out, ref, 'run id'));
  for (const dir of candidates) {
    if (isRunFolder(dir)) return dir;
  }
  throw new RunArchiveError(`--resume ${quote(ref)}: no run found (looked for ${candidates.map((c) => path.join(c, RUN_JSON)).join(' and ')})`);
}
