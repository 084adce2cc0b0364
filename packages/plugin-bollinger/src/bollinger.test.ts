import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngine } from '@tradecore/sdk';
import { barsFromCsv, contractBars, readCsvColumns, testIndicatorContract, testPluginContract } from '@tradecore/sdk/testing';
import { describe, expect, it } from 'vitest';
import { bollinger, bollingerPlugin, BollingerState, bollingerTalib, BollingerTalibState, ema, EmaState, keltner, type BollingerOutputs } from './index.ts';

const REF = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)), '../shared/data/reference');
const hasRef = existsSync(REF);
if (!hasRef) console.warn(`reference data not found at ${REF}: skipping Bollinger/Keltner reference tests`);

function bands(close: Float64Array, period = 20, k = 2, talib = false): Required<BollingerOutputs> {
  const n = close.length;
  const out = {
    upper: new Float64Array(n),
    middle: new Float64Array(n),
    lower: new Float64Array(n),
    percentB: new Float64Array(n),
    bandwidth: new Float64Array(n),
    std: new Float64Array(n),
  };
  (talib ? bollingerTalib : bollinger)(close, out, period, k);
  return out;
}

/**
 * TA-Lib's BBANDS(period, k, k, SMA), line for line from ta_BBANDS.c, TA_INT_SMA and
 * TA_INT_stddev_using_precalc_ma (called from bar 0): the yardstick for inputs the reference files do not cover.
 */
function taLibBbands(x: Float64Array, period: number, k: number) {
  const n = x.length;
  const middle = new Float64Array(n).fill(Number.NaN);
  const upper = new Float64Array(n).fill(Number.NaN);
  const lower = new Float64Array(n).fill(Number.NaN);
  let periodTotal = 0;
  let trailingIdx = 0;
  let i = 0;
  while (i < period - 1) periodTotal += x[i++]!;
  while (i < n) {
    periodTotal += x[i++]!;
    const tempReal = periodTotal;
    periodTotal -= x[trailingIdx++]!;
    middle[i - 1] = tempReal / period;
  }
  let periodTotal2 = 0;
  for (let j = 0; j < period - 1; j++) periodTotal2 += x[j]! * x[j]!;
  for (let end = period - 1, start = 0; end < n; end++, start++) {
    periodTotal2 += x[end]! * x[end]!;
    let meanValue2 = periodTotal2 / period;
    periodTotal2 -= x[start]! * x[start]!;
    meanValue2 -= middle[end]! * middle[end]!;
    const sd = meanValue2 < 1e-14 ? 0 : Math.sqrt(meanValue2);
    upper[end] = middle[end]! + sd * k;
    lower[end] = middle[end]! - sd * k;
  }
  return { middle, upper, lower };
}

/** Real closes with flat stretches of 25 and 60 equal closes (TA-Lib's σ is not 0 there). */
function withFlatStretches(close: Float64Array): Float64Array {
  const out = close.slice();
  for (const [from, length] of [[1_000, 25], [20_000, 60]] as const) out.fill(close[from + length]!, from, from + length);
  return out;
}

const sameBits = (actual: Float64Array, expected: Float64Array, what: string) => {
  for (let i = 0; i < expected.length; i++) if (!Object.is(actual[i], expected[i])) expect(actual[i], `${what}[${i}]`).toBe(expected[i]);
};

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

describe.skipIf(!hasRef)("talib: true reproduces TA-Lib's BBANDS(20, 2, SMA) exactly", () => {
  const ref = hasRef ? readCsvColumns(path.join(REF, 'btc-real/binanceus_BTCUSD_1m_20230301_20230321_indicators.csv')) : undefined;

  it('equals the TA-Lib reference on all 30,240 real BTC/USD 1m bars, bit for bit (and so does the transliteration)', () => {
    const close = ref!.column('close');
    const out = bands(close, 20, 2, true);
    const transliterated = taLibBbands(close, 20, 2);
    for (const side of ['upper', 'middle', 'lower'] as const) {
      sameBits(transliterated[side], ref!.column(`bb20_${side}`), `transliteration ${side}`);
      sameBits(out[side], ref!.column(`bb20_${side}`), side);
    }
    const talib252 = readCsvColumns(path.join(REF, 'talib/talib_regtest_ref252_outputs.csv'));
    const out252 = bands(talib252.column('close'), 20, 2, true);
    for (const side of ['upper', 'middle', 'lower'] as const) sameBits(out252[side], talib252.column(`bb20_${side}`), `252-bar ${side}`);
  });

  it('equals TA-Lib on the real bars with flat stretches, where TA-Lib σ is not 0 and ours is', () => {
    const close = withFlatStretches(ref!.column('close'));
    const talib = bands(close, 20, 2, true);
    const expected = taLibBbands(close, 20, 2);
    for (const side of ['upper', 'middle', 'lower'] as const) sameBits(talib[side], expected[side], side);
    const exact = bands(close);
    const flatBar = 1_000 + 24;
    expect(exact.std[flatBar], 'exact σ of 20 equal closes').toBe(0);
    expect(talib.std[flatBar], "TA-Lib's σ of 20 equal closes: cancellation noise").toBeGreaterThan(1e-4);
    const state = new BollingerTalibState(20, 2);
    for (let i = 0; i < close.length; i++) {
      const v = state.update(close[i]!);
      if (!Object.is(v[0], talib.upper[i]) || !Object.is(v[3], talib.percentB[i])) expect([v[0], v[3]], `stream[${i}]`).toEqual([talib.upper[i], talib.percentB[i]]);
    }
  });
});

describe('output names', () => {
  const names = async (options: Parameters<typeof bollingerPlugin>[0]) =>
    (await createEngine({ plugins: [bollingerPlugin(options)], requireRiskGuard: false })).collectFeatures(['high', 'low', 'close']).flatMap((d) => d.outputs.map((o) => o.name));

  it('every variant that gives another series has its own names', async () => {
    expect(await names({ keltner: true })).toEqual([
      'bb_upper_20_2', 'bb_middle_20', 'bb_lower_20_2', 'bb_percent_b_20_2', 'bb_bandwidth_20_2',
      'kc_upper_20_10_2', 'kc_middle_20', 'kc_lower_20_10_2',
    ]);
    expect(await names({ talib: true, keltner: true, keltnerEmaSeed: 'sma' })).toEqual([
      'bb_upper_talib_20_2', 'bb_middle_talib_20', 'bb_lower_talib_20_2', 'bb_percent_b_talib_20_2', 'bb_bandwidth_talib_20_2',
      'kc_upper_smaseed_20_10_2', 'kc_middle_smaseed_20', 'kc_lower_smaseed_20_10_2',
    ]);
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
  valid: [{}, { period: 2, k: 0.5 }, { talib: true }, { keltner: true }, { keltner: true, keltnerAtrPeriod: 14, keltnerMultiplier: 1.5, keltnerEmaSeed: 'sma' }],
  invalid: [
    { options: { period: 1 }, path: 'period' },
    { options: { k: 0 }, path: 'k' },
    { options: { talib: 1 }, path: 'talib' },
    { options: { keltnerAtrPeriod: 0 }, path: 'keltnerAtrPeriod' },
    { options: { keltnerEmaSeed: 'zero' }, path: 'keltnerEmaSeed' },
    { options: { stddev: 'sample' }, path: 'stddev' },
  ],
});
testIndicatorContract({ plugin: bollingerPlugin({ keltner: true }) });
testIndicatorContract({ plugin: bollingerPlugin({ talib: true, period: 9, k: 1.5 }), title: "indicator contract: TA-Lib's BBANDS(9, 1.5)" });
testIndicatorContract({ plugin: bollingerPlugin({ period: 7, k: 2.5, keltner: true, keltnerPeriod: 5, keltnerAtrPeriod: 3, keltnerMultiplier: 1.5 }), title: 'indicator contract: Bollinger(7, 2.5) + Keltner(5, 3, 1.5)' });
testIndicatorContract({ factory: bollingerPlugin, options: { keltner: true, keltnerPeriod: 30, keltnerEmaSeed: 'sma' }, title: 'indicator contract: Keltner with a TA-Lib (SMA-seeded) EMA' });
