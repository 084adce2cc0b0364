import { InvalidIdError } from '@tradecore/sdk';

const EXCHANGE_ID = /^[a-z][a-z0-9]{1,39}$/;

/** A ccxt exchange id: lower-case letters and digits. */
export function assertExchangeId(value: string): string {
  if (!EXCHANGE_ID.test(value)) throw new InvalidIdError('exchange id', value, 'a ccxt exchange id such as kraken or binance');
  return value;
}
