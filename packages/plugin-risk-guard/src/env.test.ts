import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createEnv,
  createVecEnv,
  definePlugin,
  generateSynthetic,
  InvalidActionError,
  Rng,
  runEpisode,
  STAGE,
  type Bars,
  type LedgerColumns,
  type TradingEnv,
} from '@tradecore/sdk';
import { barsFrom, BTC_EXISTS, loadBtc, testFeatures } from './__fixtures__/env.ts';
import { riskGuard } from './riskGuard.ts';
import { trailingStop } from './trailingStop.ts';

/** A random policy over allowed actions, from its own seeded generator. */
function randomPolicy(seed: number) {
  const rng = new Rng(seed);
  return (_obs: Float32Array, mask: Uint8Array) => {
    if (rng.nextInt(4) !== 0) return 0;
    let a = rng.nextInt(mask.length);
    while (mask[a] !== 1) a = (a + 1) % mask.length;
    return a;
  };
}

function ledgerBytes(ledger: LedgerColumns): Buffer {
  return Buffer.concat(Object.values(ledger).map((column: ArrayBufferView) => Buffer.from(column.buffer, column.byteOffset, column.byteLength)));
}

describe('createEnv on hand-made bars', () => {
  const rows: [number, number, number, number][] = [
    [100, 100, 100, 100],
    [100, 100, 100, 100],
    [100, 101, 99.8, 100.5],
    [100.5, 100.6, 98.5, 99],
    [99.2, 99.5, 99, 99.4],
  ];

  it('sizes a market entry through the order hook exactly as the rules say', async () => {
    const env = await createEnv({ bars: barsFrom(rows), plugins: [riskGuard({ qtyStep: 0.001, maxLeverage: 10 })], env: { window: 1 } });
    env.reset({ startIndex: 1 });
    const result = env.step(env.encodeAction({ kind: 'long', stopBucket: 2, type: 'market' }));
    const fee = 90.95 * 100 * 0.0005;
    expect(result.info.position).toBeCloseTo(90.95, 12);
    expect(result.info.stopPrice).toBeCloseTo(99, 12);
    expect(result.info.cash).toBeCloseTo(10_000 - 9_095 - fee, 9);
    expect(result.info.equity).toBeCloseTo(10_000 - 9_095 - fee + 90.95 * 100.5, 9);
    expect(result.reward).toBeCloseTo(Math.log(result.info.equity / 10_000), 12);
    // the next bar's low 98.5 hits the 99 stop: exit at 99, taker
    const next = env.step(0);
    expect(next.info.stopTriggered).toBe(1);
    expect(next.info.position).toBe(0);
    expect(next.info.cash).toBeCloseTo(10_000 - 90.95 * 1.0995, 9);
    const c = env.ledger.columns;
    expect(env.ledger.length).toBe(2);
    expect([c.index[0], c.index[1]]).toEqual([2, 3]);
    expect([c.submitted[0], c.filled[0], c.filled[1], c.stopTriggered[1]]).toEqual([1, 1, 1, 1]);
    expect(c.fee[1]).toBeCloseTo(90.95 * 99 * 0.0005, 12);
  });

  it('observation = normalised feature window (bar-major) + account state', async () => {
    const wave: [number, number, number, number][] = Array.from({ length: 40 }, (_, i) => {
      const c = 100 + Math.sin(i / 3) * 2;
      return [c - 0.1, c + 0.5, c - 0.5, c];
    });
    const bars = barsFrom(wave);
    const env = await createEnv({ bars, plugins: [testFeatures(), riskGuard({ maxLeverage: 10 })], env: { window: 3, episodeLength: 100 } });
    expect(() => env.reset({ startIndex: 20 }), 'sma(20) warms up for 19 bars, plus a window of 3').toThrow(/startIndex must be an integer in 21\.\./);
    const { observation } = env.reset({ startIndex: 25 });
    const close = (i: number) => bars.close[i] as number;
    const sma = (i: number) => Array.from({ length: 20 }, (_, k) => close(i - k)).reduce((a, b) => a + b, 0) / 20;
    const expected = [23, 24, 25].flatMap((i) => [Math.log(close(i) / close(i - 1)) * 100, sma(i) / close(i) - 1]);
    expect(observation.length).toBe(3 * 2 + 6);
    expected.forEach((v, k) => expect(observation[k]).toBeCloseTo(v, 5));
    expect(Array.from(observation.subarray(6))).toEqual([0, 0, 0, 0, 0, 0]);
    const { info } = env.step(env.encodeAction({ kind: 'short', stopBucket: 4, type: 'market' }));
    const c = close(26);
    expect(observation[6], 'position sign').toBe(-1);
    expect(observation[7], 'exposure').toBeCloseTo((info.position * c) / info.equity, 6);
    expect(observation[8], 'unrealised PnL / equity').toBeCloseTo((info.position * (c - info.entryPrice)) / info.equity, 6);
    expect(observation[9], 'stop distance').toBeCloseTo((c - info.stopPrice) / c, 6);
    expect(observation[10], 'time in position').toBeCloseTo(1 / 100, 6);
  });

  it('rejects below minQty, logs it through the plugin, and reports it in info and the ledger', async () => {
    const lines: string[] = [];
    const env = await createEnv({
      bars: barsFrom(rows),
      plugins: [riskGuard({ minQty: 1 })],
      execution: { initialCash: 50 },
      env: { window: 1 },
      log: (line) => lines.push(line),
    });
    env.reset({ startIndex: 1 });
    const { info } = env.step(env.encodeAction({ kind: 'long', stopBucket: 2, type: 'market' }));
    expect([info.rejected, info.position, info.cash]).toEqual([1, 0, 50]);
    expect(info.lastRejectReason).toMatch(/minQty/);
    expect(env.ledger.columns.rejected[0]).toBe(1);
    expect(lines.join('\n')).toMatch(/\[@tradecore\/plugin-risk-guard\] rejected long market/);
  });

  it('an execution helper cannot resize an order after the guard: the guard taps last', async () => {
    const greedy = definePlugin({
      name: 'greedy-helper',
      version: '0.0.0',
      kind: 'execution',
      setup(hooks) {
        hooks.order.tap({ name: 'greedy-helper', stage: STAGE.POST }, (intent) => {
          intent.qty = 1e9;
          return intent;
        });
      },
    });
    const env = await createEnv({ bars: barsFrom(rows), plugins: [riskGuard({ qtyStep: 0.001, maxLeverage: 10 }), greedy()], env: { window: 1 } });
    env.reset({ startIndex: 1 });
    expect(env.step(2 + 2).info.position).toBeCloseTo(90.95, 12);
  });

  it('with 3 bps slippage and a 0.5 % stop, a stop that does not gap loses at most riskPct × equity', async () => {
    // Long k = 1 at the open 100 → fill 100.03; stop 100.03 × 0.995 = 99.530; the next bar trades
    // down to 99 from an open above the stop, so the stop exits at 99.530 × (1 − 3 bps), not at the open.
    const bars = barsFrom([[100, 100, 100, 100], [100, 100, 100, 100], [100, 100.2, 99.9, 100.1], [100, 100.1, 99, 99.2]]);
    const env = await createEnv({ bars, plugins: [riskGuard({ riskPct: 0.01, maxLeverage: 100, qtyStep: 1e-6 })], execution: { slippageBps: 3 }, env: { window: 1 } });
    env.reset({ startIndex: 1 });
    env.step(env.encodeAction({ kind: 'long', stopBucket: 1, type: 'market' }));
    const { info } = env.step(0);
    expect([info.stopTriggered, info.stopGapped, info.stopExcess]).toEqual([1, 0, 0]);
    const loss = 10_000 - info.cash;
    expect(loss, 'the budget holds with slippage on (it was ≈ 5 % over)').toBeLessThanOrEqual(100 * (1 + 1e-12));
    expect(loss, 'and is used: within one lot of the budget').toBeGreaterThan(100 - 1e-6 * 100);
  });

  it('reset and runEpisode keep endIndex inside the env range (range.end = 2000 never runs to bar 2100)', async () => {
    const bars = generateSynthetic({ seed: 4, days: 2 });
    const env = await createEnv({ bars, plugins: [riskGuard()], env: { window: 4 }, range: { end: 2000 } });
    expect(() => env.reset({ startIndex: 1900, endIndex: 2100 })).toThrow(/endIndex must be an integer in \d+\.\.2000 \(the env's range ends at bar 2000\), got 2100/);
    expect(() => runEpisode(env, () => 0, { startIndex: 1900, endIndex: 2100 })).toThrow(/range ends at bar 2000/);
    const full = runEpisode(env, () => 0, { startIndex: 1900 });
    expect([full.endIndex, full.steps, full.ledger.index[full.steps - 1]]).toEqual([2000, 100, 2000]);
    for (let k = 0; k < 20; k++) {
      env.reset({ seed: k });
      while (!env.done) env.step(0);
      expect(env.index, 'random episodes stay in the range too').toBeLessThanOrEqual(2000);
    }
  });

  it('the trailing stop tightens the stop after each bar, never loosens it', async () => {
    const trend: [number, number, number, number][] = [[100, 100, 100, 100], [100, 100, 100, 100], [100, 101, 99.9, 101], [101, 103, 100.9, 103], [103, 103.2, 101, 101.5]];
    const env = await createEnv({ bars: barsFrom(trend), plugins: [riskGuard({ maxLeverage: 10 }), trailingStop({ trailBps: 100 })], env: { window: 1 } });
    env.reset({ startIndex: 1 });
    expect(env.step(env.encodeAction({ kind: 'long', stopBucket: 4, type: 'market' })).info.stopPrice).toBeCloseTo(101 * 0.99, 9);
    expect(env.step(0).info.stopPrice).toBeCloseTo(103 * 0.99, 9);
    // close 101.5 would trail to 100.485 (looser): the stop stays … but low 101 < 101.97 stopped it out first
    const last = env.step(0);
    expect(last.info.stopTriggered).toBe(1);
    expect(env.ledger.columns.fillPrice[2]).toBeCloseTo(103 * 0.99, 9);
  });

  it('calls the reward hook only when tapped and uses its value', async () => {
    const shaped = definePlugin({
      name: 'reward-minus-fees',
      version: '0.0.0',
      kind: 'reward',
      setup(hooks) {
        hooks.reward.tap('reward-minus-fees', (reward, ctx) => reward - ctx.fee / ctx.previousEquity);
      },
    });
    const env = await createEnv({ bars: barsFrom(rows), plugins: [riskGuard({ qtyStep: 0.001, maxLeverage: 10 }), shaped()], env: { window: 1 } });
    env.reset({ startIndex: 1 });
    const { reward, info } = env.step(4);
    expect(reward).toBeCloseTo(Math.log(info.equity / 10_000) - (90.95 * 100 * 0.0005) / 10_000, 12);
  });

  it('refuses masked and out-of-range actions', async () => {
    const env = await createEnv({ bars: barsFrom(rows), plugins: [riskGuard()], execution: { allowShort: false }, env: { window: 1 } });
    env.reset({ startIndex: 1 });
    const mask = env.actionMask();
    expect(mask[0]).toBe(1);
    expect(mask[1], 'close is masked when flat').toBe(0);
    const short = env.encodeAction({ kind: 'short', stopBucket: 1, type: 'market' });
    expect(mask[short], 'shorts are masked when allowShort is false').toBe(0);
    expect(() => env.step(1)).toThrow(InvalidActionError);
    expect(() => env.step(short)).toThrow(/masked/);
    expect(() => env.step(99)).toThrow(/outside Discrete\(18\)/);
    env.step(env.encodeAction({ kind: 'long', stopBucket: 1, type: 'market' }));
    expect(mask[1], 'close allowed when long').toBe(1);
    expect(mask[env.encodeAction({ kind: 'long', stopBucket: 3, type: 'limit' })], 'same-direction entry masked').toBe(0);
  });

  it('encodes and decodes every action of Discrete(2 + 4K)', async () => {
    const env = await createEnv({ bars: barsFrom(rows), plugins: [riskGuard({ buckets: 3, stopStepBps: 25 })], env: { window: 1 } });
    expect(env.actionSpace.n).toBe(14);
    expect(env.actionSpace.stopStepBps).toBe(25);
    for (let a = 0; a < env.actionSpace.n; a++) expect(env.encodeAction(env.decodeAction(a))).toBe(a);
    expect(env.decodeAction(2)).toEqual({ kind: 'long', stopBucket: 1, type: 'market' });
    expect(env.decodeAction(13)).toEqual({ kind: 'short', stopBucket: 3, type: 'limit' });
  });
});

describe.skipIf(!BTC_EXISTS)('TradingEnv on the real BTC data', () => {
  let bars: Bars;
  beforeAll(async () => {
    bars = await loadBtc();
  });

  const make = (b: Bars, seed = 7) =>
    createEnv({ bars: b, plugins: [testFeatures(), riskGuard()], env: { window: 16, episodeLength: 500 }, seed });

  it('starts episodes after the largest warm-up plus a window, from its own seeded generator', async () => {
    const env = await make(bars);
    expect(env.context.minStart).toBe(19 + 16 - 1);
    expect(env.observationSize).toBe(16 * 2 + 6);
    const starts = (seed: number) => {
      const out: number[] = [env.reset({ seed }).info.startIndex];
      for (let k = 0; k < 4; k++) out.push(env.reset().info.startIndex);
      return out;
    };
    const a = starts(1);
    expect(starts(1), 'same seed, same starts').toEqual(a);
    expect(starts(2), 'another seed, other starts').not.toEqual(a);
    for (const s of a) expect(s).toBeGreaterThanOrEqual(env.context.minStart);
    const before = Math.random;
    Math.random = () => {
      throw new Error('Math.random must not be used');
    };
    try {
      env.reset({ seed: 3 });
    } finally {
      Math.random = before;
    }
  });

  it('is deterministic: the same seed gives a byte-identical ledger, another seed a different start', async () => {
    const run = async (seed: number) => {
      const env = await make(bars, seed);
      const { info } = env.reset();
      const start = info.startIndex;
      const policy = randomPolicy(99);
      let done = false;
      while (!done) {
        const r = env.step(policy(env.observation, env.actionMask()));
        done = r.terminated || r.truncated;
      }
      return { start, bytes: ledgerBytes(env.ledger.snapshot()) };
    };
    const first = await run(11);
    const again = await run(11);
    expect(first.bytes.length).toBeGreaterThan(0);
    expect(again.bytes.equals(first.bytes), 'byte-identical ledger').toBe(true);
    const other = await run(12);
    expect(other.start).not.toBe(first.start);
  });

  it('is causal: changing any bar after t changes no observation at or before t', async () => {
    const slice = (b: Bars, n: number): Bars => ({
      length: n,
      time: b.time.slice(0, n),
      open: b.open.slice(0, n),
      high: b.high.slice(0, n),
      low: b.low.slice(0, n),
      close: b.close.slice(0, n),
      volume: b.volume.slice(0, n),
    });
    const base = slice(bars, 600);
    const env = await make(base);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 40, max: 560 }),
        fc.double({ min: 0.8, max: 1.25, noNaN: true }),
        fc.integer({ min: 0, max: 1000 }),
        async (t, factor, policySeed) => {
          const changed = slice(base, 600);
          for (let i = t + 1; i < 600; i++) {
            for (const col of [changed.open, changed.high, changed.low, changed.close]) col[i] = (col[i] as number) * factor;
            changed.volume[i] = (changed.volume[i] as number) * 2 + 1;
          }
          const other = await make(changed);
          const trace = (e: TradingEnv) => {
            const policy = randomPolicy(policySeed);
            const seen: Float32Array[] = [e.reset({ startIndex: 34 }).observation.slice()];
            while (e.index < t) seen.push(e.step(policy(e.observation, e.actionMask())).observation.slice());
            return seen;
          };
          const a = trace(env);
          const b = trace(other);
          expect(b.length).toBe(a.length);
          a.forEach((obs, k) => expect(Buffer.from(obs.buffer).equals(Buffer.from((b[k] as Float32Array).buffer)), `observation ${k} (bar ≤ ${t})`).toBe(true));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('runEpisode evaluates a deterministic policy over a fixed range and returns the ledger', async () => {
    const env = await make(bars);
    const flat = runEpisode(env, () => 0, { startIndex: 1000, endIndex: 1100 });
    expect([flat.steps, flat.ledger.index.length, flat.finalEquity, flat.ruined]).toEqual([100, 100, 10_000, false]);
    expect(flat.ledger.index[0]).toBe(1001);
    expect(flat.ledger.index[99]).toBe(1100);
    const long = env.encodeAction({ kind: 'long', stopBucket: 4, type: 'market' });
    const buyAndHold = runEpisode(env, (_o, mask) => (mask[long] === 1 ? long : 0), { startIndex: 1000, endIndex: 3000 });
    expect(buyAndHold.steps, 'an evaluation episode is never truncated by episodeLength').toBe(2000);
    expect(buyAndHold.ledger.filled[0]).toBe(1);
    expect(buyAndHold.ledger.fillPrice[0]).toBe(bars.open[1001]);
    expect(buyAndHold.totalFees).toBeGreaterThan(0);
    expect(() => runEpisode(env, () => 1, { startIndex: 1000, endIndex: 1010 })).toThrow(/masked/);
  });

  it('VecEnv steps N envs in lockstep on shared buffers with auto-reset', async () => {
    const vec = await createVecEnv({ bars, numEnvs: 8, plugins: [testFeatures(), riskGuard()], env: { window: 16, episodeLength: 50 } });
    vec.reset(5);
    expect(vec.observations.length).toBe(8 * vec.observationSize);
    expect(vec.masks.length).toBe(8 * vec.numActions);
    const single = vec.envs[3] as TradingEnv;
    expect(Array.from(vec.observations.subarray(3 * vec.observationSize, 4 * vec.observationSize))).toEqual(Array.from(single.observation));
    const actions = new Int32Array(8);
    const rng = new Rng(1);
    let truncations = 0;
    for (let s = 0; s < 120; s++) {
      for (let k = 0; k < 8; k++) {
        let a = rng.nextInt(vec.numActions);
        while (vec.masks[k * vec.numActions + a] !== 1) a = (a + 1) % vec.numActions;
        actions[k] = a;
      }
      vec.step(actions);
      for (let k = 0; k < 8; k++) {
        truncations += vec.truncated[k] as number;
        expect(Number.isFinite(vec.rewards[k] as number)).toBe(true);
      }
    }
    expect(truncations, 'episodes of 50 steps end and restart').toBeGreaterThanOrEqual(16);
    expect((vec.envs[0] as TradingEnv).done, 'auto-reset leaves no env finished').toBe(false);
    const masked = new Int32Array(8).fill(0);
    masked[2] = 1;
    vec.reset(6);
    const before = Array.from(vec.envs, (e) => e.index);
    expect(() => vec.step(masked), 'close is masked in a fresh (flat) env').toThrow(/env 2: action 1 is masked/);
    expect(Array.from(vec.envs, (e) => e.index), 'a refused batch steps no env').toEqual(before);
  });
});
