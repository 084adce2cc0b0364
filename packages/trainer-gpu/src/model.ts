import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './backend.ts';
import { Rng } from './rng.ts';

export interface NetworkShape {
  readonly observationSize: number;
  readonly numActions: number;
  /** Hidden layer widths of the actor and of the critic (separate towers, tanh). */
  readonly hidden: readonly number[];
}

/** Weight variables in forward order: actor layers then critic layers, kernel then bias. */
export interface PolicyVariables {
  readonly shape: NetworkShape;
  readonly actor: readonly { kernel: tfjs.Variable; bias: tfjs.Variable }[];
  readonly critic: readonly { kernel: tfjs.Variable; bias: tfjs.Variable }[];
  readonly variables: readonly tfjs.Variable[];
}

/** The policy's variables with the tfjs LayersModel that owns them (saved as `model.json` + weights). */
export interface ActorCritic extends PolicyVariables {
  readonly model: tfjs.LayersModel;
}

/**
 * Builds the actor-critic as a tfjs LayersModel (so checkpoints are standard `model.json` +
 * weights) with two outputs, `logits` and `value`. Training and inference run a hand-written
 * forward pass, which skips the layers machinery per call: over these variables in tfjs ops, or (on
 * `wasm`) over a copy of their values in the SIMD kernels' memory.
 */
export function buildActorCritic(tf: Tf, shape: NetworkShape, seed: number): ActorCritic {
  const input = tf.input({ shape: [shape.observationSize], name: 'observation' });
  let a: tfjs.SymbolicTensor = input;
  let c: tfjs.SymbolicTensor = input;
  shape.hidden.forEach((units, i) => {
    a = tf.layers.dense({ units, activation: 'tanh', name: `pi_${i}` }).apply(a) as tfjs.SymbolicTensor;
    c = tf.layers.dense({ units, activation: 'tanh', name: `vf_${i}` }).apply(c) as tfjs.SymbolicTensor;
  });
  const logits = tf.layers.dense({ units: shape.numActions, name: 'logits' }).apply(a) as tfjs.SymbolicTensor;
  const value = tf.layers.dense({ units: 1, name: 'value' }).apply(c) as tfjs.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: [logits, value], name: 'tradecore_ppo' });
  initialiseWeights(tf, model, shape, seed);
  return wrap(model, shape);
}

/** Re-wraps a loaded model (from a checkpoint) and checks it matches the expected shape. */
export function wrapLoaded(model: tfjs.LayersModel, shape: NetworkShape): ActorCritic {
  const inShape = model.inputs[0]?.shape;
  if (inShape?.[1] !== shape.observationSize) {
    throw new Error(`checkpoint model takes observations of size ${inShape?.[1]}, the env produces ${shape.observationSize}`);
  }
  const out = model.outputs[0]?.shape;
  if (out?.[1] !== shape.numActions) {
    throw new Error(`checkpoint model has ${out?.[1]} actions, the env has ${shape.numActions}`);
  }
  return wrap(model, shape);
}

function wrap(model: tfjs.LayersModel, shape: NetworkShape): ActorCritic {
  const layer = (name: string) => {
    const [kernel, bias] = model.getLayer(name).trainableWeights.map((w) => w.read() as tfjs.Variable);
    if (!kernel || !bias) throw new Error(`layer ${name} has no kernel/bias`);
    return { kernel, bias };
  };
  const actor = [...shape.hidden.map((_, i) => layer(`pi_${i}`)), layer('logits')];
  const critic = [...shape.hidden.map((_, i) => layer(`vf_${i}`)), layer('value')];
  const variables = [...actor, ...critic].flatMap((l) => [l.kernel, l.bias]);
  return { model, shape, actor, critic, variables };
}

/** Writes `values` (every variable's values, flattened in order) into `variables`. */
export function assignVariables(tf: Tf, variables: readonly tfjs.Variable[], values: Float32Array): void {
  let offset = 0;
  tf.tidy(() => {
    for (const v of variables) {
      v.assign(tf.tensor(values.subarray(offset, offset + v.size), v.shape, 'float32'));
      offset += v.size;
    }
  });
  if (offset !== values.length) throw new RangeError(`expected ${offset} values for the variables, got ${values.length}`);
}

/** Every variable's values, flattened in order (a copy). */
export async function readVariables(tf: Tf, variables: readonly tfjs.Variable[]): Promise<Float32Array> {
  // Read outside tidy(): returned from it, the array would be walked entry by entry looking for tensors.
  const flat = tf.tidy(() => tf.concat(variables.map((v) => tf.reshape(v, [-1]))));
  try {
    return ((await flat.data()) as Float32Array).slice();
  } finally {
    flat.dispose();
  }
}

/** Zero-filled variables of the policy's shape, without a LayersModel (for gradient worker threads). */
export function createPolicyVariables(tf: Tf, shape: NetworkShape): PolicyVariables {
  const tower = (out: number) => {
    const widths = [shape.observationSize, ...shape.hidden, out];
    return widths.slice(1).map((units, i) => ({ kernel: tf.variable(tf.zeros([widths[i]!, units])), bias: tf.variable(tf.zeros([units])) }));
  };
  const actor = tower(shape.numActions);
  const critic = tower(1);
  const variables = [...actor, ...critic].flatMap((l) => [l.kernel, l.bias]);
  return { shape, actor, critic, variables };
}

/** Orthogonal initialisation (gain √2 for hidden layers, 0.01 for logits, 1 for value), seeded. */
function initialiseWeights(tf: Tf, model: tfjs.LayersModel, shape: NetworkShape, seed: number): void {
  const rng = new Rng(seed);
  const layers: [string, number][] = [];
  shape.hidden.forEach((_, i) => layers.push([`pi_${i}`, Math.SQRT2], [`vf_${i}`, Math.SQRT2]));
  layers.push(['logits', 0.01], ['value', 1]);
  for (const [name, gain] of layers) {
    const l = model.getLayer(name);
    const [k, b] = l.getWeights();
    if (!k || !b) throw new Error(`layer ${name} has no kernel/bias`);
    const [rows, cols] = k.shape as [number, number];
    l.setWeights([tf.tensor2d(orthogonal(rows, cols, gain, rng), [rows, cols]), tf.zeros(b.shape)]);
  }
}

/** A rows×cols matrix with orthonormal columns (or rows, whichever is fewer) times `gain`. */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const transpose = rows < cols;
  const n = transpose ? cols : rows; // long side
  const m = transpose ? rows : cols; // short side: number of orthonormal vectors of length n
  const q = new Float64Array(m * n);
  for (let j = 0; j < m; j++) {
    const v = q.subarray(j * n, (j + 1) * n);
    for (;;) {
      for (let i = 0; i < n; i++) v[i] = rng.normal();
      for (let p = 0; p < j; p++) {
        const u = q.subarray(p * n, (p + 1) * n);
        let dot = 0;
        for (let i = 0; i < n; i++) dot += u[i]! * v[i]!;
        for (let i = 0; i < n; i++) v[i]! -= dot * u[i]!;
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += v[i]! * v[i]!;
      norm = Math.sqrt(norm);
      if (norm > 1e-6) {
        for (let i = 0; i < n; i++) v[i]! /= norm;
        break;
      }
    }
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = gain * (transpose ? q[r * n + c]! : q[c * n + r]!);
    }
  }
  return out;
}

/** Masked logits: disallowed actions get a large negative logit, so their probability is 0. */
export const MASKED_LOGIT = -1e9;
