import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { barsFromCsv, createTestEngine, readCsvColumns, testIndicatorContract, testPluginContract } from '@tradecore/sdk/testing';
import { describe, expect, it } from 'vitest';
import { rollingVwap, sessionVwap, vwapPlugin } from './index.ts';

const REF = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)), '../shared/data/reference');
const hasRef = existsSync(REF);
if (!hasRef) console.warn(`reference data not found at ${REF}: skipping VWAP reference tests`);

describe.skipIf(!hasRef)('session VWAP on real BTC/USD 1m data', () => {
  it('equals vwap_session_utc (exact, fsum) on all 30,240 rows', () => {
    const csv = readCsvColumns(path.join(REF, 'btc-real/binanceus_BTCUSD_1m_20230301_20230321_indicators.csv'));
    const bars = barsFromCsv(csv);
    expect(bars.length).toBe(30_240);
    const out = new Float64Array(bars.length);
    sessionVwap(bars.time, bars.high, bars.low, bars.close, bars.volume, out);
    const expected = csv.column('vwap_session_utc');
    let worst = 0;
    let emptyRows = 0;
    for (let i = 0; i < bars.length; i++) {
      if (Number.isNaN(expected[i]!)) {
        emptyRows++;
        const tp = (bars.high[i]! + bars.low[i]! + bars.close[i]!) / 3;
        expect(out[i], `vwap[${i}]: no session volume yet, so typical price`).toBe(tp);
        continue;
      }
      worst = Math.max(worst, Math.abs(out[i]! - expected[i]!) / expected[i]!);
    }
    expect(emptyRows).toBeLessThan(100);
    expect(worst, 'largest relative difference').toBeLessThan(1e-12);
  });

  it('resets at 00:00 UTC', () => {
    const csv = readCsvColumns(path.join(REF, 'btc-real/binanceus_BTCUSD_1m_first2000_indicators.csv'));
    const bars = barsFromCsv(csv);
    const out = new Float64Array(bars.length);
    sessionVwap(bars.time, bars.high, bars.low, bars.close, bars.volume, out);
    expect(new Date(bars.time[1440]!).toISOString()).toBe('2023-03-02T00:00:00.000Z');
    expect(out[1440]).toBe((bars.high[1440]! + bars.low[1440]! + bars.close[1440]!) / 3);
  });
});

describe.skipIf(!hasRef)('rolling VWAP', () => {
  it('equals the StockCharts 14-bar example (cs-vwap.csv)', () => {
    const csv = readCsvColumns(path.join(REF, 'stockcharts/cs-vwap.csv'));
    const bars = barsFromCsv(csv);
    const out = new Float64Array(bars.length);
    rollingVwap(bars.high, bars.low, bars.close, bars.volume, out, 14);
    const expected = csv.column('vwap');
    for (let i = 0; i < bars.length; i++) expect(Math.abs(out[i]! - expected[i]!), `vwap14[${i}]`).toBeLessThan(1e-12);
  });
});

describe('rolling VWAP edge cases', () => {
  it('an all-zero-volume window gives typical price exactly, not 0/0 residue', () => {
    const n = 40;
    const h = new Float64Array(n).fill(101);
    const l = new Float64Array(n).fill(99);
    const c = new Float64Array(n).fill(100);
    const v = new Float64Array(n);
    for (let i = 0; i < 10; i++) v[i] = 0.1 * (i + 1) + 1e-9;
    const out = new Float64Array(n);
    rollingVwap(h, l, c, v, out, 5);
    for (let i = 14; i < n; i++) expect(out[i]).toBe(100);
  });
});

describe('plugin', () => {
  it('registers session and rolling features with unique names', async () => {
    const engine = await createTestEngine({ plugins: [vwapPlugin({ rollingWindows: [14, 60] })] });
    const names = engine.collectFeatures(['time', 'open', 'high', 'low', 'close', 'volume']).flatMap((d) => d.outputs.map((o) => o.name));
    expect(names).toEqual(['vwap_session', 'vwap_rolling_14', 'vwap_rolling_60']);
  });

  it('refuses a configuration that computes nothing', async () => {
    await expect(createTestEngine({ plugins: [vwapPlugin({ session: false })] })).rejects.toThrow(/nothing to compute/);
  });
});

testPluginContract({
  packageJson: new URL('../package.json', import.meta.url),
  factory: vwapPlugin,
  valid: [{}, { rollingWindows: [14] }, { session: false, rollingWindows: [1, 30] }, { sessionStartMinuteUtc: 570 }],
  invalid: [
    { options: { rollingWindows: [0] }, path: 'rollingWindows[0]' },
    { options: { sessionStartMinuteUtc: 1440 }, path: 'sessionStartMinuteUtc' },
    { options: { session: 'yes' }, path: 'session' },
    { options: { anchor: 'week' }, path: 'anchor' },
  ],
});
testIndicatorContract({ plugin: vwapPlugin({ rollingWindows: [14] }) });
testIndicatorContract({ plugin: vwapPlugin({ sessionStartMinuteUtc: 570, rollingWindows: [3] }), title: 'indicator contract: VWAP session at 09:30 UTC, rolling 3' });
