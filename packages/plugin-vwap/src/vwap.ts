import type { Bar } from '@tradecore/sdk';

const DAY_MS = 86_400_000;

/**
 * Session VWAP: `Σ(tp·v) / Σv` over the bars of the current session, with typical price
 * `tp = (H + L + C) / 3`. A session starts at `sessionStartMinuteUtc` minutes after 00:00 UTC (default 0,
 * i.e. each UTC day). While the session's Σv is 0 (no volume yet) the output is the bar's typical price,
 * so it is defined from the first bar on. O(1) per bar (two running sums, reset at the session start).
 */
export function sessionVwap(
  time: Float64Array,
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  volume: Float64Array,
  out: Float64Array,
  sessionStartMinuteUtc = 0,
): void {
  const offset = sessionStartMinuteUtc * 60_000;
  // The current session is [start, end); a bar outside it (or the first) starts a new one.
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  let pv = 0;
  let vol = 0;
  for (let i = 0; i < time.length; i++) {
    const t = time[i]!;
    if (t >= end || t < start) {
      start = Math.floor((t - offset) / DAY_MS) * DAY_MS + offset;
      end = start + DAY_MS;
      pv = 0;
      vol = 0;
    }
    const tp = (high[i]! + low[i]! + close[i]!) / 3;
    const v = volume[i]!;
    pv += tp * v;
    vol += v;
    out[i] = vol > 0 ? pv / vol : tp;
  }
}

/**
 * Rolling VWAP over the last `window` bars: `Σ(tp·v) / Σv`, typical price `tp = (H + L + C) / 3`. Before
 * `window` bars exist it uses every bar so far (the StockCharts/`ta` convention). When the window has no
 * volume the output is the bar's typical price. O(1) per bar: running sums, recomputed from the window
 * every `window` bars so subtraction drift cannot build up, and a count of bars with volume so an empty
 * window is detected exactly.
 */
export function rollingVwap(
  high: Float64Array,
  low: Float64Array,
  close: Float64Array,
  volume: Float64Array,
  out: Float64Array,
  window = 14,
): void {
  const n = high.length;
  let pv = 0;
  let vol = 0;
  let traded = 0;
  for (let i = 0; i < Math.min(window, n); i++) {
    const tp = (high[i]! + low[i]! + close[i]!) / 3;
    const v = volume[i]!;
    pv += tp * v;
    vol += v;
    if (v !== 0) traded++;
    out[i] = traded > 0 ? pv / vol : tp;
  }
  // Blocks of `window` bars: each starts by recomputing the sums from its window, then slides.
  for (let start = window; start < n; start += window) {
    const end = Math.min(start + window, n);
    pv = 0;
    vol = 0;
    traded = 0;
    for (let j = start - window + 1; j <= start; j++) {
      const vj = volume[j]!;
      pv += ((high[j]! + low[j]! + close[j]!) / 3) * vj;
      vol += vj;
      if (vj !== 0) traded++;
    }
    out[start] = traded > 0 ? pv / vol : (high[start]! + low[start]! + close[start]!) / 3;
    for (let i = start + 1; i < end; i++) {
      const tp = (high[i]! + low[i]! + close[i]!) / 3;
      const v = volume[i]!;
      const j = i - window;
      const vj = volume[j]!;
      pv += tp * v;
      vol += v;
      pv -= ((high[j]! + low[j]! + close[j]!) / 3) * vj;
      vol -= vj;
      traded += (v !== 0 ? 1 : 0) - (vj !== 0 ? 1 : 0);
      out[i] = traded > 0 ? pv / vol : tp;
    }
  }
}

/** Streaming session VWAP, bit-identical to {@link sessionVwap}. `update` returns `[vwap]` (reused). */
export class SessionVwapState {
  readonly #offset: number;
  readonly #values = new Float64Array(1);
  #session = Number.NaN;
  #pv = 0;
  #vol = 0;

  constructor(sessionStartMinuteUtc = 0) {
    this.#offset = sessionStartMinuteUtc * 60_000;
  }

  update(bar: Pick<Bar, 'time' | 'high' | 'low' | 'close' | 'volume'>): Float64Array {
    const s = Math.floor((bar.time - this.#offset) / DAY_MS);
    if (s !== this.#session) {
      this.#session = s;
      this.#pv = 0;
      this.#vol = 0;
    }
    const tp = (bar.high + bar.low + bar.close) / 3;
    this.#pv += tp * bar.volume;
    this.#vol += bar.volume;
    this.#values[0] = this.#vol > 0 ? this.#pv / this.#vol : tp;
    return this.#values;
  }
}

/** Streaming rolling VWAP, bit-identical to {@link rollingVwap}. `update` returns `[vwap]` (reused). */
export class RollingVwapState {
  readonly #window: number;
  readonly #tp: Float64Array;
  readonly #v: Float64Array;
  readonly #values = new Float64Array(1);
  #count = 0;
  #pv = 0;
  #vol = 0;
  #traded = 0;

  constructor(window = 14) {
    this.#window = window;
    this.#tp = new Float64Array(window);
    this.#v = new Float64Array(window);
  }

  update(bar: Pick<Bar, 'high' | 'low' | 'close' | 'volume'>): Float64Array {
    const window = this.#window;
    const i = this.#count++;
    const tp = (bar.high + bar.low + bar.close) / 3;
    const v = bar.volume;
    const slot = i % window;
    const oldTp = this.#tp[slot]!;
    const oldV = this.#v[slot]!;
    this.#tp[slot] = tp;
    this.#v[slot] = v;
    if (i >= window && (i - window) % window === 0) {
      let pv = 0;
      let vol = 0;
      let traded = 0;
      for (let k = 1; k <= window; k++) {
        const s = (slot + k) % window;
        const vj = this.#v[s]!;
        pv += this.#tp[s]! * vj;
        vol += vj;
        if (vj !== 0) traded++;
      }
      this.#pv = pv;
      this.#vol = vol;
      this.#traded = traded;
    } else {
      this.#pv += tp * v;
      this.#vol += v;
      if (v !== 0) this.#traded++;
      if (i >= window) {
        this.#pv -= oldTp * oldV;
        this.#vol -= oldV;
        if (oldV !== 0) this.#traded--;
      }
    }
    this.#values[0] = this.#traded > 0 ? this.#pv / this.#vol : tp;
    return this.#values;
  }
}
