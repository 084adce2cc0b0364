import type { ActionSpace } from '../env/actionSpace.ts';
import type { LedgerColumns } from '../execution/Ledger.ts';
import type { Trade } from './trades.ts';
import { yearsSpanned } from './metrics.ts';

/** What a policy did over its test episode: the numbers that tell a degenerate policy from a trading one. */
export interface Behaviour {
  /** Steps per action, by the action's name (`hold`, `close`, `long(k=2, limit)`…); actions never taken are left out. */
  readonly actions: Readonly<Record<string, number>>;
  /** Shares of steps ending long, short and flat (they sum to 1). */
  readonly timeLong: number;
  readonly timeShort: number;
  readonly timeFlat: number;
  /** Longest round trip, in bars (an open trade counts up to the end). */
  readonly longestHoldingBars: number;
  /** Share of the test the longest round trip covers (longestHoldingBars / steps). */
  readonly longestHoldingShare: number;
  /** Trades opened per day of the test (steps / bars per day). */
  readonly tradesPerDay: number;
  /** Share of entries that were limit orders (the rest were market orders). */
  readonly limitShare: number | null;
  /** Share of fees paid as maker (resting limit fills). */
  readonly makerFeeShare: number | null;
}

export function behaviourSummary(ledger: LedgerColumns, trades: readonly Trade[], space: ActionSpace, barsPerDay: number): Behaviour {
  const n = ledger.action.length;
  const counts = new Float64Array(space.n);
  let referenceBuys = 0;
  let long = 0;
  let short = 0;
  for (let i = 0; i < n; i++) {
    const a = ledger.action[i]!;
    if (a >= 0 && a < space.n) counts[a]! += 1;
    else referenceBuys++;
    const p = ledger.position[i]!;
    if (p > 0) long++;
    else if (p < 0) short++;
  }
  const actions: Record<string, number> = {};
  counts.forEach((c, a) => {
    if (c > 0) actions[space.describe(a)] = c;
  });
  // buy & hold's single buy is not an action of the env's space.
  if (referenceBuys > 0) actions['buy (outside the guard)'] = referenceBuys;
  const longest = trades.reduce((m, t) => Math.max(m, t.barsHeld), 0);
  let fees = 0;
  let makerFees = 0;
  for (const t of trades) {
    fees += t.fees;
    if (t.entryLiquidity === 'maker') makerFees += t.entryFee;
  }
  const days = yearsSpanned(ledger.time, barsPerDay * 365) * 365;
  return {
    actions,
    timeLong: n > 0 ? long / n : 0,
    timeShort: n > 0 ? short / n : 0,
    timeFlat: n > 0 ? (n - long - short) / n : 0,
    longestHoldingBars: longest,
    longestHoldingShare: n > 0 ? longest / n : 0,
    tradesPerDay: days > 0 ? trades.length / days : 0,
    limitShare: trades.length > 0 ? trades.filter((t) => t.entryType === 'limit').length / trades.length : null,
    makerFeeShare: fees > 0 ? makerFees / fees : null,
  };
}
