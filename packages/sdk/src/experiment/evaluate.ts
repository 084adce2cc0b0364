import type { ExecutionConfig, EnvConfig } from '../config/schema.ts';
import { createEnvContext, type EnvContext } from '../env/context.ts';
import type { ActionSpace } from '../env/actionSpace.ts';
import { runEpisode } from '../env/runEpisode.ts';
import { TradingEnv } from '../env/TradingEnv.ts';
import type { Policy } from '../env/types.ts';
import type { LedgerColumns } from '../execution/Ledger.ts';
import type { Bars } from '../features/types.ts';
import type { PluginOption } from '../plugin/types.ts';
import { barsPerYear, computeMetrics, type PolicyMetrics } from './metrics.ts';

/** Builds a fresh policy for one evaluation episode (stateful policies must start over each time). */
export type PolicyFactory = (space: ActionSpace) => Policy;

export interface EvaluatedPolicy {
  readonly name: string;
  readonly metrics: PolicyMetrics;
  /** Ledger of the episode with the configured fees. */
  readonly ledger: LedgerColumns;
  readonly zeroFeeReturn: number;
}

export interface EvaluateOptions {
  readonly bars: Bars;
  readonly plugins: readonly PluginOption[];
  readonly execution: Partial<ExecutionConfig>;
  readonly env: Partial<EnvConfig>;
  /** Inclusive test range; features may read bars before it (they are in the past). */
  readonly testStart: number;
  readonly testEnd: number;
  readonly policies: readonly { readonly name: string; readonly make: PolicyFactory }[];
  readonly log?: (line: string) => void;
}

async function contextFor(o: EvaluateOptions, zeroFees: boolean): Promise<EnvContext> {
  return createEnvContext({
    bars: o.bars,
    plugins: o.plugins,
    execution: zeroFees ? { ...o.execution, makerFeeBps: 0, takerFeeBps: 0 } : o.execution,
    env: o.env,
    range: { start: o.testStart, end: o.testEnd },
    recordLedger: true,
    ...(o.log ? { log: o.log } : {}),
  });
}

/**
 * Runs every policy once over the test range with the configured fees and once with zero fees
 * (for the fee drag), each as one evaluation episode from the first bar the features allow.
 */
export async function evaluatePolicies(o: EvaluateOptions): Promise<EvaluatedPolicy[]> {
  const withFees = await contextFor(o, false);
  const zeroFees = await contextFor(o, true);
  const annual = barsPerYear(o.bars.time);
  const out: EvaluatedPolicy[] = [];
  for (const { name, make } of o.policies) {
    const zero = runEpisode(new TradingEnv(zeroFees), make(zeroFees.actionSpace), { endIndex: o.testEnd });
    const real = runEpisode(new TradingEnv(withFees), make(withFees.actionSpace), { endIndex: o.testEnd });
    const zeroFeeReturn = zero.finalEquity / zero.initialEquity - 1;
    out.push({ name, metrics: computeMetrics(real.ledger, real.initialEquity, annual, zeroFeeReturn), ledger: real.ledger, zeroFeeReturn });
  }
  return out;
}
