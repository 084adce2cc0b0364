// Plugins that try to get around the risk guard. The guard's size and stop are final: a tap after it
// is refused when the engine is built, and whatever gets past that check is rejected at the fill,
// with its reason in the ledger.
import { describe, expect, it } from 'vitest';
import {
  createEnv,
  createVecEnv,
  definePlugin,
  REJECT,
  REJECT_REASONS,
  STAGE,
  type EngineHooks,
  type OrderIntent,
  type PluginOption,
  type TradecorePlugin,
} from '@tradecore/sdk';
import { barsFrom } from './__fixtures__/env.ts';
import { riskGuard, RISK_GUARD_NAME } from './riskGuard.ts';

// Bar 2 opens at 100: long(k = 2, market) → the guard sizes 90.95 with the stop at 99 (1 %).
const rows: [number, number, number, number][] = [
  [100, 100, 100, 100],
  [100, 100, 100, 100],
  [100, 101, 99.8, 100.5],
  [100.5, 100.6, 99.5, 100],
];
const GUARD_QTY = 90.95;
const GUARD_STOP = 99;
const guard = () => riskGuard({ qtyStep: 0.001, maxLeverage: 10 });

type Change = (intent: OrderIntent) => OrderIntent | undefined;
const changes: readonly (readonly [string, Change])[] = [
  ['multiplies qty by 91 and returns the intent', (i) => ((i.qty *= 91), i)],
  ['moves the stop to half the fill price', (i) => ((i.stopPrice = i.fillPrice * 0.5), i)],
  ['mutates the intent in place and returns nothing', (i) => void ((i.qty *= 91), (i.stopPrice = i.fillPrice * 0.5))],
];

function hostile(name: string, stage: number, change: Change): TradecorePlugin {
  return definePlugin({
    name,
    version: '0.0.0',
    kind: 'execution',
    setup(hooks) {
      hooks.order.tap({ name, stage }, change as (intent: OrderIntent) => OrderIntent);
    },
  })();
}

/** A plugin that does whatever `setup` says with the raw hooks (to reach around the tap API). */
function raw(name: string, setup: (hooks: EngineHooks) => void): TradecorePlugin {
  return definePlugin({ name, version: '0.0.0', kind: 'execution', setup })();
}

/** `long(k = 2, market)` from bar 1 with these plugins (the risk guard among them). */
async function enterLong(plugins: PluginOption[]) {
  const lines: string[] = [];
  const env = await createEnv({ bars: barsFrom(rows), plugins, env: { window: 1 }, log: (l) => lines.push(l) });
  env.reset({ startIndex: 1 });
  const info = { ...env.step(env.encodeAction({ kind: 'long', stopBucket: 2, type: 'market' })).info };
  const c = env.ledger.columns;
  return { info, rejected: c.rejected[0], rejectReason: c.rejectReason[0], lines };
}

describe('an order tap can never resize an order after the risk guard', () => {
  const allowed = [['STAGE.PRE', STAGE.PRE], ['STAGE.DEFAULT', STAGE.DEFAULT], ['STAGE.POST', STAGE.POST], ['STAGE.RISK_GUARD − 1', STAGE.RISK_GUARD - 1]] as const;
  const refused = [['STAGE.RISK_GUARD', STAGE.RISK_GUARD], ['STAGE.RISK_GUARD + 1', STAGE.RISK_GUARD + 1], ['2^53', 2 ** 53], ['Infinity', Number.POSITIVE_INFINITY], ['NaN (tapable would put it last)', Number.NaN]] as const;

  describe.each(changes)('a tap that %s', (_what, change) => {
    it.each(allowed)('at %s runs before the guard: the guard sizes the order as if it were not there', async (_stage, stage) => {
      for (const order of ['before', 'after'] as const) {
        const plugin = hostile('hostile-helper', stage, change);
        const { info, rejected } = await enterLong(order === 'before' ? [plugin, guard()] : [guard(), plugin]);
        expect([info.position, info.stopPrice, rejected], `listed ${order} the guard: the guard set qty and stop`).toEqual([GUARD_QTY, GUARD_STOP, 0]);
      }
    });

    it.each(refused)('at %s is refused when the engine is built, naming the plugin', async (_stage, stage) => {
      for (const order of ['before', 'after'] as const) {
        const plugin = hostile('hostile-helper', stage, change);
        const plugins = order === 'before' ? [plugin, guard()] : [guard(), plugin];
        await expect(createEnv({ bars: barsFrom(rows), plugins, env: { window: 1 } }), `listed ${order} the guard`).rejects.toThrow(
          /plugin "hostile-helper" taps hooks\.order at stage .*only the risk guard may tap at STAGE\.RISK_GUARD/,
        );
      }
    });
  });

  it('the 91× leverage reproduction (cap 10×, a tap after the guard multiplying qty) no longer builds', async () => {
    const guard10x = riskGuard({ riskPct: 0.01, maxLeverage: 10, qtyStep: 0.001 });
    const leverage91 = hostile('leverage-91', STAGE.RISK_GUARD + 1, (i) => ((i.qty = (91 * i.equity) / i.fillPrice), i));
    await expect(createEnv({ bars: barsFrom(rows), plugins: [guard10x, leverage91], env: { window: 1 } })).rejects.toThrow(/plugin "leverage-91"/);
  });

  it('refuses a tap at the guard stage made outside any setup (e.g. on engine.hooks after createEnv)', async () => {
    const env = await createEnv({ bars: barsFrom(rows), plugins: [guard()], env: { window: 1 } });
    expect(() => env.context.engine.hooks.order.tap({ name: RISK_GUARD_NAME, stage: STAGE.RISK_GUARD }, (i) => i)).toThrow(/outside any plugin's setup/);
  });

  it('a tap that impersonates the guard by name is still refused', async () => {
    const impostor = hostile(RISK_GUARD_NAME + '-impostor', STAGE.RISK_GUARD, (i) => ((i.qty *= 91), i));
    const renamed = raw('renamed', (hooks) => hooks.order.tap({ name: RISK_GUARD_NAME, stage: STAGE.RISK_GUARD + 1 }, (i) => i));
    await expect(createEnv({ bars: barsFrom(rows), plugins: [guard(), impostor], env: { window: 1 } })).rejects.toThrow(/impostor/);
    await expect(createEnv({ bars: barsFrom(rows), plugins: [guard(), renamed], env: { window: 1 } })).rejects.toThrow(/plugin "renamed"/);
  });
});

describe('whatever gets past the setup check is rejected at the fill, with its reason in the ledger', () => {
  const bypasses: readonly (readonly [string, TradecorePlugin, number])[] = [
    [
      'a tap pushed straight into hooks.order.taps, after the guard',
      raw('pusher', (hooks) => {
        (hooks.order as unknown as { taps: object[] }).taps.push({ type: 'sync', name: 'pusher', stage: 2e6, fn: (i: OrderIntent) => ((i.qty *= 91), i) });
      }),
      REJECT.QTY_CHANGED_AFTER_GUARD,
    ],
    [
      'a result interceptor that moves the stop once every tap has run',
      raw('result-interceptor', (hooks) => {
        hooks.order.intercept({ result: (i: OrderIntent) => void (i.stopPrice = i.fillPrice * 0.5) } as never);
      }),
      REJECT.STOP_CHANGED_AFTER_GUARD,
    ],
    [
      'a register interceptor that raises its own tap to a later stage after the check',
      raw('stage-raiser', (hooks) => {
        hooks.order.intercept({ register: (tap) => (tap.name === 'stage-raiser' ? { ...tap, stage: 2e6 } : tap) });
        hooks.order.tap({ name: 'stage-raiser', stage: STAGE.DEFAULT }, (i) => ((i.qty *= 91), i));
      }),
      REJECT.QTY_CHANGED_AFTER_GUARD,
    ],
    [
      'an interceptor that shows the guard 91× the equity and puts it back',
      raw('equity-inflater', (hooks) => {
        hooks.order.intercept({
          register: (tap) => {
            if (tap.name !== RISK_GUARD_NAME) return tap;
            const sized = tap.fn as (i: OrderIntent) => OrderIntent;
            return {
              ...tap,
              fn: (i: OrderIntent) => {
                const equity = i.equity;
                i.equity = equity * 91;
                const out = sized(i);
                i.equity = equity;
                return out;
              },
            };
          },
        });
      }),
      REJECT.GUARD_SAW_OTHER_TERMS,
    ],
    [
      "an interceptor that replaces the guard's function",
      raw('guard-replacer', (hooks) => {
        hooks.order.intercept({
          register: (tap) => (tap.name === RISK_GUARD_NAME ? { ...tap, fn: (i: OrderIntent) => ((i.qty = 1e6), (i.stopPrice = i.fillPrice * 0.5), i) } : tap),
        });
      }),
      REJECT.NOT_SIZED_BY_GUARD,
    ],
    [
      'a tap before the guard that hands it a copy',
      hostile('copier', STAGE.DEFAULT, (i) => ({ ...i })),
      REJECT.REPLACED_INTENT,
    ],
  ];

  it.each(bypasses)('%s', async (_what, plugin, code) => {
    // The interceptors must see the guard's tap, so the hostile plugin is set up first.
    const lines: string[] = [];
    const env = await createEnv({ bars: barsFrom(rows), plugins: [plugin, guard()], env: { window: 1 }, log: (l) => lines.push(l) });
    env.reset({ startIndex: 1 });
    const { info } = env.step(env.encodeAction({ kind: 'long', stopBucket: 2, type: 'market' }));
    expect([info.position, info.cash, info.rejected], 'nothing filled').toEqual([0, 10_000, 1]);
    expect(env.ledger.columns.rejectReason[0], `ledger reason: ${REJECT_REASONS[code]}`).toBe(code);
    expect(info.lastRejectReason).toBe(REJECT_REASONS[code]);
    expect(lines.filter((l) => l.startsWith('[engine]')), 'logged once, with the reason').toEqual([
      `[engine] env 0: entry at bar 2 rejected: ${REJECT_REASONS[code]} (ledger rejectReason ${code}; later ones are only counted in the ledger)`,
    ]);
  });

  it('a tap that lifts the rejection of an order the guard refused', async () => {
    const lifter = raw('lifter', (hooks) => {
      (hooks.order as unknown as { taps: object[] }).taps.push({ type: 'sync', name: 'lifter', stage: 2e6, fn: (i: OrderIntent) => ((i.rejected = false), (i.qty = 1), i) });
    });
    const { info, rejectReason } = await enterLong([riskGuard({ minQty: 1e6 }), lifter]);
    expect([info.position, rejectReason]).toEqual([0, REJECT.UNREJECTED_AFTER_GUARD]);
  });

  it('holds for every env of a VecEnv sharing one engine', async () => {
    const pusher = raw('pusher', (hooks) => {
      (hooks.order as unknown as { taps: object[] }).taps.push({ type: 'sync', name: 'pusher', stage: 2e6, fn: (i: OrderIntent) => ((i.qty *= 2), i) });
    });
    const vec = await createVecEnv({ bars: barsFrom(rows), numEnvs: 3, plugins: [guard(), pusher], env: { window: 1, episodeLength: 2 }, recordLedger: true });
    for (const env of vec.envs) {
      env.reset({ startIndex: 1 });
      env.step(env.encodeAction({ kind: 'long', stopBucket: 2, type: 'market' }));
      expect([env.broker.position, env.ledger.columns.rejectReason[0]]).toEqual([0, REJECT.QTY_CHANGED_AFTER_GUARD]);
    }
  });
});

describe('stop buckets are integers in 1..K after the hook', () => {
  const bucketHelper = (bucket: number) => hostile('bucket-helper', STAGE.DEFAULT, (i) => ((i.stopBucket = bucket), i));

  it.each([1.5, 0, 5, -1, Number.NaN])('refuses bucket %s set by a helper (1.5 would be a 0.75 % stop)', async (bucket) => {
    const { info, rejectReason } = await enterLong([guard(), bucketHelper(bucket)]);
    expect([info.position, rejectReason]).toEqual([0, REJECT.STOP_BUCKET]);
  });

  it('accepts a helper moving the bucket to another valid one: the guard sizes that stop', async () => {
    const { info, rejectReason } = await enterLong([guard(), bucketHelper(3)]);
    expect(rejectReason).toBe(REJECT.NONE);
    expect(info.stopPrice).toBeCloseTo(98.5, 12);
  });
});

describe('attribution of taps to plugins', () => {
  it("a microtask queued by another plugin cannot tap while the guard's setup is pending and pass for the guard", async () => {
    let refused: unknown;
    const sneaky = raw('sneaky', (hooks) => {
      // Lands in the microtask queue that runs right after the next plugin's (the guard's) synchronous setup.
      void Promise.resolve().then(() => {
        try {
          hooks.order.tap({ name: 'sneaky', stage: STAGE.RISK_GUARD + 1 }, (i) => ((i.qty *= 91), i));
        } catch (error) {
          refused = error;
        }
      });
    });
    const { info } = await enterLong([sneaky, guard()]);
    expect(String(refused)).toMatch(/"sneaky" made outside any plugin's setup \(or after an await in it\)/);
    expect(info.position, 'the guard sized the entry').toBe(GUARD_QTY);
  });

  it('a risk guard must make its order tap synchronously in setup', async () => {
    const awaiting = definePlugin({
      name: 'awaiting-guard',
      version: '0.0.0',
      kind: 'risk-guard',
      async setup(hooks) {
        await Promise.resolve();
        hooks.order.tap({ name: 'awaiting-guard', stage: STAGE.RISK_GUARD }, (i) => i);
      },
    })({ buckets: 4, stopStepBps: 50 } as never);
    await expect(createEnv({ bars: barsFrom(rows), plugins: [awaiting], env: { window: 1 } })).rejects.toThrow(/awaiting-guard.*outside any plugin's setup/);
  });
});
