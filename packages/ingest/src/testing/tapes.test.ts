import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generatedTape, restRow, tradeSeconds, tradeSecondsText } from './tapes.ts';

describe('fake trade tapes', () => {
  it("write a trade's time exactly, and it reads back as the same double as the quotient", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_300_000_000_000_000, max: 4_000_000_000_000_000 }), (timeUs) => {
        const trade = { id: 1, timeUs, price: '1.0', volume: '1.0', side: 'b' as const, ordType: 'l' as const };
        const text = tradeSecondsText(trade);
        expect(text).toMatch(/^\d{10}(\.\d{6})?$/);
        expect(Number(text)).toBe(tradeSeconds(trade));
        expect(JSON.parse(`[${text}]`)[0]).toBe(tradeSeconds(trade));
      }),
      { numRuns: 5000 },
    );
  });

  it('generate decimal strings as Kraken writes them: prices to 5 places, volumes to 8, never zero', () => {
    const tape = generatedTape({ start: '2024-01-01T00:00:00Z', count: 20_000, perMinute: 900, seed: 3 });
    for (let i = 0; i < tape.length; i += 7) {
      const t = tape.at(i);
      expect(t.price).toMatch(/^\d+\.\d0000$/);
      expect(t.volume).toMatch(/^\d+\.\d{8}$/);
      expect(Number(t.volume)).toBeGreaterThan(0);
      expect(Number(t.price)).toBeCloseTo(42_000, -4);
    }
  });

  it("generated tapes write REST rows fast, exactly as the trade objects' rows", () => {
    const tape = generatedTape({ start: '2024-01-01T00:00:00Z', count: 1_000_000, perMinute: 60_000, seed: 11, price: 9.5 });
    const quiet = generatedTape({ start: 1_700_000_000_000, count: 50_000, perMinute: 2, seed: 2 });
    for (const t of [tape, quiet]) {
      fc.assert(
        fc.property(fc.nat({ max: t.length - 1 }), fc.nat({ max: 1200 }), (start, n) => {
          const end = Math.min(t.length, start + n);
          const rows = Array.from({ length: end - start }, (_, k) => restRow(t.at(start + k))).join(',');
          expect(t.restRows?.(start, end)).toBe(rows);
        }),
        { numRuns: 60 },
      );
    }
  });
});
