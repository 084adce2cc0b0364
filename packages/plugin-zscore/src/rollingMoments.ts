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
 * The kernel: moments of the windows ending at bars `from … to − 1`, written to `mean[i − from]` and
 * `std[i − from]`. The bars are processed in blocks of `period`: the first block (bars period − 1 ..
 * 2·period − 2) continues the warm-up sums; every later block starts by re-anchoring (shift = its first
 * value, sums and the run of equal values recomputed from the window), then slides. Every later block is
 * therefore self-contained, and `from` may be 0 or the start of any later block, `period − 1 + b·period`
 * with b ≥ 1: the values do not depend on where a range starts.
 *
 * With `z`, also writes the z-score `z[i] = (x[i] − mean) / σ` (`flatValue` where σ = 0) in the same loop:
 * there the division overlaps the kernel's dependency chain, where a second loop over the moments made
 * the z-score about 30 % slower.
 */
function momentsRange(
  x: Float64Array,
  period: number,
  invDivisor: number,
  mean: Float64Array,
  std: Float64Array,
  from: number,
  to: number,
  z: Float64Array | undefined,
  flatValue: number,
): void {
  const invPeriod = 1 / period;
  const first = period - 1;
  let shift = 0;
  let s1 = 0;
  let s2 = 0;
  let run = 0;
  let prev = Number.NaN;
  let start = from;
  if (from === 0) {
    shift = to > 0 ? x[0]! : 0;
    for (let i = 0; i < Math.min(first, to); i++) {
      const v = x[i]!;
      run = v === prev ? run + 1 : 1;
      prev = v;
      const d = v - shift;
      s1 += d;
      s2 += d * d;
      mean[i] = Number.NaN;
      std[i] = Number.NaN;
      if (z) z[i] = Number.NaN;
    }
    start = first;
  }
  while (start < to) {
    const end = Math.min(start === first ? 2 * period - 1 : start + period, to);
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
      // The run of equal values ending at the previous bar (only whether it reaches `period` matters).
      prev = x[start - 1]!;
      run = 1;
      while (run < period && x[start - 1 - run] === prev) run++;
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
        mean[i - from] = v;
        std[i - from] = 0;
        if (z) z[i] = flatValue;
      } else {
        const mu = shift + m;
        const variance = (s2 - s1 * m) * invDivisor;
        const sigma = variance > 0 ? Math.sqrt(variance) : variance === variance ? 0 : Number.NaN;
        mean[i - from] = mu;
        std[i - from] = sigma;
        if (z) {
          // σ is > 0, 0 or NaN, and (x − mean) / NaN is NaN, so only σ = 0 needs fixing up.
          z[i] = (v - mu) / sigma;
          if (sigma === 0) z[i] = flatValue;
        }
      }
    }
    start = end;
  }
}

function inverseDivisor(period: number, deviation: Deviation): number {
  return 1 / (deviation === 'population' ? period : period - 1);
}

/**
 * Writes the rolling mean and σ of `x` over `period` bars into `mean` and `std` (NaN for the first
 * `period − 1` bars).
 */
export function rollingMeanStd(
  x: Float64Array,
  period: number,
  deviation: Deviation,
  mean: Float64Array,
  std: Float64Array,
): void {
  momentsRange(x, period, inverseDivisor(period, deviation), mean, std, 0, x.length, undefined, 0);
}

/** Bars per chunk of {@link MeanStdChunks} (rounded to whole blocks): its two buffers stay in cache. */
const CHUNK_BARS = 1024;

/**
 * The rolling mean and σ of `x`, chunk by chunk, for consumers that turn the moments into something
 * else (z-score, Bollinger Bands) without writing them to whole-length arrays first:
 *
 * ```ts
 * const chunks = new MeanStdChunks(x, period, deviation);
 * while (chunks.next()) {
 *   const { from, to, mean, std } = chunks; // bar i's moments at mean[i − from], std[i − from]
 * }
 * ```
 *
 * Consecutive chunks cover `x`; `mean` and `std` are two small buffers reused from chunk to chunk. The
 * values are those of {@link rollingMeanStd}, bit for bit. With `zscore`, each chunk also writes the rolling
 * z-score of its bars into `zscore.out` (see `zscore` in this package).
 */
export class MeanStdChunks {
  /** First bar of the current chunk. */
  from = 0;
  /** One past the last bar of the current chunk. */
  to = 0;
  readonly mean: Float64Array;
  readonly std: Float64Array;
  readonly #x: Float64Array;
  readonly #period: number;
  readonly #invDivisor: number;
  readonly #blocks: number;
  readonly #z: Float64Array | undefined;
  readonly #flatValue: number;

  constructor(x: Float64Array, period: number, deviation: Deviation, zscore?: { out: Float64Array; flatValue: number }) {
    this.#x = x;
    this.#z = zscore?.out;
    this.#flatValue = zscore?.flatValue ?? 0;
    this.#period = period;
    this.#invDivisor = inverseDivisor(period, deviation);
    this.#blocks = Math.max(1, Math.floor(CHUNK_BARS / period));
    // The first chunk also holds the warm-up; all chunks end on block starts (period − 1 + b·period).
    const size = Math.min(period - 1 + this.#blocks * period, x.length);
    this.mean = new Float64Array(size);
    this.std = new Float64Array(size);
  }

  /** Computes the next chunk; false when `x` is exhausted. */
  next(): boolean {
    const n = this.#x.length;
    const from = this.to;
    if (from >= n) return false;
    const to = Math.min(from === 0 ? this.mean.length : from + this.#blocks * this.#period, n);
    momentsRange(this.#x, this.#period, this.#invDivisor, this.mean, this.std, from, to, this.#z, this.#flatValue);
    this.from = from;
    this.to = to;
    return true;
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
