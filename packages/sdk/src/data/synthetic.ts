import type { Bars } from '../features/types.ts';
import { type MutableBars, allocateBars, isoTime } from './bars.ts';
import { DataError } from './errors.ts';
import type { SyntheticGeneratorInfo } from './manifest.ts';
import { Rng } from './_rng.ts';
import { parseIsoTime } from './csv.ts';
import { parseTimeframe } from './timeframe.ts';

export interface SyntheticOptions {
  /** 32-bit unsigned seed; the same seed and options give bit-identical bars. */
  seed: number;
  days: number;
  /** First bar's open time (ISO 8601 or epoch ms), aligned down to the timeframe. Default 2024-01-01T00:00:00Z. */
  start?: string | number;
  /** Default `1m`. */
  timeframe?: string;
  /** Default 42,000 (a BTC-like level). */
  startPrice?: number;
  /** Long-run annualised volatility of log returns. Default 0.6. */
  annualVolatility?: number;
}

/** Bump when the algorithm changes: a manifest's generator version says which algorithm made it. */
export const SYNTHETIC_GENERATOR_VERSION = 2;

const YEAR_MS = 365 * 86_400_000;
const DAY_MS = 86_400_000;
/** Student-t degrees of freedom of the return shocks: kurtosis well above a normal's. */
const SHOCK_DOF = 4;
/** GARCH(1,1) on the variance multiplier: persistence α + β = 0.997 gives clusters of hours. */
const GARCH_ALPHA = 0.012;
const GARCH_BETA = 0.985;
const BASE_VOLUME_PER_MINUTE = 12;
const MEAN_TRADE_SIZE = 0.05;

const round = (x: number, scale: number) => Math.round(x * scale) / scale;

/**
 * Maximum of a Brownian bridge from 0 to `end` with variance `sigma²` over the bar, drawn from its exact
 * distribution: (end + √(end² − 2σ² ln U)) / 2. Drawing the wicks from the path that produced the close (a
 * down bar's low lies near its close) keeps resting limit orders adversely selected, as on a real market;
 * wicks drawn independently of the close would hand a limit-order policy a free edge.
 */
function bridgeExtreme(end: number, sigma: number, u: number): number {
  return (end + Math.sqrt(end * end - 2 * sigma * sigma * Math.log(u === 0 ? Number.MIN_VALUE : u))) / 2;
}

/** Intraday activity by UTC hour: busiest in the Europe/US overlap, quiet in the late US evening; weekends calmer. */
function activity(time: number): number {
  const hour = (time % DAY_MS) / 3_600_000;
  const weekday = new Date(time).getUTCDay();
  const weekend = weekday === 0 || weekday === 6 ? 0.7 : 1;
  return weekend * (1 + 0.35 * Math.cos((2 * Math.PI * (hour - 15)) / 24) + 0.1 * Math.cos((4 * Math.PI * (hour - 9)) / 24));
}

function resolveOptions(options: SyntheticOptions) {
  const { seed, days } = options;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new DataError(`synthetic: seed must be an integer in 0..4294967295, got ${seed}`);
  if (!(days > 0) || !Number.isFinite(days)) throw new DataError(`synthetic: days must be a positive number, got ${days}`);
  const tf = parseTimeframe(options.timeframe ?? '1m');
  const startRaw = options.start ?? '2024-01-01T00:00:00Z';
  const startMs = typeof startRaw === 'number' ? startRaw : parseIsoTime(startRaw);
  if (!Number.isFinite(startMs)) throw new DataError(`synthetic: start "${startRaw}" is not an ISO 8601 time or epoch ms`);
  const startPrice = options.startPrice ?? 42_000;
  const annualVolatility = options.annualVolatility ?? 0.6;
  if (!(startPrice > 0)) throw new DataError(`synthetic: startPrice must be > 0, got ${startPrice}`);
  if (!(annualVolatility > 0)) throw new DataError(`synthetic: annualVolatility must be > 0, got ${annualVolatility}`);
  return { seed, days, tf, start: Math.floor(startMs / tf.ms) * tf.ms, startPrice, annualVolatility };
}

/** The manifest `generator` block describing `options` (defaults filled in). */
export function syntheticGeneratorInfo(options: SyntheticOptions): SyntheticGeneratorInfo {
  const r = resolveOptions(options);
  return {
    name: 'tradecore-synthetic',
    version: SYNTHETIC_GENERATOR_VERSION,
    seed: r.seed,
    params: { days: r.days, start: isoTime(r.start), timeframe: r.tf.label, startPrice: r.startPrice, annualVolatility: r.annualVolatility },
  };
}

/**
 * Seeded synthetic OHLCV bars with the features real crypto data has: GARCH-like volatility
 * clustering, Student-t (fat-tailed) shocks, an intraday and weekly activity pattern in both
 * volatility and volume, volume that rises with absolute returns, trade counts, a buy/sell split
 * that leans with the bar's direction, and rare zero-volume bars. Prices are in cents, volumes in
 * 1e-6 units. Uses its own PRNG only.
 */
export function generateSynthetic(options: SyntheticOptions): Bars {
  const { seed, days, tf, start, startPrice, annualVolatility } = resolveOptions(options);
  const n = Math.floor((days * DAY_MS) / tf.ms);
  const rng = new Rng(seed);
  const bars = allocateBars(n, ['trades', 'buy_volume', 'sell_volume']) as MutableBars;
  const trades = bars.trades as Float64Array;
  const buy = bars.buy_volume as Float64Array;
  const sell = bars.sell_volume as Float64Array;
  const barSigma = annualVolatility * Math.sqrt(tf.ms / YEAR_MS);
  const minutes = tf.ms / 60_000;

  let price = round(startPrice, 100);
  let variance = 1;
  let lastShock = 0;
  for (let i = 0; i < n; i++) {
    const time = start + i * tf.ms;
    const act = activity(time);
    variance = 1 - GARCH_ALPHA - GARCH_BETA + GARCH_ALPHA * variance * lastShock * lastShock + GARCH_BETA * variance;
    const sigma = barSigma * Math.sqrt(variance * act);
    const open = price;
    bars.time[i] = time;
    bars.open[i] = open;

    if (rng.uniform() < 0.0015 / act) {
      // A minute nobody traded: flat bar at the previous close, no volume.
      bars.high[i] = open;
      bars.low[i] = open;
      bars.close[i] = open;
      lastShock = 0;
      continue;
    }
    // Student-t shock = normal × a random scale; the scale is this bar's own volatility, and the path
    // inside the bar is a Brownian bridge with that volatility (so the bar is a martingale path).
    const barScale = rng.studentTScale(SHOCK_DOF);
    const shock = rng.normal() * barScale;
    lastShock = shock;
    const pathSigma = sigma * barScale;
    const logReturn = sigma * shock;
    const close = round(open * Math.exp(logReturn), 100);
    bars.close[i] = close;
    bars.high[i] = Math.max(round(open * Math.exp(bridgeExtreme(logReturn, pathSigma, rng.uniform())), 100), open, close);
    bars.low[i] = Math.min(round(open * Math.exp(-bridgeExtreme(-logReturn, pathSigma, rng.uniform())), 100), open, close);

    const volume = round(
      BASE_VOLUME_PER_MINUTE * minutes * act ** 1.5 * Math.sqrt(variance) * (0.55 + 0.45 * Math.abs(shock)) * Math.exp(0.5 * rng.normal() - 0.125),
      1e6,
    );
    const buyShare = Math.min(0.98, Math.max(0.02, 0.5 + 0.3 * Math.tanh(0.8 * shock) + 0.08 * rng.normal()));
    const buyVolume = round(volume * buyShare, 1e6);
    bars.volume[i] = volume;
    buy[i] = buyVolume;
    sell[i] = round(volume - buyVolume, 1e6);
    trades[i] = volume > 0 ? Math.max(1, rng.poisson(volume / MEAN_TRADE_SIZE)) : 0;
    price = close;
  }
  return bars;
}
