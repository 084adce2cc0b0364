import type { LedgerColumns } from '../execution/Ledger.ts';

/** Evaluation metrics of one policy over one test episode. Returns and drawdowns are fractions. */
export interface PolicyMetrics {
  /** finalEquity / initialEquity − 1. */
  readonly totalReturn: number;
  /** Mean / standard deviation of per-bar equity returns, annualised by √(bars per year). */
  readonly sharpe: number;
  /** Mean per-bar return / downside deviation (root mean square of negative returns), annualised. */
  readonly sortino: number;
  /** Largest fall of equity from its running peak, as a fraction of the peak. */
  readonly maxDrawdown: number;
  /** Positions opened (a reversal counts as a close and an open). */
  readonly trades: number;
  /** Share of closed trades whose equity change (fees included) was positive. */
  readonly winRate: number;
  /** Fees paid, in quote currency. */
  readonly feesPaid: number;
  /** Return of the same policy with zero fees minus its return with fees. */
  readonly feeDrag: number;
  /** Notional traded / initial equity. */
  readonly turnover: number;
  /** Share of closed trades that ended at their stop. */
  readonly stopOutShare: number;
  /** Share of steps ending with a position open. */
  readonly exposure: number;
  readonly initialEquity: number;
  readonly finalEquity: number;
  readonly steps: number;
}

/** A 365-day year: 1m bars on a 24/7 market give 525,600 bars a year. */
const MS_PER_YEAR = 365 * 24 * 3600 * 1000;

/** Bars per year from the median spacing of bar times (crypto trades around the clock). */
export function barsPerYear(time: Float64Array): number {
  if (time.length < 2) return 1;
  const diffs = new Float64Array(Math.min(time.length - 1, 10_000));
  for (let i = 0; i < diffs.length; i++) diffs[i] = time[i + 1]! - time[i]!;
  diffs.sort();
  const median = diffs[diffs.length >> 1]!;
  return median > 0 ? MS_PER_YEAR / median : 1;
}

/** Running drawdown (fraction below the peak so far) of an equity series that starts at `initial`. */
export function drawdownSeries(initial: number, equity: ArrayLike<number>): Float64Array {
  const out = new Float64Array(equity.length);
  let peak = initial;
  for (let i = 0; i < equity.length; i++) {
    const e = equity[i]!;
    if (e > peak) peak = e;
    out[i] = peak > 0 ? 1 - e / peak : 0;
  }
  return out;
}

/**
 * Metrics of one evaluated episode from its ledger. `zeroFeeReturn` is the total return of the same
 * policy on the same bars with zero fees (for the fee drag).
 */
export function computeMetrics(ledger: LedgerColumns, initialEquity: number, annualBars: number, zeroFeeReturn: number): PolicyMetrics {
  const n = ledger.equity.length;
  const finalEquity = n > 0 ? ledger.equity[n - 1]! : initialEquity;
  let sum = 0;
  let sumSq = 0;
  let downSq = 0;
  let prev = initialEquity;
  for (let i = 0; i < n; i++) {
    const e = ledger.equity[i]!;
    const r = prev > 0 ? e / prev - 1 : 0;
    sum += r;
    sumSq += r * r;
    if (r < 0) downSq += r * r;
    prev = e;
  }
  const meanR = n > 0 ? sum / n : 0;
  const variance = n > 1 ? Math.max(0, (sumSq - n * meanR * meanR) / (n - 1)) : 0;
  const std = Math.sqrt(variance);
  const downside = n > 0 ? Math.sqrt(downSq / n) : 0;
  const scale = Math.sqrt(annualBars);
  const drawdowns = drawdownSeries(initialEquity, ledger.equity);
  let maxDrawdown = 0;
  for (const d of drawdowns) if (d > maxDrawdown) maxDrawdown = d;

  let trades = 0;
  let closed = 0;
  let wins = 0;
  let stopOuts = 0;
  let fees = 0;
  let notional = 0;
  let exposed = 0;
  let position = 0;
  let entryEquity = initialEquity;
  let equityBefore = initialEquity;
  for (let i = 0; i < n; i++) {
    const next = ledger.position[i]!;
    fees += ledger.fee[i]!;
    const price = ledger.fillPrice[i]!;
    if (Number.isFinite(price)) notional += Math.abs(ledger.qty[i]!) * price;
    if (next !== 0) exposed++;
    const e = ledger.equity[i]!;
    const sideBefore = Math.sign(position);
    const sideAfter = Math.sign(next);
    const stopped = ledger.stopTriggered[i]! === 1;
    // Fills in a step, in order: an exit at the open (close or the closing leg of a reversal), at most
    // one entry, then the stop of whatever is open. An entry that its stop takes out in the same bar
    // leaves the position where it was, so it shows only in the fill count: one fill beyond the exit.
    const exitAtOpenOrStop = sideBefore !== 0 && sideAfter !== sideBefore ? 1 : 0;
    const roundTrip = sideAfter === 0 && ledger.filled[i]! - exitAtOpenOrStop >= 2;
    const opened = (sideAfter !== 0 && sideAfter !== sideBefore) || roundTrip;
    if (exitAtOpenOrStop) {
      // The held position is closed. Every step belongs to exactly one trade: a reversal step (exit,
      // entry and the new position's first bar) is the closed trade's last step.
      closed++;
      if (e > entryEquity) wins++;
      if (stopped && !roundTrip) stopOuts++;
    }
    if (opened) {
      trades++;
      const base = sideBefore !== 0 ? e : equityBefore;
      if (roundTrip) {
        // Opened and stopped in the same bar (after a flat start: the step's whole result; after a
        // reversal: nothing left once the step is the closed trade's, so never a win).
        closed++;
        if (e > base) wins++;
        if (stopped) stopOuts++;
      } else {
        entryEquity = base;
      }
    }
    position = next;
    equityBefore = e;
  }
  const totalReturn = finalEquity / initialEquity - 1;
  return {
    totalReturn,
    sharpe: std > 0 ? (meanR / std) * scale : 0,
    sortino: downside > 0 ? (meanR / downside) * scale : 0,
    maxDrawdown,
    trades,
    winRate: closed > 0 ? wins / closed : 0,
    feesPaid: fees,
    feeDrag: zeroFeeReturn - totalReturn,
    turnover: notional / initialEquity,
    stopOutShare: closed > 0 ? stopOuts / closed : 0,
    exposure: n > 0 ? exposed / n : 0,
    initialEquity,
    finalEquity,
    steps: n,
  };
}
