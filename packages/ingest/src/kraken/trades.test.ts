import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ExchangeResponseError } from '../errors.ts';
import { TradeBuffer } from '../trades.ts';
import { compareCursors, cursorBefore, cursorMs, cursorNs, isCursor } from './cursor.ts';
import { krakenTimeMs, parseKrakenTrades } from './trades.ts';

const FIXTURES = path.resolve(fileURLToPath(new URL('../../../../', import.meta.url)), '../shared/data/kraken/fixtures');
const REQUEST = 'GET http://kraken.test/0/public/Trades?pair=XXBTZUSD&since=1';

function parse(body: unknown, pair = 'XXBTZUSD') {
  const buffer = new TradeBuffer();
  const page = parseKrakenTrades(body, pair, REQUEST, buffer);
  return { page, trades: buffer.toArray() };
}

describe('Kraken Trades bodies', () => {
  it.skipIf(!existsSync(FIXTURES))("reads the recorded bodies: Kraken's doc example and ccxt's static XBTUSDT response", () => {
    const docs = JSON.parse(readFileSync(path.join(FIXTURES, 'kraken_docs_trades_example.json'), 'utf8')) as unknown;
    const { page, trades } = parse(docs);
    expect(page.last).toBe('1688671969993150842');
    expect(trades).toEqual([
      { id: 61044952, time: 1688669597827, price: 30243.4, amount: 0.34507674, side: 'buy' },
      { id: 61044953, time: 1688669598280, price: 30243.3, amount: 0.0037696, side: 'sell' },
      { id: 61044956, time: 1688669602698, price: 30243.3, amount: 0.01235716, side: 'sell' },
    ]);
    // ccxt's recording has the cursor appended as an 8th field to the last row (ccxt does that after parsing).
    const ccxt = JSON.parse(readFileSync(path.join(FIXTURES, 'ccxt_static_response_kraken_marketdata.json'), 'utf8')) as {
      fetchTrades: { httpResponse: unknown; parsedResponse: { id: string; timestamp: number; price: number; amount: number; side: string }[] }[];
    };
    const recorded = ccxt.fetchTrades[0];
    const usdt = parse(recorded?.httpResponse, 'XBTUSDT');
    const expected = recorded?.parsedResponse[0];
    expect(usdt.page.last).toBe('1710327959173746878');
    expect(usdt.trades).toEqual([{ id: Number(expected?.id), time: expected?.timestamp, price: expected?.price, amount: expected?.amount, side: expected?.side }]);
  });

  it('takes the only pair key when the requested id differs (Kraken answers XBTUSD as XXBTZUSD)', () => {
    const { trades } = parse({ error: [], result: { XXBTZUSD: [['1.5', '2.00000000', 1700000000.5, 's', 'l', '', 7]], last: '1700000000500000000' } }, 'XBTUSD');
    expect(trades).toEqual([{ id: 7, time: 1700000000500, price: 1.5, amount: 2, side: 'sell' }]);
  });

  it('reads a body whose numbers ccxt quoted (it does when one integer is beyond 2^53): times and ids as strings', () => {
    const { page, trades } = parse({ error: [], result: { XXBTZUSD: [['30243.40000', '0.34507674', '1688669597.8277369', 'b', 'm', '', '61044952']], last: '1688671969993150842' } });
    expect(page.last).toBe('1688671969993150842');
    expect(trades).toEqual([{ id: 61044952, time: 1688669597827, price: 30243.4, amount: 0.34507674, side: 'buy' }]);
  });

  it.each([
    ['not an object', [], 'response: expected a JSON object, got an array of 0'],
    ['Kraken error list', { error: ['EGeneral:Invalid arguments'], result: {} }, 'Kraken returned error "EGeneral:Invalid arguments"'],
    ['no result', { error: [] }, 'result: expected an object, got nothing'],
    ['last as a JSON number', { error: [], result: { XXBTZUSD: [], last: 1688671969993150842 } }, 'result.last: expected a string (a nanosecond cursor does not survive a JSON number), got 1688671969993150700'],
    ['last not digits', { error: [], result: { XXBTZUSD: [], last: '12a' } }, 'result.last: expected a cursor string of digits, got "12a"'],
    ['a short row', { error: [], result: { XXBTZUSD: [['1', '1', 1, 'b', 'l', '']], last: '1' } }, 'result.XXBTZUSD[0]: expected a row [price, volume, time, side, ordertype, misc, trade_id], got an array of 6'],
    ['price in exponent form', { error: [], result: { XXBTZUSD: [['1e5', '1', 1, 'b', 'l', '', 1]], last: '1' } }, 'result.XXBTZUSD[0][0]: expected a positive decimal string (price), got "1e5"'],
    ['negative volume', { error: [], result: { XXBTZUSD: [['1', '-1', 1, 'b', 'l', '', 1]], last: '1' } }, 'result.XXBTZUSD[0][1]: expected a decimal string ≥ 0 (volume), got "-1"'],
    ['time as words', { error: [], result: { XXBTZUSD: [['1', '1', 'soon', 'b', 'l', '', 1]], last: '1' } }, 'result.XXBTZUSD[0][2]: expected a time in seconds, got "soon"'],
    ['unknown side', { error: [], result: { XXBTZUSD: [['1', '1', 1, 'x', 'l', '', 1]], last: '1' } }, 'result.XXBTZUSD[0][3]: expected "b" or "s" (taker side), got "x"'],
    ['fractional id', { error: [], result: { XXBTZUSD: [['1', '1', 1, 'b', 'l', '', 1.5]], last: '1' } }, 'result.XXBTZUSD[0][6]: expected a trade id (whole number), got 1.5'],
  ])('refuses %s with an error naming the request and the place', (_, body, message) => {
    let error: unknown;
    try {
      parse(body);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ExchangeResponseError);
    expect((error as Error).message).toBe(`${REQUEST}: ${message}`);
  });

  it('floors the time to the exact millisecond of the double Kraken sends (t · 1000 can round up)', () => {
    // Between 2^30 and 2^31 seconds a double is m · 2^-22 exactly, so its exact millisecond is ⌊m · 1000 / 2^22⌋.
    const exactMs = (t: number) => Number((BigInt(t * 2 ** 22) * 1000n) >> 22n);
    let naiveWrong = 0;
    const wrong: number[] = [];
    for (let k = 0; k < 100_000; k++) {
      const t = 1700000000 + k * 2 ** -22 * 997;
      if (krakenTimeMs(t) !== exactMs(t)) wrong.push(t);
      if (Math.floor(t * 1000) !== exactMs(t)) naiveWrong++;
    }
    expect(wrong).toEqual([]);
    expect(naiveWrong, 'the naive product is sometimes a millisecond late').toBeGreaterThan(0);
    const justBeforeMinute = 1700000040 - 2 ** -22;
    expect(Math.floor(krakenTimeMs(justBeforeMinute) / 60_000)).toBe(1700000040 / 60 - 1);
    expect(krakenTimeMs(1688669597.8277369)).toBe(1688669597827);
  });
});

describe('Kraken cursor', () => {
  it('keeps 19-digit nanosecond cursors exact (a double would not)', () => {
    const a = '1688671969993150842';
    const b = '1688671969993150843';
    expect(Number(a), 'the two cursors are one double apart… or the same').toBe(Number(b));
    expect(compareCursors(a, b)).toBe(-1);
    expect(compareCursors(b, a)).toBe(1);
    expect(cursorNs(a)).toBe(1688671969993150842n);
    expect(cursorMs(a)).toBe(1688671969993);
  });

  it('reads a first-request cursor in whole seconds and starts one second early', () => {
    expect(cursorBefore(Date.parse('2024-01-01T00:00:00Z'))).toBe('1704067199');
    expect(cursorNs('1704067199')).toBe(1704067199000000000n);
    expect(compareCursors('1704067199', '1704067199000000001')).toBe(-1);
    expect(isCursor('123456789012345')).toBe(false);
    expect(() => cursorNs('12345678901234')).toThrow('is not a Kraken trades cursor');
  });
});
