import type { OrderIntent, RiskRules } from './types.ts';

/** Loss per unit of quantity if the position exits at its stop: price move plus entry and exit fees. */
export function lossPerUnit(fillPrice: number, stopPrice: number, entryFeeRate: number, takerFeeRate: number): number {
  return Math.abs(fillPrice - stopPrice) + fillPrice * entryFeeRate + stopPrice * takerFeeRate;
}

/**
 * The RiskGuard rule, applied in place to an order intent at its fill:
 * stop `S = fill × (1 ∓ k × stopStepBps)`, then `qty` = the largest multiple of `qtyStep` with
 * `qty × (|fill − S| + fill × entryFee + S × takerFee) ≤ riskPct × equity`, capped by
 * `maxLeverage × equity / fill`. A size below `minQty` (or a non-positive equity) rejects the order.
 */
export function sizeByRisk(intent: OrderIntent, rules: RiskRules): OrderIntent {
  const fill = intent.fillPrice;
  const distance = intent.stopBucket * rules.stopStepBps * 1e-4;
  const stop = intent.side === 1 ? fill * (1 - distance) : fill * (1 + distance);
  intent.stopPrice = stop;
  if (!(intent.equity > 0)) {
    intent.qty = 0;
    intent.rejected = true;
    intent.rejectReason = 'risk guard: equity is not positive';
    return intent;
  }
  const perUnit = lossPerUnit(fill, stop, intent.entryFeeRate, intent.takerFeeRate);
  const budget = rules.riskPct * intent.equity;
  const byRisk = budget / perUnit;
  const byLeverage = (rules.maxLeverage * intent.equity) / fill;
  const raw = byRisk < byLeverage ? byRisk : byLeverage;
  const step = rules.qtyStep;
  // raw / step may land just below a whole number of lots (5 / 1e-5 = 499999.99999999994): nudge
  // up before flooring, then step down if the rounded size breaks either cap.
  let qty = Math.floor(raw / step + 1e-9) * step;
  if (qty * perUnit > budget || qty * fill > rules.maxLeverage * intent.equity) qty -= step;
  if (!(qty >= rules.minQty) || qty <= 0) {
    intent.qty = 0;
    intent.rejected = true;
    intent.rejectReason = 'risk guard: size below minQty';
    return intent;
  }
  intent.qty = qty;
  return intent;
}
