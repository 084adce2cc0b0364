import { FILL_KIND, type FillKind, type FillLog } from './FillLog.ts';
import { lossPerUnit, stopExitPrice } from './sizing.ts';
import { ORDER_KIND, type ExecutionParams, type GuardSnapshot, type OrderIntent, type Side, type StopContext } from './types.ts';
import { createIntent, REJECT, REJECT_REASONS, verifySizedOrder } from './verifyOrder.ts';

/** Prices of one bar, as the broker reads them. */
export interface BarSeries {
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
}

/** Sizes an entry at its fill (the `order` hook: execution helpers, then the risk guard). */
export type OrderSizer = (intent: OrderIntent) => OrderIntent;
/** Moves the stop of an open position after a bar closes (the `stop` hook). */
export type StopUpdater = (stopPrice: number, context: StopContext) => number;

/** What the broker checks every sized entry against (see `verifySizedOrder`). */
export interface BrokerChecks {
  /** Where the engine copies the risk guard's result; without it only the fill terms are checked. */
  readonly guard?: GuardSnapshot;
  /** The largest stop bucket K; an entry whose bucket is not an integer in 1..K is rejected. */
  readonly buckets?: number;
}

/**
 * The account and its orders. Pure: no I/O, no clock, no allocation per bar. The action chosen on
 * bar `i` is executed by `execute(bars, i + 1, …)`, in this order within bar `i + 1`:
 * 1. at the open: a new action cancels a resting limit; `close` and the closing leg of a reversal
 *    exit at the open (taker); a market entry fills at the open ± slippage (taker); a limit entry is
 *    priced `close[i] × (1 ∓ limitOffset)` and fills at the open as taker when marketable (or is
 *    rejected when `postOnly`), otherwise rests;
 * 2. a resting limit fills at its price as maker when the bar trades through it (touching is enough
 *    with `touchFills`), else its time to live shrinks and it expires at 0 at no cost;
 * 3. the stop of any open position, including one filled in this bar, is checked: a long exits
 *    when `low ≤ S` at `min(open, S)` (taker, minus slippage); a short symmetrically with `high`;
 * 4. the `stop` updater (trailing stops) may tighten the stop for the next bar.
 * Per-step results are left in the `step*` fields. Every entry is sized by the `OrderSizer` (the
 * `order` hook) and filled only if `verifySizedOrder` accepts what comes back.
 */
export class Broker {
  readonly params: ExecutionParams;
  readonly intent: OrderIntent = createIntent();
  /** The engine's fill terms of the entry being sized: a copy no tap can reach. */
  readonly #terms: OrderIntent = createIntent();
  readonly #size: OrderSizer;
  readonly #updateStop: StopUpdater | undefined;
  readonly #guard: GuardSnapshot | undefined;
  readonly #buckets: number;
  readonly #stopContext: StopContext = {
    side: 1,
    entryPrice: 0,
    index: 0,
    high: 0,
    low: 0,
    close: 0,
    barsInPosition: 0,
  };

  // Account state.
  cash = 0;
  /** Signed quantity: > 0 long, < 0 short. */
  position = 0;
  entryPrice = Number.NaN;
  /** Protective stop of the open position; NaN when flat. */
  stopPrice = Number.NaN;
  /** Bars the position has been held, counting the fill bar. */
  barsInPosition = 0;
  /** Loss at the stop planned at entry (price move and both fees), the guard's sizing basis. */
  plannedLoss = 0;
  /** Fee paid on the entry of the open position. */
  entryFee = 0;
  /** Equity just before the open position's entry fill. */
  entryEquity = 0;
  totalFees = 0;

  // Resting limit entry (at most one; only while flat).
  pendingSide: 0 | Side = 0;
  pendingPrice = 0;
  pendingBucket = 0;
  pendingTtl = 0;

  // Results of the last `execute`.
  stepSubmitted = 0;
  stepFilled = 0;
  stepRejected = 0;
  stepExpired = 0;
  stepFillPrice = Number.NaN;
  stepQty = 0;
  stepFee = 0;
  stepCashDelta = 0;
  stepStopTriggered = 0;
  stepStopGapped = 0;
  stepStopExcess = 0;
  /** {@link REJECT} code of the step's rejection (0 if none). */
  stepRejectReason = 0;
  /** Reason of the last rejection ('' if none so far). */
  lastRejectReason = '';
  /** When set, every fill is recorded here (evaluation episodes; training leaves it null). */
  fills: FillLog | null = null;
  /** Bar being executed (for the fill log). */
  #bar = 0;

  constructor(params: ExecutionParams, size: OrderSizer, updateStop?: StopUpdater, checks: BrokerChecks = {}) {
    this.params = params;
    this.#size = size;
    this.#updateStop = updateStop;
    this.#guard = checks.guard;
    this.#buckets = checks.buckets ?? Number.POSITIVE_INFINITY;
    this.reset();
  }

  reset(): void {
    this.cash = this.params.initialCash;
    this.position = 0;
    this.entryPrice = Number.NaN;
    this.stopPrice = Number.NaN;
    this.barsInPosition = 0;
    this.plannedLoss = 0;
    this.entryFee = 0;
    this.entryEquity = 0;
    this.totalFees = 0;
    this.pendingSide = 0;
    this.lastRejectReason = '';
    this.#clearStep();
  }

  equity(price: number): number {
    return this.cash + this.position * price;
  }

  /**
   * Executes bar `j` for an action chosen on bar `j - 1`. `kind` is an `ORDER_KIND`, `limit` selects
   * a limit entry, `stopBucket` is k in 1..K. An entry in the direction already held is refused.
   */
  execute(bars: BarSeries, j: number, kind: number, limit: boolean, stopBucket: number): void {
    this.#clearStep();
    this.#bar = j;
    const open = bars.open[j] as number;
    const p = this.params;

    if (kind !== ORDER_KIND.HOLD && this.pendingSide !== 0) {
      this.pendingSide = 0;
      this.stepExpired++;
    }
    if (kind === ORDER_KIND.CLOSE) {
      if (this.position !== 0) {
        this.stepSubmitted++;
        this.#exit(open * (1 - Math.sign(this.position) * p.slippage), FILL_KIND.CLOSE);
      }
    } else if (kind === ORDER_KIND.LONG || kind === ORDER_KIND.SHORT) {
      const side: Side = kind === ORDER_KIND.LONG ? 1 : -1;
      if (this.position * side > 0) throw new Error(`entry ${side === 1 ? 'long' : 'short'} while already ${side === 1 ? 'long' : 'short'}`);
      if (this.position !== 0) {
        this.stepSubmitted++;
        this.#exit(open * (1 + side * p.slippage), FILL_KIND.REVERSAL);
      }
      this.stepSubmitted++;
      if (!limit) {
        this.#enter(side, open * (1 + side * p.slippage), p.takerFee, false, false, stopBucket);
      } else {
        const price = (bars.close[j - 1] as number) * (1 - side * p.limitOffset);
        const marketable = side === 1 ? open <= price : open >= price;
        if (marketable) {
          if (p.postOnly) this.#reject(REJECT.POST_ONLY, REJECT_REASONS[REJECT.POST_ONLY] as string);
          else this.#enter(side, open, p.takerFee, true, false, stopBucket);
        } else {
          this.pendingSide = side;
          this.pendingPrice = price;
          this.pendingBucket = stopBucket;
          this.pendingTtl = p.limitTtlBars;
        }
      }
    }

    if (this.pendingSide !== 0) {
      const side = this.pendingSide;
      const price = this.pendingPrice;
      const low = bars.low[j] as number;
      const high = bars.high[j] as number;
      const crossed =
        side === 1 ? (p.touchFills ? low <= price : low < price) : p.touchFills ? high >= price : high > price;
      if (crossed) {
        this.pendingSide = 0;
        this.#enter(side, price, p.makerFee, true, true, this.pendingBucket);
      } else if (--this.pendingTtl <= 0) {
        this.pendingSide = 0;
        this.stepExpired++;
      }
    }

    if (this.position !== 0) {
      const stop = this.stopPrice;
      if (this.position > 0) {
        if ((bars.low[j] as number) <= stop) this.#stopOut(open < stop ? open : stop, open < stop);
      } else if ((bars.high[j] as number) >= stop) {
        this.#stopOut(open > stop ? open : stop, open > stop);
      }
    }

    if (this.position !== 0) {
      this.barsInPosition++;
      if (this.#updateStop !== undefined) this.#trail(bars, j);
    }
  }

  #clearStep(): void {
    this.stepSubmitted = 0;
    this.stepFilled = 0;
    this.stepRejected = 0;
    this.stepExpired = 0;
    this.stepFillPrice = Number.NaN;
    this.stepQty = 0;
    this.stepFee = 0;
    this.stepCashDelta = 0;
    this.stepStopTriggered = 0;
    this.stepStopGapped = 0;
    this.stepStopExcess = 0;
    this.stepRejectReason = 0;
  }

  #reject(code: number, reason: string): void {
    this.stepRejected++;
    this.stepRejectReason = code;
    this.lastRejectReason = reason;
  }

  #fill(qty: number, price: number, feeRate: number): number {
    const fee = Math.abs(qty) * price * feeRate;
    const delta = -qty * price - fee;
    this.cash += delta;
    this.totalFees += fee;
    this.stepFilled++;
    this.stepFillPrice = price;
    this.stepQty += qty;
    this.stepFee += fee;
    this.stepCashDelta += delta;
    return fee;
  }

  #exit(price: number, kind: FillKind, gapped = false): number {
    const qty = this.position;
    const fee = this.#fill(-qty, price, this.params.takerFee);
    this.fills?.record(this.#bar, kind, -qty, price, fee, false, false, 0, Number.NaN, gapped);
    this.position = 0;
    this.stopPrice = Number.NaN;
    this.entryPrice = Number.NaN;
    this.barsInPosition = 0;
    return fee;
  }

  #stopOut(trigger: number, gapped: boolean): void {
    const side = this.position > 0 ? 1 : -1;
    const qty = this.position;
    const entry = this.entryPrice;
    const entryFee = this.entryFee;
    const planned = this.plannedLoss;
    const price = stopExitPrice(side, trigger, this.params.slippage);
    const exitFee = this.#exit(price, FILL_KIND.STOP, gapped);
    const loss = qty * (entry - price) + entryFee + exitFee;
    const excess = loss - planned;
    this.stepStopTriggered = 1;
    this.stepStopGapped = gapped ? 1 : 0;
    // Rounding of the fee terms can leave ~1e-12 of "excess"; only a real overshoot is reported.
    this.stepStopExcess = excess > 1e-9 * (planned > 1 ? planned : 1) ? excess : 0;
  }

  #enter(side: Side, price: number, feeRate: number, limit: boolean, maker: boolean, stopBucket: number): void {
    const p = this.params;
    const equity = this.cash + this.position * price;
    const terms = this.#terms;
    terms.side = side;
    terms.type = limit ? 'limit' : 'market';
    terms.fillPrice = price;
    terms.entryFeeRate = feeRate;
    terms.takerFeeRate = p.takerFee;
    terms.slippage = p.slippage;
    terms.equity = equity;
    const intent = this.intent;
    intent.side = side;
    intent.type = terms.type;
    intent.stopBucket = stopBucket;
    intent.fillPrice = price;
    intent.entryFeeRate = feeRate;
    intent.takerFeeRate = p.takerFee;
    intent.slippage = p.slippage;
    intent.equity = equity;
    intent.qty = 0;
    intent.stopPrice = Number.NaN;
    intent.rejected = false;
    intent.rejectReason = '';
    if (this.#guard !== undefined) this.#guard.taken = false;
    const code = verifySizedOrder(this.#size(intent), intent, terms, this.#guard, this.#buckets);
    if (code !== REJECT.NONE) {
      this.#reject(code, code === REJECT.BY_HOOK && typeof intent.rejectReason === 'string' && intent.rejectReason !== '' ? intent.rejectReason : (REJECT_REASONS[code] as string));
      return;
    }
    const qty = intent.qty;
    const stop = intent.stopPrice;
    const signed = side * qty;
    this.entryFee = this.#fill(signed, price, feeRate);
    this.fills?.record(this.#bar, FILL_KIND.ENTRY, signed, price, this.entryFee, maker, limit, intent.stopBucket, stop, false);
    this.position = signed;
    this.entryPrice = price;
    this.stopPrice = stop;
    this.barsInPosition = 0;
    this.entryEquity = equity;
    this.plannedLoss = qty * lossPerUnit(price, stopExitPrice(side, stop, p.slippage), feeRate, p.takerFee);
  }

  #trail(bars: BarSeries, j: number): void {
    const context = this.#stopContext;
    const side: Side = this.position > 0 ? 1 : -1;
    context.side = side;
    context.entryPrice = this.entryPrice;
    context.index = j;
    context.high = bars.high[j] as number;
    context.low = bars.low[j] as number;
    context.close = bars.close[j] as number;
    context.barsInPosition = this.barsInPosition;
    const next = (this.#updateStop as StopUpdater)(this.stopPrice, context);
    // Stops only tighten: a helper can lock in gains, never widen the risk the guard sized.
    if (Number.isFinite(next) && (side === 1 ? next > this.stopPrice : next < this.stopPrice)) this.stopPrice = next;
  }
}
