import { describe, expect, it } from 'vitest';
import type { FeatureDefinition } from '../features/types.ts';
import { contractBars, readCsvColumns } from './bars.ts';
import { checkCausality, checkDeclaration, checkWarmup, closeRelative, firstMismatch, guardedBars, runBatch, runStream } from './checks.ts';

const bars = contractBars({ length: 300 });
const available = new Set(['time', 'open', 'high', 'low', 'close', 'volume'] as const);

/** A 3-bar moving average of close, correct, with knobs that break one rule each. */
function sma3({ peek = false, readVolume = false, streamOffset = 0, warmup = 2 } = {}): FeatureDefinition {
  return {
    id: 'sma3',
    inputs: ['close'],
    outputs: [{ name: 'sma_3', normalization: { kind: 'relative-to-close' } }],
    warmup,
    batch(b, [out]) {
      const c = b.close;
      const v = readVolume ? b.volume : undefined;
      for (let i = 0; i < b.length; i++) {
        const j = peek && i + 1 < b.length ? i + 1 : i;
        out![i] = i < 2 ? Number.NaN : (c[j]! + c[j - 1]! + c[j - 2]!) / 3 + (v ? 0 * v[i]! : 0);
      }
    },
    stream() {
      const last: number[] = [];
      const values = new Float64Array(1);
      return {
        update(bar) {
          last.push(bar.close);
          if (last.length > 3) last.shift();
          values[0] = last.length < 3 ? Number.NaN : (last[0]! + last[1]! + last[2]!) / 3 + streamOffset;
          return values;
        },
      };
    },
  };
}

describe('conformance checks catch what they promise to', () => {
  it('a correct indicator passes every check', () => {
    const def = sma3();
    const full = runBatch(def, bars);
    expect(checkDeclaration(def, available)).toEqual([]);
    expect(checkWarmup(def, full)).toBeUndefined();
    expect(checkCausality(def, bars, full)).toBeUndefined();
    expect(firstMismatch(def, full, runStream(def, bars), 1e-12, 'stream')).toBeUndefined();
    expect(() => runBatch(def, guardedBars(bars, def.inputs, def.id))).not.toThrow();
  });

  it('look-ahead is caught by truncation', () => {
    const def = sma3({ peek: true });
    expect(checkCausality(def, bars, runBatch(def, bars))).toMatch(/sma_3\[\d+\]: truncating the bars at \d+ changed a past value/);
  });

  it('reading an undeclared column throws', () => {
    const def = sma3({ readVolume: true });
    expect(() => runBatch(def, guardedBars(bars, def.inputs, def.id))).toThrow('feature "sma3" read column "volume", which is not among its declared inputs (close)');
  });

  it('stream/batch disagreement beyond 1e-12 relative is reported', () => {
    const def = sma3({ streamOffset: 1e-6 });
    expect(firstMismatch(def, runBatch(def, bars), runStream(def, bars), 1e-12, 'streaming differs')).toMatch(/^sma_3\[2\]: streaming differs/);
    expect(closeRelative(1, 1 + 1e-13, 1e-12)).toBe(true);
    expect(closeRelative(Number.NaN, 0, 1e-12)).toBe(false);
  });

  it('a warm-up that is too short is reported', () => {
    const def = sma3({ warmup: 1 });
    expect(checkWarmup(def, runBatch(def, bars))).toMatch(/sma_3\[1\] is NaN but warmup is 1/);
  });

  it('a value batch never wrote is reported', () => {
    const def: FeatureDefinition = { ...sma3(), batch: () => {} };
    expect(checkWarmup(def, runBatch(def, bars))).toMatch(/sma_3\[0\] was never written/);
  });

  it('declarations: duplicate and non-snake_case outputs, unavailable inputs', () => {
    const def: FeatureDefinition = {
      ...sma3(),
      inputs: ['buy_volume'],
      outputs: [
        { name: 'SMA', normalization: { kind: 'none' } },
        { name: 'SMA', normalization: { kind: 'none' } },
      ],
    };
    expect(checkDeclaration(def, available)).toEqual([
      'sma3: output "SMA" is not snake_case',
      'sma3: output "SMA" is not snake_case',
      'sma3: output "SMA" is declared twice',
      'sma3: input "buy_volume" is not in the test bars (time, open, high, low, close, volume)',
    ]);
  });
});

describe('contractBars', () => {
  it('is deterministic, BTC-priced, with a flat zero-volume stretch and optional order flow', () => {
    const a = contractBars({ length: 200, seed: 7 });
    const b = contractBars({ length: 200, seed: 7 });
    expect(Array.from(a.close)).toEqual(Array.from(b.close));
    expect(a.open[0]).toBe(25_000);
    expect(a.volume[110]).toBe(0);
    expect(a.high[110]).toBe(a.low[110]);
    expect(contractBars({ orderFlow: false }).buy_volume).toBeUndefined();
  });

  it('readCsvColumns reads empty cells as NaN', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const file = `${mkdtempSync(`${tmpdir()}/csv-`)}/x.csv`;
    writeFileSync(file, 'a,b\n1,\n2,3\n');
    const csv = readCsvColumns(file);
    expect(Array.from(csv.column('b'))).toEqual([Number.NaN, 3]);
    expect(() => csv.column('c')).toThrow(/no column "c"/);
  });
});
