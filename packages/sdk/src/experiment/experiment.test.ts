import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { newRunId, readRunRecord, resolveRunDir, RunArchiveError } from './archive.ts';
import { applyOverrides, OverrideError, parseOverride } from './overrides.ts';
import { timeSplit, SplitError } from './split.ts';
import { equitySvg } from './svg.ts';
import { alwaysLongPolicy, flatPolicy, randomPolicy } from './baselines.ts';
import { evaluatePolicies } from './evaluate.ts';
import { generateSynthetic } from '../data/synthetic.ts';
import { sizeByRisk } from '../execution/sizing.ts';
import type { RiskRules } from '../execution/types.ts';
import { definePlugin } from '../plugin/definePlugin.ts';
import { STAGE } from '../plugin/stages.ts';

describe('timeSplit', () => {
  it('holds out the last fraction, chronologically', () => {
    expect(timeSplit({ length: 100, testFraction: 0.2, walkForwardFolds: 0 })).toEqual([{ fold: 0, trainStart: 0, trainEnd: 79, testStart: 80, testEnd: 99 }]);
  });
  it('anchored walk-forward: consecutive test windows, each trained on everything before it', () => {
    const folds = timeSplit({ length: 100, testFraction: 0.3, walkForwardFolds: 3 });
    expect(folds.map((f) => [f.trainEnd, f.testStart, f.testEnd])).toEqual([[69, 70, 79], [79, 80, 89], [89, 90, 99]]);
  });
  it('refuses splits that leave too few bars, naming the setting', () => {
    expect(() => timeSplit({ length: 30, testFraction: 0.2, walkForwardFolds: 3, minBars: 10 })).toThrow(SplitError);
    expect(() => timeSplit({ length: 30, testFraction: 0.2, walkForwardFolds: 3, minBars: 10 })).toThrow(/run\.split/);
  });
});

describe('overrides', () => {
  it('parses JSON values and falls back to strings', () => {
    expect(parseOverride('trainer.hidden=[32,32]')).toEqual({ text: 'trainer.hidden=[32,32]', path: ['trainer', 'hidden'], value: [32, 32] });
    expect(parseOverride('dataset=my-set')).toEqual({ text: 'dataset=my-set', path: ['dataset'], value: 'my-set' });
    expect(parseOverride('plugins.risk-guard.riskPct=0.005')).toMatchObject({ path: ['plugins', 'risk-guard', 'riskPct'], value: 0.005 });
    expect(() => parseOverride('novalue')).toThrow(OverrideError);
    expect(() => parseOverride('plugins.rsi=x')).toThrow(/plugins\.rsi\.period=21/);
    expect(() => parseOverride('run.__proto__.x=1')).toThrow(OverrideError);
  });
  it('applies nested overrides without touching the original', () => {
    const base = { run: { seed: 0, split: { testFraction: 0.2 } }, dataset: 'a' };
    const out = applyOverrides(base, ['run.split.testFraction=0.3', 'run.seed=4', 'trainer.totalSteps=10']);
    expect(out).toEqual({ run: { seed: 4, split: { testFraction: 0.3 } }, dataset: 'a', trainer: { totalSteps: 10 } });
    expect(base.run.split.testFraction).toBe(0.2);
    expect(() => applyOverrides(base, ['dataset.x=1'])).toThrow(/"dataset" is not an object/);
    expect(applyOverrides(base, ['plugins.rsi.period=21']), 'plugin overrides are applied where plugins are resolved').toEqual(base);
  });
});

describe('archive helpers', () => {
  it('run ids sort by start time and carry the seed', () => {
    expect(newRunId(3, new Date('2026-11-24T01:02:03Z'))).toMatch(/^20261124-010203-s3-[0-9a-f]{8}$/);
  });
  it('resolves --resume by folder or id, and explains what it looked for', () => {
    const out = mkdtempSync(path.join(tmpdir(), 'tc-archive-'));
    const dir = path.join(out, 'abc');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ format: 'tradecore-run/1', id: 'abc', seed: 1, configFile: '/x/tradecore.config.ts', status: 'running' }));
    expect(resolveRunDir('abc', out, '/')).toBe(dir);
    expect(resolveRunDir(dir, '/nowhere', '/')).toBe(dir);
    expect(readRunRecord(dir)).toMatchObject({ id: 'abc', foldsTrained: [], resumes: 0 });
    expect(() => resolveRunDir('nope', out, '/')).toThrow(RunArchiveError);
    writeFileSync(path.join(dir, 'run.json'), '{"format":"other"}');
    expect(() => readRunRecord(dir)).toThrow(/not a TradeCore run record/);
  });
});

describe('equity.svg', () => {
  const time = Float64Array.from({ length: 5 }, (_, i) => Date.UTC(2024, 0, 1) + i * 60_000);
  const svg = equitySvg(time, [{ name: 'agent', color: '#00f', values: [0, 1, 2, 1, 3] }], [{ name: 'agent', color: '#00f', values: [0, 0, 0, -1, 0] }]);
  it('is deterministic and draws one polyline per series and panel', () => {
    expect(equitySvg(time, [{ name: 'agent', color: '#00f', values: [0, 1, 2, 1, 3] }], [{ name: 'agent', color: '#00f', values: [0, 0, 0, -1, 0] }])).toBe(svg);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(svg).toContain('2024-01-01 00:00');
  });
});

describe('split and evaluation ranges', () => {
  it('train and test never overlap; test windows are consecutive and cover the held-out tail', () => {
    for (const length of [50, 97, 1000, 1234]) {
      for (const testFraction of [0.1, 0.25, 0.5]) {
        for (const walkForwardFolds of [0, 1, 2, 3, 5]) {
          let folds;
          try {
            folds = timeSplit({ length, testFraction, walkForwardFolds, minBars: 3 });
          } catch (error) {
            expect(error).toBeInstanceOf(SplitError);
            continue;
          }
          expect(folds[0]!.testStart).toBe(length - Math.floor(length * testFraction));
          expect(folds.at(-1)!.testEnd).toBe(length - 1);
          folds.forEach((f, k) => {
            expect(f.trainStart).toBe(0);
            expect(f.trainEnd).toBe(f.testStart - 1);
            expect(f.testEnd).toBeGreaterThanOrEqual(f.testStart);
            if (k > 0) expect(f.testStart).toBe(folds[k - 1]!.testEnd + 1);
          });
        }
      }
    }
  });

  it('the evaluation episode trades only test bars; earlier bars only warm up its features and window', async () => {
    const bars = generateSynthetic({ seed: 2, days: 1, timeframe: '5m' });
    const guard = definePlugin({
      name: 'g',
      version: '0.0.0',
      kind: 'risk-guard',
      setup(hooks, { options }) {
        hooks.order.tap({ name: 'g', stage: STAGE.RISK_GUARD }, (intent) => sizeByRisk(intent, options as unknown as RiskRules));
      },
    })({ riskPct: 0.01, stopStepBps: 50, buckets: 2, maxLeverage: 1, qtyStep: 0.00001, minQty: 0.00001 } as never);
    const [fold] = timeSplit({ length: bars.length, testFraction: 0.25, walkForwardFolds: 0, minBars: 10 });
    const evaluated = await evaluatePolicies({
      bars,
      plugins: [guard],
      execution: {},
      env: { window: 8 },
      testStart: fold!.testStart,
      testEnd: fold!.testEnd,
      policies: [
        { name: 'flat', make: () => flatPolicy() },
        { name: 'always-long', make: (space) => alwaysLongPolicy(space) },
        { name: 'random', make: () => randomPolicy(3) },
      ],
    });
    for (const p of evaluated) {
      // the first decision is taken on the close of the first test bar and executes on the next one
      expect(p.ledger.index[0]).toBe(fold!.testStart + 1);
      expect(p.ledger.index.at(-1)).toBe(fold!.testEnd);
      expect(p.metrics.steps).toBe(fold!.testEnd - fold!.testStart);
    }
    const [flat, hold, random] = evaluated;
    expect(flat!.metrics).toMatchObject({ totalReturn: 0, sharpe: 0, sortino: 0, maxDrawdown: 0, trades: 0, feesPaid: 0, feeDrag: 0, turnover: 0, exposure: 0 });
    expect(hold!.ledger.position[0]).toBeGreaterThan(0);
    expect(hold!.metrics.feeDrag).toBeGreaterThan(0);
    expect(random!.metrics.trades).toBeGreaterThan(0);
    // the random baseline is seeded: the same decisions again
    const again = await evaluatePolicies({ bars, plugins: [guard], execution: {}, env: { window: 8 }, testStart: fold!.testStart, testEnd: fold!.testEnd, policies: [{ name: 'random', make: () => randomPolicy(3) }] });
    expect(Array.from(again[0]!.ledger.action)).toEqual(Array.from(random!.ledger.action));
    expect(again[0]!.metrics).toEqual(random!.metrics);
  });
});
