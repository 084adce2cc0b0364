import type { ActionSpace } from '../env/actionSpace.ts';
import { FILL_COLUMNS, type FillColumns } from '../execution/FillLog.ts';
import { LEDGER_COLUMNS, type LedgerColumns } from '../execution/Ledger.ts';
import { behaviourSummary } from './behaviour.ts';
import { dailyReturns } from './daily.ts';
import type { EvaluatedPolicy } from './evaluate.ts';
import { computeMetrics } from './metrics.ts';
import type { Trade } from './trades.ts';

/** Ledger columns in quote currency (or quantity): scaled when folds are chained. Prices are not. */
const SCALED_LEDGER: ReadonlySet<string> = new Set(['qty', 'fee', 'cashDelta', 'position', 'stopExcess', 'equity']);
const SCALED_FILLS: ReadonlySet<string> = new Set(['qty', 'fee']);

function concat<C extends object>(parts: readonly C[], names: readonly (keyof C)[], scaled: ReadonlySet<string>, factors: readonly number[]): C {
  const out = {} as Record<keyof C, unknown>;
  for (const name of names) {
    const columns = parts.map((p) => p[name] as unknown as Float64Array);
    const total = columns.reduce((s, c) => s + c.length, 0);
    const Ctor = columns[0]!.constructor as new (n: number) => Float64Array;
    const merged = new Ctor(total);
    let at = 0;
    columns.forEach((column, k) => {
      if (scaled.has(name as string)) for (let i = 0; i < column.length; i++) merged[at + i] = column[i]! * factors[k]!;
      else merged.set(column, at);
      at += column.length;
    });
    out[name] = merged;
  }
  return out as C;
}

/**
 * The walk-forward procedure as a user would have run it: each fold's test episode after the
 * previous one, with the equity carried over. Every fold starts at the initial cash, so fold k's
 * amounts are scaled by the growth of folds 0..k−1; its total return is Π(1 + R_k) − 1. Counts are
 * totals over folds. With one fold it is that fold.
 */
export function chainFolds(perFold: readonly EvaluatedPolicy[], space: ActionSpace, annualBars: number): EvaluatedPolicy {
  if (perFold.length === 1) return perFold[0]!;
  const initial = perFold[0]!.metrics.initialEquity;
  const factors: number[] = [];
  let growth = 1;
  let zeroGrowth = 1;
  for (const p of perFold) {
    factors.push(growth);
    growth *= p.metrics.finalEquity / p.metrics.initialEquity;
    zeroGrowth *= 1 + p.zeroFeeReturn;
  }
  const ledger = concat<LedgerColumns>(perFold.map((p) => p.ledger), LEDGER_COLUMNS, SCALED_LEDGER, factors);
  const fills = concat<FillColumns>(perFold.map((p) => p.fills), FILL_COLUMNS, SCALED_FILLS, factors);
  const trades: Trade[] = perFold.flatMap((p, k) => {
    const f = factors[k]!;
    return p.trades.map((t) => ({ ...t, qty: t.qty * f, entryFee: t.entryFee * f, exitFee: t.exitFee * f, fees: t.fees * f, pnl: t.pnl * f }));
  });
  const ruined = perFold.some((p) => p.ruined);
  const zeroFeeReturn = zeroGrowth - 1;
  return {
    name: perFold[0]!.name,
    metrics: computeMetrics({ ledger, trades, initialEquity: initial, barsPerYear: annualBars, zeroFeeReturn, ruined }),
    behaviour: behaviourSummary(ledger, trades, space, annualBars / 365),
    ledger,
    fills,
    trades,
    daily: dailyReturns(ledger.time, ledger.equity, initial),
    zeroFeeReturn,
    ruined,
  };
}
