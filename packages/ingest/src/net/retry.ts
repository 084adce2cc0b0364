import { ExchangeResponseError, IngestError, RequestFailedError } from '../errors.ts';
import { sleep } from './RateLimiter.ts';

export interface RetryOptions {
  /** Retries after the first attempt. Default 8. */
  retries?: number;
  /** First backoff delay; doubles per retry (with jitter). Default 1000 ms. */
  baseDelayMs?: number;
  /** Largest delay. Default 60 s. */
  maxDelayMs?: number;
  signal?: AbortSignal;
  /** Called before each wait, e.g. to count retries or print a note. */
  onRetry?: (info: { request: string; attempt: number; delayMs: number; error: Error }) => void;
  /** Randomness for the jitter (tests pass a fixed one). Default Math.random. */
  random?: () => number;
}

/** ccxt error classes whose requests are worth repeating: timeouts, 429/5xx, `EAPI:Rate limit exceeded`, dropped sockets. */
const RETRYABLE_CCXT = new Set(['NetworkError', 'RequestTimeout', 'ExchangeNotAvailable', 'OnMaintenance', 'DDoSProtection', 'RateLimitExceeded']);

/** Names of the classes in `error`'s prototype chain (so another copy of ccxt is classified the same). */
function classNames(error: unknown): string[] {
  const names: string[] = [];
  for (let p = error !== null && typeof error === 'object' ? Object.getPrototypeOf(error) : null; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    const name = (p.constructor as { name?: string } | undefined)?.name;
    if (name) names.push(name);
  }
  return names;
}

/** Whether a failed request may succeed when repeated. */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ExchangeResponseError) return true; // a truncated or garbled body: usually a dropped connection
  if (error instanceof IngestError) return false;
  const names = classNames(error);
  if (names.some((n) => RETRYABLE_CCXT.has(n))) return true;
  // Node's own socket errors, if anything reaches us unwrapped.
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ECONNRESET' || code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'EPIPE' || code === 'UND_ERR_SOCKET';
}

/** Whether the exchange said to slow down (HTTP 429, `EAPI:Rate limit exceeded`). */
export function isRateLimit(error: unknown): boolean {
  const names = classNames(error);
  return names.includes('RateLimitExceeded') || names.includes('DDoSProtection');
}

/** `min(max, base · 2^(attempt−1))`, scaled by a random factor in [0.5, 1) ("equal jitter"). */
export function backoffDelay(attempt: number, { baseDelayMs = 1000, maxDelayMs = 60_000, random = Math.random }: RetryOptions = {}): number {
  const cap = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  return cap * (0.5 + random() / 2);
}

/**
 * Runs `attempt` until it succeeds, retrying retryable failures with exponential backoff and jitter. A
 * failure that is not retryable, or the last one, becomes a {@link RequestFailedError} naming `request`.
 * An abort rejects with the signal's reason at once.
 */
export async function withRetry<T>(request: string, attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const retries = options.retries ?? 8;
  for (let n = 1; ; n++) {
    if (options.signal?.aborted) throw options.signal.reason;
    try {
      return await attempt();
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      const retryable = isRetryable(error);
      if (!retryable || n > retries) {
        throw new RequestFailedError(request, n, `${retryable ? '' : 'not retryable: '}${describeError(error)}`, { cause: error });
      }
      const delayMs = backoffDelay(n, options);
      options.onRetry?.({ request, attempt: n, delayMs, error: error instanceof Error ? error : new Error(String(error)) });
      await sleep(delayMs, options.signal);
    }
  }
}

/** One line: the class and the message (ccxt messages start with the exchange id and often quote the body). */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const message = error.message.length > 300 ? `${error.message.slice(0, 300)}…` : error.message;
  return `${error.name === 'Error' ? '' : `${error.constructor.name}: `}${message}`;
}
