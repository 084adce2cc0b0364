import { describe, expect, expectTypeOf, it } from 'vitest';
import { createEngine, RISK_GUARD_PACKAGE, ValidationError, type TradecorePlugin } from '@tradecore/sdk';
import { riskGuard, RISK_GUARD_NAME } from './riskGuard.ts';
import { trailingStop } from './trailingStop.ts';

describe('riskGuard()', () => {
  it('is a risk-guard plugin with documented defaults', () => {
    const plugin = riskGuard();
    expectTypeOf(plugin).toExtend<TradecorePlugin>();
    expect([plugin.name, plugin.kind]).toEqual([RISK_GUARD_NAME, 'risk-guard']);
    expect(plugin.name, 'the package the SDK tells users to install').toBe(RISK_GUARD_PACKAGE);
    expect(plugin.options).toEqual({ riskPct: 0.01, stopStepBps: 50, buckets: 4, maxLeverage: 1, qtyStep: 0.00001, minQty: 0.00001 });
  });

  it('rejects bad options where they are written, with paths', () => {
    expect(() => riskGuard({ riskPct: 2 })).toThrow(ValidationError);
    expect(() => riskGuard({ riskPct: 2 })).toThrow(/riskPct: must be <= 1/);
    expect(() => riskGuard({ buckets: 0 })).toThrow(/buckets: must be >= 1/);
    expect(() => riskGuard({ qtyStep: 0 })).toThrow(/qtyStep: must be > 0/);
    expect(() => riskGuard({ stopLoss: 1 } as never)).toThrow(/stopLoss: unknown property/);
  });

  it.each([
    [5000, 2], // bucket 2: a long stop at fill × (1 − 100 %) = 0
    [2600, 4], // bucket 4: 104 %, below zero
  ])('refuses stopStepBps %i × buckets %i ≥ 100 percent: a long stop would be at or below zero', async (stopStepBps, buckets) => {
    await expect(createEngine({ plugins: [riskGuard({ stopStepBps, buckets })] })).rejects.toThrow(/stopStepBps × buckets must be below 10000/);
  });

  it('accepts the widest stop just below 100 %', async () => {
    await expect(createEngine({ plugins: [riskGuard({ stopStepBps: 2499, buckets: 4 })] })).resolves.toBeDefined();
  });

  it('trailingStop() is a separate execution plugin', () => {
    const plugin = trailingStop({ trailBps: 40 });
    expect([plugin.kind, plugin.options]).toEqual(['execution', { trailBps: 40, activateAfterBars: 0 }]);
    expect(() => trailingStop({ trailBps: 0 })).toThrow(/trailBps/);
  });
});
