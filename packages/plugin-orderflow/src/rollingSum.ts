/**
 * Rolling sum over the last `window` values (fewer before `window` values exist). O(1) per value: a
 * running sum, recomputed from the window every `window` values so add/subtract drift cannot build
 * up, and a count of non-zero values so a window of zeros sums to exactly 0.
 */
export function rollingSum(x: Float64Array, out: Float64Array, window: number): void {
  let sum = 0;
  let nonZero = 0;
  let left = 0; // slides before the sum is recomputed from the window
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (i < window) {
      sum += v;
      if (v !== 0) nonZero++;
    } else if (left === 0) {
      left = window - 1;
      sum = 0;
      nonZero = 0;
      for (let j = i - window + 1; j <= i; j++) {
        sum += x[j]!;
        if (x[j] !== 0) nonZero++;
      }
    } else {
      left--;
      const o = x[i - window]!;
      sum += v;
      sum -= o;
      nonZero += (v !== 0 ? 1 : 0) - (o !== 0 ? 1 : 0);
    }
    out[i] = nonZero > 0 ? sum : 0;
  }
}

/** Streaming {@link rollingSum}, bit-identical to it. */
export class RollingSum {
  readonly #window: number;
  readonly #ring: Float64Array;
  #count = 0;
  #sum = 0;
  #nonZero = 0;

  constructor(window: number) {
    this.#window = window;
    this.#ring = new Float64Array(window);
  }

  update(v: number): number {
    const window = this.#window;
    const i = this.#count++;
    const slot = i % window;
    const o = this.#ring[slot]!;
    this.#ring[slot] = v;
    if (i >= window && (i - window) % window === 0) {
      let sum = 0;
      let nonZero = 0;
      for (let k = 1; k <= window; k++) {
        const x = this.#ring[(slot + k) % window]!;
        sum += x;
        if (x !== 0) nonZero++;
      }
      this.#sum = sum;
      this.#nonZero = nonZero;
    } else {
      this.#sum += v;
      if (v !== 0) this.#nonZero++;
      if (i >= window) {
        this.#sum -= o;
        if (o !== 0) this.#nonZero--;
      }
    }
    return this.#nonZero > 0 ? this.#sum : 0;
  }
}
