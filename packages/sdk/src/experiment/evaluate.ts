import type { ExecutionConfig, EnvConfig } from '../config/schema.ts';
import { createEnvContext, type EnvContext } from '../env/context.ts';
import type { ActionSpace } from '../env/actionSpace.ts';
import { runEpisode, type EpisodeResult } from '../env/runEpisode.ts';
import { TradingEnv } from '../env/TradingEnv.ts';
import type { Policy } from '../env/types.ts';
import type { FillColumns } from '../execution/FillLog.ts';
import type { LedgerColumns } from '../execution/Ledger.ts';
import type { Bars } from '../features/types.ts';
import type { PluginOption } from '../plugin/types.ts';
import { buyAndHoldEpisode, randomPolicy } from './baselines.ts';
import { behaviourSummary, type Behaviour } from './behaviour.ts';
import { dailyReturns, type DailyReturns } from './daily.ts';
import { barsPerYear, computeMetrics, type PolicyMetrics } from './metrics.ts';
import { deriveTrades, type Trade } from './trades.ts';

/** Builds a fresh policy for one evaluation episode (stateful policies must start over each time). */
export type PolicyFactory = (space: ActionSpace) => Policy;

/** A policy to evaluate: one acting in the env, or a reference simulated outside it (buy & hold). */
export type PolicySpec =
  | { readonly name: string; readonly make: PolicyFactory }
  | { readonly name: string; readonly simulate: (ctx: EnvContext, endIndex: number) => EpisodeResult };

/** One policy's test episode: everything the archive and the report are made of. */
export interface EvaluatedPolicy {
  readonly name: string;
  readonly metrics: PolicyMetrics;
  readonly behaviour: Behaviour;
  /** Ledger and fills of the episode with the configured fees. */
  readonly ledger: LedgerColumns;
  readonly fills: FillColumns;
  readonly trades: readonly Trade[];
  readonly daily: DailyReturns;
  readonly zeroFeeReturn: number;
  readonly ruined: boolean;
}

export interface EvaluateOptions {
  readonly bars: Bars;
  readonly plugins: readonly PluginOption[];
  readonly execution: Partial<ExecutionConfig>;
  readonly env: Partial<EnvConfig>;
  /** Inclusive test range; features may read bars before it (they are in the past). */
  readonly testStart: number;
  readonly testEnd: number;
  readonly policies: readonly PolicySpec[];
  readonly log?: (line: string) => void;
}

/** The env contexts of a test range with the configured fees and with zero fees (for the fee drag). */
export interface TestContexts {
  readonly withFees: EnvContext;
  readonly zeroFees: EnvContext;
}

export async function createTestContexts(o: Omit<EvaluateOptions, 'policies'>): Promise<TestContexts> {
  const make = (zero: boolean) =>
    createEnvContext({
      bars: o.bars,
      plugins: o.plugins,
      execution: zero ? { ...o.execution, makerFeeBps: 0, takerFeeBps: 0 } : o.execution,
      env: o.env,
      range: { start: o.testStart, end: o.testEnd },
      recordLedger: true,
      ...(o.log ? { log: o.log } : {}),
    });
  return { withFees: await make(false), zeroFees: await make(true) };
}

function episode(spec: PolicySpec, ctx: EnvContext, endIndex: number): EpisodeResult {
  return 'simulate' in spec ? spec.simulate(ctx, endIndex) : runEpisode(new TradingEnv(ctx), spec.make(ctx.actionSpace), { endIndex });
}

/**
 * Runs every policy once over the test range with the configured fees and once with zero fees
 * (for the fee drag), each as one evaluation episode from the first bar the features allow.
 */
export async function evaluatePolicies(o: EvaluateOptions, contexts?: TestContexts): Promise<EvaluatedPolicy[]> {
  const { withFees, zeroFees } = contexts ?? (await createTestContexts(o));
  const annual = barsPerYear(o.bars.time);
  return o.policies.map((spec) => {
    const zero = episode(spec, zeroFees, o.testEnd);
    const real = episode(spec, withFees, o.testEnd);
    const zeroFeeReturn = zero.finalEquity / zero.initialEquity - 1;
    const trades = deriveTrades({ fills: real.fills, ledger: real.ledger, initialEquity: real.initialEquity, time: o.bars.time, close: o.bars.close });
    return {
      name: spec.name,
      metrics: computeMetrics({ ledger: real.ledger, trades, initialEquity: real.initialEquity, barsPerYear: annual, zeroFeeReturn, ruined: real.ruined }),
      behaviour: behaviourSummary(real.ledger, trades, withFees.actionSpace, annual / 365),
      ledger: real.ledger,
      fills: real.fills,
      trades,
      daily: dailyReturns(real.ledger.time, real.ledger.equity, real.initialEquity),
      zeroFeeReturn,
      ruined: real.ruined,
    };
  });
}

/** Total returns of the random baseline over several seeds, with the configured fees (its spread). */
export function randomReturns(ctx: EnvContext, endIndex: number, seeds: readonly number[]): number[] {
  const env = new TradingEnv(ctx);
  return seeds.map((seed) => {
    const result = runEpisode(env, randomPolicy(seed), { endIndex });
    return result.finalEquity / result.initialEquity - 1;
  });
}

export const buyAndHoldSpec: PolicySpec = { name: 'buy-and-hold', simulate: buyAndHoldEpisode };
