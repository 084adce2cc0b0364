import type * as tfjs from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend, type Tf } from '../backend.ts';
import { buildActorCritic, MASKED_LOGIT, readVariables, type ActorCritic } from '../model.ts';
import { Rng } from '../rng.ts';
import { MinibatchBuffers, shardGradients, shardRows } from '../shards.ts';
import { policyForward, foldPolicy, PPO_STATS, type LossCoefficients } from '../update.ts';
import { SimdNetwork } from './network.ts';
import { relativeError } from '../_testing.ts';

const D = 7;
const A = 5;
const MB = 97;
const COEFS: LossCoefficients = { clipRange: 0.2, valueCoef: 0.5, entropyCoef: 0.01 };

/** A random minibatch with a masked action per row and some ratios outside the clip range. */
function minibatch(seed: number): MinibatchBuffers {
  const rng = new Rng(seed);
  const b = new MinibatchBuffers(MB, D, A, false);
  b.obs.forEach((_, i) => (b.obs[i] = rng.normal()));
  for (let r = 0; r < MB; r++) {
    const masked = rng.int(A);
    let action = rng.int(A);
    if (action === masked) action = (action + 1) % A;
    b.maskPenalty[r * A + masked] = MASKED_LOGIT;
    b.actionOneHot[r * A + action] = 1;
    b.oldLogp[r] = Math.log(1 / (A - 1)) + 0.6 * rng.normal();
    b.advantages[r] = rng.normal();
    b.returns[r] = rng.normal();
  }
  return b;
}


describe('the SIMD network', () => {
  let tf: Tf;
  let net: ActorCritic;
  let params: Float32Array;
  beforeAll(async () => {
    tf = (await selectBackend('cpu')).tf;
    // Widths that are not multiples of 4 or 16 exercise the kernel's padding and column tails.
    net = buildActorCritic(tf, { observationSize: D, numActions: A, hidden: [18, 13] }, 3);
    params = await readVariables(tf, net.variables);
  });
  afterAll(() => net.model.dispose());

  it('computes the same logits and values as the tfjs network', () => {
    const b = minibatch(1);
    const simd = new SimdNetwork(net.shape, MB);
    simd.setParams(params);
    const logits = new Float32Array(MB * A);
    const values = new Float32Array(MB);
    simd.forward(b.obs, MB, logits, values);
    const want = tf.tidy(() => policyForward(tf, foldPolicy(tf, net), tf.tensor2d(b.obs, [MB, D])).dataSync() as Float32Array);
    const wantLogits = new Float32Array(MB * A);
    const wantValues = new Float32Array(MB);
    for (let r = 0; r < MB; r++) {
      wantLogits.set(want.subarray(r * (A + 1), r * (A + 1) + A), r * A);
      wantValues[r] = want[r * (A + 1) + A]!;
    }
    expect(relativeError(logits, wantLogits)).toBeLessThan(1e-5);
    expect(relativeError(values, wantValues)).toBeLessThan(1e-5);
  });

  it('computes the same PPO statistics and gradients as the tfjs version, shard by shard', async () => {
    const b = minibatch(2);
    const simd = new SimdNetwork(net.shape, MB);
    simd.setParams(params);
    expect(simd.paramCount).toBe(params.length);
    for (const [start, end] of [[0, MB], shardRows(MB, 3, 0), shardRows(MB, 3, 2)] as const) {
      const got = simd.gradients(b, start, end, COEFS);
      const want = await shardGradients(tf, net, b, start, end, COEFS);
      for (let s = 0; s < PPO_STATS; s++) expect(got[s], `stat ${s} of rows ${start}–${end}`).toBeCloseTo(want[s]!, 5);
      let offset = PPO_STATS;
      net.variables.forEach((v: tfjs.Variable) => {
        const slice = (x: Float32Array) => x.subarray(offset, offset + v.size);
        expect(relativeError(slice(got), slice(want)), `${v.name}, rows ${start}–${end}`).toBeLessThan(2e-4);
        offset += v.size;
      });
    }
  });

  it('repeats bit for bit, and refuses more rows than it was sized for', () => {
    const b = minibatch(3);
    const one = new SimdNetwork(net.shape, MB);
    const two = new SimdNetwork(net.shape, MB);
    one.setParams(params);
    two.setParams(params);
    const first = one.gradients(b, 0, MB, COEFS);
    expect(Array.from(one.gradients(b, 0, MB, COEFS))).toEqual(Array.from(first));
    expect(Array.from(two.gradients(b, 0, MB, COEFS))).toEqual(Array.from(first));
    expect(() => new SimdNetwork(net.shape, 8).gradients(b, 0, 9, COEFS)).toThrow(/9 rows exceed this network's capacity of 8/);
    // An empty shard (more shards than rows) adds nothing.
    const empty = new SimdNetwork(net.shape, 0);
    empty.setParams(params);
    expect(empty.gradients(b, 5, 5, COEFS).every((v) => v === 0)).toBe(true);
    expect(() => one.setParams(params.subarray(1))).toThrow(/expected \d+ parameters/);
  });
});
