import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { isValidId, resolveInside, writeFileAtomic } from '@tradecore/sdk';
import { downloadRunArchive, readLocalRecord, RUNS_PREFIX, storedRunState, SWEEPS_PREFIX } from './archive.ts';
import { SweepError } from './errors.ts';
import { LocalStore, openStore } from './store/index.ts';
import type { SweepSummary } from './summary.ts';
import { SUMMARY_HTML, SUMMARY_JSON } from './sweep.ts';

export interface PullOptions {
  readonly cwd?: string;
  /** Folder receiving `<run id>/` (default `runs`). */
  readonly out?: string;
  /** Only this sweep's trials; its summary goes to `sweeps/<id>/`. */
  readonly sweep?: string;
  /** Only these runs. */
  readonly ids?: readonly string[];
}

export interface PullResult {
  readonly out: string;
  readonly pulled: string[];
  /** Already complete here. */
  readonly skipped: string[];
  /** Not complete in the store (still running, failed, or half-uploaded). */
  readonly incomplete: { id: string; reason: string }[];
}

/** `tradecore runs pull`: downloads complete run archives from a store (run.json last), for the studio. */
export async function pullRuns(source: string, options: PullOptions = {}): Promise<PullResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const out = path.resolve(cwd, options.out ?? 'runs');
  const store = openStore(source, { cwd });
  try {
    // A mistyped folder would otherwise read as an empty store.
    if (store instanceof LocalStore && !existsSync(store.root)) throw new SweepError(`no store folder ${store.root}`);
    let ids: string[];
    if (options.sweep) {
      const bytes = await store.get(`${SWEEPS_PREFIX}/${options.sweep}/${SUMMARY_JSON}`);
      if (!bytes) throw new SweepError(`${store.url}: no ${SWEEPS_PREFIX}/${options.sweep}/${SUMMARY_JSON} (is the sweep finished?)`);
      const summary = JSON.parse(bytes.toString('utf8')) as SweepSummary;
      ids = summary.trials.map((t) => t.id);
      const dir = resolveInside(path.join(cwd, SWEEPS_PREFIX), options.sweep, 'sweep id');
      await writeFileAtomic(path.join(dir, SUMMARY_JSON), bytes);
      const html = await store.get(`${SWEEPS_PREFIX}/${options.sweep}/${SUMMARY_HTML}`);
      if (html) await writeFileAtomic(path.join(dir, SUMMARY_HTML), html);
    } else if (options.ids && options.ids.length > 0) {
      ids = [...options.ids];
    } else {
      ids = [...new Set((await store.list(`${RUNS_PREFIX}/`)).map((o) => o.key.split('/')[1]!))];
    }
    const result: PullResult = { out, pulled: [], skipped: [], incomplete: [] };
    for (const id of ids) {
      if (!isValidId(id)) {
        result.incomplete.push({ id: JSON.stringify(id).slice(0, 80), reason: 'not a valid run id' });
        continue;
      }
      const dir = resolveInside(out, id, 'run id');
      if (existsSync(dir) && (await readLocalRecord(dir).catch(() => undefined))?.status === 'complete') {
        result.skipped.push(id);
        continue;
      }
      const state = await storedRunState(store, id);
      if (state.state !== 'complete') {
        result.incomplete.push({ id, reason: state.state === 'missing' ? 'not in the store' : state.reason });
        continue;
      }
      const existed = existsSync(dir);
      try {
        await downloadRunArchive(store, id, dir);
      } catch (error) {
        // A file that arrives other than run.json says (corrupted at rest, changed underneath): name it, keep pulling the others.
        if (!(error instanceof SweepError)) throw error;
        if (!existed) await rm(dir, { recursive: true, force: true });
        result.incomplete.push({ id, reason: error.message });
        continue;
      }
      result.pulled.push(id);
    }
    return result;
  } finally {
    await store.close();
  }
}
