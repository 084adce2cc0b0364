import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contractBars, readCsvColumns, testIndicatorContract, testPluginContract } from '@tradecore/sdk/testing';
import { describe, expect, it } from 'vitest';
import { rollingMeanStd, zscore, zscorePlugin, ZScoreState } from './index.ts';

const REF = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)), '../shared/data/reference');
const hasRef = existsSync(REF);
if (!hasRef) console.warn(`reference data not found at ${REF}: skipping z-score reference tests`);

function compute(x: Float64Array, period: number, deviation: 'population' | 'sample') {
  const n = x.length;
  const out = new Float64Array(n);
  zscore(x, out, period, deviation);
  return out;
}

/** Two-pass σ per window: the slow, exact-enough yardstick. */
function twoPass(x: Float64Array, end: number, period: number, divisor: number) {
  let sum = 0;
  for (let j = end - period + 1; j <= end; j++) sum += x[j]!;
  const mean = sum / period;
  let ss = 0;
  for (let j = end - period + 1; j <= end; j++) ss += (x[j]! - mean) ** 2;
  return { mean, std: Math.sqrt(ss / divisor) };
}

describe.skipIf(!hasRef)('z-score on real BTC/USD 1m data (exact reference, fsum)', () => {
  const ref = hasRef ? readCsvColumns(path.join(REF, 'btc-real/binanceus_BTCUSD_1m_20230301_20230321_indicators.csv')) : undefined;

  it.each([
    ['population', 'zscore20_pop'],
    ['sample', 'zscore20_sample'],
  ] as const)('%s σ equals %s on all 30,240 rows within 1e-9', (deviation, column) => {
    const close = ref!.column('close');
    expect(close.length).toBe(30_240);
    const expected = ref!.column(column);
    const actual = compute(close, 20, deviation);
    let worst = 0;
    let compared = 0;
    for (let i = 0; i < close.length; i++) {
      if (i < 19) {
        expect(actual[i], `z[${i}] in warm-up`).toBeNaN();
        continue;
      }
      if (Number.isNaN(expected[i]!)) {
        expect(actual[i], `z[${i}]: the reference is empty because σ = 0; ours is the flat value`).toBe(0);
        continue;
      }
      worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
      compared++;
    }
    expect(compared).toBeGreaterThan(30_000);
    expect(worst, 'largest absolute difference from the exact values').toBeLessThan(1e-9);
  });
});

describe('numerical stability', () => {
  it('keeps σ of a tiny-variance series at price 1e8 (where E[x²]−E[x]² is useless)', () => {
    const n = 5000;
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = 1e8 + Math.round(Math.sin(i * 0.37) * 1000) / 100 + i * 0.01;
    const mean = new Float64Array(n);
    const std = new Float64Array(n);
    rollingMeanStd(x, 20, 'population', mean, std);
    for (let i = 19; i < n; i += 7) {
      const exact = twoPass(x, i, 20, 20);
      expect(Math.abs(std[i]! - exact.std) / exact.std, `relative σ error at ${i}`).toBeLessThan(1e-7);
      expect(Math.abs(mean[i]! - exact.mean), `mean at ${i}`).toBeLessThan(1e-6);
    }
  });

  it('a flat window gives σ = 0 and z = flatValue, and the next move is finite', () => {
    const x = Float64Array.from([...Array(30).fill(27_000.13), 27_001]);
    const z = compute(x, 20, 'population');
    for (let i = 19; i < 30; i++) expect(z[i], `z[${i}] in a flat window`).toBe(0);
    expect(Number.isFinite(z[30]!)).toBe(true);
    expect(z[30]!).toBeCloseTo(Math.sqrt(19), 10);
    const out = new Float64Array(31);
    zscore(x, out, 20, 'population', -1);
    expect(out[25]).toBe(-1);
  });

  it('the streaming state equals the batch bit for bit across re-anchoring', () => {
    const bars = contractBars({ length: 700 });
    const batch = compute(bars.close, 7, 'sample');
    const state = new ZScoreState(7, 'sample');
    for (let i = 0; i < bars.length; i++) expect(state.update(bars.close[i]!)[0]).toBe(batch[i]);
  });
});

testPluginContract({
  packageJson: new URL('../package.json', import.meta.url),
  factory: zscorePlugin,
  valid: [{}, { source: 'volume', period: 2 }, { deviation: 'sample', flatValue: 0.5 }],
  invalid: [
    { options: { period: 1 }, path: 'period' },
    { options: { source: 'vwap' }, path: 'source' },
    { options: { deviation: 'biased' }, path: 'deviation' },
    { options: { flatValue: 'zero' }, path: 'flatValue' },
  ],
});
testIndicatorContract({ plugin: zscorePlugin() });
testIndicatorContract({ plugin: zscorePlugin({ source: 'buy_volume', period: 5, deviation: 'sample' }), title: 'indicator contract: z-score of buy_volume, sample σ' });
