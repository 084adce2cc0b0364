import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFeatureStore } from '@tradecore/sdk';
import { barsFromCsv, contractBars, createTestEngine, readCsvColumns, testIndicatorContract, testPluginContract } from '@tradecore/sdk/testing';
import { describe, expect, it } from 'vitest';
import { atr, AtrState, atrPlugin, trueRange } from './index.ts';

const REF = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)), '../shared/data/reference');
const hasRef = existsSync(REF);
if (!hasRef) console.warn(`reference data not found at ${REF}: skipping ATR reference tests`);

function run(csvFile: string, period: number, seeding: 'talib' | 'stockcharts') {
  const bars = barsFromCsv(readCsvColumns(csvFile));
  const out = new Float64Array(bars.length);
  const tr = new Float64Array(bars.length);
  atr(bars.high, bars.low, bars.close, out, tr, period, seeding);
  return { out, tr };
}

/** TA-Lib's own check: TA_REAL_EQ(x, expected, 0.01). */
function expectTable(actual: number | undefined, expected: number, what: string) {
  expect(Math.abs(actual! - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(0.01);
}

function expectColumn(actual: Float64Array, expected: Float64Array, tolerance: number, what: string) {
  let compared = 0;
  for (let i = 0; i < expected.length; i++) {
    if (Number.isNaN(expected[i]!)) {
      expect(actual[i], `${what}[${i}] is inside TA-Lib's lookback`).toBeNaN();
      continue;
    }
    expect(Math.abs(actual[i]! - expected[i]!), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).toBeLessThanOrEqual(tolerance);
    compared++;
  }
  expect(compared, `${what}: values compared`).toBeGreaterThan(0);
}

describe.skipIf(!hasRef)('ATR against TA-Lib', () => {
  it('matches the regression-test tables (±0.01)', () => {
    const { out, tr } = run(path.join(REF, 'talib/talib_regtest_ref252_ohlcv.csv'), 14, 'talib');
    const vectors = JSON.parse(readFileSync(path.join(REF, 'talib/talib_regtest_vectors.json'), 'utf8')).vectors as {
      func: string;
      period?: number;
      checks: [number, number][];
    }[];
    const atr14 = vectors.find((v) => v.func === 'ATR' && v.period === 14)!;
    for (const [index, value] of atr14.checks) expectTable(out[index], value, `ATR14[${index}]`);
    const trange = vectors.find((v) => v.func === 'TRANGE')!;
    for (const [index, value] of trange.checks) expectTable(tr[index], value, `TRANGE[${index}]`);
    const atr1 = vectors.find((v) => v.func === 'ATR' && v.period === 1)!;
    const one = run(path.join(REF, 'talib/talib_regtest_ref252_ohlcv.csv'), 1, 'talib').out;
    for (const [index, value] of atr1.checks) expectTable(one[index], value, `ATR1[${index}]`);
  });

  it('matches full-precision TA-Lib outputs on the 252-bar input', () => {
    const ref = readCsvColumns(path.join(REF, 'talib/talib_regtest_ref252_outputs.csv'));
    const { out, tr } = run(path.join(REF, 'talib/talib_regtest_ref252_ohlcv.csv'), 14, 'talib');
    expectColumn(tr, ref.column('trange'), 1e-12, 'trange');
    expectColumn(out, ref.column('atr14'), 1e-10, 'atr14');
  });

  it('matches TA-Lib on all 30,240 real BTC/USD 1m bars', () => {
    const file = path.join(REF, 'btc-real/binanceus_BTCUSD_1m_20230301_20230321_indicators.csv');
    const ref = readCsvColumns(file);
    expect(ref.length).toBe(30_240);
    const { out, tr } = run(file, 14, 'talib');
    expectColumn(tr, ref.column('trange'), 1e-9, 'trange');
    expectColumn(out, ref.column('atr14'), 1e-9, 'atr14');
  });
});

describe.skipIf(!hasRef)('ATR with StockCharts seeding', () => {
  it('matches the StockCharts ChartSchool example (cs-atr.csv)', () => {
    const csv = readCsvColumns(path.join(REF, 'stockcharts/cs-atr.csv'));
    const { out, tr } = run(path.join(REF, 'stockcharts/cs-atr.csv'), 14, 'stockcharts');
    const expectedTr = csv.column('TR');
    const expectedAtr = csv.column('ATR');
    for (let i = 0; i < csv.length; i++) {
      expect(tr[i]!, `TR[${i}]`).toBeCloseTo(expectedTr[i]!, 9);
      if (i < 13) expect(out[i], `ATR[${i}] in warm-up`).toBeNaN();
      else expect(out[i]!, `ATR[${i}]`).toBeCloseTo(expectedAtr[i]!, 9);
    }
    expect(out[13]).toBeCloseTo(0.555, 12);
  });

  it('TA-Lib seeding on the same data matches TA-Lib (first value 0.5686 at bar 14)', () => {
    const ref = readCsvColumns(path.join(REF, 'stockcharts/talib_outputs_on_cs-atr_hlc.csv'));
    const { out } = run(path.join(REF, 'stockcharts/talib_outputs_on_cs-atr_hlc.csv'), 14, 'talib');
    expectColumn(out, ref.column('atr14'), 1e-12, 'atr14');
    expect(out[14]).toBeCloseTo(0.5686, 4);
  });
});

describe('in the feature store', () => {
  it('enters observations divided by close (ratio-to-close)', async () => {
    const bars = contractBars({ length: 200 });
    const engine = await createTestEngine({ plugins: [atrPlugin()] });
    const store = buildFeatureStore(bars, engine.collectFeatures(['time', 'open', 'high', 'low', 'close', 'volume']));
    expect(store.names).toEqual(['tr', 'atr_14']);
    for (const i of [14, 100, 199]) {
      expect(store.normalized[1]![i], `atr_14 / close at ${i}`).toBe(store.raw[1]![i]! / bars.close[i]!);
      expect(store.normalized[0]![i], `tr / close at ${i}`).toBe(store.raw[0]![i]! / bars.close[i]!);
    }
  });
});

describe('AtrState', () => {
  it('gives the same values as the batch function', () => {
    const bars = contractBars({ length: 300 });
    const out = new Float64Array(300);
    const tr = new Float64Array(300);
    atr(bars.high, bars.low, bars.close, out, tr, 5, 'stockcharts');
    const state = new AtrState(5, 'stockcharts');
    for (let i = 0; i < 300; i++) {
      const [t, a] = state.update({ high: bars.high[i]!, low: bars.low[i]!, close: bars.close[i]! });
      expect(t).toBe(tr[i]);
      expect(a).toBe(out[i]);
    }
  });

  it('true range is NaN at bar 0 with TA-Lib seeding and H−L with StockCharts', () => {
    const h = Float64Array.of(10, 12);
    const l = Float64Array.of(8, 11);
    const c = Float64Array.of(9, 11.5);
    const out = new Float64Array(2);
    trueRange(h, l, c, out);
    expect(out[0]).toBeNaN();
    expect(out[1]).toBe(3);
    trueRange(h, l, c, out, 'stockcharts');
    expect(out[0]).toBe(2);
  });
});

testPluginContract({
  packageJson: new URL('../package.json', import.meta.url),
  factory: atrPlugin,
  valid: [{}, { period: 1 }, { period: 21, seeding: 'stockcharts' }],
  invalid: [
    { options: { period: 0 }, path: 'period' },
    { options: { period: 2.5 }, path: 'period' },
    { options: { seeding: 'tulip' }, path: 'seeding' },
    { options: { windo: 3 }, path: 'windo' },
  ],
});
testIndicatorContract({ plugin: atrPlugin() });
testIndicatorContract({ plugin: atrPlugin({ period: 5, seeding: 'stockcharts' }), title: 'indicator contract: ATR(5) StockCharts seeding' });
