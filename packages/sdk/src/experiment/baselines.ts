import type { ActionSpace } from '../env/actionSpace.ts';
import type { EnvContext } from '../env/context.ts';
import { Rng } from '../env/rng.ts';
import type { EpisodeResult } from '../env/runEpisode.ts';
import type { Policy } from '../env/types.ts';
import { FILL_KIND, FillLog } from '../execution/FillLog.ts';
import { Ledger } from '../execution/Ledger.ts';

/**
 * Baselines every agent is evaluated beside. `buy-and-hold` is the market reference and runs outside
 * the risk guard; the others are policies in the same env as the agent, every entry sized by the guard.
 */
export const BASELINE_NAMES = ['buy-and-hold', 'always-long', 'flat', 'random'] as const;
export type BaselineName = (typeof BASELINE_NAMES)[number];

/** The action `buyAndHoldEpisode` writes in its ledger rows: it is not an action of the env's space. */
export const REFERENCE_BUY_ACTION = -1;

/** Never trades. */
export function flatPolicy(): Policy {
  return () => 0;
}

/**
 * Goes long at the first step with a market order and the widest stop bucket, then holds; if the
 * stop takes it out, it buys again: always long, every entry sized by the risk guard.
 */
export function alwaysLongPolicy(space: ActionSpace): Policy {
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

/** The risk guard's notional cap (`maxLeverage`), 1 when the guard has no such option. */
export function guardLeverage(ctx: EnvContext): number {
  const value = (ctx.engine.riskGuard?.options as { maxLeverage?: unknown } | undefined)?.maxLeverage;
  return typeof value === 'number' && value > 0 ? value : 1;
}

/**
 * True buy & hold, outside the risk guard: one market buy at the open of the first test step (the
 * bar after the first observation, like every policy's first fill), slippage and taker fee paid,
 * full notional up to `leverage × equity` (qty = leverage × equity / (price × (1 + fee)), not
 * lot-rounded), no stop, held to the end of the test and marked to market at each close; the ruin
 * rule of the env still ends the episode. Its total return is `close_end / (open_first × (1 +
 * slippage) × (1 + takerFee)) − 1` at leverage 1.
 */
export function buyAndHoldEpisode(ctx: EnvContext, endIndex: number, leverage = guardLeverage(ctx)): EpisodeResult {
  const { bars, params } = ctx;
  const startIndex = ctx.minStart;
  const initial = params.initialCash;
  const ruinEquity = initial * (1 - ctx.config.ruinDrawdown);
  const ledger = new Ledger(endIndex - startIndex);
  const fills = new FillLog(1);
  const first = startIndex + 1;
  const price = (bars.open[first] as number) * (1 + params.slippage);
  const qty = (leverage * initial) / (price * (1 + params.takerFee));
  const fee = qty * price * params.takerFee;
  const cash = initial - qty * price - fee;
  fills.record(first, FILL_KIND.ENTRY, qty, price, fee, false, false, 0, Number.NaN, false);
  let ruined = false;
  let equity = initial;
  for (let j = first; j <= endIndex && !ruined; j++) {
    const r = ledger.nextRow();
    const c = ledger.columns;
    const entry = j === first;
    equity = cash + qty * (bars.close[j] as number);
    ruined = equity <= ruinEquity;
    c.index[r] = j;
    c.time[r] = bars.time[j] as number;
    c.action[r] = entry ? REFERENCE_BUY_ACTION : 0;
    c.submitted[r] = entry ? 1 : 0;
    c.filled[r] = entry ? 1 : 0;
    c.rejected[r] = 0;
    c.expired[r] = 0;
    c.fillPrice[r] = entry ? price : Number.NaN;
    c.qty[r] = entry ? qty : 0;
    c.fee[r] = entry ? fee : 0;
    c.cashDelta[r] = entry ? cash - initial : 0;
    c.position[r] = qty;
    c.stop[r] = Number.NaN;
    c.stopTriggered[r] = 0;
    c.stopGapped[r] = 0;
    c.stopExcess[r] = 0;
    c.equity[r] = equity;
    c.reward[r] = Math.log((equity > 0 ? equity : 1e-9) / (r === 0 ? initial : (c.equity[r - 1] as number)));
  }
  return {
    ledger: ledger.snapshot(),
    fills: fills.snapshot(),
    steps: ledger.length,
    startIndex,
    endIndex,
    initialEquity: initial,
    finalEquity: equity,
    totalFees: fee,
    ruined,
  };
}
