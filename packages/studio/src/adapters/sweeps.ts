/**
 * Sweeps for the Runs page, read from the files `tradecore sweep` writes: `sweeps/<id>/sweep.json` (live status,
 * rewritten atomically) and, once finished, `summary.json`. Each trial is a normal run in the runs folder.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { assertId, assertRegularFile, isValidId, realpathInside } from '@tradecore/sdk';
import type { SweepDetail, SweepRow, SweepTrial } from '../api.ts';
import { guardPath, notFound } from '../http.ts';

type Json = Record<string, unknown>;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function readJson(file: string): Json | null {
  try {
    assertRegularFile(file, 'sweep file');
    const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : null;
  } catch {
    return null;
  }
}

function rowOf(id: string, status: Json, summary: Json | null): SweepRow {
  const counts = (status.counts ?? {}) as Json;
  const best = (summary?.best ?? null) as Json | null;
  return {
    id,
    state: str(status.state) ?? 'unknown',
    createdAt: str(status.createdAt),
    finishedAt: str(status.finishedAt),
    mode: str(status.mode),
    dataset: str(status.dataset),
    metric: str(status.metric),
    goal: str(status.goal),
    counts: { total: num(counts.total) ?? 0, pending: num(counts.pending) ?? 0, running: num(counts.running) ?? 0, complete: num(counts.complete) ?? 0, failed: num(counts.failed) ?? 0 },
    etaSeconds: num(status.etaSeconds),
    best: best ? { setting: str(best.setting), values: (best.values ?? {}) as Record<string, unknown>, mean: num((best.stat as Json | undefined)?.mean) } : null,
  };
}

export class Sweeps {
  constructor(
    /** `<project>/sweeps`. */
    readonly dir: string,
    readonly runsDir: string,
  ) {}

  list(): SweepRow[] {
    let names: string[] = [];
    try {
      names = readdirSync(this.dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && isValidId(e.name))
        .map((e) => e.name);
    } catch {
      return [];
    }
    const rows: SweepRow[] = [];
    for (const id of names) {
      const status = readJson(path.join(this.dir, id, 'sweep.json'));
      if (status?.format !== 'tradecore-sweep/1') continue;
      rows.push(rowOf(id, status, readJson(path.join(this.dir, id, 'summary.json'))));
    }
    return rows.sort((a, b) => ((a.createdAt ?? '') < (b.createdAt ?? '') ? 1 : -1));
  }

  detail(rawId: unknown): SweepDetail {
    const folder = guardPath(() => realpathInside(this.dir, assertId(rawId, 'sweep id'), 'sweep id'));
    const id = path.basename(folder);
    const status = readJson(path.join(folder, 'sweep.json'));
    if (status?.format !== 'tradecore-sweep/1') throw notFound(`sweep ${id} not found in ${this.dir}`);
    const summary = readJson(path.join(folder, 'summary.json'));
    const metricsByTrial = new Map<string, Json>();
    const warningsByTrial = new Map<string, string[]>();
    for (const t of (summary?.trials ?? []) as Json[]) {
      if (typeof t.id !== 'string') continue;
      if (t.metrics) metricsByTrial.set(t.id, t.metrics as Json);
      if (Array.isArray(t.warnings)) warningsByTrial.set(t.id, (t.warnings as unknown[]).map((w) => str((w as Json | null)?.message) ?? '').filter(Boolean));
    }
    const metric = str(status.metric);
    const trials: SweepTrial[] = ((status.trials ?? []) as Json[]).map((t) => {
      const trialId = str(t.id) ?? '';
      const progress = (t.progress ?? null) as Json | null;
      const agent = (metricsByTrial.get(trialId)?.agent ?? null) as Json | null;
      return {
        id: trialId,
        index: num(t.index) ?? 0,
        setting: str(t.setting),
        seed: num(t.seed),
        overrides: Array.isArray(t.overrides) ? (t.overrides as unknown[]).map(String) : [],
        status: str(t.status) ?? 'unknown',
        attempts: num(t.attempts) ?? 0,
        worker: str(t.worker),
        seconds: num(t.seconds),
        progress: progress ? { steps: num(progress.steps) ?? 0, totalSteps: num(progress.totalSteps) ?? 0 } : null,
        error: str(t.error),
        metric: metric && agent ? num(agent[metric]) : null,
        warnings: warningsByTrial.get(trialId) ?? [],
        hasRun: isValidId(trialId) && existsSync(path.join(this.runsDir, trialId, 'run.json')),
      };
    });
    return { sweep: rowOf(id, status, summary), trials };
  }
}
