/**
 * Rolling mean and standard deviation in O(1) per bar without E[x²] − E[x]² cancellation.
 *
 * The window sums are kept of `x − K` (a shift close to the window's values) instead of `x`, and every
 * `period` bars the shift is moved to the newest value and the sums are recomputed from the window
 * (O(period) once per `period` bars, so O(1) amortised). At BTC prices (≈2.5e4) a 20-bar σ of a few
 * dollars then keeps ≈12 significant digits, where raw sums of x² (≈1.2e10) keep about 4. The periodic
 * recomputation also stops add/subtract drift from accumulating.
 *
 * A window whose values are all equal is detected exactly (by the length of the run of equal values),
 * and its σ is exactly 0.
 */
export type Deviation = 'population' | 'sample';

/**
 * Writes the rolling mean and σ of `x` over `period` bars into `mean` and `std` (NaN for the first
 * `period − 1` bars). `flat` (optional) receives 1 where the window is flat, else 0.
 */
export function rollingMeanStd(
  x: Float64Array,
  period: number,
  deviation: Deviation,
  mean: Float64Array,
  std: Float64Array,
): void {
  const n = x.length;
  const invPeriod = 1 / period;
  const invDivisor = 1 / (deviation === 'population' ? period : period - 1);
  let shift = n > 0 ? x[0]! : 0;
  let s1 = 0;
  let s2 = 0;
  let run = 0;
  let prev = Number.NaN;
  const first = period - 1;
  for (let i = 0; i < Math.min(first, n); i++) {
    const v = x[i]!;
    run = v === prev ? run + 1 : 1;
    prev = v;
    const d = v - shift;
    s1 += d;
    s2 += d * d;
    mean[i] = Number.NaN;
    std[i] = Number.NaN;
  }
  // Blocks: the first (bars period − 1 .. 2·period − 2) continues the warm-up sums; each later one starts
  // by re-anchoring (shift = its first value, sums recomputed from the window), then slides.
  for (let start = first; start < n; ) {
    const end = Math.min(start === first ? 2 * period - 1 : start + period, n);
    if (start === first) {
      const d = x[start]! - shift;
      s1 += d;
      s2 += d * d;
    } else {
      shift = x[start]!;
      s1 = 0;
      s2 = 0;
      for (let j = start - period + 1; j <= start; j++) {
        const d = x[j]! - shift;
        s1 += d;
        s2 += d * d;
      }
    }
    for (let i = start; i < end; i++) {
      const v = x[i]!;
      run = v === prev ? run + 1 : 1;
      prev = v;
      if (i !== start) {
        const d = v - shift;
        const o = x[i - period]! - shift;
        s1 += d - o;
        s2 += d * d - o * o;
      }
      const m = s1 * invPeriod;
      if (run >= period) {
        mean[i] = v;
        std[i] = 0;
      } else {
        mean[i] = shift + m;
        const variance = (s2 - s1 * m) * invDivisor;
        std[i] = variance > 0 ? Math.sqrt(variance) : variance === variance ? 0 : Number.NaN;
      }
    }
    start = end;
  }
}

/**
 * The same computation bar by bar, in the same floating-point order as {@link rollingMeanStd}, so both
 * agree bit for bit. Keeps the last `period` values in a ring buffer.
 */
export class RollingMoments {
  readonly #period: number;
  readonly #invPeriod: number;
  readonly #invDivisor: number;
  readonly #ring: Float64Array;
  #count = 0;
  #shift = 0;
  #s1 = 0;
  #s2 = 0;
  #run = 0;
  #last = Number.NaN;
  /** Mean of the window after the last update (NaN in warm-up). */
  mean = Number.NaN;
  /** σ of the window after the last update (NaN in warm-up). */
  std = Number.NaN;

  constructor(period: number, deviation: Deviation) {
    this.#period = period;
    this.#invPeriod = 1 / period;
    this.#invDivisor = 1 / (deviation === 'population' ? period : period - 1);
    this.#ring = new Float64Array(period);
  }

  update(v: number): void {
    const period = this.#period;
    const i = this.#count++;
    this.#run = i > 0 && v === this.#last ? this.#run + 1 : 1;
    this.#last = v;
    const slot = i % period;
    const old = this.#ring[slot]!;
    this.#ring[slot] = v;
    if (i === 0) this.#shift = v;
    if (i < period) {
      const d = v - this.#shift;
      this.#s1 += d;
      this.#s2 += d * d;
      if (i < period - 1) return;
    } else if ((i - period + 1) % period === 0) {
      const shift = v;
      let s1 = 0;
      let s2 = 0;
      // The window in time order starts at the slot after the newest value.
      for (let k = 1; k <= period; k++) {
        const d = this.#ring[(slot + k) % period]! - shift;
        s1 += d;
        s2 += d * d;
      }
      this.#shift = shift;
      this.#s1 = s1;
      this.#s2 = s2;
    } else {
      const d = v - this.#shift;
      const o = old - this.#shift;
      this.#s1 += d - o;
      this.#s2 += d * d - o * o;
    }
    const m = this.#s1 * this.#invPeriod;
    if (this.#run >= period) {
      this.mean = v;
      this.std = 0;
    } else {
      this.mean = this.#shift + m;
      const variance = (this.#s2 - this.#s1 * m) * this.#invDivisor;
      this.std = variance > 0 ? Math.sqrt(variance) : variance === variance ? 0 : Number.NaN;
    }
  }
}
