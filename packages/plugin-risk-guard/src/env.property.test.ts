import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEnv, generateSynthetic, InvalidActionError, Rng, type Bars, type ExecutionConfig, type TradingEnv } from '@tradecore/sdk';
import { BTC_EXISTS, loadBtc, testFeatures } from './__fixtures__/env.ts';
import { riskGuard } from './riskGuard.ts';
import { trailingStop } from './trailingStop.ts';

const RISK_PCT = 0.01;
const STEPS_PER_RUN = 2_500;
const RUNS = 44; // 44 × 2,500 = 110,000 random steps per CI run

interface Setup {
  label: string;
  env: TradingEnv;
  execution: Partial<ExecutionConfig>;
  maxLeverage: number;
}

function fail(message: string): never {
  throw new Error(message);
}

/**
 * Runs `steps` random allowed actions (and, now and then, a masked one that must be refused) and
 * checks every accounting invariant after each step. Plain checks instead of expect() keep 100k steps fast.
 */
interface Tally {
  steps: number;
  stops: number;
  /** Stops that did not gap, with slippage > 0: each must stay within the budget. */
  slippedStops: number;
  gapped: number;
  fills: number;
  expired: number;
  rejected: number;
}

function runAndCheck(setup: Setup, bars: Bars, seed: number, steps: number, tally: Tally): void {
  const { env } = setup;
  const rng = new Rng(seed ^ 0x5bd1e995);
  const { observation, info } = env.reset({ seed });
  const mask = env.actionMask();
  const n = env.numActions;
  const initialCash = env.context.params.initialCash;
  const slippage = env.context.params.slippage;
  const allowed = new Int32Array(n);
  let cashFromLedger = initialCash;
  let feesFromLedger = 0;
  let done = false;
  for (let s = 0; s < steps; s++) {
    if (done) {
      env.reset();
      cashFromLedger = initialCash;
      feesFromLedger = 0;
    }
    let count = 0;
    for (let a = 0; a < n; a++) if (mask[a] === 1) allowed[count++] = a;
    // Now and then try a masked action: it must throw and leave the account untouched.
    if (count < n && rng.nextInt(8) === 0) {
      let masked = rng.nextInt(n);
      while (mask[masked] === 1) masked = (masked + 1) % n;
      const before = [info.cash, info.position, env.ledger.length];
      let threw = false;
      try {
        env.step(masked);
      } catch (error) {
        threw = error instanceof InvalidActionError;
      }
      if (!threw) fail(`${setup.label}: masked action ${masked} was not refused`);
      if (before[0] !== info.cash || before[1] !== info.position || before[2] !== env.ledger.length) fail(`${setup.label}: a refused action changed the account`);
    }
    // Bias towards hold so positions live long enough to meet their stops.
    const action = rng.nextInt(8) !== 0 ? 0 : (allowed[rng.nextInt(count)] as number);
    const equityBefore = info.equity;
    const positionBefore = info.position;
    const { reward, terminated, truncated } = env.step(action);
    tally.steps++;
    done = terminated || truncated;
    const b = env.broker;
    const row = env.ledger.length - 1;
    const c = env.ledger.columns;
    const i = info.index;
    const close = bars.close[i] as number;
    tally.stops += c.stopTriggered[row] as number;
    tally.gapped += c.stopGapped[row] as number;
    tally.fills += c.filled[row] as number;
    tally.expired += c.expired[row] as number;
    tally.rejected += c.rejected[row] as number;

    // Masked actions are never executed: the ledger only holds actions that were allowed.
    if (c.action[row] !== action) fail(`${setup.label}: ledger action ${c.action[row]} != ${action}`);
    if (positionBefore > 0 && env.actionSpace.kinds[action] === 2) fail(`${setup.label}: long entry executed while long`);
    if (positionBefore < 0 && env.actionSpace.kinds[action] === 3) fail(`${setup.label}: short entry executed while short`);
    if (!env.context.params.allowShort && b.position < 0) fail(`${setup.label}: short position although allowShort is false`);

    // Equity identity, from the account and independently from the ledger's cash deltas.
    cashFromLedger += c.cashDelta[row] as number;
    feesFromLedger += c.fee[row] as number;
    const scale = Math.max(1, Math.abs(info.equity));
    if (Math.abs(info.equity - (info.cash + info.position * close)) > 1e-9 * scale) fail(`${setup.label}: equity != cash + q × close at bar ${i}`);
    if (Math.abs(cashFromLedger - info.cash) > 1e-7 * scale) fail(`${setup.label}: Σ ledger cashDelta ${cashFromLedger} != cash ${info.cash}`);
    if (Math.abs((c.equity[row] as number) - info.equity) > 0) fail(`${setup.label}: ledger equity differs`);
    // Fee sum equals the ledger's fees; no fee without a fill.
    if (Math.abs(feesFromLedger - info.totalFees) > 1e-9 * Math.max(1, info.totalFees)) fail(`${setup.label}: Σ ledger fees ${feesFromLedger} != total fees ${info.totalFees}`);
    if ((c.fee[row] as number) < 0 || ((c.filled[row] as number) === 0 && (c.fee[row] as number) !== 0)) fail(`${setup.label}: bad fee ${c.fee[row]}`);

    // No position without a stop, and the stop is still on the protective side after the bar.
    if (b.position !== 0) {
      if (!Number.isFinite(b.stopPrice)) fail(`${setup.label}: position ${b.position} without a stop at bar ${i}`);
      // (a trailing stop may move inside this bar's range, but never past its close)
      if (b.position > 0 ? !(b.stopPrice < close) : !(b.stopPrice > close)) {
        fail(`${setup.label}: stop ${b.stopPrice} already crossed by bar ${i} but the position is open`);
      }
    } else if (!Number.isNaN(c.stop[row] as number)) fail(`${setup.label}: flat with a stop`);

    // Sizing at entry: planned loss within the budget, notional within the leverage cap.
    if (c.filled[row] !== 0 && b.position !== 0 && b.barsInPosition === 1) {
      const eq = b.entryEquity;
      if (b.plannedLoss > RISK_PCT * eq * (1 + 1e-9)) fail(`${setup.label}: planned loss ${b.plannedLoss} > ${RISK_PCT} × ${eq}`);
      if (Math.abs(b.position) * b.entryPrice > setup.maxLeverage * eq * (1 + 1e-9)) fail(`${setup.label}: leverage cap broken`);
    }

    // Loss at a stop: within the budget (fees and slippage included) unless it gapped, and then reported.
    if (c.stopTriggered[row] === 1) {
      const loss = b.entryEquity - info.cash;
      const budget = RISK_PCT * b.entryEquity;
      const excess = c.stopExcess[row] as number;
      if (c.stopGapped[row] === 0) {
        if (loss > budget * (1 + 1e-9)) fail(`${setup.label}: non-gapped stop lost ${loss} > budget ${budget} (slippage ${slippage})`);
        if (excess !== 0) fail(`${setup.label}: non-gapped stop reported an excess ${excess}: its slippage was not planned for`);
        if (slippage > 0) tally.slippedStops++;
      }
      if (loss > budget * (1 + 1e-9) && !(excess > 0)) fail(`${setup.label}: loss ${loss} beyond the budget ${budget} but no stopExcess reported`);
      if (loss - excess > budget * (1 + 1e-9)) fail(`${setup.label}: loss ${loss} − reported excess ${excess} > budget ${budget}`);
      if (c.stopGapped[row] === 1 && !(excess > 0)) fail(`${setup.label}: gapped stop without reported excess`);
    }

    // No NaN anywhere the agent or the ledger sees.
    if (!Number.isFinite(reward) || !Number.isFinite(info.equity) || !Number.isFinite(info.cash)) fail(`${setup.label}: non-finite reward/equity at bar ${i}`);
    for (let k = 0; k < observation.length; k++) if (!Number.isFinite(observation[k] as number)) fail(`${setup.label}: NaN in observation[${k}] at bar ${i}`);
    const expectedReward = Math.log(info.equity / equityBefore);
    if (Math.abs(reward - expectedReward) > 1e-12) fail(`${setup.label}: reward ${reward} != log equity return ${expectedReward}`);
  }
}

describe.skipIf(!BTC_EXISTS)('TradingEnv properties over the real BTC 1m data', () => {
  const setups: Setup[] = [];
  let bars: Bars;

  beforeAll(async () => {
    bars = await loadBtc();
    const configs: { label: string; execution: Partial<ExecutionConfig>; maxLeverage: number; trailing?: boolean; stopStepBps?: number }[] = [
      { label: 'defaults', execution: {}, maxLeverage: 1 },
      { label: 'touch fills, ttl 3, leverage 3, 10 bps stops', execution: { touchFills: true, limitTtlBars: 3, limitOffsetBps: 2 }, maxLeverage: 3, stopStepBps: 10 },
      { label: 'post-only, long-only, trailing stop', execution: { postOnly: true, allowShort: false }, maxLeverage: 1, trailing: true },
      { label: 'slippage 3 bps', execution: { slippageBps: 3, takerFeeBps: 7.5, makerFeeBps: 0 }, maxLeverage: 2 },
      { label: 'slippage 1 bps, touch fills, leverage 5, 10 bps stops', execution: { slippageBps: 1, touchFills: true }, maxLeverage: 5, stopStepBps: 10 },
      { label: 'slippage 10 bps, long-only, trailing stop', execution: { slippageBps: 10, allowShort: false, limitTtlBars: 2 }, maxLeverage: 3, trailing: true },
    ];
    for (const config of configs) {
      const env = await createEnv({
        bars,
        plugins: [testFeatures(), riskGuard({ riskPct: RISK_PCT, maxLeverage: config.maxLeverage, stopStepBps: config.stopStepBps ?? 50 }), config.trailing && trailingStop({ trailBps: 60 })],
        execution: config.execution,
        env: { window: 8, episodeLength: 1_000, ruinDrawdown: 0.9 },
        seed: 1,
      });
      setups.push({ label: config.label, env, execution: config.execution, maxLeverage: config.maxLeverage });
    }
  });

  it(`holds every accounting invariant over ${RUNS * STEPS_PER_RUN} random steps`, () => {
    const tally: Tally = { steps: 0, stops: 0, slippedStops: 0, gapped: 0, fills: 0, expired: 0, rejected: 0 };
    fc.assert(
      fc.property(fc.nat({ max: setups.length - 1 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (which, seed) => {
        runAndCheck(setups[which] as Setup, bars, seed, STEPS_PER_RUN, tally);
      }),
      { numRuns: RUNS, seed: 20230301 },
    );
    expect(tally.steps, 'random steps checked').toBeGreaterThanOrEqual(100_000);
    expect(tally.stops, 'the run exercised stop exits').toBeGreaterThan(500);
    expect(tally.slippedStops, 'the run exercised non-gapped stops with slippage').toBeGreaterThan(200);
    expect(tally.gapped, 'the run exercised gapped stops').toBeGreaterThan(0);
    expect(tally.expired, 'the run exercised expiring limits').toBeGreaterThan(0);
    expect(tally.rejected, 'the run exercised post-only rejections').toBeGreaterThan(0);
    console.info(`[env properties] ${JSON.stringify(tally)}`);
  });
});

describe('TradingEnv properties over volatile synthetic bars (no shared data needed)', () => {
  it('holds every accounting invariant where gaps through stops are frequent', async () => {
    // Synthetic 1m bars open at the previous close; shift every 20th bar by up to ±1.5 % (whole bar, so
    // OHLC stays consistent) to make opens gap through stops far more often than in real data.
    const bars = generateSynthetic({ seed: 5, days: 10, annualVolatility: 1.5 });
    const gaps = new Rng(9);
    let shift = 1;
    for (let i = 0; i < bars.length; i++) {
      if (i % 20 === 0) shift *= 1 + (gaps.nextFloat() - 0.5) * 0.03;
      for (const column of [bars.open, bars.high, bars.low, bars.close]) column[i] = (column[i] as number) * shift;
    }
    const setups: Setup[] = [];
    for (const slippageBps of [0, 5]) {
      const execution = { limitTtlBars: 2, slippageBps };
      const env = await createEnv({
        bars,
        plugins: [testFeatures(), riskGuard({ riskPct: RISK_PCT, maxLeverage: 2, stopStepBps: 25 })],
        execution,
        env: { window: 8, episodeLength: 1_000, ruinDrawdown: 0.9 },
      });
      setups.push({ label: `synthetic with gaps, slippage ${slippageBps} bps`, env, execution, maxLeverage: 2 });
    }
    const tally: Tally = { steps: 0, stops: 0, slippedStops: 0, gapped: 0, fills: 0, expired: 0, rejected: 0 };
    fc.assert(
      fc.property(fc.nat({ max: 1 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (which, seed) => runAndCheck(setups[which] as Setup, bars, seed, 2_000, tally)),
      { numRuns: 16, seed: 7 },
    );
    expect(tally.steps).toBe(32_000);
    expect(tally.gapped, 'gapped stops occurred and were reported').toBeGreaterThan(10);
    expect(tally.slippedStops, 'non-gapped stops with slippage stayed within the budget').toBeGreaterThan(20);
  });
});
