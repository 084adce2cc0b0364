import type { Bar } from '@tradecore/sdk';

/**
 * How the first ATR value is seeded.
 * - `talib` (default): TR starts at bar 1 (`TR[0]` is undefined); the first ATR, at bar `period`, is
 *   `mean(TR[1..period])`.
 * - `stockcharts`: `TR[0] = H[0] − L[0]`; the first ATR, at bar `period − 1`, is `mean(TR[0..period−1])`.
 * Both then follow Wilder: `ATR[i] = (ATR[i−1]·(period − 1) + TR[i]) / period`, so they converge.
 */
export type AtrSeeding = 'talib' | 'stockcharts';

/** Index of the first finite ATR. */
export function atrWarmup(period: number, seeding: AtrSeeding = 'talib'): number {
  return seeding === 'talib' ? period : period - 1;
}

/** Index of the first finite true range. */
export function trueRangeWarmup(seeding: AtrSeeding = 'talib'): number {
  return seeding === 'talib' ? 1 : 0;
}

/**
 * True range `TR[i] = max(H − L, |H − C[i−1]|, |L − C[i−1]|)`, written into `out` (NaN where undefined:
 * bar 0 under `talib` seeding; `H − L` there under `stockcharts`).
 */
export function trueRange(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  out: Float64Array,
  seeding: AtrSeeding = 'talib',
): void {
  const n = high.length;
  if (n === 0) return;
  out[0] = seeding === 'talib' ? Number.NaN : high[0]! - low[0]!;
  for (let i = 1; i < n; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const pc = close[i - 1]!;
    out[i] = Math.max(Math.max(h - l, Math.abs(h - pc)), Math.abs(l - pc));
  }
}

/**
 * Wilder's Average True Range, TA-Lib arithmetic: the seed is the plain mean of the first `period` true
 * ranges, then `ATR = (ATR_prev·(period − 1) + TR) / period`. NaN before {@link atrWarmup}.
 * `tr` receives the true range (pass a scratch array when it is not needed).
 */
export function atr(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  out: Float64Array,
  tr: Float64Array,
  period = 14,
  seeding: AtrSeeding = 'talib',
): void {
  const n = high.length;
  if (n === 0) return;
  const first = trueRangeWarmup(seeding);
  const seedAt = atrWarmup(period, seeding);
  tr[0] = seeding === 'talib' ? Number.NaN : high[0]! - low[0]!;
  out[0] = Number.NaN;
  let sum = first === 0 ? tr[0]! : 0;
  // Seed: true ranges up to seedAt, summed in order; then one fused pass of TR and Wilder smoothing.
  const seedEnd = Math.min(seedAt, n - 1);
  for (let i = 1; i <= seedEnd; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const pc = close[i - 1]!;
    const t = Math.max(Math.max(h - l, Math.abs(h - pc)), Math.abs(l - pc));
    tr[i] = t;
    sum += t;
    out[i] = Number.NaN;
  }
  if (seedAt >= n) return;
  let prev = sum / period;
  out[seedAt] = prev;
  const keep = period - 1;
  for (let i = seedAt + 1; i < n; i++) {
    const h = high[i]!;
    const l = low[i]!;
    const pc = close[i - 1]!;
    const t = Math.max(Math.max(h - l, Math.abs(h - pc)), Math.abs(l - pc));
    tr[i] = t;
    prev = (prev * keep + t) / period;
    out[i] = prev;
  }
}

/**
 * Streaming ATR with the same arithmetic as {@link atr}: `update` returns `[trueRange, atr]` for the bar
 * just added (NaN during warm-up). The returned array is reused.
 */
export class AtrState {
  readonly #period: number;
  readonly #seeding: AtrSeeding;
  readonly #values = new Float64Array(2);
  #count = 0;
  #prevClose = Number.NaN;
  #sum = 0;
  #atr = Number.NaN;

  constructor(period = 14, seeding: AtrSeeding = 'talib') {
    this.#period = period;
    this.#seeding = seeding;
  }

  update(bar: Pick<Bar, 'high' | 'low' | 'close'>): Float64Array {
    const i = this.#count++;
    let tr: number;
    if (i === 0) {
      tr = this.#seeding === 'talib' ? Number.NaN : bar.high - bar.low;
    } else {
      const pc = this.#prevClose;
      tr = Math.max(Math.max(bar.high - bar.low, Math.abs(bar.high - pc)), Math.abs(bar.low - pc));
    }
    this.#prevClose = bar.close;
    const seedAt = atrWarmup(this.#period, this.#seeding);
    if (i < seedAt) {
      if (i >= trueRangeWarmup(this.#seeding)) this.#sum += tr;
    } else if (i === seedAt) {
      this.#sum += tr;
      this.#atr = this.#sum / this.#period;
    } else {
      this.#atr = (this.#atr * (this.#period - 1) + tr) / this.#period;
    }
    this.#values[0] = tr;
    this.#values[1] = this.#atr;
    return this.#values;
  }
}
