import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type * as tfjs from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from './backend.ts';
import { buildActorCritic } from './model.ts';
import { resolvePpoOptions } from './plugin.ts';
import { PpoTrainer } from './ppo.ts';
import { Rng } from './rng.ts';
import { SignalMarketEnv } from './signalMarket.ts';
import { ppoGradients, type LossCoefficients } from './update.ts';
import { relativeError } from './_testing.ts';

// Debian's chromium ships SwiftShader, a Vulkan driver on the CPU: Dawn gets a real WebGPU adapter from
// it, so the whole webgpu code path runs without a GPU (slowly: correctness only, never speed).
const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const hasSwiftShader = existsSync(ICD);
if (hasSwiftShader) process.env.VK_ICD_FILENAMES = ICD;
else console.warn(`[webgpu.test] ${ICD} not found: skipping the WebGPU tests (apt-get install -y chromium libvulkan1)`);

const SLOW = 1_800_000;
const execFileAsync = promisify(execFile);
const COEFS: LossCoefficients = { clipRange: 0.2, valueCoef: 0.5, entropyCoef: 0.01 };
/** The toy market and PPO settings of the learning run (reaches the optimum on wasm in 6,144 steps). */
const EPISODE = 64;
const PPO = { totalSteps: 6144, numEnvs: 16, nSteps: 32, minibatchSize: 256, epochs: 4, hidden: [16], learningRate: 3e-3, updateThreads: 1 };

async function readAll(tensors: readonly tfjs.Tensor[]): Promise<Float32Array[]> {
  return Promise.all(tensors.map(async (t) => (await t.data()) as Float32Array));
}


/** Gradients of one fixed minibatch on `backend`, for a network built from seed 3. */
async function gradientsOn(backend: 'wasm' | 'webgpu'): Promise<Float32Array[]> {
  const { tf } = await selectBackend(backend);
  const net = buildActorCritic(tf, { observationSize: 6, numActions: 4, hidden: [24, 16] }, 3);
  const rng = new Rng(11);
  const rows = 128;
  const oneHot = new Float32Array(rows * 4);
  const penalty = new Float32Array(rows * 4);
  for (let r = 0; r < rows; r++) {
    oneHot[r * 4 + rng.int(3)] = 1;
    penalty[r * 4 + 3] = -1e9;
  }
  const fill = (n: number, f: () => number) => Float32Array.from({ length: n }, f);
  const out = tf.tidy(() =>
    ppoGradients(
      tf as Tf,
      net,
      {
        obs: tf.tensor2d(fill(rows * 6, () => rng.normal()), [rows, 6]),
        maskPenalty: tf.tensor2d(penalty, [rows, 4]),
        actionOneHot: tf.tensor2d(oneHot, [rows, 4]),
        oldLogp: tf.tensor1d(fill(rows, () => Math.log(1 / 3) + 0.5 * rng.normal())),
        advantages: tf.tensor1d(fill(rows, () => rng.normal())),
        returns: tf.tensor1d(fill(rows, () => rng.normal())),
      },
      COEFS,
    ).grads,
  );
  const values = await readAll(out);
  tf.dispose(out);
  net.model.dispose();
  return values;
}

/** Trains one rollout (one PPO update) from seed 5 and returns the trainer's weights and last stats. */
async function oneUpdate(backend: 'wasm' | 'webgpu') {
  const env = new SignalMarketEnv({ numEnvs: PPO.numEnvs, episodeLength: EPISODE });
  const options = resolvePpoOptions({ ...PPO, backend, totalSteps: PPO.numEnvs * PPO.nSteps }, {});
  const trainer = await PpoTrainer.create({ observationSize: env.observationSize, numActions: env.numActions, seed: 5, options });
  const before = await readAll(trainer.net.variables);
  let stats: number[] = [];
  await trainer.train({ env, onProgress: (p) => (stats = [p.policyLoss, p.valueLoss, p.entropy]) });
  const after = await readAll(trainer.net.variables);
  const probe = new SignalMarketEnv({ numEnvs: 32, episodeLength: EPISODE });
  probe.reset(77);
  const actions = new Int32Array(32);
  trainer.act(probe.observations, probe.masks, 32, actions);
  trainer.dispose();
  return { before, after, stats, actions: Array.from(actions) };
}

describe.skipIf(!hasSwiftShader)('webgpu backend on SwiftShader (a CPU Vulkan driver)', () => {
  it('auto never picks a software adapter, and says which adapter it skipped', async () => {
    const selected = await selectBackend('auto');
    const webgpu = selected.attempts.find((a) => a.backend === 'webgpu')!;
    expect(webgpu.status).toBe('skipped');
    expect(webgpu.reason).toMatch(/CPU implementation/);
    expect(webgpu.adapter).toMatchObject({ vendor: 'google', architecture: 'swiftshader', software: true });
    expect(webgpu.adapter!.driver).toMatch(/SwiftShader/);
    expect(webgpu.fix).toMatch(/ask for backend "webgpu" by name/);
    expect(selected.backend).toBe('wasm');
  });

  it("where Vulkan offers no adapter, the driver's complaints land in the reason, not on the process's stderr", async () => {
    const source = pathToFileURL(fileURLToPath(new URL('./webgpu.ts', import.meta.url))).href;
    const script = `const { probeWebgpu } = await import(${JSON.stringify(source)}); console.log(JSON.stringify(await probeWebgpu()));`;
    const { stdout, stderr } = await execFileAsync(process.execPath, ['--conditions=@tradecore/source', '--import', 'tsx', '--input-type=module', '--eval', script], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      env: { ...process.env, VK_ICD_FILENAMES: '/nonexistent/no_icd.json' },
    });
    const probe = JSON.parse(stdout.trim().split('\n').pop() as string);
    expect(probe).toMatchObject({ ok: false, missing: true });
    expect(probe.reason).toMatch(/^no WebGPU adapter: Vulkan found no device Dawn accepts/);
    expect(stderr).toBe('');
  });

  it('named explicitly, webgpu runs on it and reports the adapter', async () => {
    const selected = await selectBackend('webgpu');
    expect(selected.backend).toBe('webgpu');
    expect(selected.tfBackend).toBe('webgpu');
    expect(selected.adapter).toMatchObject({ vendor: 'google', architecture: 'swiftshader', software: true });
    const selectedAttempt = selected.attempts.find((a) => a.status === 'selected')!;
    expect(selectedAttempt.reason).toMatch(/adapter google swiftshader \(SwiftShader driver/);
    const product = selected.tf.matMul(selected.tf.tensor2d([1, 2, 3, 4], [2, 2]), selected.tf.tensor2d([5, 6, 7, 8], [2, 2]));
    expect(Array.from(await product.data())).toEqual([19, 22, 43, 50]);
  });

  it('the PPO gradients agree with wasm to 1e-4 (relative to the largest entry)', async () => {
    const wasm = await gradientsOn('wasm');
    const webgpu = await gradientsOn('webgpu');
    expect(webgpu).toHaveLength(wasm.length);
    wasm.forEach((want, i) => expect(relativeError(webgpu[i]!, want), `variable ${i}`).toBeLessThan(1e-4));
  }, SLOW);

  it('one PPO update agrees with the same update on wasm, and repeats bit for bit on webgpu', async () => {
    const wasm = await oneUpdate('wasm');
    const webgpu = await oneUpdate('webgpu');
    const again = await oneUpdate('webgpu');
    expect(webgpu.before.map((w) => Array.from(w)), 'the initial weights come from the seed').toEqual(wasm.before.map((w) => Array.from(w)));
    // Adam turns every gradient into a step of about the learning rate: compare the whole change of the
    // weights (2 % of its norm) rather than single weights, whose tiny gradients may differ in sign.
    let diff = 0;
    let norm = 0;
    wasm.after.forEach((w, i) => {
      for (let j = 0; j < w.length; j++) {
        const dWasm = w[j]! - wasm.before[i]![j]!;
        const dGpu = webgpu.after[i]![j]! - webgpu.before[i]![j]!;
        diff += (dGpu - dWasm) ** 2;
        norm += dWasm ** 2;
      }
    });
    expect(norm).toBeGreaterThan(0);
    expect(Math.sqrt(diff / norm)).toBeLessThan(0.02);
    webgpu.stats.forEach((v, i) => expect(v, `stat ${i}`).toBeCloseTo(wasm.stats[i]!, 3));
    expect(webgpu.actions, 'deterministic actions of the updated policy').toEqual(wasm.actions);
    expect(again.after.map((w) => Array.from(w)), 'same seed, same backend').toEqual(webgpu.after.map((w) => Array.from(w)));
  }, SLOW);

  it('a short training run reaches ≥ 90 % of the optimal return of the toy market', async () => {
    const env = new SignalMarketEnv({ numEnvs: PPO.numEnvs, episodeLength: EPISODE });
    const options = resolvePpoOptions({ ...PPO, backend: 'webgpu' }, {});
    const trainer = await PpoTrainer.create({ observationSize: env.observationSize, numActions: env.numActions, seed: 7, options });
    await trainer.train({ env });
    const test = new SignalMarketEnv({ numEnvs: 8, episodeLength: EPISODE });
    test.reset(987_654);
    const actions = new Int32Array(8);
    const directions = Array.from({ length: 8 }, () => new Uint8Array(EPISODE));
    let got = 0;
    for (let s = 0; s < EPISODE; s++) {
      for (let i = 0; i < 8; i++) directions[i]![s] = test.nextDirection(i);
      trainer.act(test.observations, test.masks, 8, actions);
      test.step(actions);
      for (let i = 0; i < 8; i++) got += test.rewards[i]!;
    }
    const optimal = directions.reduce((sum, d) => sum + SignalMarketEnv.optimalReturn(EPISODE, test.barReturn, test.fee, d), 0);
    expect(got / optimal).toBeGreaterThanOrEqual(0.9);
    trainer.dispose();
  }, SLOW);
});
