import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listCheckpoints } from './checkpoint.ts';
import { resolvePpoOptions } from './plugin.ts';
import { PpoTrainer } from './ppo.ts';
import { SignalMarketEnv } from './signalMarket.ts';

// 16 envs × 32 steps = 512 steps per update; 8 updates; a checkpoint every 2 updates. Minibatches of 64 make
// 16 Adam steps per update: enough for Adam's float32 β-powers to differ from a recomputed pow().
const TOTAL = 8 * 512;
const options = resolvePpoOptions({ backend: 'wasm', totalSteps: TOTAL, numEnvs: 16, nSteps: 32, minibatchSize: 64, epochs: 2, hidden: [16], checkpointEvery: 2 }, {});

async function trainer() {
  const env = new SignalMarketEnv({ numEnvs: 16, episodeLength: 48 });
  const t = await PpoTrainer.create({ observationSize: env.observationSize, numActions: env.numActions, seed: 5, options });
  return { env, t };
}

const weightsOf = (t: PpoTrainer) => t.net.variables.map((v) => Array.from(v.dataSync()));
const tempDir = (prefix: string) => mkdtempSync(path.join(tmpdir(), prefix));

/** The uninterrupted run: final weights and the losses of every update. */
async function uninterrupted(): Promise<{ weights: number[][]; losses: number[]; dir: string }> {
  const dir = tempDir('ckpt-full-');
  const { env, t } = await trainer();
  const losses: number[] = [];
  await t.train({ env, checkpointDir: dir, onProgress: (p) => losses.push(p.policyLoss) });
  const weights = weightsOf(t);
  t.dispose();
  return { weights, losses, dir };
}

/** Trains until `stopAfter` updates are done, then aborts (as Ctrl-C does). */
async function interrupted(stopAfter: number): Promise<string> {
  const dir = tempDir('ckpt-cut-');
  const { env, t } = await trainer();
  const controller = new AbortController();
  const result = await t.train({ env, checkpointDir: dir, signal: controller.signal, onProgress: (p) => p.update >= stopAfter && controller.abort() });
  expect(result.aborted).toBe(true);
  t.dispose();
  return dir;
}

async function resume(dir: string, logs: string[] = []): Promise<{ weights: number[][]; losses: number[]; from: number | undefined }> {
  const { env, t } = await trainer();
  const restored = await t.restoreLatest(dir, (line) => logs.push(line));
  const losses: number[] = [];
  await t.train({ env, checkpointDir: dir, onProgress: (p) => losses.push(p.policyLoss) });
  const weights = weightsOf(t);
  t.dispose();
  return { weights, losses, from: restored?.steps };
}

describe('checkpoints', () => {
  it('a resumed run is bit-identical to the uninterrupted one; two checkpoints are kept; no temp folder is left', async () => {
    const full = await uninterrupted();
    const names = listCheckpoints(full.dir).map((c) => c.name);
    expect(names).toEqual([`ckpt-${String(TOTAL).padStart(10, '0')}`, `ckpt-${String(6 * 512).padStart(10, '0')}`]);
    expect(readdirSync(full.dir).sort()).toEqual([...names, 'latest.json'].sort());

    // Stopped after update 5: the checkpoint of update 4 is where it continues; updates 5.. are redone.
    const dir = await interrupted(5);
    expect(listCheckpoints(dir).map((c) => c.steps)).toEqual([4 * 512, 2 * 512]);
    const resumed = await resume(dir);
    expect(resumed.from).toBe(4 * 512);
    expect(resumed.losses).toEqual(full.losses.slice(4));
    expect(resumed.weights).toEqual(full.weights);
  });

  it('a damaged newest checkpoint falls back to the previous one, says so, and still ends identical', async () => {
    const full = await uninterrupted();
    const dir = await interrupted(5);
    truncateSync(path.join(dir, 'ckpt-0000002048', 'weights.bin'), 100);
    const logs: string[] = [];
    const resumed = await resume(dir, logs);
    expect(logs.join('\n')).toMatch(/ckpt-0000002048 is unusable \(.*weights hold 100 bytes.*\); falling back to ckpt-0000001024/);
    expect(resumed.from).toBe(2 * 512);
    expect(resumed.weights).toEqual(full.weights);
    // The damaged one was replaced by a complete one when training passed it again.
    expect(listCheckpoints(dir).map((c) => c.steps)).toEqual([TOTAL, 6 * 512]);
  });

  it('nothing read from trainer-state.json, latest.json or model.json becomes a path', async () => {
    const root = tempDir('ckpt-hostile-');
    const dir = path.join(root, 'run', 'checkpoints', 'fold-0');
    const victim = path.join(root, 'victim');
    mkdirSync(victim, { recursive: true });
    writeFileSync(path.join(victim, 'keep.txt'), 'precious');
    // A real checkpoint (update 2), then a newer one whose trainer-state.json names a path as its step count.
    const cut = await interrupted(3);
    const { env, t } = await trainer();
    await t.restoreLatest(cut);
    await t.saveCheckpoint(dir);
    const real = path.join(dir, 'ckpt-0000001024');
    const hostile = path.join(dir, 'ckpt-0000009999');
    mkdirSync(hostile);
    for (const file of ['model.json', 'weights.bin', 'optimizer.bin', 'normalizer.json']) writeFileSync(path.join(hostile, file), readFileSync(path.join(real, file)));
    const state = JSON.parse(readFileSync(path.join(real, 'trainer-state.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(hostile, 'trainer-state.json'), JSON.stringify({ ...state, steps: '../../../victim' }));
    writeFileSync(path.join(dir, 'latest.json'), JSON.stringify({ checkpoint: '../../../victim', steps: '../../../victim' }));

    const logs: string[] = [];
    const fresh = await trainer();
    const restored = await fresh.t.restoreLatest(dir, (l) => logs.push(l));
    expect(logs.join('\n')).toMatch(/ckpt-0000009999 is unusable .*steps: must be an integer.*falling back to ckpt-0000001024/s);
    expect(restored?.steps).toBe(1024);
    await fresh.t.train({ env: fresh.env, totalSteps: 3 * 512, checkpointDir: dir });
    expect(readFileSync(path.join(victim, 'keep.txt'), 'utf8')).toBe('precious');
    expect(readdirSync(victim)).toEqual(['keep.txt']);
    expect(existsSync(path.join(root, 'run', 'ckpt-0000001536'))).toBe(false);

    // A weights path in model.json must stay inside the checkpoint folder.
    const model = JSON.parse(readFileSync(path.join(real, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    model.weightsManifest[0]!.paths = ['../../../victim/keep.txt'];
    writeFileSync(path.join(real, 'model.json'), JSON.stringify(model));
    await expect(fresh.t.loadWeights(real)).rejects.toThrow(/weights path .* leaves/);
    t.dispose();
    fresh.t.dispose();
    void env;
  });
});
