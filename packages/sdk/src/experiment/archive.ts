import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../data/_fs.ts';
import { TradecoreError } from '../errors.ts';

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

export type RunStatus = 'running' | 'complete' | 'failed';

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

/** e.g. `20261124-014055-s0-3fa9`: sortable by start time, unique per start. */
export function newRunId(seed: number, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-s${seed}-${randomBytes(2).toString('hex')}`;
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

export async function writeRunRecord(dir: string, record: RunRecord): Promise<void> {
  record.updatedAt = new Date().toISOString();
  await writeJson(path.join(dir, RUN_JSON), record);
}

export function readRunRecord(dir: string): RunRecord {
  const file = path.join(dir, RUN_JSON);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new RunArchiveError(`${file}: cannot read the run record (${(error as Error).message})`);
  }
  const r = json as Partial<RunRecord>;
  if (r.format !== 'tradecore-run/1' || typeof r.id !== 'string' || typeof r.seed !== 'number' || typeof r.configFile !== 'string') {
    throw new RunArchiveError(`${file}: not a TradeCore run record (expected format "tradecore-run/1" with id, seed and configFile)`);
  }
  return { foldsTrained: [], resumes: 0, timings: {}, overrides: [], ...r } as RunRecord;
}

/** A run folder from `--resume <dir or id>`: an existing folder, or `<out>/<id>`. */
export function resolveRunDir(ref: string, out: string, cwd: string): string {
  const candidates = [path.resolve(cwd, ref), path.resolve(out, ref)];
  for (const dir of candidates) {
    if (existsSync(path.join(dir, RUN_JSON)) && statSync(dir).isDirectory()) return dir;
  }
  throw new RunArchiveError(`--resume ${ref}: no run found (looked for ${candidates.map((c) => path.join(c, RUN_JSON)).join(' and ')})`);
}
