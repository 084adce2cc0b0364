/**
 * Rolling sum over the last `window` values (fewer before `window` values exist). O(1) per value: a
 * running sum, recomputed from the window every `window` values so add/subtract drift cannot build
 * up, and a count of non-zero values so a window of zeros sums to exactly 0.
 *
 * `out` may be `x` itself (in place): the values leaving the window are read from a ring of the last
 * `window` inputs (one small array per call), not from `x`.
 */
export function rollingSum(x: Float64Array, out: Float64Array, window: number): void {
  const n = x.length;
  // ring[k] holds the input of the bar at offset k of the current block of `window` bars; when bar
  // start + k is reached it still holds the input of bar start + k − window, the one leaving the window.
  const ring = new Float64Array(window);
  let sum = 0;
  let nonZero = 0;
  for (let i = 0; i < Math.min(window, n); i++) {
    const v = x[i]!;
    ring[i] = v;
    sum += v;
    if (v !== 0) nonZero++;
    out[i] = nonZero > 0 ? sum : 0;
  }
  // Blocks of `window` bars: each starts by recomputing the sum from its window, then slides.
  for (let start = window; start < n; start += window) {
    const end = Math.min(start + window, n);
    sum = 0;
    nonZero = 0;
    for (let k = 1; k < window; k++) {
      const v = ring[k]!;
      sum += v;
      if (v !== 0) nonZero++;
    }
    const first = x[start]!;
    ring[0] = first;
    sum += first;
    if (first !== 0) nonZero++;
    out[start] = nonZero > 0 ? sum : 0;
    for (let i = start + 1; i < end; i++) {
      const v = x[i]!;
      const o = ring[i - start]!;
      ring[i - start] = v;
      sum += v;
      sum -= o;
      nonZero += (v !== 0 ? 1 : 0) - (o !== 0 ? 1 : 0);
      out[i] = nonZero > 0 ? sum : 0;
    }
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
