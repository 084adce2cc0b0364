import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createExchange, exchangeModuleFile, loadCcxt } from './exchange.ts';

describe('createExchange', () => {
  it("loads the exchange's own ccxt module (not all of ccxt): the same class ccxt exports, REST and WebSocket", async () => {
    const rest = exchangeModuleFile('kraken', false) as string;
    const ws = exchangeModuleFile('kraken', true) as string;
    expect(rest.split(path.sep).slice(-3)).toEqual(['js', 'src', 'kraken.js']);
    expect(ws.split(path.sep).slice(-4)).toEqual(['js', 'src', 'pro', 'kraken.js']);
    expect(exchangeModuleFile('krakn', false)).toBeUndefined();
    const exchange = await createExchange('kraken');
    const own = ((await import(pathToFileURL(rest).href)) as { default: new () => object }).default;
    expect(exchange).toBeInstanceOf(own);
    expect(exchange.id).toBe('kraken');
    const ccxt = await loadCcxt();
    expect(own, 'the class ccxt itself exports').toBe(ccxt.kraken);
    expect(((await import(pathToFileURL(ws).href)) as { default: unknown }).default).toBe(ccxt.pro.kraken);
    await exchange.close();
  });

  it('names an unknown exchange and similar ids from the whole of ccxt', async () => {
    await expect(createExchange('krakn')).rejects.toThrow(/unknown exchange "krakn": ccxt \S+ knows \d+ exchanges, e\.g\. kraken, krakenfutures/);
    await expect(createExchange('../kraken')).rejects.toThrow('exchange id');
  });
});
