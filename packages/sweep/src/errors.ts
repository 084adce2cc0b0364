import { TradecoreError } from '@tradecore/sdk';

/** A sweep that cannot run as asked: a bad flag or spec, a worker on a different config, a queue or store problem. */
export class SweepError extends TradecoreError {
  override name = 'SweepError';
}
