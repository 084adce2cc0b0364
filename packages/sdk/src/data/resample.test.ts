import { describe, expect, it } from 'vitest';
import { importKrakenOhlcvt } from './csv.ts';
import { resampleBars } from './resample.ts';
import { generateSynthetic } from './synthetic.ts';
import { minuteBars, sharedFile } from './_testing.ts';

describe('resampleBars', () => {
  it('aggregates open first, high max, low min, close last, sums volumes, aligned to UTC', () => {
    const bars = minuteBars(7, Date.UTC(2024, 0, 1, 0, 2));
    const out = resampleBars(bars, '1m', '5m');
    expect(Array.from(out.time)).toEqual([Date.UTC(2024, 0, 1, 0, 0), Date.UTC(2024, 0, 1, 0, 5)]);
    expect(Array.from(out.open)).toEqual([100, 103]);
    expect(Array.from(out.high)).toEqual([103, 107]);
    expect(Array.from(out.low)).toEqual([99.5, 102.5]);
    expect(Array.from(out.close)).toEqual([102.5, 106.5]);
    expect(Array.from(out.volume)).toEqual([1 + 2 + 3, 1 + 2 + 3 + 1]);
  });

  it('keeps the optional columns and matches totals on synthetic data', () => {
    const bars = generateSynthetic({ seed: 7, days: 3 });
    const hourly = resampleBars(bars, '1m', '1h');
    expect(hourly.length).toBe(72);
    expect(hourly.trades?.reduce((a, b) => a + b, 0)).toBe(bars.trades?.reduce((a, b) => a + b, 0));
    expect(hourly.buy_volume?.[5]).toBeCloseTo((bars.buy_volume as Float64Array).subarray(300, 360).reduce((a, b) => a + b, 0), 9);
    expect(hourly.close[71]).toBe(bars.close[bars.length - 1]);
  });

  it('starts weekly buckets on Monday 00:00 UTC', () => {
    const bars = generateSynthetic({ seed: 1, days: 14, start: '2024-01-03T00:00:00Z', timeframe: '1h' });
    const weekly = resampleBars(bars, '1h', '1w');
    expect(Array.from(weekly.time, (t) => new Date(t).toISOString())).toEqual(['2024-01-01T00:00:00.000Z', '2024-01-08T00:00:00.000Z', '2024-01-15T00:00:00.000Z']);
  });

  it('refuses targets that are not a multiple and unsorted input', () => {
    expect(() => resampleBars(minuteBars(3), '1h', '90m')).toThrow('cannot resample 1h to 90m');
    const bars = minuteBars(3);
    const unsorted = { ...bars, time: Float64Array.from([2, 1, 3].map((k) => k * 60_000)) };
    expect(() => resampleBars(unsorted, '1m', '1h')).toThrow('resample: row 1 (1970-01-01T00:01:00.000Z) is not after row 0');
  });
});

const hourly = sharedFile('kraken', 'ohlcvt-samples', 'XBTUSD_60.csv');
const daily = sharedFile('kraken', 'ohlcvt-samples', 'XBTUSD_1440.csv');
describe.skipIf(!hourly.exists || !daily.exists)('Kraken XBTUSD 60 → 1440', () => {
  it("equals Kraken's own daily file (OHLC and trades exact, volume to 1e-8)", async () => {
    const fromHourly = resampleBars(await importKrakenOhlcvt(hourly.file), '1h', '1d');
    const expected = await importKrakenOhlcvt(daily.file);
    expect(fromHourly.length).toBe(expected.length);
    expect(fromHourly.time).toEqual(expected.time);
    expect(fromHourly.open).toEqual(expected.open);
    expect(fromHourly.high).toEqual(expected.high);
    expect(fromHourly.low).toEqual(expected.low);
    expect(fromHourly.close).toEqual(expected.close);
    expect(fromHourly.trades).toEqual(expected.trades);
    for (let i = 0; i < expected.length; i++) {
      expect(Math.abs((fromHourly.volume[i] as number) - (expected.volume[i] as number)), `volume of day ${i}`).toBeLessThanOrEqual(1e-8);
    }
  });
});
