import type { OrderIntent, RiskRules, Side } from './types.ts';

/**
 * Relative slack of the sizing caps for float rounding of decimal lots and prices: a size is within a
 * cap when it exceeds it by at most this fraction (1e-12: a millionth of a millionth of the budget).
 */
export const CAP_TOLERANCE = 1e-12;

/**
 * Price a stop exits at when it does not gap: the stop moved against the trader by the slippage,
 * `S × (1 − slippage)` for a long, `S × (1 + slippage)` for a short. (A gap exits at the open, slipped the same way.)
 */
export function stopExitPrice(side: Side, stopPrice: number, slippage: number): number {
  return stopPrice * (1 - side * slippage);
}

/**
 * Loss per unit of quantity if the position entered at `fillPrice` exits at `exitPrice`: the price
 * move plus the entry fee and the exit (taker) fee. Pass the stop's exit price ({@link stopExitPrice})
 * to get the loss at the stop with slippage; a market entry's fill already includes its own slippage.
 */
export function lossPerUnit(fillPrice: number, exitPrice: number, entryFeeRate: number, takerFeeRate: number): number {
  return Math.abs(fillPrice - exitPrice) + fillPrice * entryFeeRate + exitPrice * takerFeeRate;
}

/**
 * The RiskGuard rule, applied in place to an order intent at its fill:
 * stop `S = fill × (1 ∓ k × stopStepBps)`, its exit price `X = S × (1 ∓ slippage)`, then `qty` = the
 * largest multiple of `qtyStep` with `qty × (|fill − X| + fill × entryFee + X × takerFee) ≤ riskPct × equity`,
 * capped by `maxLeverage × equity / fill`. A size below `minQty` (or a non-positive equity) rejects the order.
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
  const perUnit = lossPerUnit(fill, stopExitPrice(intent.side, stop, intent.slippage), intent.entryFeeRate, intent.takerFeeRate);
  const budget = rules.riskPct * intent.equity;
  const byRisk = budget / perUnit;
  const byLeverage = (rules.maxLeverage * intent.equity) / fill;
  const raw = byRisk < byLeverage ? byRisk : byLeverage;
  const step = rules.qtyStep;
  // Lots are decimals (0.1, 1e-5) that binary floats only approximate, so a size that lands exactly
  // on a cap would be refused by a strict float test: 3 × 0.1 = 0.30000000000000004 > 0.3. The whole
  // number of lots is taken with a nudge (5 / 1e-5 = 499999.99999999994), the quantity is written as
  // the nearest double to the decimal (3 / 10 = 0.3), and both caps are compared with a relative
  // tolerance of CAP_TOLERANCE, far below any real excess: a size that breaks a cap by more is
  // one lot smaller, so rounding never goes up past the budget.
  const inverse = 1 / step;
  const lotsPerUnit = Math.round(inverse);
  const decimal = lotsPerUnit > 0 && Math.abs(inverse - lotsPerUnit) <= 1e-9 * lotsPerUnit;
  let lots = Math.floor(raw / step + 1e-9);
  let qty = decimal ? lots / lotsPerUnit : lots * step;
  const maxLoss = budget * (1 + CAP_TOLERANCE);
  const maxNotional = rules.maxLeverage * intent.equity * (1 + CAP_TOLERANCE);
  if (qty * perUnit > maxLoss || qty * fill > maxNotional) {
    lots -= 1;
    qty = decimal ? lots / lotsPerUnit : lots * step;
  }
  if (!(qty >= rules.minQty) || qty <= 0) {
    intent.qty = 0;
    intent.rejected = true;
    intent.rejectReason = 'risk guard: size below minQty';
    return intent;
  }
  intent.qty = qty;
  return intent;
}
