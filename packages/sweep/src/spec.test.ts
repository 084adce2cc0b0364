import { describe, expect, it } from 'vitest';
import { canonicalJson, trialId } from './identity.ts';
import { expandSettings, parseDistribution, parseSeeds, resolveSpec, settingOverrides } from './spec.ts';

describe('sweep spec', () => {
  it('expands a grid (first key slowest) × seeds, values read as --set reads them', () => {
    const spec = resolveSpec(undefined, { grid: ['trainer.learningRate=1e-4,3e-4', 'env.window=8,16'], seeds: '0..4' });
    expect(spec.seeds).toEqual([0, 1, 2, 3, 4]);
    const settings = expandSettings(spec);
    expect(settings.map((s) => s.values)).toEqual([
      { 'trainer.learningRate': 1e-4, 'env.window': 8 },
      { 'trainer.learningRate': 1e-4, 'env.window': 16 },
      { 'trainer.learningRate': 3e-4, 'env.window': 8 },
      { 'trainer.learningRate': 3e-4, 'env.window': 16 },
    ]);
    expect(settings.map((s) => s.id)).toEqual(['s0', 's1', 's2', 's3']);
    expect(settingOverrides(settings[0]!.values)).toEqual(['trainer.learningRate=0.0001', 'env.window=8']);
    expect(settingOverrides({ a: 'x', b: '1', c: [1, 2], d: true })).toEqual(['a=x', 'b="1"', 'c=[1,2]', 'd=true']);
  });

  it('reads JSON-array grid values, so a value may hold commas', () => {
    const spec = resolveSpec(undefined, { grid: ['trainer.hidden=[[32],[64,64]]'] });
    expect(expandSettings(spec).map((s) => s.values['trainer.hidden'])).toEqual([[32], [64, 64]]);
  });

  it('draws random settings reproducibly from the seed, inside their ranges', () => {
    const flags = { random: 20, randomSeed: 7, param: ['trainer.entropyCoef=loguniform(1e-4,1e-1)', 'trainer.epochs=int(1,3)', 'trainer.lrSchedule=choice(constant,linear)'] };
    const a = expandSettings(resolveSpec(undefined, flags));
    const b = expandSettings(resolveSpec(undefined, flags));
    expect(a).toEqual(b);
    expect(a).toHaveLength(20);
    for (const s of a) {
      const e = s.values['trainer.entropyCoef'] as number;
      expect(e).toBeGreaterThanOrEqual(1e-4);
      expect(e).toBeLessThanOrEqual(1e-1);
      expect([1, 2, 3]).toContain(s.values['trainer.epochs']);
      expect(['constant', 'linear']).toContain(s.values['trainer.lrSchedule']);
    }
    const logs = a.map((s) => Math.log10(s.values['trainer.entropyCoef'] as number));
    expect(Math.min(...logs), 'log-uniform reaches the low decades').toBeLessThan(-2.5);
    expect(expandSettings(resolveSpec(undefined, { ...flags, randomSeed: 8 }))).not.toEqual(a);
    // grid × random
    expect(expandSettings(resolveSpec(undefined, { ...flags, random: 3, grid: ['env.window=8,16'] }))).toHaveLength(6);
  });

  it('takes the config block, with flags laid over it', () => {
    const block = { grid: { 'trainer.learningRate': [1e-4, 3e-4] }, seeds: '0..2', metric: 'sortino', goal: 'max' as const, retries: 1, workers: 3 };
    const spec = resolveSpec(block);
    expect(spec).toMatchObject({ grid: { 'trainer.learningRate': [1e-4, 3e-4] }, seeds: [0, 1, 2], metric: 'sortino', goal: 'max', retries: 1, workers: 3 });
    expect(resolveSpec(undefined).retries, 'default retries').toBe(2);
    const over = resolveSpec(block, { grid: ['env.window=8'], seeds: '5', metric: 'totalReturn' });
    expect(over.grid).toEqual({ 'trainer.learningRate': [1e-4, 3e-4], 'env.window': [8] });
    expect(over.seeds).toEqual([5]);
    expect(over.metric).toBe('totalReturn');
  });

  it('refuses bad specs with the flag or config path and what was expected', () => {
    expect(() => resolveSpec({ grid: { a: [] } } as never, {}, 'cfg.ts')).toThrow(/cfg\.ts \(sweep block\)[\s\S]*grid/);
    expect(() => resolveSpec({ seeds: 'zero' } as never)).toThrow(/seeds/);
    expect(() => resolveSpec({ bogus: 1 } as never)).toThrow(/bogus: unknown property/);
    expect(() => resolveSpec(undefined, { grid: ['nokey'] })).toThrow(/--grid nokey: expected key=v1,v2/);
    expect(() => resolveSpec(undefined, { grid: ['run.seed=1,2'] })).toThrow(/seeds are swept with --seeds/);
    expect(() => resolveSpec(undefined, { seeds: '4..1' })).toThrow(/ends before it starts/);
    expect(() => resolveSpec(undefined, { seeds: '1,1' })).toThrow(/listed twice/);
    expect(() => resolveSpec(undefined, { random: 3 })).toThrow(/--random needs at least one --param/);
    expect(() => resolveSpec(undefined, { param: ['x.y=uniform(0,1)'] })).toThrow(/--param needs --random/);
    expect(() => parseDistribution('loguniform(0,1)', 'p')).toThrow(/0 < low/);
    expect(() => parseDistribution('uniform(2,1)', 'p')).toThrow(/low < high/);
    expect(() => parseDistribution('normal(0,1)', 'p')).toThrow(/not a distribution/);
    expect(() => resolveSpec(undefined, { grid: ['a.b=1'], random: 2, param: ['a.b=uniform(0,1)'] })).toThrow(/both a grid key and a random parameter/);
    expect(parseSeeds('0,2,9')).toEqual([0, 2, 9]);
  });

  it('gives a trial id that changes with each part of its identity and never with key order', () => {
    const base = { configHash: 'c', overrides: ['a=1'], seed: 0, datasetChecksum: 'd' };
    const id = trialId(base);
    expect(id).toMatch(/^t-[0-9a-f]{20}$/);
    expect(trialId({ ...base })).toBe(id);
    for (const changed of [{ configHash: 'c2' }, { overrides: ['a=2'] }, { seed: 1 }, { datasetChecksum: 'd2' }]) expect(trialId({ ...base, ...changed })).not.toBe(id);
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe(canonicalJson({ a: { c: 3, d: 2 }, b: 1 }));
  });
});
