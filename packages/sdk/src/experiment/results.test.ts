import { describe, expect, it } from 'vitest';
import { clippedSeries } from './results.ts';

const series = (name: string, values: ArrayLike<number>) => ({ name, values, color: '#000' });

describe('clippedSeries (which curve the equity chart clips)', () => {
  it('clips the random baseline only when its worst point is far below every other curve', () => {
    const agent = series('agent', [0, 5, -10, 3]);
    expect(clippedSeries([agent, series('random', [0, -20, -5])])).toEqual(new Set());
    expect(clippedSeries([agent, series('random', [0, -40, -5])])).toEqual(new Set(['random']));
  });

  it('reads curves of millions of points (a long test split) without overflowing the call stack', () => {
    const n = 2_000_000;
    const agent = new Float64Array(n).map((_, i) => Math.sin(i / 1000) * 10);
    const random = new Float64Array(n).map((_, i) => (i === n - 1 ? -80 : 0));
    expect(clippedSeries([series('agent', agent), series('random', random)])).toEqual(new Set(['random']));
  });
});
