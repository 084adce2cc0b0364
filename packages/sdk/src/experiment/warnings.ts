import type { Behaviour } from './behaviour.ts';
import type { PolicyMetrics } from './metrics.ts';
import type { ExcessReturnInterval } from './significance.ts';

/** A reason not to read the agent's result as skill, shown at the top of the report. */
export interface ResultWarning {
  readonly kind: 'degenerate-holding' | 'few-trades' | 'inside-random-spread' | 'ruin' | 'not-significant';
  readonly message: string;
}

export interface WarningThresholds {
  /** One round trip covering more than this share of the test. */
  readonly holdingShare: number;
  /** Fewer trades than this. */
  readonly minTrades: number;
}

export const DEFAULT_WARNING_THRESHOLDS: WarningThresholds = { holdingShare: 0.9, minTrades: 10 };

const pct = (x: number) => `${(x * 100).toFixed(2)} %`;

export interface AssessInput {
  readonly metrics: PolicyMetrics;
  readonly behaviour: Behaviour;
  /** 5th and 95th percentile of the random baseline's return over its seeds. */
  readonly randomSpread?: { readonly p05: number; readonly p95: number; readonly seeds: number };
  /** Excess return intervals over the baselines, by baseline name. */
  readonly excess?: Readonly<Record<string, ExcessReturnInterval>>;
  /** Human description of the longest trade (e.g. "short from 2024-03-01 00:01"). */
  readonly longestTrade?: string;
  readonly thresholds?: WarningThresholds;
}

/** The warnings that apply to an agent's evaluation (empty when none does). */
export function assessResult({ metrics, behaviour, randomSpread, excess, longestTrade, thresholds = DEFAULT_WARNING_THRESHOLDS }: AssessInput): ResultWarning[] {
  const out: ResultWarning[] = [];
  if (behaviour.longestHoldingShare > thresholds.holdingShare) {
    out.push({
      kind: 'degenerate-holding',
      message: `One position was held for ${pct(behaviour.longestHoldingShare)} of the test${longestTrade ? ` (${longestTrade})` : ''}: the result is that one bet, not a trading policy.`,
    });
  }
  if (metrics.trades < thresholds.minTrades) {
    out.push({ kind: 'few-trades', message: `Only ${metrics.trades} trade${metrics.trades === 1 ? '' : 's'} in the test: too few to judge a policy by.` });
  }
  if (randomSpread && metrics.totalReturn >= randomSpread.p05 && metrics.totalReturn <= randomSpread.p95) {
    out.push({
      kind: 'inside-random-spread',
      message: `The return ${pct(metrics.totalReturn)} is inside the random baseline's 5–95 % range over ${randomSpread.seeds} seeds (${pct(randomSpread.p05)} to ${pct(randomSpread.p95)}).`,
    });
  }
  if (metrics.ruined === 1) out.push({ kind: 'ruin', message: 'The account hit the ruin line and the episode stopped there.' });
  for (const [name, ci] of Object.entries(excess ?? {})) {
    if (ci.resamples > 0 && ci.low <= 0 && ci.high >= 0) {
      out.push({
        kind: 'not-significant',
        message: `The excess return over ${name} (${pct(ci.excessReturn)}) has a 95 % bootstrap interval of ${pct(ci.low)} to ${pct(ci.high)}, which includes 0.`,
      });
    }
  }
  return out;
}
