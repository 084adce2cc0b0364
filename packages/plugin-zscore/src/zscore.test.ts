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
  ] as const)('%s σ equals %s on all 30,240 rows within 2e-12', (deviation, column) => {
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
    expect(worst, 'largest absolute difference from the exact values').toBeLessThan(2e-12);
  });

  /**
   * Exact moments of doubles in [2^14, 2^15) (all BTC closes of the file): each is m · 2^-38 with an integer m,
   * so z = (n·m_i − Σm) / sqrt(n·Σm² − (Σm)²) and σ are computed exactly in BigInt, then rounded once.
   */
  function exactMoments(x: Float64Array, period: number) {
    const m = Array.from(x, (v) => {
      expect(v >= 2 ** 14 && v < 2 ** 15, 'one binade').toBe(true);
      return BigInt(v * 2 ** 38);
    });
    const n = BigInt(period);
    const z = new Float64Array(x.length).fill(Number.NaN);
    const std = new Float64Array(x.length).fill(Number.NaN);
    for (let i = period - 1; i < x.length; i++) {
      let s = 0n;
      let q = 0n;
      for (let j = i - period + 1; j <= i; j++) {
        s += m[j]!;
        q += m[j]! * m[j]!;
      }
      const d = n * q - s * s;
      std[i] = (Math.sqrt(Number(d)) / period) * 2 ** -38;
      if (d !== 0n) z[i] = Number(n * m[i]! - s) / Math.sqrt(Number(d));
    }
    return { z, std };
  }

  it.each([
    ['one tick of 0.01 every 20 bars (σ ≈ 0.002)', (j: number) => (j % 20 === 0 ? 0.01 : 0), 3.5e-7],
    ['±0.01 noise (σ ≈ 0.008)', (j: number) => (((j * 7919) % 3) - 1) * 0.01, 5e-8],
    ['±1 noise (σ ≈ 0.8)', (j: number) => (((j * 7919) % 3) - 1) * 1, 2e-11],
  ] as const)('near-flat windows right after volatile bars (%s): σ within 8ε·(σmax/σ)², z within |z|·8ε·(σmax/σ)² + ε·|x|/σ', (_what, move, worstZ) => {
    // The real closes with 300-bar near-flat stretches put in every 1,500 bars.
    const x = ref!.column('close').slice();
    for (let i = 2_000; i < x.length - 400; i += 1_500) for (let j = 0; j < 300; j++) x[i + j] = x[i - 1]! + move(j);
    const exact = exactMoments(x, 20);
    const z = compute(x, 20, 'population');
    const mean = new Float64Array(x.length);
    const std = new Float64Array(x.length);
    rollingMeanStd(x, 20, 'population', mean, std);
    const eps = 2 ** -52;
    let largest = 0;
    for (let i = 59; i < x.length; i++) {
      const sigma = exact.std[i]!;
      if (!(sigma > 0)) continue;
      let sigmaMax = 0;
      for (let j = i - 40; j <= i; j++) sigmaMax = Math.max(sigmaMax, exact.std[j]!);
      const carried = 8 * eps * (sigmaMax / sigma) ** 2;
      expect(Math.abs(std[i]! - sigma) / sigma, `relative σ error at ${i}`).toBeLessThanOrEqual(carried);
      const dz = Math.abs(z[i]! - exact.z[i]!);
      expect(dz, `z error at ${i}`).toBeLessThanOrEqual(Math.abs(exact.z[i]!) * carried + (eps * Math.abs(x[i]!)) / sigma);
      largest = Math.max(largest, dz);
    }
    expect(largest, 'the largest z error, as docs/indicators.md states it').toBeLessThan(worstZ);
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
