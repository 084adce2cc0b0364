/**
 * Trade tapes for the fake exchange: the trades it serves over REST (`/0/public/Trades`) and WebSocket.
 * A trade's time is a double in seconds, as Kraken sends it; its nanosecond cursor is derived from whole
 * microseconds, so every trade of a tape has its own cursor and cursors grow with the trade id.
 */
export interface FakeTrade {
  /** Kraken trade id (sequence number). */
  id: number;
  /** Integer microseconds since the epoch; unique and increasing within a tape. */
  timeUs: number;
  /** Decimal strings, as Kraken writes them (`"30243.40000"`, `"0.34507674"`). */
  price: string;
  volume: string;
  /** Taker side. */
  side: 'b' | 's';
  ordType: 'm' | 'l';
}

export interface TradeTape {
  readonly length: number;
  at(index: number): FakeTrade;
  /**
   * Optional: trades `[start, end)` as the rows of a REST Trades body (`[…],[…]`), exactly as {@link restRow}
   * writes them, for tapes that can write them faster than one trade object at a time.
   */
  restRows?(start: number, end: number): string;
}

/** A trade as a row of Kraken's REST Trades body: `["price","volume",time,"side","ordertype","",id]`. */
export function restRow(t: FakeTrade): string {
  return `["${t.price}","${t.volume}",${tradeSecondsText(t)},"${t.side}","${t.ordType}","",${t.id}]`;
}

/** Kraken's time field: seconds as a double, written by JavaScript's shortest round-trip form. */
export function tradeSeconds(trade: FakeTrade): number {
  return trade.timeUs / 1e6;
}

/**
 * The same time as {@link tradeSeconds}, written exactly (`"1704067200.012345"`): the decimal `timeUs / 10^6`
 * denotes the quotient itself, so it parses to the same double, and writing it costs no float formatting.
 */
export function tradeSecondsText(trade: FakeTrade): string {
  const whole = Math.floor(trade.timeUs / 1e6);
  const micros = trade.timeUs - whole * 1e6;
  return micros === 0 ? String(whole) : `${whole}.${String(micros).padStart(6, '0')}`;
}

/** The trade's nanosecond cursor, as Kraken's `last` carries it. */
export function tradeCursor(trade: FakeTrade): bigint {
  return BigInt(trade.timeUs) * 1000n;
}

/** First index whose cursor is after `ns` (binary search; tapes are in cursor order). */
export function indexAfter(tape: TradeTape, ns: bigint): number {
  let lo = 0;
  let hi = tape.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tradeCursor(tape.at(mid)) <= ns) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A tape held in memory; the live stream appends to it. */
export class ArrayTape implements TradeTape {
  readonly trades: FakeTrade[];
  constructor(trades: readonly FakeTrade[] = []) {
    this.trades = [...trades];
    for (let i = 1; i < this.trades.length; i++) {
      const [a, b] = [this.trades[i - 1] as FakeTrade, this.trades[i] as FakeTrade];
      if (!(b.timeUs > a.timeUs) || !(b.id > a.id)) throw new RangeError(`tape row ${i}: ids and times must increase (id ${a.id} → ${b.id}, µs ${a.timeUs} → ${b.timeUs})`);
    }
  }
  get length(): number {
    return this.trades.length;
  }
  at(index: number): FakeTrade {
    return this.trades[index] as FakeTrade;
  }
  append(trades: readonly FakeTrade[]): void {
    for (const t of trades) {
      const last = this.trades[this.trades.length - 1];
      if (last && (!(t.timeUs > last.timeUs) || !(t.id > last.id))) throw new RangeError(`appended trade ${t.id} must come after trade ${last.id}`);
      this.trades.push(t);
    }
  }
}

/** splitmix32-style hash of (seed, i) → [0, 1). */
function hash01(seed: number, i: number): number {
  let z = (Math.imul(i, 0x9e3779b1) ^ seed) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  let y = (Math.imul(i ^ 0x5bd1e995, 0x27d4eb2d) + seed) | 0;
  y = Math.imul(y ^ (y >>> 15), 0x2c1b3c6d);
  y ^= y >>> 12;
  return ((z >>> 0) * 2 ** 21 + ((y >>> 0) & 0x1fffff)) / 2 ** 53;
}

export interface TapeOptions {
  /** First trade time (ISO 8601 or epoch ms). */
  start: string | number;
  /** Number of trades. */
  count: number;
  /** Average trades per minute. Default 60. */
  perMinute?: number;
  seed?: number;
  /** Id of the first trade. Default 1,000,000. */
  firstId?: number;
  /** Price level around which the tape moves. Default 42,000. */
  price?: number;
  /** {@link randomTape} only: roughly the share of minutes without trades (a 1–3 minute pause). Default 0.05. */
  quietShare?: number;
}

/**
 * A seeded tape computed on demand (O(1) per trade, no memory): trade `i` lies in its own time slot
 * `[start + i·step, start + (i+1)·step)` with a hashed offset, so times strictly increase; prices follow a
 * smooth wave plus hashed noise, rounded to 0.1; volumes have 8 decimals. For large benchmarks (written
 * without float formatting: the fake serves 10⁶ trades a second from it).
 */
export function generatedTape(options: TapeOptions): TradeTape {
  const startUs = (typeof options.start === 'number' ? options.start : Date.parse(options.start)) * 1000;
  if (!Number.isFinite(startUs)) throw new RangeError(`invalid tape start ${String(options.start)}`);
  const stepUs = Math.max(2, Math.floor(60_000_000 / (options.perMinute ?? 60)));
  const seed = (options.seed ?? 1) | 0;
  const firstId = options.firstId ?? 1_000_000;
  const base = options.price ?? 42_000;
  /** Trade `i` as numbers: price in tenths, volume in satoshis. */
  const trade = { timeUs: 0, tenths: 0, satoshis: 0, buy: false, limit: false };
  const compute = (i: number) => {
    const u = hash01(seed, i);
    trade.timeUs = startUs + i * stepUs + Math.floor(u * (stepUs - 1));
    const wave = 0.04 * Math.sin(i / 150_000) + 0.01 * Math.sin(i / 9_000) + 0.002 * Math.sin(i / 600);
    const noise = (hash01(seed ^ 0x1234567, i) - 0.5) * 0.0008;
    trade.tenths = Math.round(base * (1 + wave + noise) * 10);
    const v = hash01(seed ^ 0x7654321, i);
    trade.satoshis = Math.floor(v * v * 2e8) + 1;
    trade.buy = u < 0.5;
    trade.limit = v < 0.8;
    return trade;
  };
  let out = Buffer.alloc(0);
  return {
    length: options.count,
    at(i: number): FakeTrade {
      const t = compute(i);
      return {
        id: firstId + i,
        timeUs: t.timeUs,
        price: `${Math.floor(t.tenths / 10)}.${t.tenths % 10}0000`,
        volume: `${Math.floor(t.satoshis / 1e8)}.${String(t.satoshis % 1e8).padStart(8, '0')}`,
        side: t.buy ? 'b' : 's',
        ordType: t.limit ? 'l' : 'm',
      };
    },
    restRows(start: number, end: number): string {
      if (out.length < (end - start) * 100) out = Buffer.alloc((end - start) * 100);
      const o = out;
      let p = 0;
      for (let i = start; i < end; i++) {
        const t = compute(i);
        if (i > start) o[p++] = 44; // ,
        o[p++] = 91; // ["
        o[p++] = 34;
        p = writeDigits(o, p, Math.floor(t.tenths / 10), 1);
        o[p++] = 46;
        o[p++] = 48 + (t.tenths % 10);
        for (let k = 0; k < 4; k++) o[p++] = 48;
        o[p++] = 34; // ","
        o[p++] = 44;
        o[p++] = 34;
        p = writeDigits(o, p, Math.floor(t.satoshis / 1e8), 1);
        o[p++] = 46;
        p = writeDigits(o, p, t.satoshis % 1e8, 8);
        o[p++] = 34; // ",
        o[p++] = 44;
        const whole = Math.floor(t.timeUs / 1e6);
        const micros = t.timeUs - whole * 1e6;
        p = writeDigits(o, p, whole, 1);
        if (micros !== 0) {
          o[p++] = 46;
          p = writeDigits(o, p, micros, 6);
        }
        o[p++] = 44; // ,"b","l","",
        o[p++] = 34;
        o[p++] = t.buy ? 98 : 115;
        o[p++] = 34;
        o[p++] = 44;
        o[p++] = 34;
        o[p++] = t.limit ? 108 : 109;
        o[p++] = 34;
        o[p++] = 44;
        o[p++] = 34;
        o[p++] = 34;
        o[p++] = 44;
        p = writeDigits(o, p, firstId + i, 1);
        o[p++] = 93;
      }
      return out.toString('latin1', 0, p);
    },
  };
}

/** Writes the whole number `value` in decimal, zero-padded to `width` digits; returns the position after it. */
function writeDigits(out: Buffer, at: number, value: number, width: number): number {
  let digits = 1;
  for (let power = 10; power <= value; power *= 10) digits++;
  const n = Math.max(digits, width);
  if (value < 2 ** 31) {
    // Integer arithmetic: the tape's numbers (seconds, ids, satoshis) fit 31 bits.
    let v = value | 0;
    for (let k = at + n - 1; k >= at; k--) {
      const q = (v / 10) | 0;
      out[k] = 48 + v - q * 10;
      v = q;
    }
    return at + n;
  }
  let v = value;
  for (let k = at + n - 1; k >= at; k--) {
    const d = v % 10;
    out[k] = 48 + d;
    v = (v - d) / 10;
  }
  return at + n;
}

/**
 * A seeded in-memory tape with a random-walk price, bursts of trades within the same second, quiet minutes
 * without trades and volumes of 1 satoshi to several BTC — the shapes a real Kraken tape has.
 */
export function randomTape(options: TapeOptions): ArrayTape {
  const startUs = (typeof options.start === 'number' ? options.start : Date.parse(options.start)) * 1000;
  const seed = (options.seed ?? 1) | 0;
  const perMinute = options.perMinute ?? 60;
  const quiet = options.quietShare ?? 0.05;
  let price = options.price ?? 42_000;
  let id = options.firstId ?? 1_000_000;
  let timeUs = startUs;
  const trades: FakeTrade[] = [];
  for (let i = 0; i < options.count; i++) {
    const u = hash01(seed, i);
    // Mostly exponential waits; sometimes a burst (same second, a few µs apart); sometimes a quiet minute.
    const burst = u < 0.3;
    const wait = burst ? 1 + Math.floor(hash01(seed + 1, i) * 50) : Math.floor(-Math.log(1 - hash01(seed + 2, i)) * (60_000_000 / perMinute));
    timeUs += Math.max(1, wait) + (hash01(seed + 3, i) < quiet / perMinute ? 60_000_000 + Math.floor(hash01(seed + 4, i) * 120_000_000) : 0);
    price = Math.max(1, price * (1 + (hash01(seed + 5, i) - 0.5) * 0.0006));
    const v = hash01(seed + 6, i);
    const volume = v < 0.05 ? '0.00000001' : (Math.floor(v ** 3 * 5e8) / 1e8 + 0.00000001).toFixed(8);
    trades.push({ id, timeUs, price: (Math.round(price * 10) / 10).toFixed(5), volume, side: hash01(seed + 7, i) < 0.5 ? 'b' : 's', ordType: v < 0.7 ? 'l' : 'm' });
    id += hash01(seed + 8, i) < 0.1 ? 2 : 1;
  }
  return new ArrayTape(trades);
}
