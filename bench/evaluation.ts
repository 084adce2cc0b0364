// `pnpm bench evaluation`: what the evaluation of a run costs on the demo config's test split (the shipped
// synthetic dataset, last 20 % = 25,920 bars): the policies' test episodes as the archive had them before
// (agent, flat, guarded buy & hold, random; each with and without fees), and everything metrics.json v2 adds
// (the true buy & hold outside the guard, the random baseline over 20 seeds, the summary with the bootstrap).
// The agent is stood in for by a random policy: its forward pass is the trainer's cost, not the evaluation's.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { riskGuard } from '@tradecore/plugin-risk-guard';
import { rsiPlugin } from '@tradecore/plugin-rsi';
import { vwapPlugin } from '@tradecore/plugin-vwap';
import { zscorePlugin } from '@tradecore/plugin-zscore';
import {
  AGENT,
  alwaysLongPolicy,
  buyAndHoldSpec,
  createTestContexts,
  deriveSeed,
  evaluatePolicies,
  flatPolicy,
  RANDOM_SPREAD_SEEDS,
  randomPolicy,
  randomReturns,
  readDataset,
  summarizeEvaluation,
  timeSplit,
} from '@tradecore/sdk';

const DATA_DIR = fileURLToPath(new URL('../data', import.meta.url));
const REPEATS = 5;

/** CPU seconds of `work`, fastest of REPEATS (the machine is shared; the minimum is the steadiest figure). */
async function cpuSeconds(work: () => Promise<unknown> | unknown): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let k = 0; k < REPEATS; k++) {
    const start = process.cpuUsage();
    await work();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1e6);
  }
  return best;
}

export async function run(): Promise<string> {
  const { bars, manifest } = await readDataset('synthetic-btc-usd-1m', { dataDir: DATA_DIR });
  const plugins = [vwapPlugin({ session: true }), zscorePlugin({ source: 'close', period: 60 }), rsiPlugin({ period: 14 }), riskGuard({ riskPct: 0.01, stopStepBps: 50, buckets: 4 })];
  const [fold] = timeSplit({ length: bars.length, testFraction: 0.2, walkForwardFolds: 0, minBars: 18 });
  const test = { bars, plugins, execution: { takerFeeBps: 5, makerFeeBps: 2 }, env: { window: 16, episodeLength: 1440 }, testStart: fold!.testStart, testEnd: fold!.testEnd };
  const contexts = await createTestContexts(test);
  const space = contexts.withFees.actionSpace;
  const agent = { name: AGENT, make: () => randomPolicy(7) };

  const before = await cpuSeconds(() =>
    evaluatePolicies(
      { ...test, policies: [agent, { name: 'flat', make: () => flatPolicy() }, { name: 'always-long', make: (s) => alwaysLongPolicy(s) }, { name: 'random', make: () => randomPolicy(1) }] },
      contexts,
    ),
  );
  const buyAndHold = await cpuSeconds(() => evaluatePolicies({ ...test, policies: [buyAndHoldSpec] }, contexts));
  const seeds = Array.from({ length: RANDOM_SPREAD_SEEDS }, (_, k) => deriveSeed(1, k));
  const spread = await cpuSeconds(() => randomReturns(contexts.withFees, fold!.testEnd, seeds));
  const policies = await evaluatePolicies(
    {
      ...test,
      policies: [agent, buyAndHoldSpec, { name: 'always-long', make: (s) => alwaysLongPolicy(s) }, { name: 'flat', make: () => flatPolicy() }, { name: 'random', make: () => randomPolicy(1) }],
    },
    contexts,
  );
  const randoms = randomReturns(contexts.withFees, fold!.testEnd, seeds);
  const summary = await cpuSeconds(() => summarizeEvaluation({ dataset: manifest.id, seed: 0, bars, space, folds: [{ split: fold!, policies, randomReturns: randoms }] }));
  const added = buyAndHold + spread + summary;
  const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`;
  return [
    '## Evaluation cost',
    '',
    `Demo config, ${path.basename(DATA_DIR)}/ ${manifest.id}, test split ${(fold!.testEnd - fold!.testStart + 1).toLocaleString('en-US')} bars; CPU time, fastest of ${REPEATS}.`,
    '',
    '| part | CPU time |',
    '| --- | ---: |',
    `| test episodes of agent, flat, always-long, random (with and without fees) | ${ms(before)} |`,
    `| true buy & hold outside the guard | ${ms(buyAndHold)} |`,
    `| random baseline over ${RANDOM_SPREAD_SEEDS} seeds | ${ms(spread)} |`,
    `| summary: chained folds, daily returns, bootstrap significance, warnings | ${ms(summary)} |`,
    `| **added by metrics v2** | **${ms(added)}** (${(added / before).toFixed(2)}× the episodes) |`,
    '',
  ].join('\n');
}
