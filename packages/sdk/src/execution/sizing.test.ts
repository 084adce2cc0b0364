import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CAP_TOLERANCE, lossPerUnit, sizeByRisk, stopExitPrice } from './sizing.ts';
import type { OrderIntent, RiskRules } from './types.ts';

function intent(over: Partial<OrderIntent>): OrderIntent {
  return {
    side: 1,
    type: 'market',
    stopBucket: 1,
    fillPrice: 100,
    entryFeeRate: 0.0005,
    takerFeeRate: 0.0005,
    slippage: 0,
    equity: 10_000,
    qty: 0,
    stopPrice: Number.NaN,
    rejected: false,
    rejectReason: '',
    ...over,
  };
}

describe('sizeByRisk', () => {
  it('every accepted size is the largest lot multiple within the risk budget and the leverage cap', () => {
    fc.assert(
      fc.property(
        fc.record({
          side: fc.constantFrom<1 | -1>(1, -1),
          fillPrice: fc.double({ min: 1, max: 100_000, noNaN: true }),
          equity: fc.double({ min: 10, max: 1e7, noNaN: true }),
          stopBucket: fc.integer({ min: 1, max: 8 }),
          entryFeeRate: fc.constantFrom(0, 0.0002, 0.0005),
          slippage: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 0.01, noNaN: true })),
        }),
        fc.record({
          riskPct: fc.double({ min: 0.001, max: 0.05, noNaN: true }),
          stopStepBps: fc.constantFrom(10, 25, 50, 100),
          maxLeverage: fc.constantFrom(0.5, 1, 3),
          qtyStep: fc.constantFrom(1e-5, 0.001, 0.1),
          minQty: fc.constantFrom(0, 1e-5, 0.01),
        }),
        (order, rules: RiskRules) => {
          const sized = sizeByRisk(intent(order), rules);
          const s = sized.stopPrice;
          expect(order.side === 1 ? s < order.fillPrice : s > order.fillPrice).toBe(true);
          expect(Math.abs(order.fillPrice - s) / order.fillPrice).toBeCloseTo((order.stopBucket * rules.stopStepBps) / 1e4, 12);
          // the loss per unit counts the stop's exit price with slippage: X = S × (1 ∓ slippage)
          const exit = order.side === 1 ? s * (1 - order.slippage) : s * (1 + order.slippage);
          const perUnit = Math.abs(order.fillPrice - exit) + order.fillPrice * order.entryFeeRate + exit * 0.0005;
          expect(lossPerUnit(order.fillPrice, stopExitPrice(order.side, s, order.slippage), order.entryFeeRate, 0.0005)).toBeCloseTo(perUnit, 9);
          const budget = rules.riskPct * order.equity;
          const cap = (rules.maxLeverage * order.equity) / order.fillPrice;
          if (sized.rejected) {
            expect(sized.qty).toBe(0);
            expect(Math.min(budget / perUnit, cap), 'rejected only when the allowed size is below minQty or one lot').toBeLessThan(Math.max(rules.minQty, rules.qtyStep) * (1 + 1e-9));
            return;
          }
          expect(sized.qty).toBeGreaterThanOrEqual(rules.minQty);
          // within the caps up to float rounding of the decimal lot (CAP_TOLERANCE), never a real excess
          expect(sized.qty * perUnit).toBeLessThanOrEqual(budget * (1 + CAP_TOLERANCE));
          expect(sized.qty * order.fillPrice).toBeLessThanOrEqual(rules.maxLeverage * order.equity * (1 + CAP_TOLERANCE));
          const lots = sized.qty / rules.qtyStep;
          expect(Math.abs(lots - Math.round(lots)), "a whole number of lots").toBeLessThan(1e-6 + 1e-12 * lots);
          const next = sized.qty + rules.qtyStep;
          // up to float rounding at the boundary (a lot that lands exactly on a cap may be refused)
          expect(next * perUnit > budget * (1 - 1e-9) || next > cap * (1 - 1e-9), 'one more lot breaks a limit').toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it.each([
    // [what, intent, rules, qty]: sizes landing exactly on a cap keep their last lot, written as the decimal
    ['risk budget, long', { side: 1, stopBucket: 2, entryFeeRate: 0, takerFeeRate: 0, equity: 30 }, { riskPct: 0.01, maxLeverage: 10, qtyStep: 0.1 }, 0.3],
    ['risk budget, short (stop above the fill)', { side: -1, stopBucket: 2, entryFeeRate: 0, takerFeeRate: 0, equity: 70 }, { riskPct: 0.01, maxLeverage: 10, qtyStep: 0.1 }, 0.7],
    ['leverage cap', { side: 1, stopBucket: 1, equity: 30 }, { riskPct: 1, maxLeverage: 1, qtyStep: 0.1 }, 0.3],
    ['leverage cap, lot 1e-5', { side: 1, stopBucket: 1, fillPrice: 37, equity: 0.00074 }, { riskPct: 1, maxLeverage: 1, qtyStep: 0.00001 }, 0.00002],
    ['just short of a lot rounds down', { side: 1, stopBucket: 1, equity: 29.9999999 }, { riskPct: 1, maxLeverage: 1, qtyStep: 0.1 }, 0.2],
    // 3 lots less 3e-10 of a lot: the nudge takes 3, the cap test (1e-10 of the cap over) takes one back
    ['a hair short of a lot never rounds up', { side: 1, stopBucket: 1, equity: 30 - 3e-9 }, { riskPct: 1, maxLeverage: 1, qtyStep: 0.1 }, 0.2],
    ['a hair short of a lot never rounds up, short risk budget', { side: -1, stopBucket: 2, entryFeeRate: 0, takerFeeRate: 0, equity: 30 - 3e-9 }, { riskPct: 0.01, maxLeverage: 10, qtyStep: 0.1 }, 0.2],
  ] as const)('keeps the last lot exactly on the cap: %s', (_what, over, rules, qty) => {
    const sized = sizeByRisk(intent(over as Partial<OrderIntent>), { stopStepBps: 50, minQty: 0, ...rules });
    expect([sized.rejected, sized.qty]).toEqual([false, qty]);
  });

  it('counts the slippage of the stop exit: 3 bps of slippage and a 0.5 % stop no longer lose 5 % more than riskPct', () => {
    // Long at 100, k = 1 → S = 99.5; with 3 bps the stop exits at 99.5 × 0.9997 = 99.47015.
    const rules: RiskRules = { riskPct: 0.01, stopStepBps: 50, maxLeverage: 100, qtyStep: 1e-9, minQty: 0 };
    const sized = sizeByRisk(intent({ slippage: 0.0003 }), rules);
    const exit = 99.5 * (1 - 0.0003);
    const lossAtStop = sized.qty * (100 - exit + 100 * 0.0005 + exit * 0.0005);
    expect(lossAtStop, 'the loss at the stop, slippage included, is the budget').toBeCloseTo(100, 6);
    expect(lossAtStop).toBeLessThanOrEqual(100 * (1 + CAP_TOLERANCE));
    const withoutSlippage = sizeByRisk(intent({ slippage: 0 }), rules);
    expect(withoutSlippage.qty * (100 - exit + 100 * 0.0005 + exit * 0.0005), 'sizing without slippage overshoots by ≈ 5 %').toBeGreaterThan(104.9);
  });

  it('rejects when equity is not positive', () => {
    const sized = sizeByRisk(intent({ equity: -1 }), { riskPct: 0.01, stopStepBps: 50, maxLeverage: 1, qtyStep: 0.001, minQty: 0 });
    expect([sized.rejected, sized.qty]).toEqual([true, 0]);
  });
});
