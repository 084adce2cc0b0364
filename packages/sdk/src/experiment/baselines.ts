import type { ActionSpace } from '../env/actionSpace.ts';
import { Rng } from '../env/rng.ts';
import type { Policy } from '../env/types.ts';

export const BASELINE_NAMES = ['flat', 'buy-and-hold', 'random'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** Never trades. */
export function flatPolicy(): Policy {
  return () => 0;
}

/**
 * Goes long at the first step with a market order and the widest stop bucket, then holds; if the
 * stop takes it out, it buys again (the guard sizes every entry, so this is buy & hold under the guard).
 */
export function buyAndHoldPolicy(space: ActionSpace): Policy {
  const enter = space.encode({ kind: 'long', stopBucket: space.buckets, type: 'market' });
  return (_observation, mask, info) => (info.position === 0 && mask[enter] === 1 ? enter : 0);
}

/** Uniform over the allowed actions, from its own seeded generator; the guard still sizes every entry. */
export function randomPolicy(seed: number): Policy {
  const rng = new Rng(seed);
  return (_observation, mask) => {
    let allowed = 0;
    for (let a = 0; a < mask.length; a++) allowed += mask[a]!;
    let pick = rng.nextInt(allowed);
    for (let a = 0; a < mask.length; a++) {
      if (mask[a] && pick-- === 0) return a;
    }
    return 0;
  };
}
