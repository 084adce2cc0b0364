import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '@tradecore/sdk';
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

/**
 * TA-Lib's ta_RSI.c (default compatibility, unstable period 0, called from bar 0), line for line: the
 * yardstick for data the reference files do not cover. It equals the reference `rsi14` (real TA-Lib)
 * on all 30,240 real bars, bit for bit (tested below).
 */
function taLibRsi(close: Float64Array, period: number): Float64Array {
  const out = new Float64Array(close.length).fill(Number.NaN);
  const isZero = (v: number) => -1e-14 < v && v < 1e-14; // TA_IS_ZERO
  let prevGain = 0;
  let prevLoss = 0;
  let today = 1;
  let prevValue = close[0]!;
  for (let i = period; i > 0; i--) {
    const value = close[today++]!;
    const move = value - prevValue;
    prevValue = value;
    if (move < 0) prevLoss -= move;
    else prevGain += move;
  }
  prevLoss /= period;
  prevGain /= period;
  out[period] = isZero(prevGain + prevLoss) ? 0 : 100 * (prevGain / (prevGain + prevLoss));
  while (today < close.length) {
    const value = close[today]!;
    const move = value - prevValue;
    prevValue = value;
    prevLoss *= period - 1;
    prevGain *= period - 1;
    if (move < 0) prevLoss -= move;
    else prevGain += move;
    prevLoss /= period;
    prevGain /= period;
    const sum = prevGain + prevLoss;
    out[today++] = isZero(sum) ? 0 : 100 * (prevGain / sum);
  }
  return out;
}

/** TA-Lib's STOCHRSI(period, fastk_period = k, fastd_period = 1) fastK: ta_STOCHF.c's %K over {@link taLibRsi}. */
function taLibStochRsiK(close: Float64Array, period: number, k: number): Float64Array {
  const r = taLibRsi(close, period);
  const out = new Float64Array(close.length).fill(Number.NaN);
  for (let i = period + k - 1; i < close.length; i++) {
    let highest = -Infinity;
    let lowest = Infinity;
    for (let j = i - k + 1; j <= i; j++) {
      highest = Math.max(highest, r[j]!);
      lowest = Math.min(lowest, r[j]!);
    }
    const diff = (highest - lowest) / 100.0;
    out[i] = diff !== 0.0 ? (r[i]! - lowest) / diff : 0.0;
  }
  return out;
}

/**
 * The real BTC closes with flat stretches put in: the first 40 bars (no movement at all: avgGain +
 * avgLoss = 0), 30 bars at bar 3,000 (the RSI holds its value up to its last digits) and 700 bars at
 * bar 10,000 (the averages decay below 1e-14 after about 470 bars, where TA-Lib's RSI drops to 0).
 */
function withFlatStretches(close: Float64Array): Float64Array {
  const out = close.slice();
  for (const [from, length] of [[0, 40], [3_000, 30], [10_000, 700]] as const) out.fill(close[from + length]!, from, from + length);
  return out;
}

describe.skipIf(!hasRef)("talib: true reproduces TA-Lib's RSI and Stochastic RSI exactly", () => {
  const ref = hasRef ? readCsvColumns(path.join(REF, 'btc-real/binanceus_BTCUSD_1m_20230301_20230321_indicators.csv')) : undefined;
  const real = () => ref!.column('close');
  const talib = (close: Float64Array, period = 14) => {
    const out = new Float64Array(close.length);
    rsi(close, out, period, 'wilder', true);
    return out;
  };
  const sameBits = (actual: Float64Array, expected: Float64Array, what: string) => {
    for (let i = 0; i < expected.length; i++) if (!Object.is(actual[i], expected[i])) expect(actual[i], `${what}[${i}]`).toBe(expected[i]);
  };

  it('the line-for-line transliteration equals TA-Lib (the reference rsi14) on all 30,240 real bars, bit for bit', () => {
    sameBits(taLibRsi(real(), 14), ref!.column('rsi14'), 'transliteration');
    sameBits(talib(real()), ref!.column('rsi14'), 'rsi talib');
  });

  it('RSI with talib equals TA-Lib on the real bars with flat stretches, bit for bit; without, it keeps the ratio', () => {
    const close = withFlatStretches(real());
    const expected = taLibRsi(close, 14);
    sameBits(talib(close), expected, 'rsi talib');
    const ours = compute(close);
    let zeroedByTaLib = 0;
    for (let i = 14; i < close.length; i++) {
      if (ours[i] === expected[i]) continue;
      // The only difference: TA-Lib writes 0 once avgGain + avgLoss < 1e-14; we keep the ratio (50 with no movement at all).
      expect(expected[i], `rsi[${i}]: TA-Lib ${expected[i]} vs ours ${ours[i]}`).toBe(0);
      zeroedByTaLib++;
    }
    expect(ours[14], 'no movement at all: 50').toBe(50);
    expect(ours[10_650], 'after 650 flat bars the ratio is kept').toBeCloseTo(ours[10_000]!, 9);
    expect(zeroedByTaLib, 'bars 14–40 and the end of the 700-bar stretch').toBeGreaterThan(200);
  });

  it('Stochastic RSI with talib equals TA-Lib STOCHRSI(14, fastk_period = 14, fastd_period = 1) fastK, bit for bit, flat stretches included', () => {
    for (const close of [real(), withFlatStretches(real())]) {
      const out = new Float64Array(close.length);
      stochRsi(close, out, 14, 14, 'wilder', true);
      sameBits(out, taLibStochRsiK(close, 14, 14), 'stochrsi talib');
      const state = new StochRsiState(14, 14, 'wilder', true);
      for (let i = 0; i < close.length; i++) if (!Object.is(state.update(close[i]!)[0], out[i])) expect(state.update(close[i]!)[0], `stream[${i}]`).toBe(out[i]);
    }
  });

  it('without talib, Stochastic RSI differs only where the RSI does, where the range is exactly 0 (50, TA-Lib 0), and by rounding', () => {
    const close = withFlatStretches(real());
    const ours = new Float64Array(close.length);
    stochRsi(close, ours, 14, 14);
    const rsiOurs = compute(close);
    const rsiTaLib = taLibRsi(close, 14);
    const expected = taLibStochRsiK(close, 14, 14);
    let zeroRange = 0;
    for (let i = 27; i < close.length; i++) {
      let sameRsi = true;
      let hi = -Infinity;
      let lo = Infinity;
      for (let j = i - 13; j <= i; j++) {
        sameRsi &&= rsiOurs[j] === rsiTaLib[j];
        hi = Math.max(hi, rsiOurs[j]!);
        lo = Math.min(lo, rsiOurs[j]!);
      }
      if (!sameRsi) continue;
      if (hi === lo) {
        expect([ours[i], expected[i]], `stochrsi[${i}], zero RSI range`).toEqual([50, 0]);
        zeroRange++;
      } else {
        expect(Math.abs(ours[i]! - expected[i]!), `stochrsi[${i}]`).toBeLessThan(1e-9);
      }
    }
    expect(zeroRange, 'the flat start gives zero RSI ranges').toBeGreaterThan(0);
  });

  it("TA-Lib's STOCHRSI with fastk_period = 1 is all zeros (so the raw %K is fastk_period = k, fastd_period = 1)", () => {
    const out = new Float64Array(2_000);
    stochRsi(real().subarray(0, 2_000), out, 14, 1, 'wilder', true);
    expect(out.subarray(14).every((v) => v === 0)).toBe(true);
  });

  it("TA-Lib's 1e-14 threshold is absolute: at a price scale of 1e-16 its RSI is 0 everywhere, ours is unchanged", () => {
    const close = real().subarray(0, 3_000);
    const tiny = close.map((c) => c * 1e-16);
    expect(talib(tiny).subarray(14).every((v) => v === 0)).toBe(true);
    const scaled = compute(tiny);
    const plain = compute(close);
    for (let i = 14; i < close.length; i++) expect(Math.abs(scaled[i]! - plain[i]!), `rsi[${i}]`).toBeLessThan(1e-9);
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
  valid: [{}, { method: 'cutler' }, { method: 'ema', period: 2 }, { stochPeriod: 14 }, { talib: true, stochPeriod: 5 }],
  invalid: [
    { options: { talib: 'yes' }, path: 'talib' },
    { options: { period: 0 }, path: 'period' },
    { options: { method: 'sma' }, path: 'method' },
    { options: { stochPeriod: -1 }, path: 'stochPeriod' },
    { options: { smoothing: 3 }, path: 'smoothing' },
  ],
});
testIndicatorContract({ plugin: rsiPlugin({ stochPeriod: 14 }) });
testIndicatorContract({ plugin: rsiPlugin({ stochPeriod: 14, talib: true }), title: 'indicator contract: TA-Lib RSI + StochRSI' });

describe('rsiPlugin names', () => {
  const names = async (options: Parameters<typeof rsiPlugin>[0]) =>
    (await createEngine({ plugins: [rsiPlugin(options)], requireRiskGuard: false })).collectFeatures(['close']).flatMap((d) => d.outputs.map((o) => o.name));

  it('gives the TA-Lib variant its own names, so two different series never share one', async () => {
    expect(await names({ stochPeriod: 14 })).toEqual(['rsi_14', 'stochrsi_14_14']);
    expect(await names({ stochPeriod: 14, talib: true })).toEqual(['rsi_talib_14', 'stochrsi_talib_14_14']);
    expect(await names({ method: 'cutler', stochPeriod: 3 })).toEqual(['rsi_cutler_14', 'stochrsi_cutler_14_3']);
  });

  it('refuses talib with a method TA-Lib does not have', async () => {
    await expect(createEngine({ plugins: [rsiPlugin({ method: 'cutler', talib: true })], requireRiskGuard: false })).rejects.toThrow(/method 'cutler' has no TA-Lib counterpart/);
  });
});
testIndicatorContract({ plugin: rsiPlugin({ method: 'cutler', period: 6, stochPeriod: 3 }), title: 'indicator contract: Cutler RSI(6) + StochRSI' });
testIndicatorContract({ factory: rsiPlugin, options: { method: 'ema' }, title: 'indicator contract: EMA RSI' });
testIndicatorContract({ factory: rsiPlugin, options: { method: 'cutler', period: 1, stochPeriod: 2 }, title: 'indicator contract: Cutler RSI(1)' });
