import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './backend.ts';
import type { PolicyVariables } from './model.ts';

/**
 * The PPO loss and its gradients in tfjs ops, written out by hand instead of taped: how the `cpu`,
 * `tensorflow`, `tensorflow-gpu` and `webgpu` backends train, and the reference the `wasm` backend's
 * SIMD kernels (simd/network.ts) are tested against.
 *
 * Why not `tf.variableGrads`: the taped backward pass of `matMul` runs the transposed products
 * (`aᵀ·g`, `g·Wᵀ`) through slow kernels on some backends (on tfjs's wasm backend about 6× slower than
 * an explicit transpose and an untransposed product), and `tanh` costs several times a `sigmoid`. Here every hidden
 * layer is `tanh(z) = 2·σ(2z) − 1`, carried as `s = σ(2z)` and folded into the next layer's weights
 * (`(2s − 1)·W + b = s·(2W) + (b − 1ᵀW)`), and every product is an untransposed one. The result is
 * the same function and the same gradients as the taped version, up to float rounding (a test checks it).
 */

/** One minibatch, already on the backend; the tensors are owned by the caller's `tidy`. */
export interface MinibatchTensors {
  /** Normalised observations `[mb, d]`. */
  readonly obs: tfjs.Tensor2D;
  /** 0 for an allowed action, −1e9 for a masked one, `[mb, a]`. */
  readonly maskPenalty: tfjs.Tensor2D;
  /** One-hot of the action taken, `[mb, a]`. */
  readonly actionOneHot: tfjs.Tensor2D;
  readonly oldLogp: tfjs.Tensor1D;
  /** Advantages, already normalised. */
  readonly advantages: tfjs.Tensor1D;
  readonly returns: tfjs.Tensor1D;
}

export interface LossCoefficients {
  readonly clipRange: number;
  readonly valueCoef: number;
  readonly entropyCoef: number;
}

export interface PpoGradients {
  /** Gradient of the total loss for each of `net.variables`, in that order. */
  readonly grads: tfjs.Tensor[];
  /** `[policyLoss, valueLoss, entropy, approxKl, clipFraction]`. */
  readonly stats: tfjs.Tensor1D;
}

/** Number of entries of {@link PpoGradients.stats}. */
export const PPO_STATS = 5;

type Layer = PolicyVariables['actor'][number];

/**
 * A tower's layers with the tanh → sigmoid rewrite folded into the weights: a hidden layer computes
 * `s = σ(input·w + b)`, the output layer `input·w + b`, where `input` is x for layer 0 and the `s` of the
 * layer below otherwise.
 */
export interface FoldedLayer {
  readonly w: tfjs.Tensor2D;
  readonly b: tfjs.Tensor1D;
}

/** Folds one tower (see {@link FoldedLayer}); the tensors belong to the caller's scope. */
export function foldTower(tf: Tf, layers: readonly Layer[]): FoldedLayer[] {
  return layers.map(({ kernel, bias }, l) => {
    // Layers above the first read s = (y + 1) / 2: (2s − 1)·W + b = s·(2W) + (b − 1ᵀW).
    const w = l === 0 ? kernel : tf.mul(kernel, 2);
    const b = l === 0 ? bias : tf.sub(bias, tf.sum(kernel, 0));
    // tanh(z) = 2σ(2z) − 1: hidden layers carry s = σ(2z).
    const hidden = l < layers.length - 1;
    return { w: (hidden ? tf.mul(w, 2) : w) as tfjs.Tensor2D, b: (hidden ? tf.mul(b, 2) : b) as tfjs.Tensor1D };
  });
}

interface TowerTrace {
  /** `s_l = σ(2 z_l)` of every hidden layer; the layer's tanh output is `2 s_l − 1`. */
  readonly hidden: tfjs.Tensor2D[];
  readonly out: tfjs.Tensor2D;
}

/** Forward pass of one folded tower, keeping what the backward pass needs. */
function towerForward(tf: Tf, layers: readonly FoldedLayer[], x: tfjs.Tensor2D): TowerTrace {
  const hidden: tfjs.Tensor2D[] = [];
  let input = x;
  // tfjs's wasm fused kernel evaluates the sigmoid slower than its own Sigmoid kernel (these ops run on
  // tfjs's wasm backend in the tests that compare backends); elsewhere one dispatch per layer is what counts.
  const fuseSigmoid = tf.getBackend() !== 'wasm';
  layers.forEach(({ w, b }, l) => {
    if (l === layers.length - 1) {
      input = tf.fused.matMul({ a: input, b: w, bias: b }) as tfjs.Tensor2D;
      return;
    }
    input = fuseSigmoid
      ? (tf.fused.matMul({ a: input, b: w, bias: b, activation: 'sigmoid' }) as tfjs.Tensor2D)
      : tf.sigmoid(tf.fused.matMul({ a: input, b: w, bias: b }) as tfjs.Tensor2D);
    hidden.push(input);
  });
  return { hidden, out: input };
}

/** `[xᵀ; 1ᵀ]`: the transposed layer input with a row of ones below it (`[features + 1, mb]`). */
function transposedWithOnes(tf: Tf, x: tfjs.Tensor2D): tfjs.Tensor2D {
  return tf.concat([tf.transpose(x), tf.ones([1, x.shape[0]])], 0) as tfjs.Tensor2D;
}

/**
 * Back-propagates `gOut` (dLoss/d output, `[mb, units]`) through a tower and writes the kernel and bias
 * gradients into `grads` at `offset` (kernel, bias, kernel, bias … in layer order). `xT1` is
 * {@link transposedWithOnes} of the tower's input.
 *
 * Each layer's kernel and bias gradients come from one product, `[inputᵀ; 1ᵀ]·g = [inputᵀg; 1ᵀg]`:
 * on tfjs's wasm backend a column sum would transpose `g` and a separate product would pack it a second time.
 */
function towerBackward(tf: Tf, layers: readonly Layer[], trace: TowerTrace, xT1: tfjs.Tensor2D, gOut: tfjs.Tensor2D, grads: tfjs.Tensor[], offset: number): void {
  let g = gOut; // dLoss/dz of layer l
  for (let l = layers.length - 1; l >= 0; l--) {
    const { kernel } = layers[l]!;
    const rows = kernel.shape[0];
    const input = l === 0 ? xT1 : transposedWithOnes(tf, trace.hidden[l - 1]!);
    const product = tf.matMul(input, g);
    const db = tf.reshape(tf.slice(product, [rows, 0], [1, -1]), [-1]);
    const inputTg = tf.slice(product, [0, 0], [rows, -1]);
    // Above layer 0 the input is y = 2s − 1, so dW = yᵀg = 2·sᵀg − 1ᵀg (db on every row).
    grads[offset + 2 * l] = l === 0 ? inputTg : tf.sub(tf.mul(inputTg, 2), db);
    grads[offset + 2 * l + 1] = db;
    if (l > 0) {
      const s = trace.hidden[l - 1]!;
      // dLoss/dz below = (g·Wᵀ) · tanh′ = (g·Wᵀ) · 4·s·(1 − s); the 4 rides on the small Wᵀ.
      const gy4 = tf.matMul(g, tf.mul(tf.transpose(kernel), 4) as tfjs.Tensor2D);
      g = tf.mul(tf.mul(gy4, s), tf.sub(1, s)) as tfjs.Tensor2D;
    }
  }
}

/**
 * The actor-critic folded for inference: both towers side by side in one stack (layer 0 concatenated,
 * the layers above block-diagonal), so a forward pass is one product and one sigmoid per layer and
 * the output row is `[logits…, value]`. Valid until the weights change.
 */
export interface FoldedPolicy {
  readonly layers: readonly FoldedLayer[];
  readonly numActions: number;
}

function blockDiagonal(tf: Tf, a: tfjs.Tensor2D, b: tfjs.Tensor2D): tfjs.Tensor2D {
  const [ra, ca] = a.shape;
  const [rb, cb] = b.shape;
  return tf.concat([tf.concat([a, tf.zeros([ra, cb])], 1), tf.concat([tf.zeros([rb, ca]), b], 1)], 0) as tfjs.Tensor2D;
}

export function foldPolicy(tf: Tf, net: PolicyVariables): FoldedPolicy {
  const actor = foldTower(tf, net.actor);
  const critic = foldTower(tf, net.critic);
  const layers = actor.map((a, l) => {
    const c = critic[l]!;
    const w = l === 0 ? (tf.concat([a.w, c.w], 1) as tfjs.Tensor2D) : blockDiagonal(tf, a.w, c.w);
    return { w, b: tf.concat([a.b, c.b]) as tfjs.Tensor1D };
  });
  return { layers, numActions: net.shape.numActions };
}

/** `[rows, numActions + 1]`: each row's logits, then its state value. */
export function policyForward(tf: Tf, policy: FoldedPolicy, x: tfjs.Tensor2D): tfjs.Tensor2D {
  return towerForward(tf, policy.layers, x).out;
}

/**
 * PPO's clipped-surrogate loss + `valueCoef`·value loss − `entropyCoef`·entropy of the masked policy,
 * and its gradient for every variable of `net`. Call inside `tf.tidy`.
 *
 * `batch` may be one shard of a minibatch of `minibatchRows` rows: every mean (losses, statistics and
 * gradients) divides by `minibatchRows`, so the shards' results add up to the whole minibatch's.
 */
export function ppoGradients(tf: Tf, net: PolicyVariables, batch: MinibatchTensors, coefs: LossCoefficients, minibatchRows = batch.obs.shape[0]): PpoGradients {
  const { obs, maskPenalty, actionOneHot, oldLogp, advantages, returns } = batch;
  const rows = obs.shape[0];
  const mean = (x: tfjs.Tensor) => tf.div(tf.sum(x), minibatchRows);
  const actor = towerForward(tf, foldTower(tf, net.actor), obs);
  const critic = towerForward(tf, foldTower(tf, net.critic), obs);

  // Policy head.
  const logp = tf.logSoftmax(tf.add(actor.out, maskPenalty)) as tfjs.Tensor2D;
  const p = tf.exp(logp);
  const actLogp = tf.sum(tf.mul(logp, actionOneHot), 1);
  const logRatio = tf.sub(actLogp, oldLogp);
  const ratio = tf.exp(logRatio);
  const surr1 = tf.mul(ratio, advantages);
  const surr2 = tf.mul(tf.clipByValue(ratio, 1 - coefs.clipRange, 1 + coefs.clipRange), advantages);
  const policyLoss = tf.neg(mean(tf.minimum(surr1, surr2)));
  // min(surr1, surr2) follows surr1 wherever surr1 ≤ surr2; where it follows surr2 the ratio is
  // outside the clip range, so the clipped branch has no gradient.
  const followsUnclipped = tf.cast(tf.lessEqual(surr1, surr2), 'float32');
  const gActLogp = tf.mul(tf.mul(tf.mul(advantages, followsUnclipped), ratio), -1 / minibatchRows);
  const plogp = tf.mul(p, logp);
  const entropyPerRow = tf.neg(tf.sum(plogp, 1));
  const entropy = mean(entropyPerRow);
  // d(−c·H)/dz_k = c·p_k·(log p_k + H) per row; dlogp_a/dz_k = onehot − p. Masked actions have p = 0.
  const gLogits = tf.add(
    tf.mul(tf.reshape(gActLogp, [rows, 1]), tf.sub(actionOneHot, p)),
    tf.mul(tf.add(plogp, tf.mul(p, tf.reshape(entropyPerRow, [rows, 1]))), coefs.entropyCoef / minibatchRows),
  ) as tfjs.Tensor2D;

  // Value head.
  const diff = tf.sub(tf.reshape(critic.out, [-1]), returns);
  const valueLoss = tf.mul(mean(tf.square(diff)), 0.5);
  const gValue = tf.reshape(tf.mul(diff, coefs.valueCoef / minibatchRows), [rows, 1]) as tfjs.Tensor2D;

  const approxKl = mean(tf.sub(tf.sub(ratio, 1), logRatio));
  const clipFraction = mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), coefs.clipRange), 'float32'));

  const grads: tfjs.Tensor[] = new Array(net.variables.length);
  const xT1 = transposedWithOnes(tf, obs);
  towerBackward(tf, net.actor, actor, xT1, gLogits, grads, 0);
  towerBackward(tf, net.critic, critic, xT1, gValue, grads, 2 * net.actor.length);
  const stats = tf.stack([policyLoss, valueLoss, entropy, approxKl, clipFraction]) as tfjs.Tensor1D;
  return { grads, stats };
}
