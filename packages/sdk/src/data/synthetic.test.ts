import { describe, expect, it } from 'vitest';
import { generateSynthetic, syntheticGeneratorInfo } from './synthetic.ts';
import { validateBars } from './validateBars.ts';

function logReturns(close: Float64Array): Float64Array {
  const out = new Float64Array(close.length - 1);
  for (let i = 1; i < close.length; i++) out[i - 1] = Math.log((close[i] as number) / (close[i - 1] as number));
  return out;
}

function autocorrelation(x: Float64Array, lag: number): number {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < x.length; i++) {
    const d = (x[i] as number) - mean;
    den += d * d;
    if (i >= lag) num += d * ((x[i - lag] as number) - mean);
  }
  return num / den;
}

describe('generateSynthetic', () => {
  const bars = generateSynthetic({ seed: 42, days: 30 });

  it('is deterministic bit for bit for a seed and differs across seeds', () => {
    expect(generateSynthetic({ seed: 42, days: 30 })).toEqual(bars);
    expect(generateSynthetic({ seed: 43, days: 30 }).close).not.toEqual(bars.close);
  });

  it('produces valid, aligned 1m bars at a BTC-like level with every column', () => {
    expect(bars.length).toBe(30 * 1440);
    expect(bars.time[0]).toBe(Date.UTC(2024, 0, 1));
    const report = validateBars(bars, { timeframeMs: 60_000 });
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.stats.zeroVolumeShare).toBeGreaterThan(0);
    expect(report.stats.zeroVolumeShare).toBeLessThan(0.01);
    const closes = Array.from(bars.close);
    expect(Math.min(...closes.slice(0, 1000))).toBeGreaterThan(20_000);
    expect(Math.max(...closes.slice(0, 1000))).toBeLessThan(80_000);
    for (let i = 0; i < bars.length; i += 97) {
      expect((bars.buy_volume?.[i] as number) + (bars.sell_volume?.[i] as number)).toBeCloseTo(bars.volume[i] as number, 9);
      expect(Number.isInteger(bars.trades?.[i])).toBe(true);
      if (i > 0) expect(bars.open[i], 'open = previous close').toBe(bars.close[i - 1]);
    }
  });

  it('gives resting limit orders no free edge: wicks come from the path that made the close', () => {
    // A buy limit k bps under close[i] fills in bar i+1 when its low trades through; on a martingale the
    // fill is worth nothing on average at that bar's close. Independent wicks made a 5 bps limit worth ~+1.5 bps.
    for (const [side, offset] of [[1, 2e-4], [1, 5e-4], [1, 10e-4], [-1, 5e-4]] as const) {
      let sum = 0;
      let fills = 0;
      for (let i = 0; i + 1 < bars.length; i++) {
        const limit = (bars.close[i] as number) * (1 - side * offset);
        const filled = side === 1 ? (bars.low[i + 1] as number) < limit : (bars.high[i + 1] as number) > limit;
        if (!filled) continue;
        sum += (side * ((bars.close[i + 1] as number) - limit)) / limit;
        fills++;
      }
      expect(fills).toBeGreaterThan(3_000);
      expect(Math.abs((sum / fills) * 1e4), `mean edge of a ${side === 1 ? 'buy' : 'sell'} limit ${offset * 1e4} bps away, bps`).toBeLessThan(0.3);
    }
  });

  it('has fat tails and volatility clustering', () => {
    const r = logReturns(bars.close).filter((x) => x !== 0);
    const mean = r.reduce((a, b) => a + b, 0) / r.length;
    const m2 = r.reduce((a, b) => a + (b - mean) ** 2, 0) / r.length;
    const m4 = r.reduce((a, b) => a + (b - mean) ** 4, 0) / r.length;
    expect(m4 / (m2 * m2), 'kurtosis well above a normal distribution’s 3').toBeGreaterThan(5);
    const absolute = Float64Array.from(r, Math.abs);
    expect(autocorrelation(absolute, 1), '|returns| stay correlated: volatility clusters').toBeGreaterThan(0.05);
    expect(autocorrelation(absolute, 60)).toBeGreaterThan(0.02);
    expect(Math.abs(autocorrelation(Float64Array.from(r), 1)), 'returns themselves are not predictable').toBeLessThan(0.05);
  });

  it('has an intraday volume pattern and buy volume leaning with the bar direction', () => {
    const byHour = new Float64Array(24);
    for (let i = 0; i < bars.length; i++) { const h = new Date(bars.time[i] as number).getUTCHours(); byHour[h] = (byHour[h] as number) + (bars.volume[i] as number); }
    expect(byHour[15] as number, 'busier at 15:00 UTC than 03:00 UTC').toBeGreaterThan(1.5 * (byHour[3] as number));
    let upBuyShare = 0;
    let downBuyShare = 0;
    let up = 0;
    let down = 0;
    for (let i = 0; i < bars.length; i++) {
      const v = bars.volume[i] as number;
      if (v === 0) continue;
      const share = (bars.buy_volume?.[i] as number) / v;
      if ((bars.close[i] as number) > (bars.open[i] as number)) [upBuyShare, up] = [upBuyShare + share, up + 1];
      else if ((bars.close[i] as number) < (bars.open[i] as number)) [downBuyShare, down] = [downBuyShare + share, down + 1];
    }
    expect(upBuyShare / up).toBeGreaterThan(0.55);
    expect(downBuyShare / down).toBeLessThan(0.45);
  });

  it('supports other timeframes and starts, and rejects bad options', () => {
    const hourly = generateSynthetic({ seed: 1, days: 2, timeframe: '1h', start: '2024-06-01T00:30:00Z' });
    expect(hourly.length).toBe(48);
    expect(hourly.time[0]).toBe(Date.UTC(2024, 5, 1));
    expect(() => generateSynthetic({ seed: -1, days: 1 })).toThrow('seed must be an integer');
    expect(() => generateSynthetic({ seed: 1, days: 0 })).toThrow('days must be a positive number');
    expect(() => generateSynthetic({ seed: 1, days: 1, start: 'soon' })).toThrow('start "soon" is not an ISO 8601 time');
    expect(syntheticGeneratorInfo({ seed: 5, days: 2, timeframe: '60m' }).params.timeframe).toBe('60m');
  });
});
