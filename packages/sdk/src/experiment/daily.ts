const DAY_MS = 86_400_000;

/** Returns of each UTC calendar day of an equity series. */
export interface DailyReturns {
  /** UTC midnight (epoch ms) of each day. */
  readonly day: Float64Array;
  /** Equity at the last step of the day / equity at the end of the previous day (the initial equity for the first) − 1. */
  readonly returns: Float64Array;
}

/**
 * Groups an episode's steps by the UTC day of their bar and returns one return per day. A step's
 * equity is at its bar's close; partial first and last days count as days.
 */
export function dailyReturns(time: ArrayLike<number>, equity: ArrayLike<number>, initialEquity: number): DailyReturns {
  const days: number[] = [];
  const returns: number[] = [];
  let base = initialEquity;
  for (let i = 0; i < equity.length; i++) {
    const day = Math.floor(time[i]! / DAY_MS) * DAY_MS;
    const lastOfDay = i === equity.length - 1 || Math.floor(time[i + 1]! / DAY_MS) * DAY_MS !== day;
    if (lastOfDay) {
      const e = equity[i]!;
      days.push(day);
      returns.push(base > 0 ? e / base - 1 : 0);
      base = e;
    }
  }
  return { day: Float64Array.from(days), returns: Float64Array.from(returns) };
}

/** √365: daily figures of a market that trades every day of the year. */
export const DAILY_ANNUALISATION = Math.sqrt(365);

/** Mean / sample standard deviation of daily returns × √365; 0 with fewer than two days or no variation. */
export function dailySharpe(returns: ArrayLike<number>): number {
  const n = returns.length;
  if (n < 2) return 0;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += returns[i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (returns[i]! - mean) ** 2;
  const std = Math.sqrt(ss / (n - 1));
  return std > 0 ? (mean / std) * DAILY_ANNUALISATION : 0;
}

/** Mean daily return / downside deviation (√ of the mean of min(r, 0)² over all days) × √365; 0 without a losing day. */
export function dailySortino(returns: ArrayLike<number>): number {
  const n = returns.length;
  if (n < 2) return 0;
  let sum = 0;
  let downSq = 0;
  for (let i = 0; i < n; i++) {
    const r = returns[i]!;
    sum += r;
    if (r < 0) downSq += r * r;
  }
  const downside = Math.sqrt(downSq / n);
  return downside > 0 ? (sum / n / downside) * DAILY_ANNUALISATION : 0;
}
