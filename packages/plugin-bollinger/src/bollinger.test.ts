import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { barsFromCsv, contractBars, readCsvColumns, testIndicatorContract, testPluginContract } from '@tradecore/sdk/testing';
import { describe, expect, it } from 'vitest';
import { bollinger, bollingerPlugin, BollingerState, ema, EmaState, keltner, type BollingerOutputs } from './index.ts';

const REF = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)), '../shared/data/reference');
const hasRef = existsSync(REF);
if (!hasRef) console.warn(`reference data not found at ${REF}: skipping Bollinger/Keltner reference tests`);

function bands(close: Float64Array, period = 20, k = 2): Required<BollingerOutputs> {
  const n = close.length;
  const out = {
    upper: new Float64Array(n),
    middle: new Float64Array(n),
    lower: new Float64Array(n),
    percentB: new Float64Array(n),
    bandwidth: new Float64Array(n),
    std: new Float64Array(n),
  };
  bollinger(close, out, period, k);
  return out;
}

function expectColumn(actual: Float64Array, expected: Float64Array, tolerance: number, what: string, scale = 1) {
  let compared = 0;
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(expected[i]!)) {
      expect(actual[i], `${what}[${i}] is inside the lookback`).toBeNaN();
      continue;
    }
    expect(Math.abs(actual[i]! * scale - expected[i]!), `${what}[${i}]: ${actual[i]! * scale} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance);
    compared++;
  }
  expect(compared, `${what}: values compared`).toBeGreaterThan(0);
}

describe.skipIf(!hasRef)('Bollinger Bands against TA-Lib BBANDS(20, 2, SMA)', () => {
  it('matches the regression-test table at idx 19 (98.0734 / 92.8910 / 87.7086, ±0.01)', () => {
    const close = readCsvColumns(path.join(REF, 'talib/talib_regtest_ref252_ohlcv.csv')).column('close');
    const out = bands(close);
    const vectors = JSON.parse(readFileSync(path.join(REF, 'talib/talib_regtest_vectors.json'), 'utf8')).vectors as {
      func: string;
      matype?: string;
      period?: number;
      checks: Record<string, [number, number][]> | [number, number][];
    }[];
    const table = vectors.find((v) => v.func === 'BBANDS' && v.matype === 'SMA')!.checks as Record<'upper' | 'middle' | 'lower', [number, number][]>;
    for (const side of ['upper', 'middle', 'lower'] as const) {
      for (const [index, value] of table[side]) expect(Math.abs(out[side][index]! - value), `${side}[${index}]`).toBeLessThanOrEqual(0.01);
    }
    const sma30 = vectors.find((v) => v.func === 'SMA' && v.period === 30)!.checks as [number, number][];
    const thirty = bands(close, 30);
    for (const [index, value] of sma30) expect(Math.abs(thirty.middle[index]! - value), `SMA30[${index}]`).toBeLessThanOrEqual(0.01);
    const stddev5 = vectors.find((v) => v.func === 'STDDEV')!.checks as [number, number][];
    const five = bands(close, 5, 1);
    for (const [index, value] of stddev5) expect(Math.abs(five.std[index]! - value), `STDDEV5[${index}]`).toBeLessThanOrEqual(0.01);
  });

  it('matches full-precision TA-Lib on the 252-bar input (bands 1e-5, SMA 1e-9)', () => {
    const ref = readCsvColumns(path.join(REF, 'talib/talib_regtest_ref252_outputs.csv'));
    const out = bands(ref.column('close'));
    expectColumn(out.middle, ref.column('bb20_middle'), 1e-9, 'middle');
    expectColumn(out.upper, ref.column('bb20_upper'), 1e-5, 'upper');
    expectColumn(out.lower, ref.column('bb20_lower'), 1e-5, 'lower');
    expectColumn(out.std, ref.column('stddev20_pop'), 1e-5, 'stddev');
  });

  it('matches TA-Lib on all 30,240 real BTC/USD 1m bars (bands and σ 1e-5, SMA 1e-9)', () => {
    const ref = readCsvColumns(path.join(REF, 'btc-real/binanceus_BTCUSD_1m_20230301_20230321_indicators.csv'));
    expect(ref.length).toBe(30_240);
    const out = bands(ref.column('close'));
    expectColumn(out.middle, ref.column('bb20_middle'), 1e-9, 'middle');
    expectColumn(out.upper, ref.column('bb20_upper'), 1e-5, 'upper');
    expectColumn(out.lower, ref.column('bb20_lower'), 1e-5, 'lower');
    expectColumn(out.std, ref.column('stddev20_pop'), 1e-5, 'stddev');
  });
});

describe.skipIf(!hasRef)('EMA (the Keltner middle line) against TA-Lib EMA(14)', () => {
  it.each([
    ['talib/talib_regtest_ref252_outputs.csv', 1e-10],
    ['btc-real/binanceus_BTCUSD_1m_20230301_20230321_indicators.csv', 1e-9],
  ])('SMA-seeded EMA equals ema14 of %s', (file, tolerance) => {
    const ref = readCsvColumns(path.join(REF, file));
    const out = new Float64Array(ref.length);
    ema(ref.column('close'), out, 14, 'sma');
    expectColumn(out, ref.column('ema14'), tolerance, 'ema14');
    const state = new EmaState(14, 'sma');
    const close = ref.column('close');
    for (let i = 0; i < 200; i++) expect(state.update(close[i]!), `stream ema14[${i}]`).toBe(out[i]);
  });
});

describe.skipIf(!hasRef)('StockCharts examples', () => {
  it('Bollinger Bands, %b and bandwidth equal cs-bbands.csv (6-decimal sheet)', () => {
    const csv = readCsvColumns(path.join(REF, 'stockcharts/cs-bbands.csv'));
    const out = bands(csv.column('Close'));
    expectColumn(out.middle, csv.column('MiddleBand'), 1e-6, 'middle');
    expectColumn(out.upper, csv.column('HighBand'), 1e-6, 'upper');
    expectColumn(out.lower, csv.column('LowBand'), 1e-6, 'lower');
    expectColumn(out.std, csv.column('20-day Standard Deviation'), 1e-6, 'stddev');
    expectColumn(out.percentB, csv.column('PercentageBand'), 1e-6, '%b');
    expectColumn(out.bandwidth, csv.column('WidthBand'), 1e-6, 'bandwidth (×100 on the sheet)', 100);
  });

  it('Keltner Channels (EMA20 ± 2·ATR10) equal cs-kc.csv', () => {
    const csv = readCsvColumns(path.join(REF, 'stockcharts/cs-kc.csv'));
    const bars = barsFromCsv(csv);
    const n = bars.length;
    const out = { upper: new Float64Array(n), middle: new Float64Array(n), lower: new Float64Array(n) };
    keltner(bars.high, bars.low, bars.close, out, 20, 10, 2);
    expectColumn(out.middle, csv.column('middle_band'), 1e-9, 'middle');
    expectColumn(out.upper, csv.column('upper_band'), 1e-9, 'upper');
    expectColumn(out.lower, csv.column('lower_band'), 1e-9, 'lower');
  });
});

describe('edge cases', () => {
  it('a flat window gives σ = 0, touching bands and %b = 0.5', () => {
    const close = new Float64Array(30).fill(25_000.5);
    const out = bands(close);
    expect(out.upper[25]).toBe(25_000.5);
    expect(out.lower[25]).toBe(25_000.5);
    expect(out.percentB[25]).toBe(0.5);
    expect(out.bandwidth[25]).toBe(0);
  });

  it('the streaming state equals the batch bit for bit', () => {
    const close = contractBars({ length: 400 }).close;
    const out = bands(close, 9, 1.5);
    const state = new BollingerState(9, 1.5);
    for (let i = 0; i < close.length; i++) {
      expect(Array.from(state.update(close[i]!))).toEqual([out.upper[i], out.middle[i], out.lower[i], out.percentB[i], out.bandwidth[i]]);
    }
  });
});

testPluginContract({
  packageJson: new URL('../package.json', import.meta.url),
  factory: bollingerPlugin,
  valid: [{}, { period: 2, k: 0.5 }, { keltner: true }, { keltner: true, keltnerAtrPeriod: 14, keltnerMultiplier: 1.5, keltnerEmaSeed: 'sma' }],
  invalid: [
    { options: { period: 1 }, path: 'period' },
    { options: { k: 0 }, path: 'k' },
    { options: { keltnerAtrPeriod: 0 }, path: 'keltnerAtrPeriod' },
    { options: { keltnerEmaSeed: 'zero' }, path: 'keltnerEmaSeed' },
    { options: { stddev: 'sample' }, path: 'stddev' },
  ],
});
testIndicatorContract({ plugin: bollingerPlugin({ keltner: true }) });
testIndicatorContract({ plugin: bollingerPlugin({ period: 7, k: 2.5, keltner: true, keltnerPeriod: 5, keltnerAtrPeriod: 3, keltnerMultiplier: 1.5 }), title: 'indicator contract: Bollinger(7, 2.5) + Keltner(5, 3, 1.5)' });
testIndicatorContract({ factory: bollingerPlugin, options: { keltner: true, keltnerPeriod: 30, keltnerEmaSeed: 'sma' }, title: 'indicator contract: Keltner with a TA-Lib (SMA-seeded) EMA' });
