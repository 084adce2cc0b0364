import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Schema from 'typebox/schema';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, pluginCatalog } from './configJsonSchema.ts';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const options = { cwd: ROOT, conditions: ['@tradecore/source', 'import', 'default'] };

describe('pluginCatalog', () => {
  it('lists every installed plugin with the name a config gives it, its kind and its options schema', async () => {
    const { plugins, broken } = await pluginCatalog(options);
    expect(broken).toEqual([]);
    expect(plugins.map((p) => [p.name, p.kind])).toEqual([
      ['atr', 'indicator'],
      ['bollinger', 'indicator'],
      ['orderflow', 'indicator'],
      ['risk-guard', 'risk-guard'],
      ['risk-guard:trailing-stop', 'execution'],
      ['rsi', 'indicator'],
      ['vwap', 'indicator'],
      ['zscore', 'indicator'],
      ['trainer-gpu', 'trainer'],
    ]);
    const guard = plugins.find((p) => p.name === 'risk-guard')!;
    expect(guard).toMatchObject({ pluginName: '@tradecore/plugin-risk-guard', packageName: '@tradecore/plugin-risk-guard', exportName: 'riskGuard' });
    expect(guard.optionsSchema).toMatchObject({ type: 'object', properties: { riskPct: { default: 0.01 } } });
    expect(guard.optionsSchema).not.toHaveProperty('required');
  });
});

describe('configJsonSchema', () => {
  it('checks each plugin entry against that plugin\'s options, and the trainer section against the trainer\'s', async () => {
    const schema = await configJsonSchema(options);
    const valid = {
      dataset: 'synthetic-btc-usd-1m',
      plugins: [{ name: 'rsi', options: { period: 21 } }, { name: '@tradecore/plugin-risk-guard', options: { riskPct: 0.005 } }, { name: 'trainer-gpu' }, { name: 'not-installed', options: { anything: 1 } }],
      trainer: { totalSteps: 20_000 },
    };
    expect(Schema.Check(schema as never, valid)).toBe(true);
    expect(Schema.Check(schema as never, { ...valid, plugins: [{ name: 'rsi', options: { period: 14.5 } }] }), 'rsi period must be an integer').toBe(false);
    expect(Schema.Check(schema as never, { ...valid, plugins: [{ name: 'risk-guard', options: { riskPct: 2 } }] }), 'riskPct ≤ 1').toBe(false);
    expect(Schema.Check(schema as never, { ...valid, plugins: [{ name: 'rsi', options: { perod: 14 } }] }), 'unknown option').toBe(false);
    expect(Schema.Check(schema as never, { ...valid, trainer: { totalSteps: 0 } }), 'trainer.totalSteps ≥ 1').toBe(false);
    expect(Schema.Check(schema as never, { ...valid, env: { window: 0 } })).toBe(false);
    expect((schema['x-tradecore-plugins'] as { name: string; options: string }[]).find((p) => p.name === 'risk-guard:trailing-stop')?.options).toBe('#/$defs/plugin:risk-guard:trailing-stop');
  });

  it('the shipped config schema accepts the archive of a run and the demo JSON config', async () => {
    const shipped = JSON.parse(readFileSync(path.join(ROOT, 'packages/sdk/schemas/config.schema.json'), 'utf8')) as Record<string, unknown>;
    const { $schema: _dialect, $id: _id, ...body } = shipped;
    const config = { dataset: 'x', plugins: [{ name: 'risk-guard', enabled: true, options: { riskPct: 0.01 } }], run: { out: '/abs/runs', seed: 3 } };
    expect(Schema.Check(body as never, config)).toBe(true);
    expect(Schema.Check(body as never, { ...config, plugins: [{ name: 'Bad Name' }] })).toBe(false);
  });
});
