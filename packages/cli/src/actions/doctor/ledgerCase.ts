/**
 * A fixed bar sequence, a scripted episode on it and the ledger the execution rules give, worked out by
 * hand (docs/execution.md): market, maker-limit and marketable fills, the risk guard's size, a stop exit,
 * a gapped stop exit, a limit order that expires unfilled. Settings: 10,000 cash, taker 5 bps, maker
 * 2 bps, limit offset 5 bps, TTL 1 bar, no slippage; risk guard riskPct 1 %, 50 bps per stop bucket,
 * lots of 0.001, leverage cap 10 (so the risk budget sizes every entry).
 */

/** `[open, high, low, close]` of bars 0…10, one minute apart from 2024-01-01 00:00 UTC. */
export const LEDGER_BARS: readonly (readonly [number, number, number, number])[] = [
  [100, 100, 100, 100],
  [100, 100, 100, 100],
  [100, 101, 99.8, 100.5],
  [100.5, 100.6, 98.5, 99],
  [98.9, 99.3, 98.8, 99.1],
  [99, 99.2, 97, 97.5],
  [97.4, 97.6, 97.2, 97.3],
  [97.5, 97.8, 97.3, 97.6],
  [95, 95.5, 94, 94.5],
  [92, 92.5, 91, 91.5],
  [91.5, 92, 91.2, 91.8],
];

export const LEDGER_RISK_GUARD = { riskPct: 0.01, stopStepBps: 50, qtyStep: 0.001, maxLeverage: 10 } as const;
export const LEDGER_START_INDEX = 1;

export type ScriptedAction =
  | { readonly kind: 'hold' }
  | { readonly kind: 'close' }
  | { readonly kind: 'long' | 'short'; readonly stopBucket: number; readonly type: 'market' | 'limit' };

/** The fee a row's fill pays; checked through the fee amount (bps of the fill's notional). */
export type FeeType = 'taker' | 'maker' | 'none';

export interface ExpectedLedgerRow {
  /** Chosen at the close of bar `index − 1`, executed on bar `index`. */
  readonly action: ScriptedAction;
  readonly index: number;
  readonly submitted: number;
  readonly filled: number;
  readonly expired: number;
  readonly feeType: FeeType;
  /** NaN: no fill in the step. */
  readonly fillPrice: number;
  /** Signed quantity traded in the step. */
  readonly qty: number;
  readonly fee: number;
  readonly position: number;
  /** NaN: flat. */
  readonly stop: number;
  readonly stopTriggered: number;
  readonly stopGapped: number;
  readonly equity: number;
}

const hold = { kind: 'hold' } as const;

export const EXPECTED_LEDGER: readonly ExpectedLedgerRow[] = [
  {
    // Long, stop bucket 2, market: fills at open[2] = 100 as taker. Stop S = 100 × (1 − 2 × 0.005) = 99.
    // Loss per unit at the stop = |100 − 99| + 100 × 0.0005 + 99 × 0.0005 = 1.0995; budget 1 % × 10,000 = 100;
    // q = floor(100 / 1.0995 = 90.9504…, lots of 0.001) = 90.95. Fee 90.95 × 100 × 0.0005 = 4.5475.
    // Cash 10,000 − 9,095 − 4.5475 = 900.4525; equity at close 100.5: 900.4525 + 90.95 × 100.5 = 10,040.9275.
    action: { kind: 'long', stopBucket: 2, type: 'market' },
    index: 2, submitted: 1, filled: 1, expired: 0, feeType: 'taker',
    fillPrice: 100, qty: 90.95, fee: 4.5475, position: 90.95, stop: 99, stopTriggered: 0, stopGapped: 0, equity: 10040.9275,
  },
  {
    // Bar 3's low 98.5 ≤ 99: the stop exits at min(open 100.5, 99) = 99 as taker, fee 90.95 × 99 × 0.0005 = 4.502025.
    // Cash 900.4525 + 9,004.05 − 4.502025 = 9,900.000475: lost 99.999525, within the 100 budget.
    action: hold,
    index: 3, submitted: 0, filled: 1, expired: 0, feeType: 'taker',
    fillPrice: 99, qty: -90.95, fee: 4.502025, position: 0, stop: Number.NaN, stopTriggered: 1, stopGapped: 0, equity: 9900.000475,
  },
  {
    // Short, bucket 1, limit at close[3] × (1 + 0.0005) = 99.0495. Open 98.9 is below it (not marketable); the
    // high 99.3 trades through it: fills at 99.0495 as maker. S = 99.0495 × 1.005 = 99.5447475; loss per unit
    // 0.4952475 + 99.0495 × 0.0002 + 99.5447475 × 0.0005 = 0.56482977375; budget 99.00000475 → q = 175.274.
    // Fee 175.274 × 99.0495 × 0.0002 = 3.4721604126. Cash 9,900.000475 + 17,360.802063 − 3.4721604126
    // = 27,257.3303775874; equity at close 99.1: 27,257.3303775874 − 175.274 × 99.1 = 9,887.6769775874.
    action: { kind: 'short', stopBucket: 1, type: 'limit' },
    index: 4, submitted: 1, filled: 1, expired: 0, feeType: 'maker',
    fillPrice: 99.0495, qty: -175.274, fee: 3.4721604126, position: -175.274, stop: 99.5447475, stopTriggered: 0, stopGapped: 0, equity: 9887.6769775874,
  },
  {
    // High 99.2 < stop 99.5447475: the short stays. Equity at close 97.5: 27,257.3303775874 − 175.274 × 97.5.
    action: hold,
    index: 5, submitted: 0, filled: 0, expired: 0, feeType: 'none',
    fillPrice: Number.NaN, qty: 0, fee: 0, position: -175.274, stop: 99.5447475, stopTriggered: 0, stopGapped: 0, equity: 10168.1153775874,
  },
  {
    // Close: buys 175.274 at open[6] = 97.4 as taker, fee 175.274 × 97.4 × 0.0005 = 8.5358438.
    // Cash 27,257.3303775874 − 17,071.6876 − 8.5358438 = 10,177.1069337874 (flat: equity = cash).
    action: { kind: 'close' },
    index: 6, submitted: 1, filled: 1, expired: 0, feeType: 'taker',
    fillPrice: 97.4, qty: 175.274, fee: 8.5358438, position: 0, stop: Number.NaN, stopTriggered: 0, stopGapped: 0, equity: 10177.1069337874,
  },
  {
    // Long, bucket 1, limit at close[6] × (1 − 0.0005) = 97.25135. Bar 7 (low 97.3) never trades through it:
    // after its 1-bar TTL the order expires at no cost.
    action: { kind: 'long', stopBucket: 1, type: 'limit' },
    index: 7, submitted: 1, filled: 0, expired: 1, feeType: 'none',
    fillPrice: Number.NaN, qty: 0, fee: 0, position: 0, stop: Number.NaN, stopTriggered: 0, stopGapped: 0, equity: 10177.1069337874,
  },
  {
    // Long, bucket 4, market at open[8] = 95: S = 95 × 0.98 = 93.1; loss per unit 1.9 + 0.0475 + 0.04655 = 1.99405;
    // budget 101.771069337874 → q = 51.037 (51.0374…). Fee 51.037 × 95 × 0.0005 = 2.4242575. Cash
    // 10,177.1069337874 − 4,848.515 − 2.4242575 = 5,326.1676762874; equity at close 94.5: + 51.037 × 94.5.
    action: { kind: 'long', stopBucket: 4, type: 'market' },
    index: 8, submitted: 1, filled: 1, expired: 0, feeType: 'taker',
    fillPrice: 95, qty: 51.037, fee: 2.4242575, position: 51.037, stop: 93.1, stopTriggered: 0, stopGapped: 0, equity: 10149.1641762874,
  },
  {
    // Bar 9 opens at 92, below the stop 93.1: the stop fills at the open (gapped), taker fee 51.037 × 92 × 0.0005
    // = 2.347702; cash 5,326.1676762874 + 4,695.404 − 2.347702. The gap costs 51.037 × 1.1 − 51.037 × 1.1 × 0.0005
    // = 56.11262965 beyond the planned loss.
    action: hold,
    index: 9, submitted: 0, filled: 1, expired: 0, feeType: 'taker',
    fillPrice: 92, qty: -51.037, fee: 2.347702, position: 0, stop: Number.NaN, stopTriggered: 1, stopGapped: 1, equity: 10019.2239742874,
  },
];

/** Relative tolerance of the ledger comparison (float rounding of the sums above). */
export const LEDGER_TOLERANCE = 1e-9;
