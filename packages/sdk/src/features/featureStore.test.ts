import { describe, expect, it } from 'vitest';
import { bitsOf, buildFeatureStore, interleaveFeatures, wordsOf, writeFeatureWindow } from './featureStore.ts';
import type { Bars, FeatureDefinition } from './types.ts';

const n = 6;
const bars: Bars = {
  length: n,
  time: Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * 60_000),
  open: Float64Array.of(10, 11, 12, 13, 14, 15),
  high: Float64Array.of(10, 11, 12, 13, 14, 15),
  low: Float64Array.of(10, 11, 12, 13, 14, 15),
  close: Float64Array.of(10, 11, 12, 13, 14, 15),
  volume: Float64Array.of(1, 2, 3, 4, 5, 6),
};

function def(over: Partial<FeatureDefinition>): FeatureDefinition {
  return {
    id: 'f',
    inputs: ['close'],
    outputs: [{ name: 'f', normalization: { kind: 'none' } }],
    warmup: 0,
    batch() {},
    stream: () => ({ update: () => [] }),
    ...over,
  };
}

const prevClose = def({
  id: 'prev',
  outputs: [{ name: 'prev_close', normalization: { kind: 'relative-to-close' } }, { name: 'volume_pct', normalization: { kind: 'scale', factor: 0.5 } }],
  inputs: ['close', 'volume'],
  warmup: 1,
  batch(b, out) {
    for (let i = 1; i < b.length; i++) {
      (out[0] as Float64Array)[i] = b.close[i - 1] as number;
      (out[1] as Float64Array)[i] = b.volume[i] as number;
    }
  },
});

describe('buildFeatureStore', () => {
  it('computes each output once, normalises it and exposes the largest warm-up', () => {
    const store = buildFeatureStore(bars, [prevClose, def({ id: 'v', outputs: [{ name: 'vol', normalization: { kind: 'none' } }], warmup: 3, batch: (b, out) => (out[0] as Float64Array).set(b.volume) })]);
    expect(store.names).toEqual(['prev_close', 'volume_pct', 'vol']);
    expect(store.maxWarmup).toBe(3);
    expect(store.raw[0]?.[2]).toBe(11);
    expect(store.normalized[0]?.[2]).toBeCloseTo(11 / 12 - 1, 15);
    expect(store.normalized[1]?.[4]).toBe(2.5);
    const matrix = interleaveFeatures(store);
    const out = new Float32Array(8).fill(-1);
    writeFeatureWindow(matrix, 3, 5, 2, out, 1);
    expect(Array.from(out)).toEqual([-1, ...[13 / 14 - 1, 2.5, 5, 14 / 15 - 1, 3, 6].map((v) => Math.fround(v)), -1]);
  });

  it('refuses a missing input column and a non-finite value after the warm-up, naming feature and bar', () => {
    expect(() => buildFeatureStore(bars, [def({ id: 'flow', inputs: ['buy_volume'] })])).toThrow(/feature "flow" reads column "buy_volume"/);
    expect(() => buildFeatureStore(bars, [def({ id: 'late', warmup: 2, batch: (b, out) => (out[0] as Float64Array).fill(1, 3) })])).toThrow(
      /feature "late" output "f" is NaN at bar 2 \(2024-01-01T00:02:00.000Z\), after its warm-up of 2 bars/,
    );
  });
});

describe('writeFeatureWindow', () => {
  it('copies the same bits through float32, int32 and float64 views', () => {
    const matrix = Float32Array.from({ length: 2 * 50 }, (_, i) => (i % 7 === 0 ? -0 : Math.sin(i) * 10 ** ((i % 9) - 4)));
    const a = new Float32Array(20);
    const b = new Float32Array(20);
    const c = new Float32Array(20);
    for (const index of [9, 23, 49]) {
      writeFeatureWindow(matrix, 2, index, 10, a, 0);
      writeFeatureWindow(bitsOf(matrix), 2, index, 10, bitsOf(b), 0);
      writeFeatureWindow(wordsOf(matrix) as Float64Array, 1, index, 10, wordsOf(c) as Float64Array, 0);
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
      expect(Buffer.from(c.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    }
    expect(wordsOf(matrix.subarray(1, 5)), 'not 8-byte aligned').toBeUndefined();
  });
});
