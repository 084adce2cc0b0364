import { ORDER_KIND, type OrderType } from '../execution/types.ts';

/** One action of the default discrete space. */
export type Action =
  | { readonly kind: 'hold' }
  | { readonly kind: 'close' }
  | { readonly kind: 'long' | 'short'; readonly stopBucket: number; readonly type: OrderType };

/**
 * `Discrete(n)` with `n = 2 + 4K`: 0 = hold, 1 = close, then for each side (long, then short),
 * each stop bucket k = 1..K and each type (market, then limit) one action:
 * `long(k, type) = 2 + 2(k-1) + t`, `short(k, type) = 2 + 2K + 2(k-1) + t` with t = 0 market, 1 limit.
 */
export interface ActionSpace {
  readonly type: 'Discrete';
  readonly n: number;
  /** K: stop buckets per side. */
  readonly buckets: number;
  /** Stop distance of bucket k is k × stopStepBps. */
  readonly stopStepBps: number;
  /** Per action: an `ORDER_KIND` code. */
  readonly kinds: Int8Array;
  /** Per action: 1 for a limit entry. */
  readonly limits: Uint8Array;
  /** Per action: the stop bucket (0 for hold and close). */
  readonly stopBuckets: Int8Array;
  encode(action: Action): number;
  decode(index: number): Action;
  /** e.g. `long(k=2, limit)`. */
  describe(index: number): string;
}

export class InvalidActionError extends Error {
  override name = 'InvalidActionError';
}

export function createActionSpace(buckets: number, stopStepBps: number): ActionSpace {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 100) throw new RangeError(`buckets must be an integer in 1..100, got ${buckets}`);
  const n = 2 + 4 * buckets;
  const kinds = new Int8Array(n);
  const limits = new Uint8Array(n);
  const stopBuckets = new Int8Array(n);
  kinds[0] = ORDER_KIND.HOLD;
  kinds[1] = ORDER_KIND.CLOSE;
  for (let side = 0; side < 2; side++) {
    for (let k = 1; k <= buckets; k++) {
      for (let t = 0; t < 2; t++) {
        const a = 2 + side * 2 * buckets + 2 * (k - 1) + t;
        kinds[a] = side === 0 ? ORDER_KIND.LONG : ORDER_KIND.SHORT;
        limits[a] = t;
        stopBuckets[a] = k;
      }
    }
  }
  const decode = (index: number): Action => {
    if (!Number.isInteger(index) || index < 0 || index >= n) throw new InvalidActionError(`action ${index} is outside Discrete(${n})`);
    if (index === 0) return { kind: 'hold' };
    if (index === 1) return { kind: 'close' };
    return {
      kind: kinds[index] === ORDER_KIND.LONG ? 'long' : 'short',
      stopBucket: stopBuckets[index] as number,
      type: limits[index] === 1 ? 'limit' : 'market',
    };
  };
  return Object.freeze({
    type: 'Discrete' as const,
    n,
    buckets,
    stopStepBps,
    kinds,
    limits,
    stopBuckets,
    encode(action: Action): number {
      if (action.kind === 'hold') return 0;
      if (action.kind === 'close') return 1;
      const k = action.stopBucket;
      if (!Number.isInteger(k) || k < 1 || k > buckets) throw new InvalidActionError(`stopBucket must be an integer in 1..${buckets}, got ${k}`);
      return 2 + (action.kind === 'long' ? 0 : 2 * buckets) + 2 * (k - 1) + (action.type === 'limit' ? 1 : 0);
    },
    decode,
    describe(index: number): string {
      const a = decode(index);
      return a.kind === 'hold' || a.kind === 'close' ? a.kind : `${a.kind}(k=${a.stopBucket}, ${a.type})`;
    },
  });
}

/** Position states the mask depends on. */
export const POSITION_STATE = Object.freeze({ FLAT: 0, LONG: 1, SHORT: 2 });

/**
 * The three masks of the space, by position state (1 = allowed): `close` is masked when flat, an
 * entry in the held direction is masked, and shorts are masked when `allowShort` is false.
 */
export function buildMasks(space: ActionSpace, allowShort: boolean): readonly [Uint8Array, Uint8Array, Uint8Array] {
  const make = (state: number) => {
    const mask = new Uint8Array(space.n);
    for (let a = 0; a < space.n; a++) {
      const kind = space.kinds[a];
      let allowed = true;
      if (kind === ORDER_KIND.CLOSE) allowed = state !== POSITION_STATE.FLAT;
      else if (kind === ORDER_KIND.LONG) allowed = state !== POSITION_STATE.LONG;
      else if (kind === ORDER_KIND.SHORT) allowed = allowShort && state !== POSITION_STATE.SHORT;
      mask[a] = allowed ? 1 : 0;
    }
    return mask;
  };
  return [make(POSITION_STATE.FLAT), make(POSITION_STATE.LONG), make(POSITION_STATE.SHORT)];
}
