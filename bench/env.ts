// `pnpm bench env`: random-action steps/s of TradingEnv and VecEnv (N = 64) against a naive
// object-per-step implementation of the same rules, in the same process, on the same bars.
import { performance } from 'node:perf_hooks';

/** Wall-clock and CPU-time rates: on a shared machine the CPU-time rate is the steadier figure. */
interface Rate {
  wall: number;
  cpu: number;
}

function clock() {
  return { wall: performance.now(), cpu: process.cpuUsage() };
}

function rate(count: number, start: ReturnType<typeof clock>): Rate {
  const wall = (performance.now() - start.wall) / 1000;
  const used = process.cpuUsage(start.cpu);
  return { wall: count / wall, cpu: count / ((used.user + used.system) / 1e6) };
}
import { riskGuard } from '@tradecore/plugin-risk-guard';
import { rsiPlugin } from '@tradecore/plugin-rsi';
import { zscorePlugin } from '@tradecore/plugin-zscore';
import { createEnv, createVecEnv, generateSynthetic, Rng, type Bars, type TradingEnv, type VecEnv } from '@tradecore/sdk';

const WINDOW = 16;
const EPISODE = 1440;
const VEC_ENVS = 64;
const RANDOM_SIZE = 1 << 20;

/** Pre-drawn random numbers, so the benchmark does not time the generator. */
function randomInts(seed: number): Int32Array {
  const rng = new Rng(seed);
  const out = new Int32Array(RANDOM_SIZE);
  for (let k = 0; k < RANDOM_SIZE; k++) out[k] = rng.nextU32() >>> 1;
  return out;
}

/** Allowed actions per position state (flat, long, short), built from the env's own masks. */
function allowedByState(env: TradingEnv): Int32Array[] {
  const lists: Int32Array[] = [];
  const mask = env.actionMask();
  for (const state of [0, 1, -1]) {
    env.reset({ seed: 0 });
    if (state !== 0) env.step(env.encodeAction({ kind: state === 1 ? 'long' : 'short', stopBucket: 4, type: 'market' }));
    if (Math.sign(env.broker.position) !== state) throw new Error('could not reach the position state for the action lists');
    lists.push(Int32Array.from([...mask.keys()].filter((a) => mask[a] === 1)));
  }
  return lists;
}

function timeSingle(env: TradingEnv, steps: number, random: Int32Array): Rate {
  const lists = allowedByState(env);
  const flat = lists[0] as Int32Array;
  const long = lists[1] as Int32Array;
  const short = lists[2] as Int32Array;
  const broker = env.broker;
  env.reset({ seed: 1 });
  const t0 = clock();
  for (let s = 0; s < steps; s++) {
    const q = broker.position;
    const list = q === 0 ? flat : q > 0 ? long : short;
    const r = env.step(list[(random[s & (RANDOM_SIZE - 1)] as number) % list.length] as number);
    if (r.terminated || r.truncated) env.reset();
  }
  return rate(steps, t0);
}

function timeVec(vec: VecEnv, rounds: number, random: Int32Array, holdOnly = false): Rate {
  const n = vec.numActions;
  const actions = new Int32Array(vec.numEnvs);
  const masks = vec.masks;
  vec.reset(1);
  let r = 0;
  const t0 = clock();
  for (let s = 0; s < rounds; s++) {
    for (let k = 0; k < actions.length; k++) {
      // A random action; a masked pick becomes hold (always allowed).
      const a = holdOnly ? 0 : (random[r++ & (RANDOM_SIZE - 1)] as number) % n;
      actions[k] = masks[k * n + a] === 1 ? a : 0;
    }
    vec.step(actions);
  }
  return rate(rounds * vec.numEnvs, t0);
}

// ---- The naive baseline: the same rules written the usual way, with objects every step. ----

interface NaiveBar {
  open: number;
  high: number;
  low: number;
  close: number;
}
interface NaivePosition {
  qty: number;
  entry: number;
  stop: number;
  bars: number;
}
interface NaiveOrder {
  side: 1 | -1;
  type: 'market' | 'limit';
  k: number;
  price?: number;
}
interface NaiveStep {
  observation: number[];
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: { equity: number; cash: number; position: NaivePosition | null; fee: number };
}

class NaiveEnv {
  bars: NaiveBar[];
  features: number[][];
  cash = 10_000;
  position: NaivePosition | null = null;
  ledger: Record<string, number>[] = [];
  index = 0;
  steps = 0;
  constructor(bars: Bars, features: Float64Array[], readonly minStart: number, readonly rng: Rng) {
    this.bars = Array.from({ length: bars.length }, (_, i) => ({ open: bars.open[i] as number, high: bars.high[i] as number, low: bars.low[i] as number, close: bars.close[i] as number }));
    this.features = Array.from({ length: bars.length }, (_, i) => features.map((f) => f[i] as number));
  }
  equity(price: number) {
    return this.cash + (this.position ? this.position.qty * price : 0);
  }
  observe(): number[] {
    const rows = this.features.slice(this.index - WINDOW + 1, this.index + 1);
    const bar = this.bars[this.index] as NaiveBar;
    const p = this.position;
    const eq = this.equity(bar.close);
    return [...rows.flat(), p ? Math.sign(p.qty) : 0, p ? (p.qty * bar.close) / eq : 0, p ? (p.qty * (bar.close - p.entry)) / eq : 0, p ? (bar.close - p.stop) / bar.close : 0, p ? p.bars / EPISODE : 0, 0];
  }
  reset(): { observation: number[] } {
    this.index = this.minStart + this.rng.nextInt(this.bars.length - EPISODE - this.minStart);
    this.cash = 10_000;
    this.position = null;
    this.ledger = [];
    this.steps = 0;
    return { observation: this.observe() };
  }
  allowed(): number[] {
    const out = [0];
    if (this.position) out.push(1);
    for (let a = 2; a < 18; a++) {
      const side = a < 10 ? 1 : -1;
      if (!this.position || Math.sign(this.position.qty) !== side) out.push(a);
    }
    return out;
  }
  fill(qty: number, price: number, feeRate: number) {
    const fee = Math.abs(qty) * price * feeRate;
    this.cash -= qty * price + fee;
    return fee;
  }
  enter(order: NaiveOrder, price: number, feeRate: number): number {
    const eq = this.equity(price);
    const stop = price * (1 - order.side * order.k * 0.005);
    const perUnit = Math.abs(price - stop) + price * feeRate + stop * 0.0005;
    const qty = Math.floor(Math.min((0.01 * eq) / perUnit, eq / price) / 0.00001) * 0.00001;
    if (qty < 0.00001) return 0;
    this.position = { qty: order.side * qty, entry: price, stop, bars: 0 };
    return this.fill(order.side * qty, price, feeRate);
  }
  step(action: number): NaiveStep {
    const prev = this.bars[this.index] as NaiveBar;
    const bar = this.bars[++this.index] as NaiveBar;
    const before = this.equity(prev.close);
    let fee = 0;
    const order: NaiveOrder | null = action < 2 ? null : { side: action < 10 ? 1 : -1, type: (action - 2) % 2 === 0 ? 'market' : 'limit', k: 1 + Math.floor(((action - 2) % 8) / 2) };
    if ((action === 1 || order) && this.position) {
      fee += this.fill(-this.position.qty, bar.open, 0.0005);
      this.position = null;
    }
    if (order) {
      if (order.type === 'market') fee += this.enter(order, bar.open, 0.0005);
      else {
        order.price = prev.close * (1 - order.side * 0.0005);
        const marketable = order.side === 1 ? bar.open <= order.price : bar.open >= order.price;
        if (marketable) fee += this.enter(order, bar.open, 0.0005);
        else if (order.side === 1 ? bar.low < order.price : bar.high > order.price) fee += this.enter(order, order.price, 0.0002);
      }
    }
    const p = this.position;
    if (p && (p.qty > 0 ? bar.low <= p.stop : bar.high >= p.stop)) {
      const px = p.qty > 0 ? Math.min(bar.open, p.stop) : Math.max(bar.open, p.stop);
      fee += this.fill(-p.qty, px, 0.0005);
      this.position = null;
    }
    if (this.position) this.position.bars++;
    const equity = this.equity(bar.close);
    const reward = Math.log(equity / before);
    this.steps++;
    this.ledger.push({ index: this.index, action, fee, cash: this.cash, equity, reward, position: this.position ? this.position.qty : 0 });
    return {
      observation: this.observe(),
      reward,
      terminated: this.index >= this.bars.length - 1,
      truncated: this.steps >= EPISODE,
      info: { equity, cash: this.cash, position: this.position ? { ...this.position } : null, fee },
    };
  }
}

function timeNaive(env: NaiveEnv, steps: number, random: Int32Array): Rate {
  env.reset();
  const t0 = clock();
  for (let s = 0; s < steps; s++) {
    const allowed = env.allowed();
    const r = env.step(allowed[(random[s & (RANDOM_SIZE - 1)] as number) % allowed.length] as number);
    if (r.terminated || r.truncated) env.reset();
  }
  return rate(steps, t0);
}

const fmt = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);

export async function run(): Promise<string> {
  const bars = generateSynthetic({ seed: 1, days: 140 });
  const plugins = [zscorePlugin({ period: 20 }), rsiPlugin({ period: 14 }), riskGuard()];
  const options = { bars, plugins, env: { window: WINDOW, episodeLength: EPISODE }, };
  const env = await createEnv({ ...options, seed: 1 });
  const vec = await createVecEnv({ ...options, numEnvs: VEC_ENVS, seed: 1 });
  const naive = new NaiveEnv(bars, env.context.store.normalized as Float64Array[], env.context.minStart, new Rng(1));
  const random = randomInts(42);

  // Warm up the JIT on every path, then take the best of three timed runs of each.
  timeSingle(env, 300_000, random);
  timeVec(vec, 5_000, random);
  timeNaive(naive, 50_000, random);
  const best = (f: () => Rate): Rate => {
    const runs = [f(), f(), f()];
    return { wall: Math.max(...runs.map((r) => r.wall)), cpu: Math.max(...runs.map((r) => r.cpu)) };
  };
  const single = best(() => timeSingle(env, 3_000_000, random));
  const vecRate = best(() => timeVec(vec, 50_000, random));
  const naiveRate = best(() => timeNaive(naive, 300_000, random));
  const holdRate = best(() => timeVec(vec, 50_000, random, true));
  const row = (name: string, r: Rate, goal: string) =>
    `| ${name} | ${fmt(r.wall)} | ${fmt(r.cpu)} | ${(r.cpu / naiveRate.cpu).toFixed(1)}× | ${goal} |`;

  const lines = [
    '## Env step throughput (bench/env.ts)',
    '',
    `${bars.length.toLocaleString('en-US')} synthetic 1m bars (generateSynthetic seed 1, 140 days), features zscore(20) + rsi(14), window ${WINDOW} → observation of ${env.observationSize} float32, Discrete(${env.numActions}), riskGuard() defaults, episodes of ${EPISODE} steps with auto-reset. Random actions among the allowed ones, from a pre-generated Int32Array. TradingEnv writes a ledger row every step; VecEnv runs with its default \`recordLedger: false\`. Best of 3 runs after a JIT warm-up; "per CPU-s" divides by the process's CPU time, steadier than wall time on a shared machine.`,
    '',
    '| implementation | steps/s (wall) | steps per CPU-s | vs naive (CPU) | goal |',
    '|---|---:|---:|---:|---:|',
    row('TradingEnv, 1 env', single, '5 M'),
    row(`VecEnv, N = ${VEC_ENVS} (aggregate)`, vecRate, '20 M'),
    row('naive object-per-step env (same rules)', naiveRate, '—'),
    row(`VecEnv, N = ${VEC_ENVS}, every action hold (no orders; reference)`, holdRate, '—'),
    '',
  ];
  return lines.join('\n');
}
