import { describe, expect, it } from 'vitest';
import { roc, RocState } from './roc.ts';

const close = Float64Array.from([100, 102, 99, 110, 121]);

describe('roc', () => {
  it('compares each price with the one `period` bars earlier', () => {
    const out = new Float64Array(close.length);
    roc(close, out, 2);
    expect(Number.isNaN(out[0]!) && Number.isNaN(out[1]!), 'no value before two earlier bars exist').toBe(true);
    expect(out[2]).toBeCloseTo(99 / 100 - 1, 15);
    expect(out[3]).toBeCloseTo(110 / 102 - 1, 15);
    expect(out[4]).toBeCloseTo(121 / 99 - 1, 15);
  });

  it('streams the same values as the batch function', () => {
    const batch = new Float64Array(close.length);
    roc(close, batch, 3);
    const state = new RocState(3);
    const streamed = Array.from(close, (c, i) => state.update({ time: i * 60_000, open: c, high: c, low: c, close: c, volume: 1 })[0]);
    expect(streamed).toEqual(Array.from(batch));
  });
});
