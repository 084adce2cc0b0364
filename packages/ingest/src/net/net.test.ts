import { beforeAll, describe, expect, it } from 'vitest';
import { loadCcxt } from '../exchange.ts';
import { ExchangeResponseError, RequestFailedError } from '../errors.ts';
import { RateLimiter } from './RateLimiter.ts';
import { backoffDelay, isRateLimit, isRetryable, withRetry } from './retry.ts';

describe('RateLimiter', () => {
  it('lets `burst` requests through at once, then waits for a token', async () => {
    let now = 0;
    const limiter = new RateLimiter({ rate: 4, burst: 2, now: () => now });
    await limiter.take();
    await limiter.take();
    let third = false;
    const waiting = limiter.take().then(() => (third = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(third, 'no token left on a frozen clock').toBe(false);
    now += 250; // one token at 4 per second
    await waiting;
    expect(third).toBe(true);
    expect(limiter.unlimited).toBe(false);
    expect(new RateLimiter({ rate: 0 }).unlimited).toBe(true);
  });

  it('waits about 1/rate after the burst is spent (real clock)', async () => {
    const limiter = new RateLimiter({ rate: 20 });
    const start = performance.now();
    for (let i = 0; i < 4; i++) await limiter.take();
    // 1 immediate + 3 × 50 ms; generous upper bound for a loaded machine.
    expect(performance.now() - start).toBeGreaterThanOrEqual(140);
  });

  it('aborts a wait with the signal', async () => {
    const limiter = new RateLimiter({ rate: 0.01 });
    await limiter.take();
    const controller = new AbortController();
    const waiting = limiter.take(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});

/** ccxt's own error classes (loaded at run time: its typings are too heavy to type-check here). */
let ccxt: Record<string, new (message: string) => Error>;
beforeAll(async () => {
  ccxt = (await loadCcxt()) as unknown as typeof ccxt;
});

describe('retry', () => {
  it("classifies ccxt's errors: network, 429/5xx and EAPI:Rate limit are retried, bad requests are not", () => {
    expect(isRetryable(new (ccxt.RateLimitExceeded as new (m: string) => Error)('kraken 429'))).toBe(true);
    expect(isRetryable(new (ccxt.DDoSProtection as new (m: string) => Error)('kraken {"error":["EAPI:Rate limit exceeded"]}'))).toBe(true);
    expect(isRetryable(new (ccxt.ExchangeNotAvailable as new (m: string) => Error)('kraken 500'))).toBe(true);
    expect(isRetryable(new (ccxt.RequestTimeout as new (m: string) => Error)('timed out'))).toBe(true);
    expect(isRetryable(new (ccxt.NetworkError as new (m: string) => Error)('socket hang up'))).toBe(true);
    expect(isRetryable(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))).toBe(true);
    expect(isRetryable(new ExchangeResponseError('GET x', 'truncated'))).toBe(true);
    expect(isRetryable(new (ccxt.BadSymbol as new (m: string) => Error)('kraken does not have market symbol'))).toBe(false);
    expect(isRetryable(new (ccxt.ExchangeError as new (m: string) => Error)('EQuery:Unknown asset pair'))).toBe(false);
    expect(isRateLimit(new (ccxt.DDoSProtection as new (m: string) => Error)('x'))).toBe(true);
    expect(isRateLimit(new (ccxt.ExchangeNotAvailable as new (m: string) => Error)('x'))).toBe(false);
  });

  it('backs off exponentially with jitter, capped', () => {
    const at = (n: number, r: number) => backoffDelay(n, { baseDelayMs: 100, maxDelayMs: 1000, random: () => r });
    expect([at(1, 0), at(2, 0), at(3, 0), at(4, 0), at(5, 0)]).toEqual([50, 100, 200, 400, 500]);
    expect(at(1, 0.999)).toBeCloseTo(99.95, 5);
  });

  it('retries until success and reports each retry', async () => {
    let calls = 0;
    const seen: number[] = [];
    const value = await withRetry(
      'GET /x',
      async () => {
        if (++calls < 4) throw new (ccxt.RateLimitExceeded as new (m: string) => Error)('kraken 429 Too Many Requests');
        return 'ok';
      },
      { baseDelayMs: 1, onRetry: ({ attempt }) => seen.push(attempt) },
    );
    expect(value).toBe('ok');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('gives up with an error naming the request and the number of attempts', async () => {
    const failing = () => withRetry('GET http://x/0/public/Trades?pair=XXBTZUSD&since=5', () => Promise.reject(new (ccxt.ExchangeNotAvailable as new (m: string) => Error)('kraken 503')), { retries: 2, baseDelayMs: 1 });
    await expect(failing()).rejects.toThrow(new RequestFailedError('GET http://x/0/public/Trades?pair=XXBTZUSD&since=5', 3, 'ExchangeNotAvailable: kraken 503'));
    const bad = withRetry('GET /y', () => Promise.reject(new (ccxt.BadRequest as new (m: string) => Error)('kraken EGeneral:Invalid arguments')), { baseDelayMs: 1 });
    await expect(bad).rejects.toThrow('GET /y failed: not retryable: BadRequest: kraken EGeneral:Invalid arguments');
  });
});
