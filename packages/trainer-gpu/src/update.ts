import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './backend.ts';
import type { ActorCritic } from './model.ts';

/**
 * The PPO loss and its gradients, written out by hand instead of taped.
 *
 * Why not `tf.variableGrads`: on the wasm backend the taped backward pass of `matMul` runs the
 * transposed products (`aᵀ·g`, `g·Wᵀ`) through tfjs's naive kernel, about 6× slower than an explicit
 * transpose followed by XNNPACK's product, and tfjs's `tanh` costs 7× a `sigmoid`. Here every hidden
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

type Layer = ActorCritic['actor'][number];

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
  layers.forEach(({ w, b }, l) => {
    const z = tf.fused.matMul({ a: input, b: w, bias: b }) as tfjs.Tensor2D;
    if (l === layers.length - 1) {
      input = z;
      return;
    }
    input = tf.sigmoid(z);
    hidden.push(input);
  });
  return { hidden, out: input };
}

/**
 * Back-propagates `gOut` (dLoss/d output, `[mb, units]`) through a tower and writes the kernel and bias
 * gradients into `grads` at `offset` (kernel, bias, kernel, bias … in layer order). `xT` is the transposed input.
 */
function towerBackward(tf: Tf, layers: readonly Layer[], trace: TowerTrace, xT: tfjs.Tensor2D, gOut: tfjs.Tensor2D, grads: tfjs.Tensor[], offset: number): void {
  let g = gOut; // dLoss/dz of layer l
  for (let l = layers.length - 1; l >= 0; l--) {
    const { kernel } = layers[l]!;
    const db = tf.sum(g, 0);
    let dw: tfjs.Tensor;
    if (l === 0) {
      dw = tf.matMul(xT, g);
    } else {
      // dW = yᵀg with y = 2s − 1: 2·sᵀg − 1ᵀg, and 1ᵀg is db on every row.
      const s = trace.hidden[l - 1]!;
      dw = tf.sub(tf.mul(tf.matMul(tf.transpose(s), g), 2), db);
      // dLoss/dz below = (g·Wᵀ) · tanh′ = (g·Wᵀ) · 4·s·(1 − s); the 4 rides on the small Wᵀ.
      const gy4 = tf.matMul(g, tf.mul(tf.transpose(kernel), 4) as tfjs.Tensor2D);
      g = tf.mul(tf.mul(gy4, s), tf.sub(1, s)) as tfjs.Tensor2D;
    }
    grads[offset + 2 * l] = dw;
    grads[offset + 2 * l + 1] = db;
  }
}

/** The actor-critic folded for inference (see {@link FoldedLayer}); valid until the weights change. */
export interface FoldedPolicy {
  readonly actor: readonly FoldedLayer[];
  readonly critic: readonly FoldedLayer[];
}

export function foldPolicy(tf: Tf, net: ActorCritic): FoldedPolicy {
  return { actor: foldTower(tf, net.actor), critic: foldTower(tf, net.critic) };
}

/** Logits and state values of a batch of normalised observations. */
export function policyForward(tf: Tf, policy: FoldedPolicy, x: tfjs.Tensor2D): { logits: tfjs.Tensor2D; value: tfjs.Tensor1D } {
  const logits = towerForward(tf, policy.actor, x).out;
  const value = tf.reshape(towerForward(tf, policy.critic, x).out, [-1]) as tfjs.Tensor1D;
  return { logits, value };
}

/**
 * PPO's clipped-surrogate loss + `valueCoef`·value loss − `entropyCoef`·entropy of the masked policy,
 * and its gradient for every variable of `net`. Call inside `tf.tidy`.
 */
export function ppoGradients(tf: Tf, net: ActorCritic, batch: MinibatchTensors, coefs: LossCoefficients): PpoGradients {
  const { obs, maskPenalty, actionOneHot, oldLogp, advantages, returns } = batch;
  const mb = obs.shape[0];
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
  const policyLoss = tf.neg(tf.mean(tf.minimum(surr1, surr2)));
  // min(surr1, surr2) follows surr1 wherever surr1 ≤ surr2; where it follows surr2 the ratio is
  // outside the clip range, so the clipped branch has no gradient.
  const followsUnclipped = tf.cast(tf.lessEqual(surr1, surr2), 'float32');
  const gActLogp = tf.mul(tf.mul(tf.mul(advantages, followsUnclipped), ratio), -1 / mb);
  const plogp = tf.mul(p, logp);
  const entropyPerRow = tf.neg(tf.sum(plogp, 1));
  const entropy = tf.mean(entropyPerRow);
  // d(−c·H)/dz_k = c·p_k·(log p_k + H) per row; dlogp_a/dz_k = onehot − p. Masked actions have p = 0.
  const gLogits = tf.add(
    tf.mul(tf.reshape(gActLogp, [mb, 1]), tf.sub(actionOneHot, p)),
    tf.mul(tf.add(plogp, tf.mul(p, tf.reshape(entropyPerRow, [mb, 1]))), coefs.entropyCoef / mb),
  ) as tfjs.Tensor2D;

  // Value head.
  const diff = tf.sub(tf.reshape(critic.out, [-1]), returns);
  const valueLoss = tf.mul(tf.mean(tf.square(diff)), 0.5);
  const gValue = tf.reshape(tf.mul(diff, coefs.valueCoef / mb), [mb, 1]) as tfjs.Tensor2D;

  const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
  const clipFraction = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), coefs.clipRange), 'float32'));

  const grads: tfjs.Tensor[] = new Array(net.variables.length);
  const xT = tf.transpose(obs) as tfjs.Tensor2D;
  towerBackward(tf, net.actor, actor, xT, gLogits, grads, 0);
  towerBackward(tf, net.critic, critic, xT, gValue, grads, 2 * net.actor.length);
  const stats = tf.stack([policyLoss, valueLoss, entropy, approxKl, clipFraction]) as tfjs.Tensor1D;
  return { grads, stats };
}
