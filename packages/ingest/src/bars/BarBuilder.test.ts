import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Bars, barsToCsv, resampleBars, validateBars } from '@tradecore/sdk';
import { describe, expect, it } from 'vitest';
import { krakenTimeMs, parseKrakenTrades } from '../kraken/trades.ts';
import { type FakeTrade, randomTape, tradeSeconds } from '../testing/tapes.ts';
import { TradeBuffer } from '../trades.ts';
import { BarBuilder, aggregateTrades } from './BarBuilder.ts';

const FIXTURES = path.resolve(fileURLToPath(new URL('../../../../', import.meta.url)), '../shared/data/kraken/fixtures');

/** Exact decimal arithmetic on Kraken's strings: value × 10^8 as a BigInt (volumes have 8 decimals). */
function sats(text: string): bigint {
  const [whole, frac = ''] = text.split('.');
  return BigInt(whole as string) * 100_000_000n + BigInt(frac.padEnd(8, '0').slice(0, 8));
}

interface ReferenceBar {
  time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: bigint;
  buy: bigint;
  sell: bigint;
  trades: number;
}

/**
 * Bars computed independently of the builder, from the wire text: the minute from the integer part of
 * the time Kraken writes, prices compared as decimals, volumes summed exactly as integers of 1e-8.
 */
function referenceBars(trades: readonly FakeTrade[], minutes = 1): ReferenceBar[] {
  const out: ReferenceBar[] = [];
  const byMinute = new Map<number, ReferenceBar>();
  for (const t of trades) {
    const seconds = Number(String(tradeSeconds(t)).split('.')[0]);
    const time = Math.floor(seconds / (60 * minutes)) * 60 * minutes * 1000;
    let bar = byMinute.get(time);
    if (!bar) {
      bar = { time, open: t.price, high: t.price, low: t.price, close: t.price, volume: 0n, buy: 0n, sell: 0n, trades: 0 };
      byMinute.set(time, bar);
      out.push(bar);
    }
    if (Number(t.price) > Number(bar.high)) bar.high = t.price;
    if (Number(t.price) < Number(bar.low)) bar.low = t.price;
    bar.close = t.price;
    const v = sats(t.volume);
    bar.volume += v;
    if (t.side === 'b') bar.buy += v;
    else bar.sell += v;
    bar.trades++;
  }
  return out;
}

function toBuffer(trades: readonly FakeTrade[]): TradeBuffer {
  const buffer = new TradeBuffer();
  for (const t of trades) buffer.push(t.id, krakenTimeMs(tradeSeconds(t)), Number(t.price), Number(t.volume), t.side === 'b');
  return buffer;
}

function expectMatches(bars: Bars, reference: readonly ReferenceBar[]): void {
  expect(bars.length, 'one bar per minute with trades').toBe(reference.length);
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] as ReferenceBar;
    const at = `bar ${i} (${new Date(r.time).toISOString()})`;
    expect(bars.time[i], at).toBe(r.time);
    expect([bars.open[i], bars.high[i], bars.low[i], bars.close[i]], `${at}: OHLC exact`).toEqual([Number(r.open), Number(r.high), Number(r.low), Number(r.close)]);
    expect(bars.trades?.[i], `${at}: trade count`).toBe(r.trades);
    const exact = (x: bigint) => Number(x) / 1e8;
    expect(Math.abs((bars.volume[i] as number) - exact(r.volume)), `${at}: volume`).toBeLessThanOrEqual(1e-8);
    expect(Math.abs((bars.buy_volume?.[i] as number) - exact(r.buy)), `${at}: buy volume`).toBeLessThanOrEqual(1e-8);
    expect(Math.abs((bars.sell_volume?.[i] as number) - exact(r.sell)), `${at}: sell volume`).toBeLessThanOrEqual(1e-8);
    expect((bars.buy_volume?.[i] as number) + (bars.sell_volume?.[i] as number), `${at}: buy + sell = volume`).toBe(bars.volume[i]);
  }
}

describe('trades → bars', () => {
  it.skipIf(!existsSync(FIXTURES))("builds the bar of Kraken's documented Trades example exactly", () => {
    const body = JSON.parse(readFileSync(path.join(FIXTURES, 'kraken_docs_trades_example.json'), 'utf8')) as unknown;
    const buffer = new TradeBuffer();
    const page = parseKrakenTrades(body, 'XXBTZUSD', 'fixture', buffer);
    expect(page).toEqual({ rows: 3, last: '1688671969993150842' });
    const bars = aggregateTrades(buffer, { timeframe: '1m' });
    // 1688669597.83, .598.28 and 602.70 s all fall in the minute starting 1688669580 s (18:53 UTC).
    expect(bars.length).toBe(1);
    expect(bars.time[0]).toBe(1688669580_000);
    expect([bars.open[0], bars.high[0], bars.low[0], bars.close[0]]).toEqual([30243.4, 30243.4, 30243.3, 30243.3]);
    expect(bars.trades?.[0]).toBe(3);
    expect(bars.volume[0]).toBeCloseTo(0.34507674 + 0.0037696 + 0.01235716, 12);
    expect(bars.buy_volume?.[0]).toBe(0.34507674);
    expect(bars.sell_volume?.[0]).toBeCloseTo(0.0037696 + 0.01235716, 12);
  });

  it('matches an exact decimal reference on a 50,000-trade tape (bursts, quiet minutes, 1-satoshi trades)', () => {
    const tape = randomTape({ start: '2024-03-01T00:00:00Z', count: 50_000, seed: 11, quietShare: 0.2 });
    const bars = aggregateTrades(toBuffer(tape.trades), { timeframe: '1m' });
    const reference = referenceBars(tape.trades);
    expect(reference.length).toBeGreaterThan(500);
    expectMatches(bars, reference);
    expect(validateBars(bars, { timeframeMs: 60_000 }).ok).toBe(true);
  });

  it('rolls 1m bars up to exactly the bars it builds straight at 1h and 1d', () => {
    const tape = randomTape({ start: '2024-03-01T00:00:00Z', count: 60_000, seed: 5 });
    const buffer = toBuffer(tape.trades);
    const minute = aggregateTrades(buffer, { timeframe: '1m' });
    for (const tf of ['1h', '1d'] as const) {
      const direct = aggregateTrades(buffer, { timeframe: tf });
      const rolled = resampleBars(minute, '1m', tf);
      expect(rolled.length, tf).toBe(direct.length);
      expect(Array.from(rolled.time), tf).toEqual(Array.from(direct.time));
      for (const col of ['open', 'high', 'low', 'close', 'trades'] as const) expect(Array.from(rolled[col] as Float64Array), `${tf} ${col}`).toEqual(Array.from(direct[col] as Float64Array));
      for (const col of ['volume', 'buy_volume', 'sell_volume'] as const) {
        const a = rolled[col] as Float64Array;
        const b = direct[col] as Float64Array;
        for (let i = 0; i < a.length; i++) expect(Math.abs((a[i] as number) - (b[i] as number)), `${tf} ${col} row ${i}`).toBeLessThanOrEqual(1e-8);
      }
    }
    expectMatches(aggregateTrades(buffer, { timeframe: '1h' }), referenceBars(tape.trades, 60));
  });

  it('closes bars incrementally exactly as in one pass, whatever the page and take boundaries', () => {
    const tape = randomTape({ start: '2024-03-01T00:00:00Z', count: 8000, seed: 9, quietShare: 0.3 });
    const buffer = toBuffer(tape.trades);
    for (const emptyBars of ['omit', 'flat'] as const) {
      const once = aggregateTrades(buffer, { timeframe: '1m', emptyBars });
      const builder = new BarBuilder({ timeframe: '1m', emptyBars });
      const parts: Bars[] = [];
      for (let i = 0; i < buffer.length; i += 337) {
        const end = Math.min(buffer.length, i + 337);
        builder.add(buffer, i, end);
        // Close everything before the minute of the last trade added, as a pull does with its cursor.
        parts.push(builder.take(builder.bucketOf(buffer.time[end - 1] as number)));
      }
      parts.push(builder.take(Number.POSITIVE_INFINITY));
      const csv = parts.filter((p) => p.length > 0).map((p) => barsToCsv(p).split('\n').slice(1).join('\n')).join('\n').replace(/\n+/g, '\n').trim();
      expect(csv, emptyBars).toBe(barsToCsv(once).split('\n').slice(1).join('\n').trim());
    }
  });

  it('represents minutes without trades as chosen: omitted, or flat at the previous close with zero volume', () => {
    const trades = TradeBuffer.from([
      { id: 1, time: Date.parse('2024-01-01T00:00:10Z'), price: 100, amount: 1, side: 'buy' },
      { id: 2, time: Date.parse('2024-01-01T00:00:50Z'), price: 101, amount: 2, side: 'sell' },
      { id: 3, time: Date.parse('2024-01-01T00:03:05Z'), price: 99, amount: 0.5, side: 'buy' },
    ]);
    const omit = aggregateTrades(trades, { timeframe: '1m', emptyBars: 'omit' });
    expect(Array.from(omit.time)).toEqual([Date.parse('2024-01-01T00:00:00Z'), Date.parse('2024-01-01T00:03:00Z')]);
    const flat = new BarBuilder({ timeframe: '1m', emptyBars: 'flat' });
    flat.add(trades);
    const bars = flat.take(Date.parse('2024-01-01T00:06:00Z'));
    expect(Array.from(bars.time).map((t) => new Date(t).toISOString().slice(11, 16))).toEqual(['00:00', '00:01', '00:02', '00:03', '00:04', '00:05']);
    expect([bars.open[1], bars.high[1], bars.low[1], bars.close[1], bars.volume[1], bars.trades?.[1]]).toEqual([101, 101, 101, 101, 0, 0]);
    expect([bars.open[4], bars.close[5], bars.volume[5]]).toEqual([99, 99, 0]);
  });

  it('is validated the same either way: the minutes without trades are one gap, not zero-volume bars', () => {
    const tape = randomTape({ start: '2024-03-01T00:00:00Z', count: 6000, seed: 8, quietShare: 0.5 });
    const buffer = toBuffer(tape.trades);
    const omitted = aggregateTrades(buffer, { timeframe: '1m', emptyBars: 'omit' });
    const filled = aggregateTrades(buffer, { timeframe: '1m', emptyBars: 'flat' });
    expect(filled.length).toBeGreaterThan(omitted.length + 20);
    const a = validateBars(omitted, { timeframeMs: 60_000, emptyBars: 'omit' });
    const b = validateBars(filled, { timeframeMs: 60_000, emptyBars: 'flat' });
    expect(a.stats.gaps.count).toBeGreaterThan(10);
    expect(b.stats.gaps, 'count, missing bars, largest gap and where it ends').toEqual(a.stats.gaps);
    expect(b.warnings.find((w) => w.kind === 'gap')?.message.replace(/row \d+ /, '')).toBe(a.warnings.find((w) => w.kind === 'gap')?.message.replace(/row \d+ /, ''));
    expect([b.stats.zeroVolumeBars, b.stats.flatBars]).toEqual([a.stats.zeroVolumeBars, a.stats.flatBars]);
    expect(b.warnings.some((w) => w.kind === 'zero-volume')).toBe(false);
    // Without being told, the filled minutes are ordinary zero-volume bars.
    expect(validateBars(filled, { timeframeMs: 60_000 }).stats.zeroVolumeBars).toBe(filled.length - omitted.length);
  });

  it('continues a series from the previous bar: flat fills from its close, a resumed build equals one build', () => {
    const tape = randomTape({ start: '2024-03-01T00:00:00Z', count: 3000, seed: 4, quietShare: 0.4 });
    const buffer = toBuffer(tape.trades);
    const whole = aggregateTrades(buffer, { timeframe: '1m', emptyBars: 'flat' });
    const cut = whole.time[Math.floor(whole.length / 2)] as number;
    const first = new BarBuilder({ timeframe: '1m', emptyBars: 'flat' });
    const split = buffer.time.findIndex((t, i) => i < buffer.length && t >= cut);
    first.add(buffer, 0, split);
    const head = first.take(cut);
    const second = new BarBuilder({ timeframe: '1m', emptyBars: 'flat', previous: first.previous as { time: number; close: number } });
    second.add(buffer, split, buffer.length);
    const tail = second.take(Number.POSITIVE_INFINITY);
    expect(barsToCsv(head) + barsToCsv(tail).split('\n').slice(1).join('\n')).toBe(barsToCsv(whole));
  });

  it('counts a trade whose bar is still open into it (as its close) and skips one whose bar was taken', () => {
    const builder = new BarBuilder({ timeframe: '1m' });
    const t0 = Date.parse('2024-01-01T00:00:00Z');
    builder.add(
      TradeBuffer.from([
        { id: 1, time: t0 + 1000, price: 10, amount: 1, side: 'buy' },
        { id: 2, time: t0 + 61_000, price: 20, amount: 1, side: 'buy' },
        { id: 3, time: t0 + 59_000, price: 5, amount: 1, side: 'sell' },
      ]),
    );
    const bars = builder.take(t0 + 60_000);
    expect([bars.open[0], bars.high[0], bars.low[0], bars.close[0], bars.trades?.[0]]).toEqual([10, 10, 5, 5, 2]);
    builder.add(TradeBuffer.from([{ id: 4, time: t0 + 30_000, price: 7, amount: 1, side: 'buy' }]));
    expect(builder.lateTrades).toBe(1);
    expect(builder.firstLateTrade).toEqual({ id: 4, time: t0 + 30_000 });
  });

  it('starts weekly bars on Monday 00:00 UTC, like the resampler', () => {
    const monday = Date.parse('2024-01-08T00:00:00Z');
    const bars = aggregateTrades(TradeBuffer.from([{ id: 1, time: monday + 3 * 86_400_000, price: 1, amount: 1, side: 'buy' }]), { timeframe: '1w' });
    expect(bars.time[0]).toBe(monday);
  });
});
