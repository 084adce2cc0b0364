import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createExchange } from '../exchange.ts';
import { RateLimiter } from '../net/RateLimiter.ts';
import { FakeKraken } from '../testing/FakeKraken.ts';
import { randomTape } from '../testing/tapes.ts';
import { TradeBuffer } from '../trades.ts';
import { TradePager } from './TradePager.ts';
import { scanKrakenTrades } from './scanTrades.ts';
import { parseKrakenTrades } from './trades.ts';

const REQUEST = 'GET http://kraken.test/0/public/Trades?pair=XXBTZUSD&since=1';

/** The general path: JSON.parse, then the checked row-by-row reader. */
function general(text: string) {
  const buffer = new TradeBuffer();
  try {
    const page = parseKrakenTrades(JSON.parse(text), 'XXBTZUSD', REQUEST, buffer);
    return { page, trades: buffer.toArray() };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

function scanned(text: string) {
  const buffer = new TradeBuffer();
  buffer.push(1, 2, 3, 4, true); // rows already in the buffer stay; a refused body leaves it as it was
  const page = scanKrakenTrades(text, buffer);
  const [kept, ...trades] = buffer.toArray();
  expect(kept).toEqual({ id: 1, time: 2, price: 3, amount: 4, side: 'buy' });
  return page === undefined ? { refused: true as const, rows: trades.length } : { page, trades };
}

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
/** Decimal strings as Kraken writes them, and longer or odder ones (leading zeros, 20 digits). */
const decimal = fc.oneof(
  fc.tuple(digits(1, 6), digits(1, 8)).map(([i, f]) => `${i}.${f}`),
  fc.tuple(digits(1, 20), digits(0, 20)).map(([i, f]) => (f ? `${i}.${f}` : i)),
);
/** Times in seconds, many of them within a microsecond of a whole millisecond (where a double can floor differently). */
const nearMillisecond = fc.constantFrom('', '0', '0000', '0001', '0009', '00099', '001', '0010', '9989', '999', '9990', '9991', '9999', '99999999', '00000001');
const seconds = fc
  .tuple(fc.integer({ min: 1_000_000_000, max: 2 ** 32 + 1000 }), digits(0, 3), nearMillisecond, digits(0, 12))
  .map(([s, ms, near, more]) => {
    const fraction = ms.length === 3 ? ms + near + more : ms;
    return fraction ? `${s}.${fraction}` : String(s);
  });
const row = fc
  .record({ price: decimal, volume: decimal, time: seconds, side: fc.constantFrom('b', 's'), ordType: fc.constantFrom('m', 'l'), misc: fc.constantFrom('', 'i'), id: fc.integer({ min: 0, max: 2 ** 48 }) })
  .map((r) => `["${r.price}","${r.volume}",${r.time},"${r.side}","${r.ordType}","${r.misc}",${r.id}]`);
const body = fc
  .tuple(fc.array(row, { maxLength: 30 }), fc.oneof(digits(1, 12), digits(16, 20)))
  .map(([rows, last]) => `{"error":[],"result":{"XXBTZUSD":[${rows.join(',')}],"last":"${last}"}}`);

describe('reading Trades bodies from their text', () => {
  it('gives exactly what JSON.parse and the general reader give, on random pages (every bit of every number)', () => {
    fc.assert(
      fc.property(body, (text) => {
        const slow = general(text);
        const fast = scanned(text);
        if ('error' in slow) expect(fast).toMatchObject({ refused: true, rows: 0 });
        else expect(fast).toEqual(slow);
      }),
      { numRuns: 400 },
    );
  });

  it('never reads a damaged body differently: a changed, inserted or removed character is refused or read as JSON.parse reads it', () => {
    const damaged = fc
      .tuple(body, fc.nat(), fc.constantFrom('"', ',', '.', '[', ']', '}', '0', '9', 'e', '-', ' ', '\\', '\n', '', 'é', 'Ģ'), fc.boolean())
      .map(([text, at, c, insert]) => {
        const i = at % text.length;
        return text.slice(0, i) + c + text.slice(insert ? i : i + 1);
      });
    let refused = 0;
    fc.assert(
      fc.property(damaged, (text) => {
        const slow = general(text);
        const fast = scanned(text);
        if ('refused' in fast) {
          refused++;
          expect(fast.rows).toBe(0);
        } else expect(fast).toEqual(slow);
      }),
      { numRuns: 2000 },
    );
    expect(refused, 'damage is mostly refused').toBeGreaterThan(500);
  });

  it('reads a compact Kraken body and refuses what it leaves to the general path', () => {
    const text = '{"error":[],"result":{"XXBTZUSD":[["30243.40000","0.34507674",1688669597.8277369,"b","m","",61044952],["30243.30000","0.00376960",1688669598.2806,"s","l","",61044953]],"last":"1688671969993150842"}}';
    expect(scanned(text)).toEqual({
      page: { rows: 2, last: '1688671969993150842' },
      trades: [
        { id: 61044952, time: 1688669597827, price: 30243.4, amount: 0.34507674, side: 'buy' },
        { id: 61044953, time: 1688669598280, price: 30243.3, amount: 0.0037696, side: 'sell' },
      ],
    });
    expect(scanned('{"error":[],"result":{"XXBTZUSD":[],"last":"1688671969993150842"}}\n')).toEqual({ page: { rows: 0, last: '1688671969993150842' }, trades: [] });
    for (const other of [
      text.replace('"1688671969993150842"', '1688671969993150842'), // last as a number
      text.replace('61044953]', '"61044953"]'), // quoted id (ccxt's quoting)
      text.replace('"30243.30000"', '"1e5"'),
      text.replace('1688669598.2806', '1.688669598e9'),
      text.replace('61044953]', '61044953.5]'),
      text.replace('"XXBTZUSD"', '"last"'),
      text.replace('],[', '], ['),
      `${text}x`,
      text.slice(0, -1),
      text.replace('"m",""', '"m","é"'), // not ASCII: read by the general path
      text.replace('"m",""', '"m","Ģ"'), // U+0122, whose low byte is a quote
      text.replace('"m",""', `"m","${'x'.repeat(1 << 20)}"`), // longer than any page
      `${text}\u000b`, // trim() takes it, JSON does not
    ]) {
      expect(scanned(other), other).toMatchObject({ refused: true, rows: 0 });
    }
  });
  it('reads a field that needs Number (a 200,000-digit time) as the general path does', () => {
    const text = `{"error":[],"result":{"XXBTZUSD":[["30243.4","0.5",1688669597.${'1'.repeat(200_000)},"b","m","",1]],"last":"1688671969993150842"}}`;
    expect(scanned(text)).toEqual(general(text));
  });
});

describe('TradePager', () => {
  it('reads the next page ahead while the caller works, with the same requests in the same order and the same pages', async () => {
    const tape = randomTape({ start: '2024-03-01T00:00:00Z', count: 5_000, seed: 5 });
    const fake = await FakeKraken.start({ tape });
    const exchange = await createExchange('kraken', { restUrl: fake.url });
    try {
      await exchange.loadMarkets();
      const collect = async (readAheadUntil: number | undefined) => {
        fake.requests.length = 0;
        const pager = new TradePager(exchange, {
          pair: 'XXBTZUSD',
          cursor: '1709251199',
          count: 700,
          limiter: new RateLimiter({ rate: 0 }),
          retry: { retries: 0 },
          ...(readAheadUntil !== undefined ? { readAheadUntil } : {}),
        });
        const pages: { ids: number[]; last: string; requestsSent: number }[] = [];
        for (;;) {
          const page = await pager.next();
          // Let a request sent ahead reach the fake before counting.
          await new Promise((resolve) => setTimeout(resolve, 20));
          pages.push({ ids: Array.from(page.trades.id.subarray(0, page.trades.length)), last: page.last, requestsSent: fake.count('Trades') });
          if (!page.advanced) break;
        }
        return { pages, sinces: fake.requests.filter((r) => r.endpoint === 'Trades').map((r) => r.query.since) };
      };
      const plain = await collect(undefined);
      const ahead = await collect(Number.POSITIVE_INFINITY);
      expect(plain.pages.map((p) => p.ids.length).reduce((a, b) => a + b, 0)).toBe(5_000);
      expect(ahead.pages.map(({ ids, last }) => ({ ids, last }))).toEqual(plain.pages.map(({ ids, last }) => ({ ids, last })));
      expect(ahead.sinces).toEqual(plain.sinces);
      // Read ahead: after the first page, its successor was already asked for.
      expect(plain.pages[0]?.requestsSent).toBe(1);
      expect(ahead.pages[0]?.requestsSent).toBe(2);
    } finally {
      await exchange.close();
      await fake.close();
    }
  });
});
