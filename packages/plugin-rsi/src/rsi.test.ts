import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { contractBars, readCsvColumns, testIndicatorContract, testPluginContract } from '@tradecore/sdk/testing';
import { describe, expect, it } from 'vitest';
import { rsi, rsiPlugin, RsiState, stochRsi, StochRsiState, type RsiMethod } from './index.ts';

const REF = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)), '../shared/data/reference');
const hasRef = existsSync(REF);
if (!hasRef) console.warn(`reference data not found at ${REF}: skipping RSI reference tests`);

function compute(close: Float64Array, period = 14, method: RsiMethod = 'wilder') {
  const out = new Float64Array(close.length);
  rsi(close, out, period, method);
  return out;
}

function expectColumn(actual: Float64Array, expected: Float64Array, tolerance: number, what: string) {
  let compared = 0;
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(expected[i]!)) {
      expect(actual[i], `${what}[${i}] is inside the lookback`).toBeNaN();
      continue;
    }
    expect(Math.abs(actual[i]! - expected[i]!), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance);
    compared++;
  }
  expect(compared).toBeGreaterThan(0);
}

describe.skipIf(!hasRef)('Wilder RSI against TA-Lib', () => {
  it('matches the regression-test table (±0.01): idx14 = 49.14, idx251 = 49.63', () => {
    const close = readCsvColumns(path.join(REF, 'talib/talib_regtest_ref252_ohlcv.csv')).column('close');
    const out = compute(close);
    const vectors = JSON.parse(readFileSync(path.join(REF, 'talib/talib_regtest_vectors.json'), 'utf8')).vectors as {
      func: string;
      compatibility?: string;
      checks: [number, number][];
    }[];
    const table = vectors.find((v) => v.func === 'RSI' && !v.compatibility)!;
    for (const [index, value] of table.checks) expect(Math.abs(out[index]! - value), `RSI14[${index}]`).toBeLessThanOrEqual(0.01);
  });

  it('matches full-precision TA-Lib output on the 252-bar input', () => {
    const ref = readCsvColumns(path.join(REF, 'talib/talib_regtest_ref252_outputs.csv'));
    expectColumn(compute(ref.column('close')), ref.column('rsi14'), 1e-10, 'rsi14');
  });

  it('matches TA-Lib on all 30,240 real BTC/USD 1m bars', () => {
    const ref = readCsvColumns(path.join(REF, 'btc-real/binanceus_BTCUSD_1m_20230301_20230321_indicators.csv'));
    expect(ref.length).toBe(30_240);
    expectColumn(compute(ref.column('close')), ref.column('rsi14'), 1e-9, 'rsi14');
  });

  it('matches the canonical Wilder values on the StockCharts RSI sheet (70.53, 66.32, 66.55, 69.41, …)', () => {
    const ref = readCsvColumns(path.join(REF, 'stockcharts/talib_outputs_on_cs-rsi_close.csv'));
    const out = compute(ref.column('close'));
    expectColumn(out, ref.column('rsi14'), 1e-10, 'rsi14');
    expect([out[14], out[15], out[16], out[17]].map((v) => Math.round(v! * 100) / 100)).toEqual([70.53, 66.32, 66.55, 69.41]);
  });
});

/** Plain definitions, written for clarity rather than speed. */
function naiveRsi(close: Float64Array, period: number, method: RsiMethod): Float64Array {
  const out = new Float64Array(close.length).fill(Number.NaN);
  const gains: number[] = [];
  const losses: number[] = [];
  for (let i = 1; i < close.length; i++) {
    const d = close[i]! - close[i - 1]!;
    gains.push(Math.max(d, 0));
    losses.push(Math.max(-d, 0));
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  let g = mean(gains.slice(0, period));
  let l = mean(losses.slice(0, period));
  const value = (a: number, b: number) => (a + b > 0 ? (100 * a) / (a + b) : 50);
  out[period] = value(g, l);
  for (let i = period + 1; i < close.length; i++) {
    if (method === 'cutler') {
      g = mean(gains.slice(i - period, i));
      l = mean(losses.slice(i - period, i));
    } else {
      const alpha = method === 'ema' ? 2 / (period + 1) : 1 / period;
      g = g + alpha * (gains[i - 1]! - g);
      l = l + alpha * (losses[i - 1]! - l);
    }
    out[i] = value(g, l);
  }
  return out;
}

describe('Cutler and EMA RSI, Stochastic RSI', () => {
  const close = contractBars({ length: 1500 }).close;

  it.each([
    ['cutler', 9],
    ['cutler', 1],
    ['cutler', 2],
    ['ema', 9],
    ['wilder', 9],
  ] as const)('%s RSI(%i) equals its definition', (method, period) => {
    const expected = naiveRsi(close, period, method);
    const actual = compute(close, period, method);
    for (let i = 0; i < close.length; i++) {
      if (Number.isNaN(expected[i]!)) expect(actual[i]).toBeNaN();
      else expect(Math.abs(actual[i]! - expected[i]!), `${method}[${i}]`).toBeLessThan(1e-8);
    }
  });

  it('Cutler RSI is exactly 50 once its window has no movement (flat stretch)', () => {
    const out = compute(close, 9, 'cutler');
    const flatFrom = 750;
    for (let i = flatFrom + 10; i < flatFrom + 40; i++) expect(out[i], `cutler[${i}]`).toBe(50);
  });

  it('Stochastic RSI equals (RSI − min)/(max − min) over the window', () => {
    const r = compute(close, 14);
    const out = new Float64Array(close.length);
    stochRsi(close, out, 14, 10);
    for (let i = 0; i < 23; i++) expect(out[i]).toBeNaN();
    for (let i = 23; i < close.length; i++) {
      const window = Array.from(r.subarray(i - 9, i + 1));
      const hi = Math.max(...window);
      const lo = Math.min(...window);
      const expected = hi > lo ? (100 * (r[i]! - lo)) / (hi - lo) : 50;
      expect(out[i], `stochrsi[${i}]`).toBe(expected);
    }
  });

  it('streaming states equal the batch functions bit for bit', () => {
    for (const method of ['wilder', 'cutler', 'ema'] as const) {
      const batch = compute(close, 7, method);
      const state = new RsiState(7, method);
      for (let i = 0; i < close.length; i++) expect(state.update(close[i]!), `${method}[${i}]`).toBe(batch[i]);
    }
    const stoch = new Float64Array(close.length);
    stochRsi(close, stoch, 7, 5, 'cutler');
    const state = new StochRsiState(7, 5, 'cutler');
    for (let i = 0; i < close.length; i++) expect(state.update(close[i]!)[0]).toBe(stoch[i]);
  });
});

testPluginContract({
  packageJson: new URL('../package.json', import.meta.url),
  factory: rsiPlugin,
  valid: [{}, { method: 'cutler' }, { method: 'ema', period: 2 }, { stochPeriod: 14 }],
  invalid: [
    { options: { period: 0 }, path: 'period' },
    { options: { method: 'sma' }, path: 'method' },
    { options: { stochPeriod: -1 }, path: 'stochPeriod' },
    { options: { smoothing: 3 }, path: 'smoothing' },
  ],
});
testIndicatorContract({ plugin: rsiPlugin({ stochPeriod: 14 }) });
testIndicatorContract({ plugin: rsiPlugin({ method: 'cutler', period: 6, stochPeriod: 3 }), title: 'indicator contract: Cutler RSI(6) + StochRSI' });
testIndicatorContract({ factory: rsiPlugin, options: { method: 'ema' }, title: 'indicator contract: EMA RSI' });
testIndicatorContract({ factory: rsiPlugin, options: { method: 'cutler', period: 1, stochPeriod: 2 }, title: 'indicator contract: Cutler RSI(1)' });
