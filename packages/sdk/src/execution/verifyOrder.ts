import type { GuardSnapshot, OrderIntent } from './types.ts';

/**
 * Why an order was rejected. The ledger's `rejectReason` column holds the code of the step's
 * rejection (0 = none) and `REJECT_REASONS[code]` says what it means; a tap's own reason (e.g. the
 * guard's "size below minQty") is in `info.lastRejectReason` and the plugin's log.
 */
export const REJECT = Object.freeze({
  NONE: 0,
  POST_ONLY: 1,
  BY_HOOK: 2,
  REPLACED_INTENT: 3,
  CHANGED_SIDE: 4,
  CHANGED_TYPE: 5,
  CHANGED_FILL_PRICE: 6,
  CHANGED_ENTRY_FEE: 7,
  CHANGED_TAKER_FEE: 8,
  CHANGED_SLIPPAGE: 9,
  CHANGED_EQUITY: 10,
  NOT_SIZED_BY_GUARD: 11,
  GUARD_SAW_OTHER_TERMS: 12,
  UNREJECTED_AFTER_GUARD: 13,
  QTY_CHANGED_AFTER_GUARD: 14,
  STOP_CHANGED_AFTER_GUARD: 15,
  STOP_BUCKET: 16,
  NO_QTY: 17,
  STOP_SIDE: 18,
});

const READ_ONLY = '(side, type, fillPrice, fee rates, slippage and equity are the fill terms: read-only)';

/** Text of each {@link REJECT} code, indexed by code. */
export const REJECT_REASONS: readonly string[] = Object.freeze([
  '',
  'post-only limit would be marketable at the open',
  'refused in the order hook (by the risk guard or an execution helper; its reason is in info.lastRejectReason and its log)',
  'the order hook returned another object than the intent it was given (taps change the intent and return it)',
  `the order hook changed the side ${READ_ONLY}`,
  `the order hook changed the type ${READ_ONLY}`,
  `the order hook changed the fillPrice ${READ_ONLY}`,
  `the order hook changed the entryFeeRate ${READ_ONLY}`,
  `the order hook changed the takerFeeRate ${READ_ONLY}`,
  `the order hook changed the slippage ${READ_ONLY}`,
  `the order hook changed the equity ${READ_ONLY}`,
  'the risk guard did not size this order (its tap did not run on the intent, or returned another object)',
  'the risk guard sized other fill terms than the engine fills at (a plugin changed them around the guard)',
  'the order hook accepted an order the risk guard rejected (the guard’s result is final)',
  'the order hook changed qty after the risk guard sized it (the guard’s size is final)',
  'the order hook moved the stop after the risk guard set it (the guard’s stop is final)',
  'the stop bucket is not an integer in 1..K (K = the risk guard’s buckets)',
  'no positive, finite qty was set (the risk guard sets it)',
  'the stop is not on the protective side of the fill',
]);

/** `a` and `b` are the same number (NaN equals NaN). */
function same(a: number, b: number): boolean {
  return a === b || (a !== a && b !== b);
}

/** The first fill term of `intent` that differs from `terms`, as a {@link REJECT} code (0 if none). */
function changedTerm(intent: OrderIntent, terms: OrderIntent): number {
  if (intent.side !== terms.side) return REJECT.CHANGED_SIDE;
  if (intent.type !== terms.type) return REJECT.CHANGED_TYPE;
  if (!same(intent.fillPrice, terms.fillPrice)) return REJECT.CHANGED_FILL_PRICE;
  if (!same(intent.entryFeeRate, terms.entryFeeRate)) return REJECT.CHANGED_ENTRY_FEE;
  if (!same(intent.takerFeeRate, terms.takerFeeRate)) return REJECT.CHANGED_TAKER_FEE;
  if (!same(intent.slippage, terms.slippage)) return REJECT.CHANGED_SLIPPAGE;
  if (!same(intent.equity, terms.equity)) return REJECT.CHANGED_EQUITY;
  return REJECT.NONE;
}

/**
 * The one place that decides whether an entry that went through the `order` hook may fill. Returns a
 * {@link REJECT} code, `REJECT.NONE` when it may. `sized` is what the hook returned, `intent` the
 * engine's object it was given, `terms` the engine's fill terms (a private copy no plugin can reach),
 * `guard` what the risk guard returned (undefined only for a broker driven without an engine, e.g. by
 * `sizeByRisk` directly) and `buckets` the largest stop bucket K.
 *
 * An entry fills only if the hook returned the engine's intent with its fill terms untouched; the risk
 * guard sized exactly that intent, on those terms; nothing after the guard changed its qty, stop or
 * bucket or lifted its rejection; the bucket is an integer in 1..K; qty is positive and finite; and
 * the stop is on the protective side of the fill.
 */
export function verifySizedOrder(sized: unknown, intent: OrderIntent, terms: OrderIntent, guard: GuardSnapshot | undefined, buckets: number): number {
  if (sized !== intent) return REJECT.REPLACED_INTENT;
  const changed = changedTerm(intent, terms);
  if (changed !== REJECT.NONE) return changed;
  if (guard !== undefined) {
    const g = guard.values;
    if (!guard.taken || guard.source !== intent) return REJECT.NOT_SIZED_BY_GUARD;
    if (changedTerm(g, terms) !== REJECT.NONE) return REJECT.GUARD_SAW_OTHER_TERMS;
    if (g.rejected && !intent.rejected) return REJECT.UNREJECTED_AFTER_GUARD;
    if (!intent.rejected) {
      if (!same(intent.qty, g.qty)) return REJECT.QTY_CHANGED_AFTER_GUARD;
      if (!same(intent.stopPrice, g.stopPrice) || !same(intent.stopBucket, g.stopBucket)) return REJECT.STOP_CHANGED_AFTER_GUARD;
    }
  }
  if (intent.rejected) return REJECT.BY_HOOK;
  const k = intent.stopBucket;
  if (!Number.isInteger(k) || k < 1 || k > buckets) return REJECT.STOP_BUCKET;
  const qty = intent.qty;
  if (!(qty > 0) || !Number.isFinite(qty)) return REJECT.NO_QTY;
  const stop = intent.stopPrice;
  if (!(intent.side === 1 ? stop < intent.fillPrice : stop > intent.fillPrice) || !(stop > 0)) return REJECT.STOP_SIDE;
  return REJECT.NONE;
}

/** Copies every field of an order intent (no allocation). */
export function copyIntent(from: OrderIntent, to: OrderIntent): void {
  to.side = from.side;
  to.type = from.type;
  to.stopBucket = from.stopBucket;
  to.fillPrice = from.fillPrice;
  to.entryFeeRate = from.entryFeeRate;
  to.takerFeeRate = from.takerFeeRate;
  to.slippage = from.slippage;
  to.equity = from.equity;
  to.qty = from.qty;
  to.stopPrice = from.stopPrice;
  to.rejected = from.rejected;
  to.rejectReason = from.rejectReason;
}

/** A fresh intent (sealed: fields can be written, never redefined as accessors, added or removed). */
export function createIntent(): OrderIntent {
  return Object.seal({
    side: 1,
    type: 'market',
    stopBucket: 1,
    fillPrice: 0,
    entryFeeRate: 0,
    takerFeeRate: 0,
    slippage: 0,
    equity: 0,
    qty: 0,
    stopPrice: Number.NaN,
    rejected: false,
    rejectReason: '',
  });
}

/** An empty guard snapshot, for an engine to fill. */
export function createGuardSnapshot(): GuardSnapshot {
  return Object.seal({ taken: false, source: undefined, values: createIntent() });
}
