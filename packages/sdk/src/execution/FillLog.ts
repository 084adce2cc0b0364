/** What a fill did. */
export const FILL_KIND = Object.freeze({
  /** Opened a position (market, marketable limit or resting limit). */
  ENTRY: 0,
  /** Closed the position with a `close` action. */
  CLOSE: 1,
  /** Closed the position as the first leg of a reversal (an entry the other way follows). */
  REVERSAL: 2,
  /** The protective stop exited the position. */
  STOP: 3,
});

export type FillKind = (typeof FILL_KIND)[keyof typeof FILL_KIND];

/**
 * Every fill of an episode, in order, one typed array per column (row `r` = fill `r`).
 * - `index`: the bar the fill happened in (the ledger row whose `index` equals it is the fill's step).
 * - `kind`: a {@link FILL_KIND} code; `qty`: signed quantity traded (+ buys, − sells);
 *   `price`: fill price including slippage; `fee`: fee paid; `maker`: 1 for a resting limit fill.
 * - `limit`: 1 when the order was a limit order (entries only); `stopBucket` and `stopPrice`: the
 *   entry's bucket and its initial protective stop (NaN / 0 for exits); `gapped`: a stop that filled
 *   beyond its price because the bar opened through it.
 */
export interface FillColumns {
  index: Int32Array;
  kind: Uint8Array;
  qty: Float64Array;
  price: Float64Array;
  fee: Float64Array;
  maker: Uint8Array;
  limit: Uint8Array;
  stopBucket: Int16Array;
  stopPrice: Float64Array;
  gapped: Uint8Array;
}

export const FILL_COLUMNS = ['index', 'kind', 'qty', 'price', 'fee', 'maker', 'limit', 'stopBucket', 'stopPrice', 'gapped'] as const satisfies readonly (keyof FillColumns)[];

function allocate(capacity: number): FillColumns {
  return {
    index: new Int32Array(capacity),
    kind: new Uint8Array(capacity),
    qty: new Float64Array(capacity),
    price: new Float64Array(capacity),
    fee: new Float64Array(capacity),
    maker: new Uint8Array(capacity),
    limit: new Uint8Array(capacity),
    stopBucket: new Int16Array(capacity),
    stopPrice: new Float64Array(capacity),
    gapped: new Uint8Array(capacity),
  };
}

/** The broker's fill record of an episode; kept only when the env records a ledger (evaluation). */
export class FillLog {
  length = 0;
  #columns: FillColumns;

  constructor(capacity = 64) {
    this.#columns = allocate(Math.max(1, capacity));
  }

  get columns(): Readonly<FillColumns> {
    return this.#columns;
  }

  clear(): void {
    this.length = 0;
  }

  record(index: number, kind: FillKind, qty: number, price: number, fee: number, maker: boolean, limit: boolean, stopBucket: number, stopPrice: number, gapped: boolean): void {
    if (this.length === this.#columns.index.length) this.#grow();
    const c = this.#columns;
    const r = this.length++;
    c.index[r] = index;
    c.kind[r] = kind;
    c.qty[r] = qty;
    c.price[r] = price;
    c.fee[r] = fee;
    c.maker[r] = maker ? 1 : 0;
    c.limit[r] = limit ? 1 : 0;
    c.stopBucket[r] = stopBucket;
    c.stopPrice[r] = stopPrice;
    c.gapped[r] = gapped ? 1 : 0;
  }

  /** A trimmed copy of the recorded fills. */
  snapshot(): FillColumns {
    const out = {} as Record<keyof FillColumns, unknown>;
    for (const name of FILL_COLUMNS) out[name] = this.#columns[name].slice(0, this.length);
    return out as FillColumns;
  }

  #grow(): void {
    const next = allocate(this.#columns.index.length * 2);
    for (const name of FILL_COLUMNS) (next[name] as { set(a: ArrayLike<number>): void }).set(this.#columns[name]);
    this.#columns = next;
  }
}
