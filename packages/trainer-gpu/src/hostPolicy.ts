import type { PolicyVariables } from './model.ts';

interface HostLayer {
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
  readonly inputs: number;
  readonly units: number;
}

/**
 * The policy evaluated in plain JavaScript from a copy of its weights. On backends that cannot read
 * tensors synchronously (WebGPU in Node), the synchronous {@link PpoTrainer.act} runs on this copy; it is
 * refreshed whenever training or loading changes the weights.
 */
export class HostPolicy {
  readonly #actor: HostLayer[];
  readonly #critic: HostLayer[];
  readonly numActions: number;
  #a = new Float64Array(0);
  #b = new Float64Array(0);

  private constructor(actor: HostLayer[], critic: HostLayer[], numActions: number) {
    this.#actor = actor;
    this.#critic = critic;
    this.numActions = numActions;
  }

  /** Reads every variable (asynchronously, as GPU backends require). */
  static async read(net: PolicyVariables): Promise<HostPolicy> {
    const tower = (layers: PolicyVariables['actor']) =>
      Promise.all(
        layers.map(async ({ kernel, bias }) => {
          const [inputs, units] = kernel.shape as [number, number];
          return { kernel: (await kernel.data()) as Float32Array, bias: (await bias.data()) as Float32Array, inputs, units };
        }),
      );
    return new HostPolicy(await tower(net.actor), await tower(net.critic), net.shape.numActions);
  }

  /** Logits (`rows × numActions`) and values (`rows`) of `rows` normalised observations. */
  forward(x: Float32Array, rows: number, logits: Float32Array, values: Float32Array): void {
    for (let r = 0; r < rows; r++) {
      const a = this.#tower(this.#actor, x, r);
      logits.set(a.subarray(0, this.numActions), r * this.numActions);
      values[r] = this.#tower(this.#critic, x, r)[0]!;
    }
  }

  #tower(layers: readonly HostLayer[], x: Float32Array, row: number): Float64Array {
    const width = Math.max(...layers.map((l) => Math.max(l.inputs, l.units)));
    if (this.#a.length < width) {
      this.#a = new Float64Array(width);
      this.#b = new Float64Array(width);
    }
    let input = this.#a;
    let output = this.#b;
    const d = layers[0]!.inputs;
    for (let j = 0; j < d; j++) input[j] = x[row * d + j]!;
    layers.forEach(({ kernel, bias, inputs, units }, l) => {
      for (let u = 0; u < units; u++) {
        let z = bias[u]!;
        for (let i = 0; i < inputs; i++) z += input[i]! * kernel[i * units + u]!;
        output[u] = l < layers.length - 1 ? Math.tanh(z) : z;
      }
      [input, output] = [output, input];
    });
    return input;
  }
}
