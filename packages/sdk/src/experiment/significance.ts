import { Rng } from '../env/rng.ts';

/** Bootstrap interval of the agent's excess return over one baseline on the test split. */
export interface ExcessReturnInterval {
  /** Π(1 + agent daily) − Π(1 + baseline daily) over the test days as they happened. */
  readonly excessReturn: number;
  /** 2.5 % and 97.5 % percentiles of the resampled excess return. */
  readonly low: number;
  readonly high: number;
  /** Share of resamples in which the agent ended ahead. */
  readonly shareAhead: number;
  readonly days: number;
  /** Days per block (circular block bootstrap, ⌈days^⅓⌉). */
  readonly blockDays: number;
  readonly resamples: number;
}

const compound = (returns: ArrayLike<number>, pick: ArrayLike<number>): number => {
  let g = 1;
  for (let i = 0; i < pick.length; i++) g *= 1 + returns[pick[i]!]!;
  return g;
};

/**
 * Circular block bootstrap over days: resample whole blocks of consecutive days (keeping the agent's
 * and the baseline's returns of a day together, so their correlation stays), `resamples` times, and
 * take the percentile interval of the excess total return. Seeded: the same inputs give the same interval.
 */
export function bootstrapExcessReturn(agent: ArrayLike<number>, baseline: ArrayLike<number>, seed: number, resamples = 2000): ExcessReturnInterval {
  const days = Math.min(agent.length, baseline.length);
  const identity = Int32Array.from({ length: days }, (_, i) => i);
  const excessReturn = compound(agent, identity) - compound(baseline, identity);
  const blockDays = Math.max(1, Math.ceil(Math.cbrt(days)));
  if (days === 0) return { excessReturn: 0, low: 0, high: 0, shareAhead: 0, days, blockDays, resamples: 0 };
  const rng = new Rng(seed);
  const pick = new Int32Array(days);
  const samples = new Float64Array(resamples);
  let ahead = 0;
  for (let b = 0; b < resamples; b++) {
    for (let i = 0; i < days; ) {
      const start = rng.nextInt(days);
      for (let k = 0; k < blockDays && i < days; k++, i++) pick[i] = (start + k) % days;
    }
    const x = compound(agent, pick) - compound(baseline, pick);
    samples[b] = x;
    if (x > 0) ahead++;
  }
  samples.sort();
  const at = (q: number) => samples[Math.min(resamples - 1, Math.max(0, Math.round(q * (resamples - 1))))]!;
  return { excessReturn, low: at(0.025), high: at(0.975), shareAhead: ahead / resamples, days, blockDays, resamples };
}

/** Linear-interpolated percentile (q in [0, 1]) of a list of numbers. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const x = q * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.ceil(x);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (x - lo);
}
