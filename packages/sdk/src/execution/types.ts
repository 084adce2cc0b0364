/** +1 long, -1 short. */
export type Side = 1 | -1;
export type OrderType = 'market' | 'limit';

/**
 * An entry order at the moment it fills, passed through the `order` waterfall hook.
 * Execution helpers may adjust `stopBucket` or reject it; the risk guard (final stage) must set `qty`
 * and `stopPrice` or reject it. `side`, `fillPrice`, `entryFeeRate`, `takerFeeRate` and `equity` are
 * the engine's fill terms and read-only: an entry whose hook changed them is rejected (the guard
 * would have sized a fill that does not happen). The engine reuses one object per env, so taps must
 * not keep references.
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
  /** Fraction of equity that may be lost at the stop, fees included. */
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
