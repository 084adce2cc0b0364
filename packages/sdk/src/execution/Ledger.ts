/** Plain-array copy of a ledger, e.g. for JSON or parquet writers. */
export interface LedgerColumns {
  index: Int32Array;
  time: Float64Array;
  action: Int32Array;
  submitted: Uint8Array;
  filled: Uint8Array;
  rejected: Uint8Array;
  rejectReason: Uint8Array;
  expired: Uint8Array;
  fillPrice: Float64Array;
  qty: Float64Array;
  fee: Float64Array;
  cashDelta: Float64Array;
  position: Float64Array;
  stop: Float64Array;
  stopTriggered: Uint8Array;
  stopGapped: Uint8Array;
  stopExcess: Float64Array;
  equity: Float64Array;
  reward: Float64Array;
}

export const LEDGER_COLUMNS = [
  'index',
  'time',
  'action',
  'submitted',
  'filled',
  'rejected',
  'rejectReason',
  'expired',
  'fillPrice',
  'qty',
  'fee',
  'cashDelta',
  'position',
  'stop',
  'stopTriggered',
  'stopGapped',
  'stopExcess',
  'equity',
  'reward',
] as const satisfies readonly (keyof LedgerColumns)[];

function allocate(capacity: number): LedgerColumns {
  return {
    index: new Int32Array(capacity),
    time: new Float64Array(capacity),
    action: new Int32Array(capacity),
    submitted: new Uint8Array(capacity),
    filled: new Uint8Array(capacity),
    rejected: new Uint8Array(capacity),
    rejectReason: new Uint8Array(capacity),
    expired: new Uint8Array(capacity),
    fillPrice: new Float64Array(capacity),
    qty: new Float64Array(capacity),
    fee: new Float64Array(capacity),
    cashDelta: new Float64Array(capacity),
    position: new Float64Array(capacity),
    stop: new Float64Array(capacity),
    stopTriggered: new Uint8Array(capacity),
    stopGapped: new Uint8Array(capacity),
    stopExcess: new Float64Array(capacity),
    equity: new Float64Array(capacity),
    reward: new Float64Array(capacity),
  };
}

/**
 * The per-step record of one episode, one typed array per column; row `r` is step `r`.
 * - `index`/`time`: the bar executed in the step (the bar after the one the action was chosen on).
 * - `submitted`/`filled`/`rejected`/`expired`: order counts in the step (a reversal submits two
 *   orders; a stop exit counts as a fill; a resting limit cancelled by a new action counts as expired).
 * - `rejectReason`: code of the step's rejection (0 = none; `REJECT_REASONS[code]` is the text).
 * - `fillPrice`: price of the step's last fill (NaN without fills); `qty`: net signed quantity traded.
 * - `fee`, `cashDelta`: fees paid (they are included in `cashDelta`) and the change of cash.
 * - `position`, `stop`: after the step (`stop` is NaN when flat).
 * - `stopTriggered`, `stopGapped`: the stop exited the position; it filled beyond the stop price.
 * - `stopExcess`: loss of the stopped trade beyond the loss planned at entry (a gap through the
 *   stop; the plan includes the stop's slippage); 0 otherwise.
 * - `equity`: cash + position × close after the step; `reward`: the step's reward.
 *
 * Rows are written in place; capacity grows only when an episode longer than any before starts.
 */
export class Ledger {
  length = 0;
  #columns: LedgerColumns;

  constructor(capacity = 1024) {
    this.#columns = allocate(Math.max(1, capacity));
  }

  get capacity(): number {
    return this.#columns.index.length;
  }

  /** The live columns; only rows `0 .. length-1` are meaningful. */
  get columns(): Readonly<LedgerColumns> {
    return this.#columns;
  }

  /** Empties the ledger, growing it first when `capacity` rows would not fit. */
  clear(capacity = 0): void {
    this.length = 0;
    if (capacity > this.capacity) this.#columns = allocate(capacity);
  }

  /** Appends a row (the caller writes every column) and returns its index; grows (doubling) when full. */
  nextRow(): number {
    if (this.length === this.capacity) this.#grow(this.capacity * 2);
    return this.length++;
  }

  /** A trimmed copy of the written rows, safe to keep after the next reset. */
  snapshot(): LedgerColumns {
    const out = {} as Record<keyof LedgerColumns, unknown>;
    for (const name of LEDGER_COLUMNS) out[name] = this.#columns[name].slice(0, this.length);
    return out as LedgerColumns;
  }

  #grow(capacity: number): void {
    const next = allocate(capacity);
    for (const name of LEDGER_COLUMNS) (next[name] as { set(a: ArrayLike<number>): void }).set(this.#columns[name]);
    this.#columns = next;
  }
}
