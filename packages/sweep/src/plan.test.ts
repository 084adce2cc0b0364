import { rmSync } from 'node:fs';
import path from 'node:path';
import { generateSynthetic, writeDataset } from '@tradecore/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyProject, type TinyProject } from './_fixtures.ts';
import { datasetChecksum } from './identity.ts';
import { planSweep } from './plan.ts';
import { LocalStore } from './store/index.ts';
import { runTrial } from './trial.ts';

let project: TinyProject;
beforeAll(async () => {
  project = await tinyProject();
  const dataset = async (id: string, seed: number) =>
    writeDataset(generateSynthetic({ seed, days: 7, timeframe: '5m' }), { dataDir: path.join(project.dir, 'data'), source: 'synthetic', symbol: `${id.toUpperCase()}-USD`, timeframe: '5m', id });
  await dataset('other', 12);
  await dataset('second', 13);
});

describe('planSweep: the dataset a trial reads', () => {
  it('is the one its overrides name, even where the config names a dataset this project does not have', async () => {
    const bare = await tinyProject();
    rmSync(path.join(bare.dir, 'data', 'manifests', 'tiny.json'));
    await writeDataset(generateSynthetic({ seed: 14, days: 7, timeframe: '5m' }), { dataDir: path.join(bare.dir, 'elsewhere'), source: 'synthetic', symbol: 'MOVED-USD', timeframe: '5m', id: 'moved' });
    const plan = await planSweep({ cwd: bare.dir, flags: { set: ['dataDir=elsewhere', 'dataset=moved'], seeds: '0..1' } });
    const moved = await datasetChecksum('moved', path.join(bare.dir, 'elsewhere'));
    expect(plan.dataset).toBe('moved');
    expect(plan.datasetChecksum).toBe(moved);
    expect(plan.trials.map((t) => t.datasetChecksum)).toEqual([moved, moved]);

    // A worker checks the same dataset before it trains (the config's own is gone).
    const job = plan.trials[0]!;
    const result = await runTrial(job, { cwd: bare.dir, store: new LocalStore(path.join(bare.dir, 'store')), workDir: path.join(bare.dir, 'work') });
    expect(result.outcome).toBe('ran');
    expect(result.metrics.dataset).toBe('moved');
  });

  it('a grid over datasets gives each setting its own dataset identity, and a missing one is refused by name', async () => {
    const plan = await planSweep({ cwd: project.dir, flags: { grid: ['dataset=other,second'], seeds: '0' } });
    const data = path.join(project.dir, 'data');
    expect(plan.trials.map((t) => t.datasetChecksum)).toEqual([await datasetChecksum('other', data), await datasetChecksum('second', data)]);
    expect(plan.trials[0]!.datasetChecksum).not.toBe(plan.trials[1]!.datasetChecksum);
    expect(plan.dataset).toBe('other, second');
    // The config's own dataset is not needed when every setting names another.
    rmSync(path.join(project.dir, 'data', 'manifests', 'tiny.json'));
    const again = await planSweep({ cwd: project.dir, flags: { grid: ['dataset=other,second'], seeds: '0' } });
    expect(again.trials.map((t) => t.trialId)).toEqual(plan.trials.map((t) => t.trialId));
    await expect(planSweep({ cwd: project.dir, flags: { grid: ['dataset=other,nope'], seeds: '0' } })).rejects.toThrow(/dataset "nope" not found/);
  });
});
