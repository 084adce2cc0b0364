import { describe, expect, it } from 'vitest';
import Type from 'typebox';
import { PluginError, ValidationError } from '../errors.ts';
import { createEngine } from './createEngine.ts';
import { hasTaps } from './hooks.ts';
import { definePlugin } from './definePlugin.ts';
import { PluginResolutionError, resolvePlugins } from './resolvePlugins.ts';
import { STAGE } from './stages.ts';
import type { PluginOption } from './types.ts';

const guard = definePlugin({
  name: 'test-guard',
  version: '1.0.0',
  kind: 'risk-guard',
  optionsSchema: Type.Object({ riskPct: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.01 }) }, { additionalProperties: false }),
  setup(hooks, { options }) {
    hooks.order.tap({ name: 'test-guard', stage: STAGE.RISK_GUARD }, (intent) => {
      intent.qty = (options.riskPct * intent.equity) / intent.fillPrice;
      return intent;
    });
  },
});

const indicator = (name: string, apiVersion?: number) =>
  definePlugin({ name, version: '2.3.4', kind: 'indicator', ...(apiVersion === undefined ? {} : { apiVersion }), setup() {} })();

describe('definePlugin', () => {
  it('applies schema defaults when the factory is called', () => {
    expect(guard().options).toEqual({ riskPct: 0.01 });
    expect(guard({ riskPct: 0.02 }).options.riskPct).toBe(0.02);
  });

  it('rejects invalid options at the call site with path: message lines naming the plugin', () => {
    let error: unknown;
    try {
      guard({ riskPct: 2, extra: true } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    const v = error as ValidationError;
    expect(v.source).toBe('options of plugin "test-guard"');
    expect(v.issues).toEqual([
      { path: 'extra', message: 'unknown property' },
      { path: 'riskPct', message: 'must be <= 1, got 2' },
    ]);
    expect(v.message).toContain('riskPct: must be <= 1');
  });

  it('returns a frozen plain object', () => {
    const p = guard();
    expect(Object.isFrozen(p)).toBe(true);
    expect(p).toMatchObject({ name: 'test-guard', version: '1.0.0', apiVersion: 1, kind: 'risk-guard' });
  });
});

describe('resolvePlugins', () => {
  it('flattens nested arrays and drops false, null and undefined', () => {
    const enabled = false as boolean;
    const list: PluginOption[] = [indicator('a'), [null, [indicator('b'), undefined]], enabled && indicator('c'), guard()];
    expect(resolvePlugins(list).map((p) => p.name)).toEqual(['a', 'b', 'test-guard']);
  });

  it('refuses a list without a risk guard and names the package to add', () => {
    expect(() => resolvePlugins([indicator('a')])).toThrowError(PluginResolutionError);
    expect(() => resolvePlugins([indicator('a')])).toThrowError(/@tradecore\/plugin-risk-guard/);
    expect(resolvePlugins([indicator('a')], { requireRiskGuard: false })).toHaveLength(1);
  });

  it('refuses two risk guards', () => {
    const other = definePlugin({ name: 'other-guard', version: '1.0.0', kind: 'risk-guard', setup() {} });
    expect(() => resolvePlugins([guard(), other()])).toThrowError(/exactly one risk-guard plugin.*"test-guard" at plugins\[0\].*"other-guard" at plugins\[1\]/);
  });

  it('rejects duplicate names, saying where both are', () => {
    expect(() => resolvePlugins([indicator('a'), [indicator('a')], guard()])).toThrowError(
      'plugins[1][0]: duplicate plugin "a" (already at plugins[0])',
    );
  });

  it('rejects an apiVersion mismatch naming both versions', () => {
    expect(() => resolvePlugins([indicator('old', 0), guard()])).toThrowError(
      /plugin "old"@2.3.4 targets plugin API 0, but @tradecore\/sdk implements plugin API 1/,
    );
  });

  it('rejects things that are not plugins, e.g. an uncalled factory', () => {
    expect(() => resolvePlugins([guard as unknown as PluginOption])).toThrowError(/plugins\[0\]: expected a plugin object.*got a function/);
  });
});

describe('createEngine and hooks', () => {
  it('runs setups and lets the risk guard size orders at the final stage, after helpers', async () => {
    const helper = definePlugin({
      name: 'halver',
      version: '1.0.0',
      kind: 'execution',
      setup(hooks) {
        // Registered after the guard but at an earlier stage: must still run first.
        hooks.order.tap({ name: 'halver', stage: STAGE.DEFAULT }, (intent) => {
          intent.equity /= 2;
          return intent;
        });
      },
    });
    const engine = await createEngine({ plugins: [guard(), helper()] });
    const intent = {
      side: 1 as const, type: 'market' as const, stopBucket: 1, fillPrice: 100, entryFeeRate: 0.0005, takerFeeRate: 0.0005, slippage: 0,
      equity: 10_000, qty: 0, stopPrice: 0, rejected: false, rejectReason: '',
    };
    expect(engine.hooks.order.call(intent).qty).toBe(0.5);
    expect(engine.riskGuard?.name).toBe('test-guard');
    expect(Object.isFrozen(engine.hooks)).toBe(true);
  });

  it('hasTaps tells a tapped hook from an untapped one (isUsed() is always true: the error interceptor counts)', async () => {
    const engine = await createEngine({ plugins: [guard()] });
    expect(hasTaps(engine.hooks.order)).toBe(true);
    expect(hasTaps(engine.hooks.reward)).toBe(false);
    expect(engine.hooks.reward.isUsed()).toBe(true);
  });

  it('wraps errors thrown by taps in PluginError naming plugin and hook', async () => {
    const broken = definePlugin({
      name: 'broken-features',
      version: '1.0.0',
      kind: 'indicator',
      setup(hooks) {
        hooks.features.tap('broken-features', () => {
          throw new Error('boom');
        });
      },
    });
    const engine = await createEngine({ plugins: [broken(), guard()] });
    let error: unknown;
    try {
      engine.collectFeatures(['close']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PluginError);
    expect(error).toMatchObject({ plugin: 'broken-features', hook: 'features' });
    expect((error as PluginError).cause).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('plugin "broken-features" failed in hook "features": boom');
  });

  it('rejects async hook errors as PluginError too', async () => {
    const failing = definePlugin({
      name: 'bad-run-hook',
      version: '1.0.0',
      kind: 'reward',
      setup(hooks) {
        hooks.runStart.tapPromise('bad-run-hook', async () => {
          throw new Error('disk full');
        });
      },
    });
    const engine = await createEngine({ plugins: [failing(), guard()] });
    await expect(engine.hooks.runStart.promise({ id: 'x', dir: '/tmp', seed: 1 })).rejects.toMatchObject({
      name: 'PluginError',
      plugin: 'bad-run-hook',
      hook: 'runStart',
    });
  });

  it('refuses two features writing the same output column', async () => {
    const def = (id: string) => ({
      id, inputs: ['close'] as const, outputs: [{ name: 'same', normalization: { kind: 'none' } as const }], warmup: 0,
      batch: () => {}, stream: () => ({ update: () => [0] }),
    });
    const twice = definePlugin({
      name: 'twice', version: '1.0.0', kind: 'indicator',
      setup(hooks) {
        hooks.features.tap('twice', (registry) => {
          registry.add(def('one'));
          registry.add(def('two'));
        });
      },
    });
    const engine = await createEngine({ plugins: [twice(), guard()] });
    expect(() => engine.collectFeatures(['close'])).toThrowError('feature output "same" is produced by both "one" and "two"');
  });
});
