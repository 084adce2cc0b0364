import type { LedgerColumns } from '../execution/Ledger.ts';
import { dailyReturns, dailySharpe, dailySortino } from './daily.ts';
import type { Trade } from './trades.ts';

/**
 * Evaluation metrics of one policy over one test episode (or the chained walk-forward episodes).
 * Returns, drawdowns and shares are fractions; `null` where a ratio is undefined (no losing trade for
 * the profit factor, no drawdown for Calmar…). The formulas are in docs/experiments.md.
 */
export interface PolicyMetrics {
  /** finalEquity / initialEquity − 1. */
  readonly totalReturn: number;
  /** (1 + totalReturn)^(1 / years) − 1, years = steps / bars per year. */
  readonly annualizedReturn: number;
  /** Mean / sample std of daily returns × √365. */
  readonly sharpe: number;
  /** Mean daily return / downside deviation × √365. */
  readonly sortino: number;
  /** annualizedReturn / maxDrawdown. */
  readonly calmar: number | null;
  /** Largest fall of equity from its running peak, as a fraction of the peak. */
  readonly maxDrawdown: number;
  /** UTC days with at least one step (the daily returns behind Sharpe and Sortino). */
  readonly days: number;
  /** Positions opened (a reversal closes one trade and opens the next). */
  readonly trades: number;
  /** Trades closed within the test (by stop, close or reversal). */
  readonly closedTrades: number;
  /** Trades still open when the test ended (0 or 1), marked to market. */
  readonly openTrades: number;
  /** P&L of the trade open at the end, marked to the last close (0 when none). */
  readonly openTradePnl: number;
  /** Share of closed trades with pnl > 0 (fees included); an open trade is not counted. */
  readonly winRate: number | null;
  /** Gross profit / gross loss of closed trades. */
  readonly profitFactor: number | null;
  /** Mean return (pnl / equity before entry) of winning / losing closed trades. */
  readonly avgWin: number | null;
  readonly avgLoss: number | null;
  /** Fees paid, in quote currency. */
  readonly feesPaid: number;
  /** Return of the same policy with zero fees minus its return with fees. */
  readonly feeDrag: number;
  /** Notional traded / initial equity. */
  readonly turnover: number;
  /** Closed trades that ended at their stop. */
  readonly stopOuts: number;
  /** stopOuts / closedTrades. */
  readonly stopOutShare: number | null;
  /** Loss of stopped trades beyond the loss planned at entry (gaps, slippage), quote currency. */
  readonly stopExcess: number;
  /** Share of steps ending with a position open. */
  readonly exposure: number;
  /** totalReturn / exposure: the return per unit of time in the market. */
  readonly exposureAdjustedReturn: number | null;
  /** 1 when the account hit the ruin line and the episode ended there. */
  readonly ruined: number;
  readonly initialEquity: number;
  readonly finalEquity: number;
  readonly steps: number;
}

/** A 365-day year: 1m bars on a 24/7 market give 525,600 bars a year. */
const MS_PER_YEAR = 365 * 24 * 3600 * 1000;

/**
 * Bars per year (crypto trades around the clock) from the bar length: the smallest spacing between
 * consecutive bar times. Missing bars only ever widen a spacing, so on data with gaps — Kraken's archive
 * omits minutes without trades, most of them in its early years — this is still the timeframe.
 */
export function barsPerYear(time: ArrayLike<number>): number {
  let bar = Infinity;
  for (let i = 1; i < time.length; i++) {
    const spacing = time[i]! - time[i - 1]!;
    if (spacing > 0 && spacing < bar) bar = spacing;
  }
  return Number.isFinite(bar) ? MS_PER_YEAR / bar : 1;
}

/** Years on the calendar from the first step's bar to the end of the last one's (gaps in the data are time too). */
export function yearsSpanned(time: ArrayLike<number>, annualBars: number): number {
  const n = time.length;
  return n > 0 ? (time[n - 1]! - time[0]!) / MS_PER_YEAR + 1 / annualBars : 0;
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

export interface MetricsInput {
  readonly ledger: LedgerColumns;
  readonly trades: readonly Trade[];
  readonly initialEquity: number;
  readonly barsPerYear: number;
  /** Total return of the same policy on the same bars with zero fees (for the fee drag). */
  readonly zeroFeeReturn: number;
  readonly ruined: boolean;
}

const ratio = (a: number, b: number): number | null => (b !== 0 && Number.isFinite(a / b) ? a / b : null);
const mean = (xs: readonly number[]): number | null => (xs.length > 0 ? xs.reduce((s, x) => s + x, 0) / xs.length : null);

/** Metrics of one evaluated episode from its ledger and round trips. */
export function computeMetrics({ ledger, trades, initialEquity, barsPerYear: annualBars, zeroFeeReturn, ruined }: MetricsInput): PolicyMetrics {
  const n = ledger.equity.length;
  const finalEquity = n > 0 ? ledger.equity[n - 1]! : initialEquity;
  const totalReturn = finalEquity / initialEquity - 1;
  const years = yearsSpanned(ledger.time, annualBars);
  const annualizedReturn = years > 0 ? (finalEquity > 0 ? (finalEquity / initialEquity) ** (1 / years) - 1 : -1) : 0;
  const daily = dailyReturns(ledger.time, ledger.equity, initialEquity);
  let maxDrawdown = 0;
  for (const d of drawdownSeries(initialEquity, ledger.equity)) if (d > maxDrawdown) maxDrawdown = d;

  let fees = 0;
  let exposed = 0;
  let stopExcess = 0;
  for (let i = 0; i < n; i++) {
    fees += ledger.fee[i]!;
    stopExcess += ledger.stopExcess[i]!;
    if (ledger.position[i] !== 0) exposed++;
  }
  const closed = trades.filter((t) => !t.open);
  const wins = closed.filter((t) => t.pnl > 0);
  const losses = closed.filter((t) => t.pnl <= 0);
  const grossProfit = wins.reduce((s, t) => s + t.pnl, 0);
  const grossLoss = -losses.reduce((s, t) => s + t.pnl, 0);
  const stopOuts = closed.filter((t) => t.exitReason === 'stop').length;
  let notional = 0;
  for (const t of trades) notional += t.qty * t.entryPrice + (t.open ? 0 : t.qty * t.exitPrice);
  const openTrade = trades.find((t) => t.open);
  const exposure = n > 0 ? exposed / n : 0;
  return {
    totalReturn,
    annualizedReturn,
    sharpe: dailySharpe(daily.returns),
    sortino: dailySortino(daily.returns),
    calmar: ratio(annualizedReturn, maxDrawdown),
    maxDrawdown,
    days: daily.returns.length,
    trades: trades.length,
    closedTrades: closed.length,
    openTrades: openTrade ? 1 : 0,
    openTradePnl: openTrade?.pnl ?? 0,
    winRate: ratio(wins.length, closed.length),
    profitFactor: ratio(grossProfit, grossLoss),
    avgWin: mean(wins.map((t) => t.returnPct)),
    avgLoss: mean(losses.map((t) => t.returnPct)),
    feesPaid: fees,
    feeDrag: zeroFeeReturn - totalReturn,
    turnover: notional / initialEquity,
    stopOuts,
    stopOutShare: ratio(stopOuts, closed.length),
    stopExcess,
    exposure,
    exposureAdjustedReturn: ratio(totalReturn, exposure),
    ruined: ruined ? 1 : 0,
    initialEquity,
    finalEquity,
    steps: n,
  };
}
