import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedRunState, uploadRunArchive } from './archive.ts';
import { tinyProject, type TinyProject } from './_fixtures.ts';
import { planSweep } from './plan.ts';
import { LocalStore } from './store/index.ts';
import { runTrial } from './trial.ts';
import { pullRuns } from './pull.ts';

let project: TinyProject;
let longer: TinyProject;
beforeAll(async () => {
  project = await tinyProject();
  longer = await tinyProject({ totalSteps: 768 });
});

describe('runTrial', () => {
  it('trains through runExperiment with the trial id as run id, uploads the archive with run.json last, and skips it next time', async () => {
    const plan = await planSweep({ cwd: project.dir, flags: { grid: ['trainer.learningRate=0.001'], seeds: '3' } });
    const job = plan.trials[0]!;
    const store = new LocalStore(path.join(project.dir, 'store'));
    const runtime = { cwd: project.dir, store, workDir: path.join(project.dir, 'work') };
    const t0 = performance.now();
    const first = await runTrial(job, runtime);
    console.log('trial seconds', (performance.now() - t0) / 1000);
    expect(first.outcome).toBe('ran');
    expect(first.metrics.seed).toBe(3);
    const state = await storedRunState(store, job.trialId);
    expect(state.state).toBe('complete');
    if (state.state !== 'complete') return;
    expect(state.record.id).toBe(job.trialId);
    expect(state.record.overrides).toEqual(['trainer.learningRate=0.001', 'run.seed=3']);
    expect(Object.keys(state.record.archive!.files)).toEqual(expect.arrayContaining(['metrics.json', 'ledger.parquet', 'trades.parquet', 'train.parquet', 'config.json', 'report.html', 'model/model.json']));
    // Every file the runner recorded a checksum for is archived with that checksum.
    expect(Object.keys(state.record.files!)).toEqual(expect.arrayContaining(['metrics.json', 'ledger.parquet', 'trades.parquet', 'train.parquet', 'config.json']));
    for (const [rel, sha256] of Object.entries(state.record.files!)) expect(state.record.archive!.files[rel]?.sha256, rel).toBe(sha256);
    expect(Object.keys(state.record.archive!.files).some((f) => f.startsWith('checkpoints/'))).toBe(false);
    expect(existsSync(path.join(project.dir, 'work', job.trialId)), 'work folder removed').toBe(false);
    const stored = JSON.parse(readFileSync(path.join(project.dir, 'store', 'runs', job.trialId, 'metrics.json'), 'utf8'));
    expect(stored).toEqual(first.metrics);

    const again = await runTrial(job, runtime);
    expect(again.outcome).toBe('stored');
    expect(again.metrics).toEqual(first.metrics);

    // `tradecore runs pull`: the archive comes back whole (run.json without the store's file list), once.
    const pulled = await pullRuns(path.join(project.dir, 'store'), { cwd: project.dir, out: 'pulled' });
    expect(pulled.pulled).toEqual([job.trialId]);
    const back = JSON.parse(readFileSync(path.join(project.dir, 'pulled', job.trialId, 'run.json'), 'utf8'));
    expect(back.status).toBe('complete');
    expect(back.archive).toBeUndefined();
    expect(readFileSync(path.join(project.dir, 'pulled', job.trialId, 'ledger.parquet'))).toEqual(readFileSync(path.join(project.dir, 'store', 'runs', job.trialId, 'ledger.parquet')));
    expect((await pullRuns(path.join(project.dir, 'store'), { cwd: project.dir, out: 'pulled' })).skipped).toEqual([job.trialId]);
    expect(first.metrics.format).toBe('tradecore-metrics/2');

    // A local archive whose file no longer matches run.json's checksum is not uploaded as complete.
    const pulledDir = path.join(project.dir, 'pulled', job.trialId);
    const trades = readFileSync(path.join(pulledDir, 'trades.parquet'));
    writeFileSync(path.join(pulledDir, 'trades.parquet'), Buffer.from(trades.map((b, i) => (i === trades.length >> 1 ? b ^ 0xff : b))));
    const other = new LocalStore(path.join(project.dir, 'store-2'));
    await expect(uploadRunArchive(other, pulledDir, job.trialId)).rejects.toThrow(/not uploaded as a complete archive: trades\.parquet has sha256/);
    expect((await storedRunState(other, job.trialId)).state, 'no run.json uploaded').toBe('missing');

    // A stored archive that lacks a file run.json has a checksum for is incomplete, and a pull skips it.
    const storedJson = path.join(project.dir, 'store', 'runs', job.trialId, 'run.json');
    const record = JSON.parse(readFileSync(storedJson, 'utf8'));
    delete record.archive.files['train.parquet'];
    writeFileSync(storedJson, JSON.stringify(record));
    const incomplete = await storedRunState(store, job.trialId);
    expect(incomplete).toMatchObject({ state: 'incomplete', reason: 'train.parquet (listed in run.json) is not in the archive' });

    // A stored file corrupted at rest (same size, other bytes) is refused by a pull, naming it.
    record.archive.files['train.parquet'] = state.record.archive!.files['train.parquet'];
    writeFileSync(storedJson, JSON.stringify(record));
    const storedTrades = path.join(project.dir, 'store', 'runs', job.trialId, 'trades.parquet');
    writeFileSync(storedTrades, readFileSync(path.join(pulledDir, 'trades.parquet')));
    const corrupt = await pullRuns(path.join(project.dir, 'store'), { cwd: project.dir, out: 'pulled-again' });
    expect(corrupt.pulled).toEqual([]);
    expect(corrupt.incomplete).toHaveLength(1);
    expect(corrupt.incomplete[0]!.reason).toMatch(/runs\/t-[0-9a-f]+\/trades\.parquet arrived with sha256/);
    expect(existsSync(path.join(project.dir, 'pulled-again', job.trialId)), 'nothing half-pulled is left').toBe(false);
  });

  it('an interrupted trial resumes elsewhere from the run.json and checkpoints it mirrored to the store', async () => {
    const plan = await planSweep({ cwd: longer.dir, flags: { seeds: '1' } });
    const job = plan.trials[0]!;
    const store = new LocalStore(path.join(longer.dir, 'store'));
    const controller = new AbortController();
    let updates = 0;
    const interrupted = runTrial(job, {
      cwd: longer.dir,
      store,
      workDir: path.join(longer.dir, 'machine-a'),
      checkpointSyncMs: 0,
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'trial-progress' && ++updates === 3) controller.abort();
      },
    });
    await expect(interrupted).rejects.toThrow();
    const stored = await store.list(`runs/${job.trialId}/checkpoints/`);
    expect(stored.map((o) => o.key)).toEqual(expect.arrayContaining([`runs/${job.trialId}/checkpoints/resume/run.json`, `runs/${job.trialId}/checkpoints/fold-0/latest.json`]));
    expect((await storedRunState(store, job.trialId)).state, 'no run.json at the archive path yet').toBe('missing');

    const events: string[][] = [];
    const resumed = await runTrial(job, { cwd: longer.dir, store, workDir: path.join(longer.dir, 'machine-b'), onEvent: (e) => e.type === 'trial-start' && events.push([...e.resumedCheckpoints]) });
    expect(events[0], 'machine B restored fold-0 from the store').toEqual(['fold-0']);
    expect(resumed.outcome).toBe('ran');
    const state = await storedRunState(store, job.trialId);
    expect(state.state).toBe('complete');
    if (state.state === 'complete') expect(state.record.resumes).toBeGreaterThanOrEqual(1);
    expect(await store.list(`runs/${job.trialId}/checkpoints/`), 'checkpoints removed from the store once complete').toEqual([]);
  });
});
