/** JSON form of {@link RunningNormalizer}, saved with the model. */
export interface NormalizerState {
  readonly size: number;
  readonly count: number;
  readonly mean: number[];
  readonly var: number[];
  readonly clip: number;
}

/**
 * Running mean/variance (parallel Welford / Chan et al.) of the observation vector, used to
 * standardise observations: `clip((x − mean) / sqrt(var + 1e-8), ±clip)`.
 */
export class RunningNormalizer {
  readonly size: number;
  readonly clip: number;
  count = 1e-4;
  readonly mean: Float64Array;
  readonly var: Float64Array;
  readonly #invStd: Float32Array;
  readonly #mean32: Float32Array;
  readonly #batchMean: Float64Array;
  readonly #batchM2: Float64Array;

  constructor(size: number, clip = 10) {
    this.size = size;
    this.clip = clip;
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
    this.#invStd = new Float32Array(size);
    this.#mean32 = new Float32Array(size);
    this.#batchMean = new Float64Array(size);
    this.#batchM2 = new Float64Array(size);
    this.#refresh();
  }

  /** Folds `rows` rows of `data` (row-major, `size` wide) into the statistics. */
  update(data: Float32Array, rows: number): void {
    const n = this.size;
    const bm = this.#batchMean.fill(0);
    const m2 = this.#batchM2.fill(0);
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      for (let j = 0; j < n; j++) bm[j]! += data[o + j]!;
    }
    for (let j = 0; j < n; j++) bm[j]! /= rows;
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      for (let j = 0; j < n; j++) {
        const d = data[o + j]! - bm[j]!;
        m2[j]! += d * d;
      }
    }
    const total = this.count + rows;
    for (let j = 0; j < n; j++) {
      const delta = bm[j]! - this.mean[j]!;
      const ma = this.var[j]! * this.count;
      const mNew = ma + m2[j]! + (delta * delta * this.count * rows) / total;
      this.mean[j] = this.mean[j]! + (delta * rows) / total;
      this.var[j] = mNew / total;
    }
    this.count = total;
    this.#refresh();
  }

  /** Writes the normalised `rows` rows of `src` into `dst` (may be the same array). */
  normalize(src: Float32Array, dst: Float32Array, rows: number): void {
    const n = this.size;
    const c = this.clip;
    const mean = this.#mean32;
    const inv = this.#invStd;
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      for (let j = 0; j < n; j++) {
        let v = (src[o + j]! - mean[j]!) * inv[j]!;
        if (v > c) v = c;
        else if (v < -c) v = -c;
        else if (v !== v) v = 0;
        dst[o + j] = v;
      }
    }
  }

  toJSON(): NormalizerState {
    return { size: this.size, count: this.count, mean: Array.from(this.mean), var: Array.from(this.var), clip: this.clip };
  }

  static fromJSON(state: NormalizerState): RunningNormalizer {
    const n = new RunningNormalizer(state.size, state.clip);
    n.restore(state);
    return n;
  }

  /** Replaces the statistics with saved ones of the same size. */
  restore(state: NormalizerState): void {
    if (state.size !== this.size || state.mean.length !== this.size || state.var.length !== this.size) {
      throw new RangeError(`normaliser state has size ${state.size} (mean ${state.mean.length}, var ${state.var.length}), expected ${this.size}`);
    }
    this.count = state.count;
    this.mean.set(state.mean);
    this.var.set(state.var);
    this.#refresh();
  }

  #refresh(): void {
    for (let j = 0; j < this.size; j++) {
      this.#mean32[j] = this.mean[j]!;
      this.#invStd[j] = 1 / Math.sqrt(this.var[j]! + 1e-8);
    }
  }
}

/**
 * Scales rewards by the running standard deviation of the discounted return (as SB3's
 * VecNormalize does), which keeps value targets near unit scale when per-bar log returns are ~1e-4.
 */
export class RewardScaler {
  readonly gamma: number;
  readonly #returns: Float64Array;
  count = 1e-4;
  mean = 0;
  var = 1;

  constructor(numEnvs: number, gamma: number) {
    this.gamma = gamma;
    this.#returns = new Float64Array(numEnvs);
  }

  /** Updates the statistics with one step of rewards and writes the scaled rewards into `out`. */
  scale(rewards: Float32Array, dones: Uint8Array, out: Float32Array): void {
    const n = rewards.length;
    let bm = 0;
    for (let i = 0; i < n; i++) {
      const ret = this.#returns[i]! * this.gamma + rewards[i]!;
      this.#returns[i] = ret;
      bm += ret;
    }
    bm /= n;
    let m2 = 0;
    for (let i = 0; i < n; i++) m2 += (this.#returns[i]! - bm) ** 2;
    const total = this.count + n;
    const delta = bm - this.mean;
    this.var = (this.var * this.count + m2 + (delta * delta * this.count * n) / total) / total;
    this.mean += (delta * n) / total;
    this.count = total;
    const inv = 1 / Math.sqrt(this.var + 1e-8);
    for (let i = 0; i < n; i++) {
      let v = rewards[i]! * inv;
      if (v > 10) v = 10;
      else if (v < -10) v = -10;
      out[i] = v;
      if (dones[i]) this.#returns[i] = 0;
    }
  }

  toJSON(): { count: number; mean: number; var: number } {
    return { count: this.count, mean: this.mean, var: this.var };
  }

  restore(state: { count: number; mean: number; var: number }): void {
    this.count = state.count;
    this.mean = state.mean;
    this.var = state.var;
  }
}
