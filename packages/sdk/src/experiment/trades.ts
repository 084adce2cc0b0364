import { FILL_KIND, type FillColumns } from '../execution/FillLog.ts';
import type { LedgerColumns } from '../execution/Ledger.ts';
import type { ParquetColumn } from '../data/parquet.ts';

/** How a round trip ended. `end`: still open when the test ended, marked to market at the last close. */
export type ExitReason = 'stop' | 'close' | 'reversal' | 'end';

/** One round trip: an entry fill and the fill that closed it (or the mark at the end of the test). */
export interface Trade {
  /** +1 long, −1 short. */
  readonly side: 1 | -1;
  /** Absolute quantity. */
  readonly qty: number;
  readonly entryIndex: number;
  readonly entryTime: number;
  readonly entryPrice: number;
  readonly entryFee: number;
  readonly entryType: 'market' | 'limit';
  /** `maker` only for a resting limit that filled at its price. */
  readonly entryLiquidity: 'maker' | 'taker';
  readonly stopBucket: number;
  /** The protective stop set at entry. */
  readonly stopPrice: number;
  readonly exitIndex: number;
  readonly exitTime: number;
  /** Fill price of the exit; for an open trade, the close it is marked at. */
  readonly exitPrice: number;
  /** 0 for an open trade (not closed, so no exit fee). */
  readonly exitFee: number;
  readonly exitReason: ExitReason;
  /** The stop filled beyond its price (the bar opened through it). */
  readonly stopGapped: boolean;
  /** Entry fee + exit fee. */
  readonly fees: number;
  /** side × qty × (exit − entry) − fees, in quote currency. */
  readonly pnl: number;
  /** pnl / equity at the close before the entry's bar. */
  readonly returnPct: number;
  /** Bars the position was open at least part of: entry bar to the bar before an exit at the open, or to the stop's bar. */
  readonly barsHeld: number;
  /** Still open when the test ended. */
  readonly open: boolean;
}

const EXIT_REASON: Record<number, ExitReason> = {
  [FILL_KIND.CLOSE]: 'close',
  [FILL_KIND.REVERSAL]: 'reversal',
  [FILL_KIND.STOP]: 'stop',
};

export interface DeriveTradesInput {
  readonly fills: FillColumns;
  /** The episode's ledger (for the equity before each entry and the last step). */
  readonly ledger: LedgerColumns;
  readonly initialEquity: number;
  /** Bar times and closes of the dataset (fills and ledger rows refer to bar indices). */
  readonly time: Float64Array;
  readonly close: Float64Array;
}

/**
 * The round trips of one episode, in order, from its fill log. Every cash movement is a fill, so the
 * trades' pnl sums to final − initial equity (the open trade's pnl being marked to the last close).
 */
export function deriveTrades({ fills, ledger, initialEquity, time, close }: DeriveTradesInput): Trade[] {
  const trades: Trade[] = [];
  // Equity at the close of each executed bar; the equity before a bar is the previous row's.
  const rowOf = new Map<number, number>();
  for (let r = 0; r < ledger.index.length; r++) rowOf.set(ledger.index[r]!, r);
  const equityBefore = (bar: number): number => {
    const r = rowOf.get(bar);
    return r === undefined || r === 0 ? initialEquity : ledger.equity[r - 1]!;
  };

  let open: { side: 1 | -1; qty: number; index: number; price: number; fee: number; limit: boolean; maker: boolean; bucket: number; stop: number; equity: number } | undefined;
  const closeTrade = (exitIndex: number, exitPrice: number, exitFee: number, reason: ExitReason, gapped: boolean): void => {
    const t = open!;
    const fees = t.fee + exitFee;
    const pnl = t.side * t.qty * (exitPrice - t.price) - fees;
    const atOpen = reason === 'close' || reason === 'reversal';
    trades.push({
      side: t.side,
      qty: t.qty,
      entryIndex: t.index,
      entryTime: time[t.index]!,
      entryPrice: t.price,
      entryFee: t.fee,
      entryType: t.limit ? 'limit' : 'market',
      entryLiquidity: t.maker ? 'maker' : 'taker',
      stopBucket: t.bucket,
      stopPrice: t.stop,
      exitIndex,
      exitTime: time[exitIndex]!,
      exitPrice,
      exitFee,
      exitReason: reason,
      stopGapped: gapped,
      fees,
      pnl,
      returnPct: t.equity > 0 ? pnl / t.equity : 0,
      barsHeld: exitIndex - t.index + (atOpen ? 0 : 1),
      open: reason === 'end',
    });
    open = undefined;
  };

  for (let f = 0; f < fills.index.length; f++) {
    const kind = fills.kind[f]!;
    const bar = fills.index[f]!;
    if (kind === FILL_KIND.ENTRY) {
      const qty = fills.qty[f]!;
      open = {
        side: qty > 0 ? 1 : -1,
        qty: Math.abs(qty),
        index: bar,
        price: fills.price[f]!,
        fee: fills.fee[f]!,
        limit: fills.limit[f] === 1,
        maker: fills.maker[f] === 1,
        bucket: fills.stopBucket[f]!,
        stop: fills.stopPrice[f]!,
        equity: equityBefore(bar),
      };
    } else if (open) {
      closeTrade(bar, fills.price[f]!, fills.fee[f]!, EXIT_REASON[kind]!, fills.gapped[f] === 1);
    }
  }
  if (open) {
    const last = ledger.index[ledger.index.length - 1]!;
    closeTrade(last, close[last]!, 0, 'end', false);
  }
  return trades;
}

/** `trades.parquet` columns for the trades of several folds. */
export function tradesTable(perFold: readonly { fold: number; trades: readonly Trade[] }[]): Record<string, ParquetColumn> {
  const all = perFold.flatMap(({ fold, trades }) => trades.map((t, k) => ({ fold, k, t })));
  const num = (get: (t: Trade) => number) => Float64Array.from(all, ({ t }) => get(t));
  const int = (get: (row: { fold: number; k: number; t: Trade }) => number) => Int32Array.from(all, get);
  const str = (get: (t: Trade) => string) => all.map(({ t }) => get(t));
  return {
    fold: int((r) => r.fold),
    trade: int((r) => r.k),
    side: str((t) => (t.side === 1 ? 'long' : 'short')),
    qty: num((t) => t.qty),
    entryTime: num((t) => t.entryTime),
    entryPrice: num((t) => t.entryPrice),
    entryType: str((t) => t.entryType),
    entryLiquidity: str((t) => t.entryLiquidity),
    stopBucket: int((r) => r.t.stopBucket),
    stopPrice: num((t) => t.stopPrice),
    exitTime: num((t) => t.exitTime),
    exitPrice: num((t) => t.exitPrice),
    exitReason: str((t) => t.exitReason),
    stopGapped: Uint8Array.from(all, ({ t }) => (t.stopGapped ? 1 : 0)),
    entryFee: num((t) => t.entryFee),
    exitFee: num((t) => t.exitFee),
    fees: num((t) => t.fees),
    pnl: num((t) => t.pnl),
    returnPct: num((t) => t.returnPct),
    barsHeld: int((r) => r.t.barsHeld),
    open: Uint8Array.from(all, ({ t }) => (t.open ? 1 : 0)),
  };
}
