import type { VecEnvLike } from '@tradecore/sdk';
import { deriveSeed, Rng } from './rng.ts';

export interface SignalMarketOptions {
  readonly numEnvs: number;
  /** Steps per episode (then truncated). */
  readonly episodeLength?: number;
  /** Uninformative noise features appended to the observation. */
  readonly noiseFeatures?: number;
  /** Absolute log return of every bar. */
  readonly barReturn?: number;
  /** Cost of changing the position, as a fraction (per unit of position change). */
  readonly fee?: number;
}

/** Actions of the signal market: 0 flat, 1 long, 2 short, 3 never allowed (exercises masking). */
export const SIGNAL_ACTIONS = 4;

/**
 * A synthetic market whose optimal policy is known: the first observation feature is the sign of
 * the next bar's return. Holding `position ∈ {−1, 0, 1}` earns `position × return − fee × |Δposition|`.
 * Optimal play (long before an up bar, short before a down bar) earns per episode at most
 * `episodeLength × barReturn − fees of the flips`; {@link SignalMarketEnv.optimalReturn} replays it.
 */
export class SignalMarketEnv implements VecEnvLike {
  readonly numEnvs: number;
  readonly observationSize: number;
  readonly numActions = SIGNAL_ACTIONS;
  readonly observations: Float32Array;
  readonly rewards: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly masks: Uint8Array;
  readonly episodeLength: number;
  readonly barReturn: number;
  readonly fee: number;
  readonly #noise: number;
  readonly #position: Int8Array;
  readonly #nextUp: Uint8Array;
  readonly #step: Int32Array;
  #rngs: Rng[] = [];

  constructor({ numEnvs, episodeLength = 64, noiseFeatures = 3, barReturn = 0.01, fee = 0.001 }: SignalMarketOptions) {
    this.numEnvs = numEnvs;
    this.episodeLength = episodeLength;
    this.barReturn = barReturn;
    this.fee = fee;
    this.#noise = noiseFeatures;
    // signal, noise..., position one-hot (3)
    this.observationSize = 1 + noiseFeatures + 3;
    this.observations = new Float32Array(numEnvs * this.observationSize);
    this.rewards = new Float32Array(numEnvs);
    this.terminated = new Uint8Array(numEnvs);
    this.truncated = new Uint8Array(numEnvs);
    this.masks = new Uint8Array(numEnvs * SIGNAL_ACTIONS);
    this.#position = new Int8Array(numEnvs);
    this.#nextUp = new Uint8Array(numEnvs);
    this.#step = new Int32Array(numEnvs);
  }

  reset(seed: number): void {
    this.#rngs = Array.from({ length: this.numEnvs }, (_, i) => new Rng(deriveSeed(seed, i)));
    for (let i = 0; i < this.numEnvs; i++) this.#resetOne(i);
    this.rewards.fill(0);
    this.terminated.fill(0);
    this.truncated.fill(0);
  }

  step(actions: Int32Array): void {
    for (let i = 0; i < this.numEnvs; i++) {
      const action = actions[i]!;
      if (!this.masks[i * SIGNAL_ACTIONS + action]) throw new Error(`action ${action} is masked in env ${i}`);
      const target = action === 1 ? 1 : action === 2 ? -1 : 0;
      const r = this.#nextUp[i] ? this.barReturn : -this.barReturn;
      this.rewards[i] = target * r - this.fee * Math.abs(target - this.#position[i]!);
      this.#position[i] = target;
      this.#step[i]! += 1;
      this.terminated[i] = 0;
      this.truncated[i] = this.#step[i]! >= this.episodeLength ? 1 : 0;
      if (this.truncated[i]) this.#resetOne(i);
      else this.#observe(i);
    }
  }

  /** Best achievable return of one episode of this market: every bar's |return| minus the flip fees. */
  static optimalReturn(episodeLength: number, barReturn: number, fee: number, directions: Uint8Array): number {
    let pos = 0;
    let total = 0;
    for (let t = 0; t < episodeLength; t++) {
      const target = directions[t] ? 1 : -1;
      total += barReturn - fee * Math.abs(target - pos);
      pos = target;
    }
    return total;
  }

  #resetOne(i: number): void {
    this.#position[i] = 0;
    this.#step[i] = 0;
    this.#observe(i);
  }

  #observe(i: number): void {
    const rng = this.#rngs[i]!;
    this.#nextUp[i] = rng.next() < 0.5 ? 1 : 0;
    const o = i * this.observationSize;
    this.observations[o] = this.#nextUp[i] ? 1 : -1;
    for (let k = 0; k < this.#noise; k++) this.observations[o + 1 + k] = rng.normal();
    const p = this.#position[i]!;
    this.observations[o + 1 + this.#noise] = p === 0 ? 1 : 0;
    this.observations[o + 2 + this.#noise] = p === 1 ? 1 : 0;
    this.observations[o + 3 + this.#noise] = p === -1 ? 1 : 0;
    const m = i * SIGNAL_ACTIONS;
    this.masks[m] = 1;
    this.masks[m + 1] = 1;
    this.masks[m + 2] = 1;
    this.masks[m + 3] = 0;
  }

  /** Direction of the next bar of env i (1 up, 0 down), for computing the optimum in tests. */
  nextDirection(i: number): number {
    return this.#nextUp[i]!;
  }
}
