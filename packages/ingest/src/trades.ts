/**
 * Trades as columns. `id` is the exchange's trade id (Kraken: a per-pair sequence number, so id order is
 * execution order), `time` the trade time in epoch milliseconds (floored), `price` and `amount` in quote and
 * base units, `buy` 1 when the taker bought (Kraken side `b`), else 0.
 */
export interface TradeColumns {
  readonly length: number;
  readonly id: Float64Array;
  readonly time: Float64Array;
  readonly price: Float64Array;
  readonly amount: Float64Array;
  readonly buy: Uint8Array;
}

/** One trade, for code that is not on a hot path (tests, the stream's WebSocket messages). */
export interface Trade {
  id: number;
  time: number;
  price: number;
  amount: number;
  /** Taker side. */
  side: 'buy' | 'sell';
}

/** A growable {@link TradeColumns}; `clear()` keeps the memory for the next page. */
export class TradeBuffer implements TradeColumns {
  length = 0;
  id: Float64Array;
  time: Float64Array;
  price: Float64Array;
  amount: Float64Array;
  buy: Uint8Array;

  constructor(capacity = 1024) {
    this.id = new Float64Array(capacity);
    this.time = new Float64Array(capacity);
    this.price = new Float64Array(capacity);
    this.amount = new Float64Array(capacity);
    this.buy = new Uint8Array(capacity);
  }

  push(id: number, time: number, price: number, amount: number, buy: boolean): void {
    if (this.length === this.id.length) this.#grow(this.length * 2);
    const i = this.length++;
    this.id[i] = id;
    this.time[i] = time;
    this.price[i] = price;
    this.amount[i] = amount;
    this.buy[i] = buy ? 1 : 0;
  }

  pushTrade(trade: Trade): void {
    this.push(trade.id, trade.time, trade.price, trade.amount, trade.side === 'buy');
  }

  clear(): void {
    this.length = 0;
  }

  /** Keeps rows `[start, length)`, moved to the front. */
  dropFirst(start: number): void {
    if (start <= 0) return;
    for (const column of [this.id, this.time, this.price, this.amount, this.buy]) column.copyWithin(0, start, this.length);
    this.length = Math.max(0, this.length - start);
  }

  /** Whether ids strictly increase (the common case: no sort, no duplicates). */
  isStrictlyIncreasing(): boolean {
    const { id, length } = this;
    for (let i = 1; i < length; i++) if (!((id[i] as number) > (id[i - 1] as number))) return false;
    return true;
  }

  /** Sorts by trade id (stable for equal ids) and drops repeated ids, keeping the first. Returns the number dropped. */
  sortAndDedupe(): number {
    const n = this.length;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (this.id[a] as number) - (this.id[b] as number) || a - b);
    const columns = [this.id, this.time, this.price, this.amount] as const;
    const copies = columns.map((c) => c.slice(0, n));
    const buy = this.buy.slice(0, n);
    let w = 0;
    for (let k = 0; k < n; k++) {
      const i = order[k] as number;
      if (w > 0 && ((copies[0] as Float64Array)[i] as number) === (this.id[w - 1] as number)) continue;
      columns.forEach((c, j) => {
        c[w] = (copies[j] as Float64Array)[i] as number;
      });
      this.buy[w] = buy[i] as number;
      w++;
    }
    this.length = w;
    return n - w;
  }

  toArray(): Trade[] {
    return Array.from({ length: this.length }, (_, i) => ({
      id: this.id[i] as number,
      time: this.time[i] as number,
      price: this.price[i] as number,
      amount: this.amount[i] as number,
      side: this.buy[i] ? ('buy' as const) : ('sell' as const),
    }));
  }

  static from(trades: readonly Trade[]): TradeBuffer {
    const buffer = new TradeBuffer(Math.max(16, trades.length));
    for (const trade of trades) buffer.pushTrade(trade);
    return buffer;
  }

  #grow(capacity: number): void {
    const grow = <T extends Float64Array | Uint8Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(capacity);
      b.set(a);
      return b;
    };
    this.id = grow(this.id);
    this.time = grow(this.time);
    this.price = grow(this.price);
    this.amount = grow(this.amount);
    this.buy = grow(this.buy);
  }
}
