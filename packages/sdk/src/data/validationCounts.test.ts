import { describe, expect, it } from 'vitest';
import { BarsValidationError } from './errors.ts';
import { generateSynthetic } from './synthetic.ts';
import { validateBars } from './validateBars.ts';

describe('validation counts', () => {
  it('counts every finding of a kind, keeps a few, and the error says the true number', () => {
    const bars = generateSynthetic({ seed: 1, days: 2 });
    for (let i = 0; i < 1439; i++) bars.high[i * 2] = (bars.low[i * 2] as number) - 1; // high below low: an OHLC error
    for (let i = 0; i < 30; i++) bars.volume[2000 + i * 3] = -1;
    const report = validateBars(bars, { timeframeMs: 60_000 });
    expect(report.counts).toMatchObject({ ohlc: 1439, negative: 30 });
    expect(report.errors.filter((e) => e.kind === 'ohlc')).toHaveLength(20);
    const message = new BarsValidationError('dataset "x"', report).message.split('\n');
    expect(message).toHaveLength(1 + 10 + 1);
    expect(message.at(-1)).toBe('  … and 1,459 more (ohlc ×1,439, negative ×30)');
  });
});
