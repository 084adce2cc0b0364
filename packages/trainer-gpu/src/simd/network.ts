import type { NetworkShape } from '../model.ts';
import type { MinibatchBuffers } from '../shards.ts';
import { PPO_STATS, type LossCoefficients } from '../update.ts';
import { KERNELS_WASM_BASE64 } from './kernels.wasm.ts';

/**
 * The actor-critic's forward pass and PPO gradients on the trainer's own WebAssembly SIMD kernels
 * (kernels.wat): forwards, each layer is one product with its bias, then tanh in place; backwards, one
 * product for the kernel gradient and one for the gradient below with the tanh derivative applied as it is
 * stored — over buffers that stay in the module's memory. This is what the `wasm` backend trains and acts
 * with; the result is the function of update.ts's tfjs version, up to float32 rounding (a test compares them).
 */

export type Gemm = (a: number, sai: number, sak: number, b: number, c: number, m: number, k: number, n: number, mode: number, bias: number, aux: number) => void;

/** The product's epilogues (see kernels.wat). */
const STORE = 0;
const BIAS = 1;
const TANH_GRAD = 2;

/** The kernels module's exports. */
export interface KernelExports {
  readonly gemm: Gemm;
  /** tanh in place over `count` floats (a multiple of 4) at byte address `at`. */
  readonly tanh: (at: number, count: number) => void;
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
}

/** The part of the WebAssembly global used here (this project's TypeScript libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;
function kernelsModule(): object {
  compiled ??= new wasm.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
  return compiled;
}

/** A new instance of the kernels, with its own memory. */
export function instantiateKernels(): KernelExports {
  return new wasm.Instance(kernelsModule(), {}).exports as KernelExports;
}

/** Bytes per float: the kernels take byte addresses, this class keeps float indices into its memory. */
const FLOAT = 4;
const roundUp4 = (n: number) => Math.ceil(n / 4) * 4;

interface LayerLayout {
  readonly inputs: number;
  readonly units: number;
  /** Floats per row of this layer's input: the observation size for layer 0, the padded width below otherwise. */
  readonly inStride: number;
  /** `units` rounded up to a multiple of 4 (the kernel's column step); the pad columns hold zeros. */
  readonly width: number;
  /** Offset of the kernel in the flat parameter vector (the bias follows it). */
  readonly paramOffset: number;
  /**
   * Where things are (float indices): kernel `[inStride × width]`, its transpose `[width × inStride]`
   * (layers above the first: back-propagation stops at layer 0), bias `[width]`, output `[rows × width]`,
   * kernel gradient `[inStride × width]`.
   */
  readonly w: number;
  readonly wT: number | undefined;
  readonly b: number;
  readonly out: number;
  readonly dW: number;
}

export class SimdNetwork {
  readonly shape: NetworkShape;
  /** Rows one call may take. */
  readonly capacity: number;
  /** Scalars in the flat parameter vector (the policy's variables in order). */
  readonly paramCount: number;
  readonly #gemm: Gemm;
  readonly #tanh: KernelExports['tanh'];
  readonly #f: Float32Array;
  /** Float indices of the input rows `[capacity × observationSize]` and of the buffers below. */
  readonly #x: number;
  /** Gradient buffers `[capacity × widest]`: the logits', the value's, and a spare for back-propagation. */
  readonly #g: readonly [number, number, number];
  readonly #actor: readonly LayerLayout[];
  readonly #critic: readonly LayerLayout[];
  /** Every layer, actor then critic. */
  readonly #layers: readonly LayerLayout[];
  /** `capacity` ones (for column sums as a product) and one row of the widest layer. */
  readonly #ones: number;
  readonly #colSums: number;
  readonly #logp: Float64Array;
  readonly #prob: Float64Array;

  constructor(shape: NetworkShape, capacity: number) {
    const widths = [shape.observationSize, shape.numActions, ...shape.hidden];
    if (!widths.every((w) => Number.isInteger(w) && w >= 1)) {
      throw new RangeError(`the network's sizes must be whole numbers ≥ 1, got observation ${shape.observationSize}, actions ${shape.numActions}, hidden [${shape.hidden.join(', ')}]`);
    }
    if (!Number.isInteger(capacity) || capacity < 0) throw new RangeError(`the row capacity must be a whole number ≥ 0, got ${capacity}`);
    this.shape = shape;
    this.capacity = capacity;
    let floats = 0;
    const alloc = (count: number) => {
      const at = floats;
      floats += roundUp4(count);
      return at;
    };
    let paramOffset = 0;
    const tower = (outputs: number): LayerLayout[] => {
      const sizes = [shape.observationSize, ...shape.hidden, outputs];
      let inStride = shape.observationSize;
      return sizes.slice(1).map((units, l) => {
        const inputs = sizes[l]!;
        const width = roundUp4(units);
        const layer: LayerLayout = {
          inputs,
          units,
          inStride,
          width,
          paramOffset,
          w: alloc(inStride * width),
          wT: l > 0 ? alloc(width * inStride) : undefined,
          b: alloc(width),
          out: alloc(capacity * width),
          dW: alloc(inStride * width),
        };
        paramOffset += inputs * units + units;
        inStride = width;
        return layer;
      });
    };
    this.#actor = tower(shape.numActions);
    this.#critic = tower(1);
    this.#layers = [...this.#actor, ...this.#critic];
    this.paramCount = paramOffset;
    this.#x = alloc(capacity * shape.observationSize);
    const widest = Math.max(...this.#layers.map((l) => l.width));
    this.#g = [alloc(capacity * widest), alloc(capacity * widest), alloc(capacity * widest)];
    this.#ones = alloc(capacity);
    this.#colSums = alloc(widest);
    this.#logp = new Float64Array(shape.numActions);
    this.#prob = new Float64Array(shape.numActions);
    const exports = instantiateKernels();
    const missing = Math.ceil((floats * FLOAT) / 65_536) - exports.memory.buffer.byteLength / 65_536;
    if (missing > 0) exports.memory.grow(missing);
    this.#gemm = exports.gemm;
    this.#tanh = exports.tanh;
    // A new memory is all zeros: the pad rows and columns of kernels and biases stay so (setParams writes only the rest).
    this.#f = new Float32Array(exports.memory.buffer);
    this.#f.fill(1, this.#ones, this.#ones + capacity);
  }

  /** Loads the parameters (the policy's variables flattened in order, as Adam keeps them). */
  setParams(values: Float32Array): void {
    if (values.length !== this.paramCount) throw new RangeError(`expected ${this.paramCount} parameters, got ${values.length}`);
    const f = this.#f;
    for (const { inputs, units, inStride, width, paramOffset, w, wT, b } of this.#layers) {
      for (let i = 0; i < inputs; i++) {
        for (let j = 0; j < units; j++) {
          const v = values[paramOffset + i * units + j]!;
          f[w + i * width + j] = v;
          if (wT !== undefined) f[wT + j * inStride + i] = v;
        }
      }
      f.set(values.subarray(paramOffset + inputs * units, paramOffset + inputs * units + units), b);
    }
  }

  /** Logits (`rows × numActions`) and state values (`rows`) of `rows` normalised observations. */
  forward(x: Float32Array, rows: number, logits: Float32Array, values: Float32Array): void {
    this.#checkRows(rows);
    this.#f.set(x.subarray(0, rows * this.shape.observationSize), this.#x);
    const actorOut = this.#towerForward(this.#actor, rows);
    const criticOut = this.#towerForward(this.#critic, rows);
    const f = this.#f;
    const a = this.shape.numActions;
    const width = this.#actor.at(-1)!.width;
    const criticWidth = this.#critic.at(-1)!.width;
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < a; k++) logits[r * a + k] = f[actorOut + r * width + k]!;
      values[r] = f[criticOut + r * criticWidth]!;
    }
  }

  /**
   * PPO's loss statistics and gradients over rows `[start, end)` of `batch`, as update.ts's
   * `ppoGradients` defines them: `[policyLoss, valueLoss, entropy, approxKl, clipFraction, gradients…]`,
   * every mean over the whole minibatch's rows, so shards add up.
   */
  gradients(batch: MinibatchBuffers, start: number, end: number, coefs: LossCoefficients): Float32Array {
    const rows = end - start;
    this.#checkRows(rows);
    const d = this.shape.observationSize;
    const a = this.shape.numActions;
    const f = this.#f;
    f.set(batch.obs.subarray(start * d, end * d), this.#x);
    const logits = this.#towerForward(this.#actor, rows);
    const values = this.#towerForward(this.#critic, rows);
    const out = new Float32Array(PPO_STATS + this.paramCount);
    const stats = this.#lossHead(batch, start, rows, coefs, logits, values);
    out.set(stats);
    const [gLogits, gValues] = this.#g;
    this.#towerBackward(this.#actor, rows, gLogits, out);
    this.#towerBackward(this.#critic, rows, gValues, out);
    return out;
  }

  /** The product kernel (kernels.wat) on float indices. */
  #product(a: number, sai: number, sak: number, b: number, c: number, m: number, k: number, n: number, mode: number, bias = 0, aux = 0): void {
    this.#gemm(a * FLOAT, sai, sak, b * FLOAT, c * FLOAT, m, k, n, mode, bias * FLOAT, aux * FLOAT);
  }

  #checkRows(rows: number): void {
    if (rows > this.capacity) throw new RangeError(`${rows} rows exceed this network's capacity of ${this.capacity}`);
  }

  /** Runs a tower over the rows in the input buffer; returns where its output is. */
  #towerForward(layers: readonly LayerLayout[], rows: number): number {
    let input = this.#x;
    layers.forEach((layer, l) => {
      this.#product(input, layer.inStride, 1, layer.w, layer.out, rows, layer.inStride, layer.width, BIAS, layer.b);
      if (l < layers.length - 1) this.#tanh(layer.out * FLOAT, rows * layer.width);
      input = layer.out;
    });
    return layers.at(-1)!.out;
  }

  /**
   * The clipped-surrogate, value and entropy terms: returns the statistics and writes dLoss/dlogits into
   * the first gradient buffer and dLoss/dvalue into the second (pad columns zero).
   */
  #lossHead(batch: MinibatchBuffers, start: number, rows: number, coefs: LossCoefficients, logitsAt: number, valuesAt: number): number[] {
    const f = this.#f;
    const a = this.shape.numActions;
    const width = this.#actor.at(-1)!.width;
    const criticWidth = this.#critic.at(-1)!.width;
    const [gLogits, gValues] = this.#g;
    f.fill(0, gLogits, gLogits + rows * width);
    f.fill(0, gValues, gValues + rows * criticWidth);
    const n = batch.rows;
    const { clipRange, valueCoef, entropyCoef } = coefs;
    const logp = this.#logp;
    const prob = this.#prob;
    let policySum = 0;
    let valueSum = 0;
    let entropySum = 0;
    let klSum = 0;
    let clipped = 0;
    for (let r = 0; r < rows; r++) {
      const row = start + r;
      const z = logitsAt + r * width;
      let max = -Infinity;
      // The row's action: the trainer writes exactly one 1 per row of the one-hot.
      let action = 0;
      for (let k = 0; k < a; k++) {
        // float32 like the tfjs version: logit + penalty rounds before the softmax.
        const masked = Math.fround(f[z + k]! + batch.maskPenalty[row * a + k]!);
        logp[k] = masked;
        if (masked > max) max = masked;
        if (batch.actionOneHot[row * a + k] === 1) action = k;
      }
      let sum = 0;
      for (let k = 0; k < a; k++) {
        const e = Math.exp(logp[k]! - max);
        prob[k] = e;
        sum += e;
      }
      const lse = max + Math.log(sum);
      let entropy = 0;
      for (let k = 0; k < a; k++) {
        const p = prob[k]! / sum;
        prob[k] = p;
        logp[k] = logp[k]! - lse;
        // Masked actions have p = 0 and add nothing.
        if (p > 0) entropy -= p * logp[k]!;
      }
      const logRatio = logp[action]! - batch.oldLogp[row]!;
      const ratio = Math.exp(logRatio);
      const advantage = batch.advantages[row]!;
      const surr1 = ratio * advantage;
      const surr2 = Math.min(Math.max(ratio, 1 - clipRange), 1 + clipRange) * advantage;
      policySum += Math.min(surr1, surr2);
      entropySum += entropy;
      klSum += ratio - 1 - logRatio;
      if (Math.abs(ratio - 1) > clipRange) clipped++;
      // Where min() follows surr2 the ratio is outside the clip range and has no gradient.
      const gActLogp = surr1 <= surr2 ? (-advantage * ratio) / n : 0;
      const entropyScale = entropyCoef / n;
      const g = gLogits + r * width;
      for (let k = 0; k < a; k++) {
        const p = prob[k]!;
        // dlogp_a/dz_k = onehot − p; d(−c·H)/dz_k = c·p_k·(log p_k + H).
        const entropyTerm = p > 0 ? entropyScale * p * (logp[k]! + entropy) : 0;
        f[g + k] = gActLogp * ((k === action ? 1 : 0) - p) + entropyTerm;
      }
      const diff = f[valuesAt + r * criticWidth]! - batch.returns[row]!;
      valueSum += diff * diff;
      f[gValues + r * criticWidth] = (diff * valueCoef) / n;
    }
    return [-policySum / n, (0.5 * valueSum) / n, entropySum / n, klSum / n, clipped / n];
  }

  /**
   * Back-propagates the output gradient at `g` through a tower and writes each layer's
   * kernel and bias gradients into `out` (after the statistics, at the layer's parameter offset).
   */
  #towerBackward(layers: readonly LayerLayout[], rows: number, g: number, out: Float32Array): void {
    const f = this.#f;
    let current = g;
    let next = this.#g[2];
    for (let l = layers.length - 1; l >= 0; l--) {
      const { inputs, units, inStride, width, paramOffset, dW, wT } = layers[l]!;
      const input = l === 0 ? this.#x : layers[l - 1]!.out;
      // dW = inputᵀ·g: the input read transposed in place.
      this.#product(input, 1, inStride, current, dW, inStride, rows, width, STORE);
      const base = PPO_STATS + paramOffset;
      for (let i = 0; i < inputs; i++) {
        for (let j = 0; j < units; j++) out[base + i * units + j] = f[dW + i * width + j]!;
      }
      // db = 1ᵀ·g
      this.#product(this.#ones, 0, 1, current, this.#colSums, 1, rows, width, STORE);
      out.set(f.subarray(this.#colSums, this.#colSums + units), base + inputs * units);
      if (l > 0) {
        // dLoss/dz below = (g·Wᵀ)·(1 − h²), h being the tanh output below.
        const below = layers[l - 1]!;
        this.#product(current, width, 1, wT!, next, rows, width, below.width, TANH_GRAD, 0, below.out);
        [current, next] = [next, current];
      }
    }
  }
}
