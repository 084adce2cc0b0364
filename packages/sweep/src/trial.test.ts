import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedRunState } from './archive.ts';
import { tinyProject, type TinyProject } from './_fixtures.ts';
import { planSweep } from './plan.ts';
import { LocalStore } from './store/index.ts';
import { runTrial } from './trial.ts';

let project: TinyProject;
beforeAll(async () => {
  project = await tinyProject();
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
    expect(Object.keys(state.record.archive!.files)).toEqual(expect.arrayContaining(['metrics.json', 'ledger.parquet', 'config.json', 'report.html', 'model/model.json']));
    expect(Object.keys(state.record.archive!.files).some((f) => f.startsWith('checkpoints/'))).toBe(false);
    expect(existsSync(path.join(project.dir, 'work', job.trialId)), 'work folder removed').toBe(false);
    const stored = JSON.parse(readFileSync(path.join(project.dir, 'store', 'runs', job.trialId, 'metrics.json'), 'utf8'));
    expect(stored).toEqual(first.metrics);

    const again = await runTrial(job, runtime);
    expect(again.outcome).toBe('stored');
    expect(again.metrics).toEqual(first.metrics);
  });
});
