/** +1 long, -1 short. */
export type Side = 1 | -1;
export type OrderType = 'market' | 'limit';

/**
 * An entry order at the moment it fills, passed through the `order` waterfall hook.
 * Execution helpers (taps below `STAGE.RISK_GUARD`) may adjust `stopBucket` or reject it; the risk
 * guard (at `STAGE.RISK_GUARD`, always last) must set `qty` and `stopPrice` or reject it, and what it
 * sets is final. `side`, `type`, `fillPrice`, `entryFeeRate`, `takerFeeRate`, `slippage` and `equity`
 * are the engine's fill terms and read-only: an entry whose hook changed them is rejected (the guard
 * would have sized a fill that does not happen). Taps change the object they are given and return it
 * (or nothing): the engine's intent is sealed, reused for every entry of an env (taps must not keep
 * references), and a hook that hands back another object is rejected.
 */
export interface OrderIntent {
  side: Side;
  type: OrderType;
  /** Stop bucket k in 1..K chosen by the action; the stop distance is k × stopStepBps. */
  stopBucket: number;
  /** Price the order fills at (already including slippage). */
  fillPrice: number;
  /** Fee rate of this fill as a fraction (maker or taker). */
  entryFeeRate: number;
  /** Taker fee rate as a fraction, paid when the stop exits. */
  takerFeeRate: number;
  /**
   * Configured slippage as a fraction: a stop exits at `stopPrice × (1 ∓ slippage)` (long: below the
   * stop, short: above). A market entry's `fillPrice` already includes it (`open × (1 ± slippage)`).
   */
  slippage: number;
  /** Account equity at the fill price, before the fill. */
  equity: number;
  /** Absolute quantity to fill; set by the risk guard. */
  qty: number;
  /** Protective stop price; set by the risk guard. */
  stopPrice: number;
  /** Set by a tap that refuses the order. */
  rejected: boolean;
  /** Why it was rejected (logged in the ledger's rejection count and the env info). */
  rejectReason: string;
}

/** Passed to the `stop` waterfall hook on every bar a position is held (trailing stops). */
export interface StopContext {
  side: Side;
  entryPrice: number;
  /** Bar index just closed. */
  index: number;
  high: number;
  low: number;
  close: number;
  barsInPosition: number;
}

/** Passed to the `reward` waterfall hook after each step. */
export interface RewardContext {
  equity: number;
  previousEquity: number;
  fee: number;
  stopTriggered: boolean;
  position: number;
  index: number;
}

/**
 * Execution settings resolved to fractions (1 bp = 0.0001), as the broker uses them.
 * Built from the config's `execution` section by `resolveExecutionParams`.
 */
export interface ExecutionParams {
  readonly makerFee: number;
  readonly takerFee: number;
  readonly slippage: number;
  readonly limitOffset: number;
  readonly limitTtlBars: number;
  readonly postOnly: boolean;
  readonly touchFills: boolean;
  readonly allowShort: boolean;
  readonly initialCash: number;
}

/** The sizing rules of a risk guard (what `riskGuard()` options resolve to). */
export interface RiskRules {
  /** Fraction of equity that may be lost at the stop, fees and slippage included. */
  readonly riskPct: number;
  /** Stop distance per bucket, in bps of the fill price. */
  readonly stopStepBps: number;
  /** Cap on notional: qty × fill ≤ maxLeverage × equity. */
  readonly maxLeverage: number;
  /** Lot size; qty is rounded down to a multiple of it. */
  readonly qtyStep: number;
  /** Smallest order accepted; smaller sizes are rejected. */
  readonly minQty: number;
}

/** What the broker does with the action of one step. */
export const ORDER_KIND = Object.freeze({ HOLD: 0, CLOSE: 1, LONG: 2, SHORT: 3 });
/** 0 = market, 1 = limit. */
export const ORDER_TYPE_CODE = Object.freeze({ MARKET: 0, LIMIT: 1 });

/**
 * A copy of the order as the risk guard returned it, taken by the engine the moment the guard's tap
 * returned (the engine wraps every tap the risk-guard plugin makes at `STAGE.RISK_GUARD`). The broker
 * clears `taken` before it calls the `order` hook and checks the entry that leaves the hook against
 * `values` (see `verifySizedOrder`): nothing after the guard can change its size or stop unnoticed.
 */
export interface GuardSnapshot {
  /** True once a guard tap returned during the current call of the hook. */
  taken: boolean;
  /** The object the guard returned: must be the broker's own intent. */
  source: unknown;
  /** Its fields when it returned. */
  readonly values: OrderIntent;
}
