import type * as tfjs from '@tensorflow/tfjs';
import type { Tf } from './backend.ts';

/** A named tensor, as tfjs optimizers' `getWeights` returns them. */
export interface NamedWeight {
  readonly name: string;
  readonly tensor: tfjs.Tensor;
}

/**
 * Adam with global-norm gradient clipping, computed in JavaScript over all of the policy's variables
 * at once. tfjs's `AdamOptimizer` runs about fifteen small ops per variable and step; for networks of
 * this size their dispatch costs more than the arithmetic. The update rule is tfjs's
 * (`θ −= lr · m̂ / (√v̂ + ε)`, bias-corrected with βᵗ), and `getWeights`/`setWeights` use tfjs's layout
 * (`iter`, then `<variable>/m` for every variable, then `<variable>/v`), so checkpoints written by
 * either optimizer restore into the other.
 */
export class FlatAdam {
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Steps taken so far. */
  iterations = 0;
  /** Global norm of the last step's gradient, before clipping. */
  lastGradNorm = Number.NaN;
  /** Number of scalars over all variables. */
  readonly size: number;
  readonly #tf: Tf;
  readonly #variables: readonly tfjs.Variable[];
  readonly #offsets: number[];
  readonly #m: Float32Array;
  readonly #v: Float32Array;
  #exported: tfjs.Tensor[] = [];

  constructor(tf: Tf, variables: readonly tfjs.Variable[], learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7) {
    this.#tf = tf;
    this.#variables = variables;
    this.learningRate = learningRate;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.#offsets = [];
    let size = 0;
    for (const v of variables) {
      this.#offsets.push(size);
      size += v.size;
    }
    this.size = size;
    this.#m = new Float32Array(size);
    this.#v = new Float32Array(size);
  }

  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }

  /**
   * One step. `grads` and `params` hold every variable's gradient and current value, flattened in
   * variable order. The gradient is scaled to a global norm of at most `maxGradNorm` first. Returns the
   * new values (flattened; never modified afterwards); the caller writes them into the variables
   * (`assignVariables`) when something reads them.
   */
  step(grads: Float32Array, params: Float32Array, maxGradNorm: number): Float32Array {
    const n = this.size;
    if (grads.length !== n || params.length !== n) throw new RangeError(`expected ${n} gradients and values, got ${grads.length} and ${params.length}`);
    let sq = 0;
    for (let i = 0; i < n; i++) sq += grads[i]! * grads[i]!;
    const norm = Math.sqrt(sq);
    const scale = Math.min(1, maxGradNorm / (norm + 1e-6));
    const t = this.iterations + 1;
    const b1 = this.beta1;
    const b2 = this.beta2;
    const correction1 = 1 - b1 ** t;
    const correction2 = 1 - b2 ** t;
    const lr = this.learningRate;
    const eps = this.epsilon;
    const m = this.#m;
    const v = this.#v;
    const next = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const g = grads[i]! * scale;
      const mi = b1 * m[i]! + (1 - b1) * g;
      const vi = b2 * v[i]! + (1 - b2) * g * g;
      m[i] = mi;
      v[i] = vi;
      next[i] = params[i]! - (lr * (mi / correction1)) / (Math.sqrt(vi / correction2) + eps);
    }
    this.iterations = t;
    this.lastGradNorm = norm;
    return next;
  }

  /** tfjs's optimizer-weights layout. The tensors stay valid until the next call or `dispose()`. */
  async getWeights(): Promise<NamedWeight[]> {
    const tf = this.#tf;
    this.#disposeExported();
    const moments = (data: Float32Array, suffix: string) =>
      this.#variables.map((variable, k) => {
        const start = this.#offsets[k]!;
        return { name: `${variable.name}/${suffix}`, tensor: tf.tensor(data.slice(start, start + variable.size), variable.shape, 'float32') };
      });
    const weights = [{ name: 'iter', tensor: tf.scalar(this.iterations, 'int32') }, ...moments(this.#m, 'm'), ...moments(this.#v, 'v')];
    this.#exported = weights.map((w) => w.tensor);
    return weights;
  }

  /** Restores what {@link getWeights} (or tfjs's `AdamOptimizer.getWeights`) returned. */
  async setWeights(weights: readonly NamedWeight[]): Promise<void> {
    const [iter, ...moments] = weights;
    if (iter?.name !== 'iter') throw new Error(`optimizer weights must start with "iter", got ${JSON.stringify(iter?.name)}`);
    const count = this.#variables.length;
    // tfjs's Adam creates its moments on the first step: a checkpoint taken before any step has none.
    if (moments.length !== 0 && moments.length !== 2 * count) {
      throw new Error(`optimizer weights hold ${moments.length} moment tensors, the policy has ${count} variables (expected ${2 * count})`);
    }
    const restored = [new Float32Array(this.size), new Float32Array(this.size)] as const;
    for (const [j, { name, tensor }] of moments.entries()) {
      const k = j % count;
      const variable = this.#variables[k]!;
      if (tensor.size !== variable.size) throw new Error(`optimizer weight ${name} has ${tensor.size} values, variable ${variable.name} has ${variable.size}`);
      restored[j < count ? 0 : 1].set((await tensor.data()) as Float32Array, this.#offsets[k]!);
    }
    this.iterations = (await iter.tensor.data())[0]!;
    this.#m.set(restored[0]);
    this.#v.set(restored[1]);
  }

  #disposeExported(): void {
    this.#tf.dispose(this.#exported);
    this.#exported = [];
  }

  dispose(): void {
    this.#disposeExported();
  }
}
