/**
 * A token bucket: `rate` requests per second on average, up to `burst` at once after a quiet period.
 * `rate` 0 (or Infinity) switches limiting off. Waits are abortable.
 */
export class RateLimiter {
  readonly rate: number;
  readonly burst: number;
  #tokens: number;
  #updated: number;
  readonly #now: () => number;

  constructor({ rate, burst = 1, now = () => performance.now() }: { rate: number; burst?: number; now?: () => number }) {
    if (!(rate >= 0)) throw new RangeError(`rate limit must be ≥ 0 requests per second, got ${rate}`);
    if (!(burst >= 1)) throw new RangeError(`burst must be ≥ 1, got ${burst}`);
    this.rate = rate;
    this.burst = burst;
    this.#tokens = burst;
    this.#now = now;
    this.#updated = now();
  }

  get unlimited(): boolean {
    return this.rate === 0 || this.rate === Number.POSITIVE_INFINITY;
  }

  /** Resolves when a request may be sent. */
  async take(signal?: AbortSignal): Promise<void> {
    if (this.unlimited) return;
    for (;;) {
      const now = this.#now();
      this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#updated) / 1000) * this.rate);
      this.#updated = now;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      await sleep(((1 - this.#tokens) / this.rate) * 1000, signal);
    }
  }

  /** Empties the bucket: after a rate-limit answer the next request waits a full interval. */
  drain(): void {
    this.#tokens = Math.min(this.#tokens, 0);
    this.#updated = this.#now();
  }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const done = () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
