import type * as tfjs from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FlatAdam } from './adam.ts';
import { selectBackend, type Tf } from './backend.ts';
import { assignVariables, buildActorCritic, readVariables, type ActorCritic } from './model.ts';
import { Rng } from './rng.ts';
import { shardRows, ShardedGradients } from './shards.ts';
import { foldPolicy, policyForward, ppoGradients, type LossCoefficients } from './update.ts';
import { relativeError } from './_testing.ts';

const D = 7;
const A = 5;
const MB = 96;
const COEFS: LossCoefficients = { clipRange: 0.2, valueCoef: 0.5, entropyCoef: 0.01 };

/** The plain network: matMul + bias + tanh, as the saved LayersModel computes it. */
function referenceForward(tf: Tf, net: ActorCritic, x: tfjs.Tensor2D) {
  const tower = (layers: ActorCritic['actor']) =>
    layers.reduce<tfjs.Tensor2D>((h, { kernel, bias }, i) => {
      const z = tf.add(tf.matMul(h, kernel), bias) as tfjs.Tensor2D;
      return i < layers.length - 1 ? tf.tanh(z) : z;
    }, x);
  return { logits: tower(net.actor), value: tf.reshape(tower(net.critic), [-1]) };
}

/** The PPO loss taped by tfjs (the textbook form), for reference. */
function referenceLoss(tf: Tf, net: ActorCritic, b: ReturnType<typeof batch>): tfjs.Scalar {
  const out = referenceForward(tf, net, b.obs);
  const logp = tf.logSoftmax(tf.add(out.logits, b.maskPenalty));
  const logRatio = tf.sub(tf.sum(tf.mul(logp, b.actionOneHot), 1), b.oldLogp);
  const ratio = tf.exp(logRatio);
  const surrogate = tf.minimum(tf.mul(ratio, b.advantages), tf.mul(tf.clipByValue(ratio, 1 - COEFS.clipRange, 1 + COEFS.clipRange), b.advantages));
  const policyLoss = tf.neg(tf.mean(surrogate));
  const valueLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(out.value, b.returns))));
  const entropy = tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(logp), logp), 1)));
  return tf.sub(tf.add(policyLoss, tf.mul(COEFS.valueCoef, valueLoss)), tf.mul(COEFS.entropyCoef, entropy)) as tfjs.Scalar;
}

/** A random minibatch with masked actions, old log-probabilities near the current ones, and some ratios outside the clip range. */
function batch(tf: Tf, seed: number) {
  const rng = new Rng(seed);
  const obs = Float32Array.from({ length: MB * D }, () => rng.normal());
  const penalty = new Float32Array(MB * A);
  const oneHot = new Float32Array(MB * A);
  for (let r = 0; r < MB; r++) {
    const masked = rng.int(A);
    let action = rng.int(A);
    if (action === masked) action = (action + 1) % A;
    penalty[r * A + masked] = -1e9;
    oneHot[r * A + action] = 1;
  }
  return {
    obs: tf.tensor2d(obs, [MB, D]),
    maskPenalty: tf.tensor2d(penalty, [MB, A]),
    actionOneHot: tf.tensor2d(oneHot, [MB, A]),
    oldLogp: tf.tensor1d(Float32Array.from({ length: MB }, () => Math.log(1 / (A - 1)) + 0.6 * rng.normal())),
    advantages: tf.tensor1d(Float32Array.from({ length: MB }, () => rng.normal())),
    returns: tf.tensor1d(Float32Array.from({ length: MB }, () => rng.normal())),
  };
}


for (const backend of ['wasm', 'cpu'] as const) {
  describe(`hand-written PPO gradients (${backend})`, () => {
    let tf: Tf;
    let net: ActorCritic;
    beforeAll(async () => {
      tf = (await selectBackend(backend)).tf;
      net = buildActorCritic(tf, { observationSize: D, numActions: A, hidden: [16, 12] }, 3);
    });
    afterAll(() => net.model.dispose());

    it('the folded forward pass is the tanh network', () => {
      const b = batch(tf, 1);
      const folded = tf.tidy(() => policyForward(tf, foldPolicy(tf, net), b.obs).dataSync());
      const reference = tf.tidy(() => {
        const { logits, value } = referenceForward(tf, net, b.obs);
        return tf.concat([logits, tf.reshape(value, [-1, 1])], 1).dataSync();
      });
      expect(relativeError(folded as Float32Array, reference as Float32Array)).toBeLessThan(1e-5);
    });

    it('match tfjs autodiff of the same loss for every variable, and report the same loss terms', () => {
      const b = batch(tf, 2);
      const mine = tf.tidy(() => {
        const { grads, stats } = ppoGradients(tf, net, b, COEFS);
        return { grads: grads.map((g) => g.dataSync() as Float32Array), stats: stats.dataSync() as Float32Array };
      });
      const taped = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => referenceLoss(tf, net, b), net.variables as tfjs.Variable[]);
        return { loss: value.dataSync()[0]!, grads: net.variables.map((v) => grads[v.name]!.dataSync() as Float32Array) };
      });
      net.variables.forEach((v, i) => {
        expect(relativeError(mine.grads[i]!, taped.grads[i]!), v.name).toBeLessThan(2e-4);
      });
      const [policyLoss, valueLoss, entropy, approxKl, clipFraction] = mine.stats;
      expect(policyLoss! + COEFS.valueCoef * valueLoss! - COEFS.entropyCoef * entropy!).toBeCloseTo(taped.loss, 4);
      expect(entropy).toBeGreaterThan(0);
      expect(entropy).toBeLessThan(Math.log(A - 1) + 1e-6); // one action is masked in every row
      expect(approxKl).toBeGreaterThan(0);
      // The test batch's old log-probabilities put some ratios outside the clip range.
      expect(clipFraction).toBeGreaterThan(0.1);
      expect(clipFraction).toBeLessThan(0.9);
    });

    it('shards add up to the whole minibatch', () => {
      const b = batch(tf, 3);
      const whole = tf.tidy(() => tf.concat(ppoGradients(tf, net, b, COEFS).grads.map((g) => tf.reshape(g, [-1]))).dataSync() as Float32Array);
      const summed = new Float32Array(whole.length);
      for (let k = 0; k < 3; k++) {
        const [start, end] = shardRows(MB, 3, k);
        const part = tf.tidy(() => {
          const slice = (t: tfjs.Tensor) => tf.slice(t, start, end - start);
          const shard = {
            obs: slice(b.obs) as tfjs.Tensor2D,
            maskPenalty: slice(b.maskPenalty) as tfjs.Tensor2D,
            actionOneHot: slice(b.actionOneHot) as tfjs.Tensor2D,
            oldLogp: slice(b.oldLogp) as tfjs.Tensor1D,
            advantages: slice(b.advantages) as tfjs.Tensor1D,
            returns: slice(b.returns) as tfjs.Tensor1D,
          };
          return tf.concat(ppoGradients(tf, net, shard, COEFS, MB).grads.map((g) => tf.reshape(g, [-1]))).dataSync() as Float32Array;
        });
        for (let i = 0; i < part.length; i++) summed[i]! += part[i]!;
      }
      expect(relativeError(summed, whole)).toBeLessThan(1e-5);
    });
  });
}

describe('FlatAdam', () => {
  it('takes the same steps as tfjs AdamOptimizer, and restores from its weights', async () => {
    const { tf } = await selectBackend('cpu');
    const a = buildActorCritic(tf, { observationSize: D, numActions: A, hidden: [8] }, 5);
    const b = buildActorCritic(tf, { observationSize: D, numActions: A, hidden: [8] }, 5);
    const reference = new tf.AdamOptimizer(0.01, 0.9, 0.999, 1e-5);
    const flat = new FlatAdam(tf, b.variables, 0.01, 0.9, 0.999, 1e-5);
    const rng = new Rng(9);
    for (let step = 0; step < 5; step++) {
      const grads = a.variables.map((v) => Float32Array.from({ length: v.size }, () => 0.1 * rng.normal()));
      tf.tidy(() => reference.applyGradients(a.variables.map((v, i) => ({ name: v.name, tensor: tf.tensor(grads[i]!, v.shape) }))));
      const params = await readVariables(tf, b.variables);
      const flatGrads = new Float32Array(flat.size);
      let offset = 0;
      for (const g of grads) flatGrads.set(g, (offset += g.length) - g.length);
      assignVariables(tf, b.variables, flat.step(flatGrads, params, 1e9)); // no clipping
    }
    a.variables.forEach((v, i) => {
      expect(relativeError(b.variables[i]!.dataSync() as Float32Array, v.dataSync() as Float32Array), v.name).toBeLessThan(1e-5);
    });
    // tfjs's weights (iter, moments) restore into FlatAdam and come back out in the same layout.
    const saved = await reference.getWeights();
    const restored = new FlatAdam(tf, b.variables, 0.01, 0.9, 0.999, 1e-5);
    await restored.setWeights(saved);
    expect(restored.iterations).toBe(5);
    const again = await restored.getWeights();
    expect(again.map((w) => w.name)).toEqual(['iter', ...b.variables.map((v) => `${v.name}/m`), ...b.variables.map((v) => `${v.name}/v`)]);
    expect(again.map((w) => w.tensor.size)).toEqual(saved.map((w) => w.tensor.size));
    saved.slice(1).forEach((w, i) => expect(relativeError(again[i + 1]!.tensor.dataSync() as Float32Array, w.tensor.dataSync() as Float32Array)).toBeLessThan(1e-6));
    await expect(restored.setWeights(saved.slice(0, 3))).rejects.toThrow(/moment tensors/);
    restored.dispose();
    flat.dispose();
    reference.dispose();
  });
});

describe('ShardedGradients on worker threads', () => {
  it('the workers compute the same shard gradients as this thread', async () => {
    const { tf } = await selectBackend('wasm');
    const net = buildActorCritic(tf, { observationSize: D, numActions: A, hidden: [16] }, 4);
    const run = async (shards: number, threads?: number) => {
      const sharded = await ShardedGradients.start({ tf, backend: 'wasm', net, coefs: COEFS, rows: MB, shards, ...(threads ? { threads } : {}) });
      const rng = new Rng(7);
      const x = sharded.batch;
      x.obs.forEach((_, i) => (x.obs[i] = rng.normal()));
      for (let r = 0; r < MB; r++) x.actionOneHot[r * A + rng.int(A)] = 1;
      x.oldLogp.fill(Math.log(1 / A));
      x.advantages.forEach((_, i) => (x.advantages[i] = rng.normal()));
      x.returns.forEach((_, i) => (x.returns[i] = rng.normal()));
      sharded.setParams(await readVariables(tf, net.variables));
      const first = await sharded.compute();
      const second = await sharded.compute();
      sharded.dispose();
      return { first, second };
    };
    const one = await run(1);
    const three = await run(3);
    // More shards than rows, as a tiny minibatch with the default two threads gives: empty shards start and add nothing.
    const many = await ShardedGradients.start({ tf, backend: 'wasm', net, coefs: COEFS, rows: 2, shards: 4 });
    many.dispose();
    const threeInline = await run(3, 1);
    expect(Array.from(three.second), 'a repeated job gives the same bits').toEqual(Array.from(three.first));
    expect(Array.from(threeInline.first), 'three shards on one thread: the same bits as on three').toEqual(Array.from(three.first));
    expect(relativeError(three.first, one.first)).toBeLessThan(1e-5);
    net.model.dispose();
  });

  it('a worker that cannot start reports why', async () => {
    const { tf } = await selectBackend('wasm');
    const net = buildActorCritic(tf, { observationSize: D, numActions: A, hidden: [4] }, 4);
    const bad = { ...net, shape: { ...net.shape, hidden: [-1] } };
    await expect(ShardedGradients.start({ tf, backend: 'wasm', net: bad, coefs: COEFS, rows: 8, shards: 2 })).rejects.toThrow(/gradient worker/);
    net.model.dispose();
  });
});
