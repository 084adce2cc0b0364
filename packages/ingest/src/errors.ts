import { TradecoreError } from '@tradecore/sdk';

/** Base class of every error `@tradecore/ingest` throws on purpose. */
export class IngestError extends TradecoreError {
  override name = 'IngestError';
}

/**
 * A request to the exchange failed for good: it was not retryable, or it still failed after every retry.
 * `request` names it (`GET /0/public/Trades?pair=XXBTZUSD&since=…`), `attempts` says how often it was tried.
 */
export class RequestFailedError extends IngestError {
  override name = 'RequestFailedError';
  constructor(
    readonly request: string,
    readonly attempts: number,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${request} failed${attempts > 1 ? ` after ${attempts} attempts` : ''}: ${reason}`, options);
  }
}

/** The exchange answered, but with something the pull cannot use (bad shape, a cursor that does not move, …). */
export class ExchangeResponseError extends IngestError {
  override name = 'ExchangeResponseError';
  constructor(
    readonly request: string,
    detail: string,
  ) {
    super(`${request}: ${detail}`);
  }
}

/** The operation was stopped through its AbortSignal (Ctrl-C in the CLI) after flushing what was complete. */
export class IngestAbortedError extends IngestError {
  override name = 'IngestAbortedError';
}

/** A bad option value (unknown exchange, malformed URL, date or duration); the CLI exits 2 on it. */
export class InvalidOptionError extends IngestError {
  override name = 'InvalidOptionError';
}
