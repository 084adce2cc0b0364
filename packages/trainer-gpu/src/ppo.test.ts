import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { selectBackend, BackendUnavailableError } from './backend.ts';
import { resolvePpoOptions } from './plugin.ts';
import { PpoTrainer, argmaxMasked, computeGae, sampleMasked } from './ppo.ts';
import { Rng } from './rng.ts';
import { SignalMarketEnv } from './signalMarket.ts';

const EPISODE = 64;

function options(overrides: Record<string, unknown> = {}) {
  return resolvePpoOptions(
    { backend: 'wasm', totalSteps: 20_480, numEnvs: 16, nSteps: 64, minibatchSize: 256, epochs: 4, hidden: [32], learningRate: 3e-3, checkpointEvery: 5 },
    overrides,
  );
}

async function trainer(seed: number, overrides: Record<string, unknown> = {}) {
  const env = new SignalMarketEnv({ numEnvs: 16, episodeLength: EPISODE });
  const t = await PpoTrainer.create({ observationSize: env.observationSize, numActions: env.numActions, seed, options: options(overrides) });
  return { env, t };
}

/** Deterministic policy on 8 fresh test episodes: its return and the optimal return. */
function evaluate(t: PpoTrainer): { got: number; optimal: number } {
  const ev = new SignalMarketEnv({ numEnvs: 8, episodeLength: EPISODE });
  ev.reset(987_654);
  const actions = new Int32Array(8);
  const directions = Array.from({ length: 8 }, () => new Uint8Array(EPISODE));
  let got = 0;
  for (let s = 0; s < EPISODE; s++) {
    for (let i = 0; i < 8; i++) directions[i]![s] = ev.nextDirection(i);
    t.act(ev.observations, ev.masks, 8, actions);
    for (const a of actions) expect(a, 'action 3 is always masked').not.toBe(3);
    ev.step(actions);
    for (let i = 0; i < 8; i++) got += ev.rewards[i]!;
  }
  const optimal = directions.reduce((sum, d) => sum + SignalMarketEnv.optimalReturn(EPISODE, ev.barReturn, ev.fee, d), 0);
  return { got, optimal };
}

describe('PPO learning on a market with a known optimal policy', () => {
  it('reaches ≥ 90 % of the optimal test return (and the untrained policy does not)', async () => {
    const { env, t } = await trainer(7);
    const before = evaluate(t);
    expect(before.got / before.optimal, 'an untrained policy is far from optimal').toBeLessThan(0.5);
    // CPU time, not wall time: the budget must hold when other test files share the cores.
    const cpu = process.cpuUsage();
    const result = await t.train({ env });
    const used = process.cpuUsage(cpu);
    expect((used.user + used.system) / 1e6, 'budget: well under a minute of CPU').toBeLessThan(60);
    expect(result.steps).toBe(20_480);
    const after = evaluate(t);
    expect(after.got / after.optimal).toBeGreaterThanOrEqual(0.9);
    t.dispose();
  });
});

describe('reproducibility and checkpoints', () => {
  it('same seed → identical weights and actions; different seed → different', async () => {
    const runs = [];
    for (const seed of [3, 3, 4]) {
      const { env, t } = await trainer(seed, { totalSteps: 2048 });
      await t.train({ env });
      runs.push({ weights: t.net.variables.map((v) => Array.from(v.dataSync())), t });
    }
    expect(runs[0]!.weights).toEqual(runs[1]!.weights);
    expect(runs[0]!.weights).not.toEqual(runs[2]!.weights);
    for (const r of runs) r.t.dispose();
  });

  it('does not leak tensors across updates', async () => {
    const { env, t } = await trainer(1, { totalSteps: 1024 * 6 });
    const counts: number[] = [];
    await t.train({ env, onProgress: () => counts.push(t.tf.memory().numTensors) });
    expect(counts.length).toBe(6);
    expect(counts.at(-1), `tensor count per update: ${counts.join(', ')}`).toBe(counts[1]);
    t.dispose();
  });

  it('saves model.json + weights + normaliser, and a resumed run continues from the checkpoint', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ppo-ckpt-'));
    const { env, t } = await trainer(11, { totalSteps: 4096 });
    await t.train({ env, checkpointDir: dir });
    const latest = PpoTrainer.latestCheckpoint(dir);
    expect(latest).toBeDefined();
    const modelJson = JSON.parse(readFileSync(path.join(latest!, 'model.json'), 'utf8')) as { format: string; weightsManifest: { paths: string[] }[] };
    expect(modelJson.format).toBe('layers-model');
    expect(modelJson.weightsManifest[0]!.paths).toEqual(['./weights.bin']);
    expect(existsSync(path.join(latest!, 'normalizer.json'))).toBe(true);

    const { t: restored } = await trainer(99, { totalSteps: 4096 });
    await restored.restoreCheckpoint(latest!);
    expect(restored.steps).toBe(4096);
    expect(restored.net.variables.map((v) => Array.from(v.dataSync()))).toEqual(t.net.variables.map((v) => Array.from(v.dataSync())));
    const probe = new SignalMarketEnv({ numEnvs: 4 });
    probe.reset(5);
    const a1 = new Int32Array(4);
    const a2 = new Int32Array(4);
    t.act(probe.observations, probe.masks, 4, a1);
    restored.act(probe.observations, probe.masks, 4, a2);
    expect(Array.from(a2)).toEqual(Array.from(a1));

    // Resuming to a larger budget trains only the remaining steps.
    const { env: env2 } = await trainer(0);
    const more = await restored.train({ env: env2, totalSteps: 6144, checkpointDir: dir });
    expect(more.steps).toBe(6144);
    t.dispose();
    restored.dispose();
  });
});

describe('backends', () => {
  it('auto reports every candidate and why it was skipped', async () => {
    const selected = await selectBackend('auto');
    expect(selected.attempts.map((a) => a.backend)).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']);
    expect(selected.attempts.filter((a) => a.status === 'selected')).toHaveLength(1);
    expect(selected.backend, 'no GPU and no tfjs-node here').toBe('wasm');
    const [cuda, webgpu, native] = selected.attempts;
    for (const a of [cuda!, native!]) {
      expect(a.status, 'the native peers are not installed here').toBe('skipped');
      expect(a.reason).toMatch(/is not installed/);
      expect(a.fix).toMatch(/^pnpm add @tensorflow\/tfjs-node/);
    }
    // webgpu is installed (dev dependency) but this machine has no GPU adapter Dawn accepts — or only
    // SwiftShader when VK_ICD_FILENAMES points at it, which auto never picks.
    expect(webgpu!.status).toBe('skipped');
    expect(webgpu!.reason).toMatch(/no WebGPU adapter|CPU implementation|libvulkan/);
    expect(webgpu!.fix, 'the fix names the Vulkan driver or loader to install').toMatch(/Vulkan|libvulkan/);
  });

  it('a named backend that is not installed fails with the install command', async () => {
    await expect(selectBackend('tensorflow')).rejects.toThrow(BackendUnavailableError);
    await expect(selectBackend('tensorflow')).rejects.toThrow(/pnpm add @tensorflow\/tfjs-node/);
    await expect(selectBackend('tensorflow-gpu')).rejects.toThrow(/pnpm add @tensorflow\/tfjs-node-gpu/);
  });
});

describe('PPO pieces', () => {
  it('GAE matches a hand computation, cuts at termination and bootstraps truncation', () => {
    // one env, 3 steps; step 1 terminates
    const rewards = new Float32Array([1, 2, 3]);
    const values = new Float32Array([0.5, 0.25, 1]);
    const adv = new Float32Array(3);
    const ret = new Float32Array(3);
    computeGae(rewards, values, new Uint8Array([0, 1, 0]), new Uint8Array(3), new Float32Array([2]), 1, 3, 0.9, 0.8, adv, ret);
    const d2 = 3 + 0.9 * 2 - 1;
    const d1 = 2 - 0.25;
    const d0 = 1 + 0.9 * 0.25 - 0.5;
    expect(adv[2]).toBeCloseTo(d2, 6);
    expect(adv[1]).toBeCloseTo(d1, 6);
    expect(adv[0]).toBeCloseTo(d0 + 0.9 * 0.8 * d1, 6);
    expect(ret[0]).toBeCloseTo(adv[0]! + 0.5, 6);
    // truncation at step 1 bootstraps with V(s1) and does not carry step 2's advantage back
    computeGae(rewards, values, new Uint8Array(3), new Uint8Array([0, 1, 0]), new Float32Array([2]), 1, 3, 0.9, 0.8, adv, ret);
    expect(adv[1]).toBeCloseTo(2 + 0.9 * 0.25 - 0.25, 6);
  });

  it('masked sampling never picks a masked action and argmax ignores masked logits', () => {
    const logits = new Float32Array([0, 5, 1, 10]);
    const mask = new Uint8Array([1, 0, 1, 0]);
    const rng = new Rng(1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 2000; i++) counts[sampleMasked(logits, mask, 0, 4, rng).action]! += 1;
    expect(counts[1]).toBe(0);
    expect(counts[3]).toBe(0);
    expect(counts[2]! / 2000).toBeCloseTo(Math.E / (1 + Math.E), 1);
    expect(argmaxMasked(logits, mask, 0, 4)).toBe(2);
    expect(() => argmaxMasked(logits, new Uint8Array(4), 0, 4)).toThrow(/masked/);
    const { logp } = sampleMasked(logits, mask, 0, 4, rng);
    expect([Math.log(1 / (1 + Math.E)), Math.log(Math.E / (1 + Math.E))].some((v) => Math.abs(v - logp) < 1e-6)).toBe(true);
  });
});
