import { describe, expect, it } from 'vitest';
import { Broker, type BarSeries } from './Broker.ts';
import { resolveExecutionParams } from './params.ts';
import { sizeByRisk } from './sizing.ts';
import { ORDER_KIND, type OrderIntent, type RiskRules } from './types.ts';
import { REJECT } from './verifyOrder.ts';
import type { ExecutionConfig } from '../config/schema.ts';

type Ohlc = readonly [open: number, high: number, low: number, close: number];
interface Order {
  kind: number;
  limit?: boolean;
  k?: number;
}
interface Expected {
  qty?: number;
  fillPrice?: number;
  stop?: number;
  cash: number;
  fees: number;
  equity: number;
  position: number;
  filled?: number;
  submitted?: number;
  rejected?: number;
  expired?: number;
  stopTriggered?: number;
  stopGapped?: number;
  stopExcess?: number;
}
interface Case {
  rule: string;
  bars: readonly Ohlc[];
  orders: readonly Order[];
  execution?: Partial<ExecutionConfig>;
  rules?: Partial<RiskRules>;
  expected: Expected;
}

const FLAT: Ohlc = [100, 100, 100, 100];
const LONG = ORDER_KIND.LONG;
const SHORT = ORDER_KIND.SHORT;
const HOLD = ORDER_KIND.HOLD;
const CLOSE = ORDER_KIND.CLOSE;
const taker = 0.0005;
const maker = 0.0002;
// Cash after `long(k=2, market)` fills 90.95 at 100 from 10,000 (used by the cases that build on it).
const afterLong = 10_000 - 90.95 * 100 - 90.95 * 100 * taker;

// Defaults: taker 5 bps, maker 2 bps, limit offset 10 bps (limit at 99.9 after a close of 100), ttl 1;
// risk 1 % of equity, stop step 50 bps (k=2 → 1 %), leverage cap 10, lot 0.001.
const cases: Case[] = [
  {
    rule: 'market entry fills at the next open and pays the taker fee',
    bars: [FLAT, [100, 101, 99.8, 100.5]],
    orders: [{ kind: LONG, k: 2 }],
    // loss per unit at the stop = (100 − 99) + 100 × 5 bps + 99 × 5 bps = 1.0995 → qty = floor(100 / 1.0995, 0.001)
    expected: { qty: 90.95, fillPrice: 100, stop: 99, cash: afterLong, fees: 90.95 * 100 * taker, equity: afterLong + 90.95 * 100.5, position: 90.95, filled: 1 },
  },
  {
    rule: 'a limit marketable at the open fills there as taker',
    bars: [FLAT, [99.5, 100, 99, 99.8]],
    orders: [{ kind: LONG, limit: true, k: 2 }],
    expected: {
      qty: 91.407,
      fillPrice: 99.5,
      stop: 99.5 * 0.99,
      cash: 10_000 - 91.407 * 99.5 * (1 + taker),
      fees: 91.407 * 99.5 * taker,
      equity: 10_000 - 91.407 * 99.5 * (1 + taker) + 91.407 * 99.8,
      position: 91.407,
    },
  },
  {
    rule: 'a post-only limit marketable at the open is rejected',
    bars: [FLAT, [99.5, 100, 99, 99.8]],
    orders: [{ kind: LONG, limit: true, k: 2 }],
    execution: { postOnly: true },
    expected: { cash: 10_000, fees: 0, equity: 10_000, position: 0, filled: 0, rejected: 1, submitted: 1 },
  },
  {
    rule: 'a resting limit traded through fills at its price as maker',
    bars: [FLAT, [100.2, 100.5, 99.7, 100]],
    orders: [{ kind: LONG, limit: true, k: 2 }],
    expected: {
      qty: 93.595,
      fillPrice: 99.9,
      stop: 99.9 * 0.99,
      cash: 10_000 - 93.595 * 99.9 * (1 + maker),
      fees: 93.595 * 99.9 * maker,
      equity: 10_000 - 93.595 * 99.9 * (1 + maker) + 93.595 * 100,
      position: 93.595,
    },
  },
  {
    rule: 'a limit only touched expires after limitTtlBars at no cost',
    bars: [FLAT, [100.2, 100.5, 99.9, 100]],
    orders: [{ kind: LONG, limit: true, k: 2 }],
    expected: { cash: 10_000, fees: 0, equity: 10_000, position: 0, filled: 0, expired: 1, submitted: 1 },
  },
  {
    rule: 'with touchFills a touched limit fills as maker',
    bars: [FLAT, [100.2, 100.5, 99.9, 100]],
    orders: [{ kind: LONG, limit: true, k: 2 }],
    execution: { touchFills: true },
    expected: { qty: 93.595, fillPrice: 99.9, cash: 10_000 - 93.595 * 99.9 * (1 + maker), fees: 93.595 * 99.9 * maker, equity: 10_000 - 93.595 * 99.9 * (1 + maker) + 93.595 * 100, position: 93.595 },
  },
  {
    rule: 'a long stop hit fills at the stop as taker; the loss equals the planned risk',
    bars: [FLAT, [100, 100.5, 99.5, 100], [99.5, 99.6, 98.8, 99.2]],
    orders: [{ kind: LONG, k: 2 }, { kind: HOLD }],
    expected: {
      fillPrice: 99,
      cash: afterLong + 90.95 * 99 * (1 - taker),
      fees: 90.95 * 100 * taker + 90.95 * 99 * taker,
      equity: afterLong + 90.95 * 99 * (1 - taker),
      position: 0,
      stopTriggered: 1,
      stopGapped: 0,
      stopExcess: 0,
    },
  },
  {
    rule: 'a gap through the stop fills at the open and reports the excess loss',
    bars: [FLAT, [100, 100.5, 99.5, 100], [98.5, 98.9, 98.2, 98.6]],
    orders: [{ kind: LONG, k: 2 }, { kind: HOLD }],
    expected: {
      fillPrice: 98.5,
      cash: afterLong + 90.95 * 98.5 * (1 - taker),
      fees: 90.95 * 100 * taker + 90.95 * 98.5 * taker,
      equity: afterLong + 90.95 * 98.5 * (1 - taker),
      position: 0,
      stopTriggered: 1,
      stopGapped: 1,
      // 0.5 further down, less the smaller exit fee on it
      stopExcess: 90.95 * 0.5 * (1 - taker),
    },
  },
  {
    rule: 'a short stop triggers on the high and fills at the stop',
    bars: [FLAT, [100, 100.8, 99.5, 100.2], [100.4, 101.3, 100.1, 101]],
    orders: [{ kind: SHORT, k: 2 }, { kind: HOLD }],
    expected: {
      fillPrice: 101,
      cash: 10_000 + 90.867 * 100 * (1 - taker) - 90.867 * 101 * (1 + taker),
      fees: 90.867 * 100 * taker + 90.867 * 101 * taker,
      equity: 10_000 + 90.867 * 100 * (1 - taker) - 90.867 * 101 * (1 + taker),
      position: 0,
      stopTriggered: 1,
      stopGapped: 0,
      stopExcess: 0,
    },
  },
  {
    rule: 'a short gapped through its stop fills at the open (max(open, S)) and reports the excess',
    bars: [FLAT, [100, 100.8, 99.5, 100.2], [101.5, 102, 101.2, 101.8]],
    orders: [{ kind: SHORT, k: 2 }, { kind: HOLD }],
    expected: {
      fillPrice: 101.5,
      cash: 10_000 + 90.867 * 100 * (1 - taker) - 90.867 * 101.5 * (1 + taker),
      fees: 90.867 * 100 * taker + 90.867 * 101.5 * taker,
      equity: 10_000 + 90.867 * 100 * (1 - taker) - 90.867 * 101.5 * (1 + taker),
      position: 0,
      stopTriggered: 1,
      stopGapped: 1,
      // 0.5 further up, plus the larger exit fee on it
      stopExcess: 90.867 * 0.5 * (1 + taker),
    },
  },
  {
    rule: 'a reversal closes at the open, then opens the other side sized on the new equity',
    bars: [FLAT, [100, 100.5, 99.5, 100], [100.4, 100.6, 100, 100.3]],
    orders: [{ kind: LONG, k: 2 }, { kind: SHORT, k: 1 }],
    // equity after the close = 10,027.26681; k=1 short at 100.4: stop 100.902, qty = 166.385
    expected: {
      qty: -90.95 - 166.385,
      fillPrice: 100.4,
      stop: 100.4 * 1.005,
      submitted: 2,
      filled: 2,
      cash: afterLong + 90.95 * 100.4 * (1 - taker) + 166.385 * 100.4 * (1 - taker),
      fees: 90.95 * 100 * taker + 90.95 * 100.4 * taker + 166.385 * 100.4 * taker,
      equity: afterLong + 90.95 * 100.4 * (1 - taker) + 166.385 * 100.4 * (1 - taker) - 166.385 * 100.3,
      position: -166.385,
    },
  },
  {
    rule: 'close exits the whole position at the next open as taker',
    bars: [FLAT, [100, 100.5, 99.5, 100], [100.4, 100.6, 100, 100.3]],
    orders: [{ kind: LONG, k: 2 }, { kind: CLOSE }],
    expected: {
      qty: -90.95,
      fillPrice: 100.4,
      stop: Number.NaN,
      cash: afterLong + 90.95 * 100.4 * (1 - taker),
      fees: 90.95 * 100 * taker + 90.95 * 100.4 * taker,
      equity: afterLong + 90.95 * 100.4 * (1 - taker),
      position: 0,
    },
  },
  {
    rule: 'a size below minQty is rejected',
    bars: [FLAT, [100, 101, 99.8, 100.5]],
    orders: [{ kind: LONG, k: 2 }],
    execution: { initialCash: 50 },
    // 1 % of 50 = 0.5 at risk → 0.5 / 1.0995 = 0.454 < minQty 0.5
    rules: { minQty: 0.5 },
    expected: { cash: 50, fees: 0, equity: 50, position: 0, filled: 0, rejected: 1, submitted: 1 },
  },
  {
    rule: 'the leverage cap limits the size when the stop is tight',
    bars: [FLAT, [100, 100.3, 99.6, 100.1]],
    orders: [{ kind: LONG, k: 1 }],
    // risk allows 100 / 0.59975 = 166.7, but 1× leverage allows 10,000 / 100 = 100
    rules: { maxLeverage: 1 },
    expected: { qty: 100, fillPrice: 100, stop: 99.5, cash: -5, fees: 5, equity: -5 + 100 * 100.1, position: 100 },
  },
  {
    rule: 'a short sized exactly on the risk budget keeps that lot (no float refusal at the boundary)',
    bars: [FLAT, [100, 100.5, 99.5, 100.2]],
    orders: [{ kind: SHORT, k: 2 }],
    // no fees: stop 101, loss per unit 1, budget 1 % of 30 = 0.3 → exactly 3 lots of 0.1
    execution: { initialCash: 30, takerFeeBps: 0, makerFeeBps: 0 },
    rules: { qtyStep: 0.1, minQty: 0.1 },
    expected: { qty: -0.3, fillPrice: 100, stop: 101, cash: 60, fees: 0, equity: 60 - 0.3 * 100.2, position: -0.3 },
  },
  {
    rule: 'a size landing exactly on the leverage cap keeps that lot',
    bars: [FLAT, [100, 100.3, 99.6, 100.1]],
    orders: [{ kind: LONG, k: 1 }],
    // 1× leverage on 30 at 100 allows exactly 0.3 = 3 lots of 0.1 (risk alone would allow 0.5)
    execution: { initialCash: 30 },
    rules: { maxLeverage: 1, qtyStep: 0.1, minQty: 0.1 },
    expected: { qty: 0.3, fillPrice: 100, stop: 99.5, cash: -0.015, fees: 0.015, equity: -0.015 + 0.3 * 100.1, position: 0.3 },
  },
  {
    rule: 'a limit fill and its stop in the same bar: the worst case, stopped out at the stop',
    bars: [FLAT, [100.2, 100.4, 99, 99.3]],
    orders: [{ kind: LONG, limit: true, k: 1 }],
    expected: {
      qty: 0,
      fillPrice: 99.9 * 0.995,
      stop: Number.NaN,
      filled: 2,
      cash: 10_000 - 175.691 * 99.9 * (1 + maker) + 175.691 * 99.9 * 0.995 * (1 - taker),
      fees: 175.691 * 99.9 * maker + 175.691 * 99.9 * 0.995 * taker,
      equity: 10_000 - 175.691 * 99.9 * (1 + maker) + 175.691 * 99.9 * 0.995 * (1 - taker),
      position: 0,
      stopTriggered: 1,
      stopGapped: 0,
      stopExcess: 0,
    },
  },
];

const baseRules: RiskRules = { riskPct: 0.01, stopStepBps: 50, maxLeverage: 10, qtyStep: 0.001, minQty: 0.001 };

function series(rows: readonly Ohlc[]): BarSeries {
  const col = (k: number) => Float64Array.from(rows, (r) => r[k] as number);
  return { open: col(0), high: col(1), low: col(2), close: col(3) };
}

function expectClose(actual: number, expected: number, what: string) {
  if (Number.isNaN(expected)) expect(actual, what).toBeNaN();
  else expect(actual, what).toBeCloseTo(expected, 9);
}

describe('Broker: execution rules on hand-made bars', () => {
  it.each(cases)('$rule', ({ bars, orders, execution, rules, expected }) => {
    const params = resolveExecutionParams({ makerFeeBps: 2, takerFeeBps: 5, limitOffsetBps: 10, ...execution });
    const guard = { ...baseRules, ...rules };
    const broker = new Broker(params, (intent) => sizeByRisk(intent, guard));
    const b = series(bars);
    orders.forEach((order, step) => broker.execute(b, step + 1, order.kind, order.limit ?? false, order.k ?? 0));
    const lastClose = bars[bars.length - 1]?.[3] as number;

    expectClose(broker.cash, expected.cash, 'cash');
    expectClose(broker.totalFees, expected.fees, 'total fees');
    expectClose(broker.equity(lastClose), expected.equity, 'equity = cash + position × close');
    expectClose(broker.position, expected.position, 'position');
    if (expected.qty !== undefined) expectClose(broker.stepQty, expected.qty, 'qty traded in the last step');
    if (expected.fillPrice !== undefined) expectClose(broker.stepFillPrice, expected.fillPrice, 'last fill price');
    if (expected.stop !== undefined) expectClose(broker.stopPrice, expected.stop, 'stop');
    if (broker.position !== 0) expect(Number.isFinite(broker.stopPrice), 'an open position always has a stop').toBe(true);
    if (expected.filled !== undefined) expect(broker.stepFilled, 'fills').toBe(expected.filled);
    if (expected.submitted !== undefined) expect(broker.stepSubmitted, 'orders submitted').toBe(expected.submitted);
    expect(broker.stepRejected, 'rejections').toBe(expected.rejected ?? 0);
    expect(broker.stepExpired, 'expiries').toBe(expected.expired ?? 0);
    if (expected.stopTriggered !== undefined) expect(broker.stepStopTriggered, 'stop triggered').toBe(expected.stopTriggered);
    if (expected.stopGapped !== undefined) expect(broker.stepStopGapped, 'stop gapped').toBe(expected.stopGapped);
    if (expected.stopExcess !== undefined) expectClose(broker.stepStopExcess, expected.stopExcess, 'loss beyond the planned risk');
  });

  it('names the reason of a rejection', () => {
    const params = resolveExecutionParams({ initialCash: 50 });
    const broker = new Broker(params, (intent) => sizeByRisk(intent, { ...baseRules, minQty: 0.5 }));
    broker.execute(series([FLAT, [100, 101, 99.8, 100.5]]), 1, LONG, false, 2);
    expect(broker.lastRejectReason).toMatch(/minQty/);
  });

  it('keeps a limit resting for limitTtlBars bars, then expires it', () => {
    const params = resolveExecutionParams({ limitOffsetBps: 10, limitTtlBars: 2 });
    const broker = new Broker(params, (intent) => sizeByRisk(intent, baseRules));
    const b = series([FLAT, [100.2, 100.5, 100, 100.1], [100.1, 100.4, 99.95, 100.2], [100, 100, 99, 99.5]]);
    broker.execute(b, 1, LONG, true, 2);
    expect([broker.stepExpired, broker.pendingSide]).toEqual([0, 1]);
    broker.execute(b, 2, HOLD, false, 0);
    expect([broker.stepExpired, broker.pendingSide, broker.position]).toEqual([1, 0, 0]);
    broker.execute(b, 3, HOLD, false, 0);
    expect(broker.position, 'an expired order never fills later').toBe(0);
  });

  it('refuses an entry in the direction already held', () => {
    const broker = new Broker(resolveExecutionParams({}), (intent) => sizeByRisk(intent, baseRules));
    const b = series([FLAT, [100, 101, 99.8, 100.5], [100.5, 101, 100, 100.7]]);
    broker.execute(b, 1, LONG, false, 2);
    expect(() => broker.execute(b, 2, LONG, false, 1)).toThrow(/already long/);
  });

  const changes: readonly (readonly [string, (intent: OrderIntent) => void, number])[] = [
    ['fillPrice', (i) => void (i.fillPrice *= 0.9), REJECT.CHANGED_FILL_PRICE],
    ['side', (i) => void (i.side = -1), REJECT.CHANGED_SIDE],
    ['type', (i) => void (i.type = 'limit'), REJECT.CHANGED_TYPE],
    ['entryFeeRate', (i) => void (i.entryFeeRate = 0), REJECT.CHANGED_ENTRY_FEE],
    ['takerFeeRate', (i) => void (i.takerFeeRate = 0), REJECT.CHANGED_TAKER_FEE],
    ['slippage', (i) => void (i.slippage = 0.5), REJECT.CHANGED_SLIPPAGE],
    ['equity', (i) => void (i.equity *= 2), REJECT.CHANGED_EQUITY],
  ];
  it.each(changes)('rejects an entry whose order hook changed the fill terms (%s): the guard must size the real fill', (field, change, code) => {
    // A helper before the guard moving the fill terms would have the guard size a fill that does not
    // happen (with fillPrice 90 the guard sized 101.06 at stop 89.1 while the fill is at 100).
    const broker = new Broker(resolveExecutionParams({}), (intent) => {
      change(intent);
      return sizeByRisk(intent, baseRules);
    });
    broker.execute(series([FLAT, [100, 101, 99.8, 100.5]]), 1, LONG, false, 2);
    expect([broker.position, broker.cash, broker.totalFees, broker.stepFilled, broker.stepRejected]).toEqual([0, 10_000, 0, 0, 1]);
    expect(broker.stepRejectReason, 'the ledger code names the term').toBe(code);
    expect(broker.lastRejectReason).toContain(`changed the ${field} `);
  });

  it('rejects an entry whose order hook returned another object than the intent it was given', () => {
    const broker = new Broker(resolveExecutionParams({}), (intent) => ({ ...sizeByRisk(intent, baseRules) }));
    broker.execute(series([FLAT, [100, 101, 99.8, 100.5]]), 1, LONG, false, 2);
    expect([broker.position, broker.stepRejected, broker.stepRejectReason]).toEqual([0, 1, REJECT.REPLACED_INTENT]);
  });

  it('seals the intent: a tap cannot turn qty into a getter', () => {
    const broker = new Broker(resolveExecutionParams({}), (intent) => {
      Object.defineProperty(intent, 'qty', { get: () => 1e9, set: () => {} });
      return intent;
    });
    expect(() => broker.execute(series([FLAT, [100, 101, 99.8, 100.5]]), 1, LONG, false, 2)).toThrow(TypeError);
    expect(broker.position).toBe(0);
  });

  it.each([1.5, 0, 5, Number.NaN])('rejects stop bucket %s: buckets are integers in 1..K', (bucket) => {
    // A helper that sets bucket 1.5 would get a 0.75 % stop from the guard.
    const broker = new Broker(
      resolveExecutionParams({}),
      (intent) => {
        intent.stopBucket = bucket;
        return sizeByRisk(intent, baseRules);
      },
      undefined,
      { buckets: 4 },
    );
    broker.execute(series([FLAT, [100, 101, 99.8, 100.5]]), 1, LONG, false, 2);
    expect([broker.position, broker.stepRejected, broker.stepRejectReason]).toEqual([0, 1, REJECT.STOP_BUCKET]);
  });

  it('applies slippage against the trader on market entries and stop exits', () => {
    const params = resolveExecutionParams({ slippageBps: 10, takerFeeBps: 0, makerFeeBps: 0 });
    const broker = new Broker(params, (intent) => sizeByRisk(intent, baseRules));
    const b = series([FLAT, [100, 100.5, 99.5, 100], [99.5, 99.6, 98, 99.2]]);
    broker.execute(b, 1, LONG, false, 2);
    expect(broker.stepFillPrice).toBeCloseTo(100.1, 12);
    broker.execute(b, 2, HOLD, false, 0);
    expect(broker.stepFillPrice).toBeCloseTo(100.1 * 0.99 * 0.999, 12);
    expect(broker.stepStopExcess, 'the stop did not gap: its slippage was planned for').toBe(0);
    expect(10_000 - broker.cash, 'the loss at a non-gapped stop is the budget, slippage included').toBeLessThanOrEqual(100 + 1e-9);
    expect(10_000 - broker.cash, 'one lot less than the budget at most').toBeGreaterThan(100 - 0.001 * 1.2);
  });

  it('reports slippage beyond the stop only when the stop gaps', () => {
    const params = resolveExecutionParams({ slippageBps: 10, takerFeeBps: 0, makerFeeBps: 0 });
    const broker = new Broker(params, (intent) => sizeByRisk(intent, baseRules));
    const b = series([FLAT, [100, 100.5, 99.5, 100], [98, 98.5, 97.5, 98]]);
    broker.execute(b, 1, LONG, false, 2);
    const planned = broker.plannedLoss;
    broker.execute(b, 2, HOLD, false, 0);
    expect(broker.stepStopGapped).toBe(1);
    expect(broker.stepFillPrice, 'a gap exits at the open, slipped').toBeCloseTo(98 * 0.999, 12);
    expect(broker.stepStopExcess).toBeCloseTo(10_000 - broker.cash - planned, 9);
  });
});
