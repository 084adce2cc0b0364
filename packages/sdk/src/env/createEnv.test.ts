import { describe, expect, it } from 'vitest';
import { definePlugin } from '../plugin/definePlugin.ts';
import { STAGE } from '../plugin/stages.ts';
import { REJECT } from '../execution/verifyOrder.ts';
import { sizeByRisk } from '../execution/sizing.ts';
import type { RiskRules } from '../execution/types.ts';
import type { Bars } from '../features/types.ts';
import { buildMasks, createActionSpace, POSITION_STATE } from './actionSpace.ts';
import { deriveSeed, Rng } from './rng.ts';
import { createEnv, createVecEnv } from './index.ts';

function flatBars(n: number): Bars {
  const ones = () => new Float64Array(n).fill(100);
  return { length: n, time: Float64Array.from({ length: n }, (_, i) => i * 60_000), open: ones(), high: ones(), low: ones(), close: ones(), volume: ones() };
}

const indicatorOnly = definePlugin({ name: 'some-indicator', version: '0.0.0', kind: 'indicator', setup() {} });

describe('createEnv', () => {
  it('refuses to build an env without a risk guard and names the package to install', async () => {
    await expect(createEnv({ bars: flatBars(50), plugins: [indicatorOnly()] })).rejects.toThrow(/@tradecore\/plugin-risk-guard/);
    await expect(createVecEnv({ bars: flatBars(50), plugins: [], numEnvs: 2 })).rejects.toThrow(/no risk-guard plugin/);
  });

  it('needs the action-space options from the risk guard', async () => {
    const oddGuard = definePlugin({ name: 'odd-guard', version: '0.0.0', kind: 'risk-guard', setup() {} });
    await expect(createEnv({ bars: flatBars(50), plugins: [oddGuard()] })).rejects.toThrow(/risk-guard plugin "odd-guard": options.buckets must be a number/);
  });

  it('validates execution and env options with paths', async () => {
    const guard = definePlugin({ name: 'g', version: '0.0.0', kind: 'risk-guard', setup() {} })({ buckets: 2, stopStepBps: 50 } as never);
    await expect(createEnv({ bars: flatBars(50), plugins: [guard], execution: { takerFeeBps: -1 } })).rejects.toThrow(/execution options is invalid:\n\s+takerFeeBps: must be >= 0/);
    await expect(createEnv({ bars: flatBars(50), plugins: [guard], env: { window: 0 } })).rejects.toThrow(/env options is invalid:\n\s+window/);
    await expect(createEnv({ bars: flatBars(10), plugins: [guard], env: { window: 32 } })).rejects.toThrow(/not enough bars/);
  });
});

describe('the order hook contract', () => {
  const rules = { riskPct: 0.01, stopStepBps: 50, buckets: 2, maxLeverage: 1, qtyStep: 0.001, minQty: 0.001 };
  const long = { kind: 'long', stopBucket: 1, type: 'market' } as const;

  it('a risk guard that never sizes at STAGE.RISK_GUARD is warned about at build, and every entry is rejected', async () => {
    const early = definePlugin({
      name: 'early-guard',
      version: '0.0.0',
      kind: 'risk-guard',
      setup(hooks, { options }) {
        hooks.order.tap({ name: 'early-guard', stage: STAGE.DEFAULT }, (intent) => sizeByRisk(intent, options as unknown as RiskRules));
      },
    })(rules as never);
    const lines: string[] = [];
    const env = await createEnv({ bars: flatBars(50), plugins: [early], env: { window: 1 }, log: (l) => lines.push(l) });
    expect(lines[0]).toMatch(/^\[engine\] risk-guard plugin "early-guard" did not tap hooks\.order at STAGE\.RISK_GUARD: every entry will be rejected/);
    env.reset({ startIndex: 1 });
    env.step(env.encodeAction(long));
    expect([env.broker.position, env.ledger.columns.rejectReason[0]]).toEqual([0, REJECT.NOT_SIZED_BY_GUARD]);
  });

  it('a guard at STAGE.RISK_GUARD sizes, and its result is what fills', async () => {
    const guard = definePlugin({
      name: 'g',
      version: '0.0.0',
      kind: 'risk-guard',
      setup(hooks, { options }) {
        hooks.order.tap({ name: 'g', stage: STAGE.RISK_GUARD }, (intent) => sizeByRisk(intent, options as unknown as RiskRules));
      },
    })(rules as never);
    const env = await createEnv({ bars: flatBars(50), plugins: [guard], env: { window: 1 } });
    env.reset({ startIndex: 1 });
    env.step(env.encodeAction(long));
    expect([env.broker.position, env.ledger.columns.rejectReason[0]]).toEqual([100, REJECT.NONE]);
  });
});

describe('action space', () => {
  it('lays out Discrete(2 + 4K) and masks by position', () => {
    const space = createActionSpace(4, 50);
    expect(space.n).toBe(18);
    const [flat, long, short] = buildMasks(space, true);
    expect(flat?.[1], 'close masked when flat').toBe(0);
    expect(Array.from(long ?? []).slice(2, 10), 'long entries masked when long').toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(long ?? []).slice(10), 'short entries (reversals) allowed when long').toEqual(new Array(8).fill(1));
    expect(Array.from(short ?? []).slice(10)).toEqual(new Array(8).fill(0));
    const [flatLongOnly] = buildMasks(space, false);
    expect(Array.from(flatLongOnly ?? []).slice(10)).toEqual(new Array(8).fill(0));
    expect(POSITION_STATE.SHORT).toBe(2);
    expect(space.describe(space.encode({ kind: 'short', stopBucket: 2, type: 'limit' }))).toBe('short(k=2, limit)');
    expect(() => space.encode({ kind: 'long', stopBucket: 5, type: 'market' })).toThrow(/1\.\.4/);
  });
});

describe('Rng', () => {
  it('is reproducible per seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 5 }, () => r.nextU32());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    const r = new Rng(3);
    for (let k = 0; k < 1000; k++) {
      const x = r.nextInt(7);
      expect(x >= 0 && x < 7 && Number.isInteger(x)).toBe(true);
    }
    expect(new Set(Array.from({ length: 64 }, (_, k) => deriveSeed(0, k))).size).toBe(64);
  });
});
