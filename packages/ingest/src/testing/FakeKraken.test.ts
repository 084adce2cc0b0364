import { afterEach, describe, expect, it } from 'vitest';
import { FakeKraken } from './FakeKraken.ts';
import { ArrayTape, generatedTape } from './tapes.ts';

let fake: FakeKraken | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function trades(since: string, count = 1000): Promise<{ status: number; body: string }> {
  const response = await fetch(`${fake?.url}/0/public/Trades?pair=XBTUSD&since=${since}&count=${count}`);
  return { status: response.status, body: await response.text() };
}

/** Pages a client reads from `since` to the end of the tape, following each page's `last`. */
async function chain(since: string, count = 1000): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { body } = await trades(since, count);
    bodies.push(body);
    const last = (JSON.parse(body) as { result: { last: string } }).result.last;
    if (last === since) return bodies;
    since = last;
  }
}

describe('the fake exchange pre-rendering Trades pages', () => {
  it('serves the same bodies as rendering on request, from memory, whatever since spells the position', async () => {
    const tape = generatedTape({ start: '2024-01-01T00:00:00Z', count: 5_500, perMinute: 90, seed: 5 });
    fake = await FakeKraken.start({ tape });
    const onRequest = await chain('1704067199');
    expect(onRequest).toHaveLength(7); // 5 full pages, 500 trades, and the empty page at the end
    expect(fake.prerenderTrades()).toBe(7);
    expect(await chain('1704067199')).toEqual(onRequest);
    expect(await chain('0')).toEqual(onRequest);
    expect(fake.prerenderedServed).toBe(14);
    // Another page size is rendered on request.
    const small = await trades('1704067199', 300);
    expect((JSON.parse(small.body) as { result: { XXBTZUSD: unknown[] } }).result.XXBTZUSD).toHaveLength(300);
    expect(fake.prerenderedServed).toBe(14);
  });

  it('still applies faults, and stops serving the pages once the tape changes', async () => {
    const tape = new ArrayTape(Array.from({ length: 1_200 }, (_, i) => ({ id: i + 1, timeUs: 1_704_067_200_000_000 + i * 1_000_000, price: '42000.1', volume: '0.5', side: 'b' as const, ordType: 'l' as const })));
    fake = await FakeKraken.start({ tape });
    fake.prerenderTrades();
    fake.inject({ kind: 'status', status: 500, on: 'Trades' });
    expect((await trades('0')).status).toBe(500);
    const last = (JSON.parse((await trades('0')).body) as { result: { last: string } }).result.last;
    expect(fake.prerenderedServed).toBe(1);
    fake.publish([{ id: 1_201, timeUs: 1_704_068_500_000_000, price: '42001.0', volume: '1.0', side: 's', ordType: 'm' }]);
    const after = JSON.parse((await trades(last)).body) as { result: { XXBTZUSD: unknown[][] } };
    // The pre-rendered second page ends at trade 1,200; the tape now ends at 1,201.
    expect(after.result.XXBTZUSD.map((row) => row[6])).toEqual(Array.from({ length: 201 }, (_, i) => 1_001 + i));
    expect(fake.prerenderedServed).toBe(1);
  });
});
