import type { FillColumns } from '../execution/FillLog.ts';
import type { LedgerColumns } from '../execution/Ledger.ts';
import { InvalidActionError } from './actionSpace.ts';
import type { TradingEnv } from './TradingEnv.ts';
import type { Policy } from './types.ts';

export interface EpisodeRange {
  /** Bar of the first observation; default the env's first allowed bar (after warm-up and window). */
  startIndex?: number;
  /** Last bar (inclusive), at most the end of the env's range; default that end. */
  endIndex?: number;
  seed?: number;
}

export interface EpisodeResult {
  /** A copy of the episode's ledger, one row per step. */
  readonly ledger: LedgerColumns;
  /** A copy of the episode's fills, in order. */
  readonly fills: FillColumns;
  readonly steps: number;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly initialEquity: number;
  readonly finalEquity: number;
  readonly totalFees: number;
  /** True when the episode ended by ruin before `endIndex`. */
  readonly ruined: boolean;
}

/**
 * Runs `policy` for one evaluation episode over a fixed bar range (no random start, no truncation)
 * and returns a copy of the ledger. A policy that picks a masked action fails with `InvalidActionError`.
 */
export function runEpisode(env: TradingEnv, policy: Policy, range: EpisodeRange = {}): EpisodeResult {
  const startIndex = range.startIndex ?? env.context.minStart;
  const { observation, info } = env.reset({ startIndex, ...(range.endIndex !== undefined ? { endIndex: range.endIndex } : {}), ...(range.seed !== undefined ? { seed: range.seed } : {}) });
  const mask = env.actionMask();
  let done = false;
  while (!done) {
    const action = policy(observation, mask, info);
    if (mask[action] !== 1) throw new InvalidActionError(`policy chose action ${action} (${env.actionSpace.describe(action)}), which is masked at bar ${info.index}`);
    const result = env.step(action);
    done = result.terminated || result.truncated;
  }
  return {
    ledger: env.ledger.snapshot(),
    fills: env.fills.snapshot(),
    steps: info.step,
    startIndex,
    endIndex: info.endIndex,
    initialEquity: env.context.params.initialCash,
    finalEquity: info.equity,
    totalFees: info.totalFees,
    ruined: info.ruined === 1,
  };
}
