import { describe, expect, it } from 'vitest';
import { formatProgress } from './format.ts';
import type { PullProgress } from './pull/types.ts';

const progress: PullProgress = {
  dataset: 'kraken-btc-usd-1m',
  phase: 'pulling',
  from: '2024-01-01T00:00:00.000Z',
  to: '2024-12-31T00:00:00.000Z',
  position: '2024-06-19T08:41:00.000Z',
  fraction: 0.463,
  trades: 5_480_112,
  duplicates: 0,
  requests: 5_481,
  retries: 2,
  barsComplete: 244_800,
  barsWritten: 241_920,
  lastBar: '2024-06-19T08:40:00.000Z',
  tradesPerSecond: 1_003,
  etaSeconds: 10_950,
};

describe('the pull progress line', () => {
  it('shows everything on a wide terminal, in reading order', () => {
    expect(formatProgress(progress, 160)).toBe(
      '[##############----------------]  46.3%  2024-06-19 08:41  5,480,112 trades (1,003/s)  244,800 bars (241,920 written)  ETA 3h 02m  2 retries',
    );
  });

  it('drops the position, retries and bars before the ETA and the trades as the terminal narrows, never overflowing', () => {
    expect(formatProgress(progress, 120)).toBe('[##############----------------]  46.3%  5,480,112 trades (1,003/s)  244,800 bars (241,920 written)  ETA 3h 02m');
    expect(formatProgress(progress, 80)).toBe('[#####-----]  46.3%  5,480,112 trades (1,003/s)  ETA 3h 02m');
    for (let columns = 20; columns <= 200; columns++) {
      const line = formatProgress(progress, columns);
      if (columns >= 50) expect(line.length, `${columns} columns`).toBeLessThan(columns);
      expect(line).toMatch(/^\[[#-]+\] {2}46\.3%/);
    }
  });

  it('says nothing about writing once every complete bar is written', () => {
    expect(formatProgress({ ...progress, barsWritten: 244_800, retries: 0 }, 200)).toContain('244,800 bars  ETA');
  });
});
