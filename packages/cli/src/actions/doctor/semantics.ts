import { createEngine, createEnv, generateSynthetic, Rng, type Bars, type ColumnName } from '@tradecore/sdk';
import { formatCount } from '../../_cli.ts';
import { close, messageOf, num, type CheckResult } from './checks.ts';
import { EXPECTED_LEDGER, LEDGER_BARS, LEDGER_RISK_GUARD, LEDGER_START_INDEX, LEDGER_TOLERANCE, type ExpectedLedgerRow, type ScriptedAction } from './ledgerCase.ts';
import type { LoadedPlugin } from './plugins.ts';
import { BTC_240, TALIB_252, type ReferenceColumn } from './vectors.ts';

/** The reference tables the indicator checks compare against (the shipped ones unless a test swaps them). */
export interface IndicatorVectors {
  readonly talib: typeof TALIB_252;
  readonly btc: typeof BTC_240;
}

export const SHIPPED_VECTORS: IndicatorVectors = { talib: TALIB_252, btc: BTC_240 };

/** The plugins the self-test needs, or why one could not be loaded. */
export type PluginSet = Readonly<Record<'rsi' | 'atr' | 'bollinger' | 'vwap' | 'zscore' | 'riskGuard', LoadedPlugin | Error>>;

const float64 = (values: readonly (number | null)[]) => Float64Array.from(values, (v) => v ?? Number.NaN);

function barsOf(table: { open: readonly number[]; high: readonly number[]; low: readonly number[]; close: readonly number[]; volume: readonly number[] }, time?: readonly number[]): Bars {
  const length = table.close.length;
  return {
    length,
    time: time ? Float64Array.from(time) : Float64Array.from({ length }, (_, i) => Date.UTC(2024, 0, 1) + i * 60_000),
    open: float64(table.open),
    high: float64(table.high),
    low: float64(table.low),
    close: float64(table.close),
    volume: float64(table.volume),
  };
}

interface Comparison {
  /** Output name, or a prefix followed by `*`. */
  readonly output: string;
  readonly expected: ReferenceColumn;
  /** Absolute tolerance. */
  readonly tolerance: number;
}

interface IndicatorCase {
  readonly plugin: keyof PluginSet;
  readonly options: Record<string, unknown>;
  readonly title: string;
  readonly bars: Bars;
  readonly compare: readonly Comparison[];
}

function indicatorCases(v: IndicatorVectors): IndicatorCase[] {
  const talibBars = barsOf(v.talib);
  const btcBars = barsOf(v.btc, v.btc.time);
  return [
    { plugin: 'rsi', options: { period: 14 }, title: 'RSI 14 (Wilder) vs TA-Lib, 252 bars', bars: talibBars, compare: [{ output: 'rsi_14', expected: v.talib.rsi14, tolerance: 1e-9 }] },
    {
      plugin: 'atr',
      options: { period: 14 },
      title: 'true range and ATR 14 vs TA-Lib, 252 bars',
      bars: talibBars,
      compare: [
        { output: 'tr', expected: v.talib.trange, tolerance: 1e-9 },
        { output: 'atr_*', expected: v.talib.atr14, tolerance: 1e-9 },
      ],
    },
    {
      plugin: 'bollinger',
      options: { period: 20, k: 2 },
      // TA-Lib's σ (E[x²] − E[x]²) is itself off by ~1e-6 here; the middle band (an SMA) is exact.
      title: 'Bollinger 20/2 vs TA-Lib, 252 bars (bands ±1e-5, middle ±1e-9)',
      bars: talibBars,
      compare: [
        { output: 'bb_upper_*', expected: v.talib.bb20Upper, tolerance: 1e-5 },
        { output: 'bb_middle_*', expected: v.talib.bb20Middle, tolerance: 1e-9 },
        { output: 'bb_lower_*', expected: v.talib.bb20Lower, tolerance: 1e-5 },
      ],
    },
    {
      plugin: 'vwap',
      options: { session: true },
      title: 'session VWAP (00:00 UTC) vs exact sums, 240 real BTC/USD 1m bars across midnight',
      bars: btcBars,
      compare: [{ output: 'vwap_*', expected: v.btc.vwapSession, tolerance: 1e-7 }],
    },
    {
      plugin: 'zscore',
      options: { source: 'close', period: 20 },
      title: 'z-score 20 (population σ) vs exact sums, 240 real BTC/USD 1m bars',
      bars: btcBars,
      compare: [{ output: 'zscore_*', expected: v.btc.zscore20, tolerance: 1e-9 }],
    },
  ];
}

function unavailable(group: CheckResult['group'], name: string, error: Error): CheckResult {
  return { group, name, status: 'fail', required: true, detail: `could not load the plugin: ${error.message}`, fix: 'install the @tradecore plugins your project uses (or reinstall @tradecore/cli)' };
}

/** Runs each indicator plugin's batch computation on the reference bars and compares every value. */
export async function checkIndicators(plugins: PluginSet, vectors: IndicatorVectors = SHIPPED_VECTORS): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const c of indicatorCases(vectors)) {
    const loaded = plugins[c.plugin];
    if (loaded instanceof Error) {
      results.push(unavailable('indicators', c.title, loaded));
      continue;
    }
    const name = `${c.title} (${loaded.packageName} ${loaded.version})`;
    try {
      const engine = await createEngine({ plugins: [loaded.create(c.options)], requireRiskGuard: false });
      const definitions = engine.collectFeatures(['time', 'open', 'high', 'low', 'close', 'volume'] as ColumnName[]);
      let firstDifference: string | undefined;
      let compared = 0;
      for (const { output, expected, tolerance } of c.compare) {
        const matches = (n: string) => (output.endsWith('*') ? n.startsWith(output.slice(0, -1)) : n === output);
        const definition = definitions.find((d) => d.outputs.some((o) => matches(o.name)));
        if (!definition) throw new Error(`no output named ${output} (outputs: ${definitions.flatMap((d) => d.outputs.map((o) => o.name)).join(', ')})`);
        const outs = definition.outputs.map(() => new Float64Array(c.bars.length).fill(Number.NaN));
        definition.batch(c.bars, outs);
        const k = definition.outputs.findIndex((o) => matches(o.name));
        const got = outs[k]!;
        for (let i = 0; i < expected.length && !firstDifference; i++) {
          const want = expected[i];
          if (want === null || want === undefined) continue;
          compared++;
          if (!close(got[i]!, want, tolerance)) {
            firstDifference = `${definition.outputs[k]!.name}[${i}]: expected ${num(want)}, got ${num(got[i]!)} (tolerance ±${tolerance})`;
          }
        }
        if (firstDifference) break;
      }
      results.push(
        firstDifference
          ? { group: 'indicators', name, status: 'fail', required: true, detail: 'differs from the reference', firstDifference }
          : { group: 'indicators', name, status: 'pass', required: true, detail: `${compared} values match` },
      );
    } catch (error) {
      results.push({ group: 'indicators', name, status: 'fail', required: true, detail: `failed to run: ${messageOf(error)}` });
    }
  }
  return results;
}

function ledgerBars(): Bars {
  return barsOf({
    open: LEDGER_BARS.map((b) => b[0]),
    high: LEDGER_BARS.map((b) => b[1]),
    low: LEDGER_BARS.map((b) => b[2]),
    close: LEDGER_BARS.map((b) => b[3]),
    volume: LEDGER_BARS.map(() => 10),
  });
}

/** Execution settings the ledger case and the budget property are worked out for (independent of future defaults). */
const EXECUTION = { initialCash: 10_000, takerFeeBps: 5, makerFeeBps: 2, slippageBps: 0, limitOffsetBps: 5, limitTtlBars: 1, postOnly: false, touchFills: false, allowShort: true };
const FEE_RATE = { taker: EXECUTION.takerFeeBps * 1e-4, maker: EXECUTION.makerFeeBps * 1e-4, none: 0 } as const;

/** Plays the scripted episode on the fixed bars and compares the ledger with the hand-worked one, row by row. */
export async function checkLedger(plugins: PluginSet, expected: readonly ExpectedLedgerRow[] = EXPECTED_LEDGER): Promise<CheckResult> {
  const title = 'fixed bars → expected ledger (fills, maker/taker fees, stop exits incl. a gap, sizing, limit expiry)';
  const guard = plugins.riskGuard;
  if (guard instanceof Error) return unavailable('execution', title, guard);
  const name = `${title} (${guard.packageName} ${guard.version})`;
  try {
    const env = await createEnv({ bars: ledgerBars(), plugins: [guard.create({ ...LEDGER_RISK_GUARD })], execution: EXECUTION, env: { window: 1, episodeLength: 100 } });
    env.reset({ startIndex: LEDGER_START_INDEX });
    const encode = (a: ScriptedAction) => env.encodeAction(a as Parameters<typeof env.encodeAction>[0]);
    for (const row of expected) env.step(encode(row.action));
    const c = env.ledger.columns;
    if (env.ledger.length !== expected.length) {
      return { group: 'execution', name, status: 'fail', required: true, detail: 'wrong number of ledger rows', firstDifference: `expected ${expected.length} rows, got ${env.ledger.length}` };
    }
    const fields = ['index', 'submitted', 'filled', 'expired', 'fillPrice', 'qty', 'fee', 'position', 'stop', 'stopTriggered', 'stopGapped', 'equity'] as const;
    for (const [r, want] of expected.entries()) {
      for (const field of fields) {
        const got = c[field][r]!;
        const expectedValue = want[field];
        if (!close(got, expectedValue, LEDGER_TOLERANCE * Math.max(1, Math.abs(expectedValue)))) {
          return { group: 'execution', name, status: 'fail', required: true, detail: 'differs from the worked example', firstDifference: `row ${r} (bar ${want.index}) ${field}: expected ${num(expectedValue)}, got ${num(got)}` };
        }
      }
      // The fee must be the fill's notional times the rate of the fill's type.
      const notional = Math.abs(want.qty) * want.fillPrice;
      const wantFee = want.feeType === 'none' ? 0 : notional * FEE_RATE[want.feeType];
      if (!close(c.fee[r]!, wantFee, 1e-9 * Math.max(1, wantFee))) {
        return { group: 'execution', name, status: 'fail', required: true, detail: 'fee type', firstDifference: `row ${r} (bar ${want.index}) fee: a ${want.feeType} fill of ${num(notional)} pays ${num(wantFee)}, got ${num(c.fee[r]!)}` };
      }
    }
    return { group: 'execution', name, status: 'pass', required: true, detail: `${expected.length} ledger rows × ${fields.length} fields match` };
  } catch (error) {
    return { group: 'execution', name, status: 'fail', required: true, detail: `failed to run: ${messageOf(error)}` };
  }
}

/**
 * The risk guard's promise on random allowed actions over synthetic bars: every entry from flat risks at
 * most `riskPct` of equity at its stop (fees included) within the leverage cap, and every stop exit that
 * does not gap loses at most that budget.
 */
export async function checkGuardBudget(plugins: PluginSet, { steps = 20_000, seed = 1 } = {}): Promise<CheckResult> {
  const title = `risk budget on ${formatCount(steps)} random actions (entries sized within riskPct, stop exits lose ≤ budget)`;
  const guard = plugins.riskGuard;
  if (guard instanceof Error) return unavailable('risk-guard', title, guard);
  const name = `${title} (${guard.packageName} ${guard.version})`;
  const riskPct = 0.01;
  const maxLeverage = 3;
  try {
    const bars = generateSynthetic({ seed, days: 5, timeframe: '1m' });
    const env = await createEnv({ bars, plugins: [guard.create({ riskPct, maxLeverage, stopStepBps: 25 })], execution: EXECUTION, env: { window: 1, episodeLength: 720 } });
    const rng = new Rng(seed);
    let info = env.reset({ seed }).info;
    const mask = env.actionMask();
    const allowed = new Int32Array(env.numActions);
    let entries = 0;
    let exits = 0;
    let cashAtEntry = Number.NaN;
    for (let s = 0; s < steps; s++) {
      let count = 0;
      for (let a = 0; a < env.numActions; a++) if (mask[a] === 1) allowed[count++] = a;
      const action = rng.nextInt(6) === 0 ? allowed[rng.nextInt(count)]! : 0;
      const flatBefore = info.position === 0;
      const positionBefore = info.position;
      const cashBefore = info.cash;
      const result = env.step(action);
      info = result.info;
      const r = env.ledger.length - 1;
      const c = env.ledger.columns;
      if (flatBefore && info.position !== 0) {
        // An entry from flat: equity at the fill is the cash before it.
        entries++;
        cashAtEntry = cashBefore;
        const q = Math.abs(info.position);
        const fill = c.fillPrice[r]!;
        const stop = c.stop[r]!;
        const entryRate = c.fee[r]! / (q * fill);
        const lossAtStop = q * (Math.abs(fill - stop) + fill * entryRate + stop * FEE_RATE.taker);
        if (lossAtStop > riskPct * cashBefore * (1 + 1e-9) || q * fill > maxLeverage * cashBefore * (1 + 1e-9)) {
          return {
            group: 'risk-guard', name, status: 'fail', required: true, detail: 'an entry breaks the budget',
            firstDifference: `step ${s} (bar ${c.index[r]}): ${num(info.position)} at ${num(fill)}, stop ${num(stop)}: loss at the stop ${num(lossAtStop)} > budget ${num(riskPct * cashBefore)} (or notional ${num(q * fill)} > ${maxLeverage} × ${num(cashBefore)})`,
          };
        }
      } else if (!flatBefore && info.position === 0 && c.stopTriggered[r] === 1 && c.stopGapped[r] === 0 && Number.isFinite(cashAtEntry)) {
        exits++;
        const lost = cashAtEntry - info.cash;
        if (lost > riskPct * cashAtEntry * (1 + 1e-9)) {
          return { group: 'risk-guard', name, status: 'fail', required: true, detail: 'a stop exit lost more than the budget', firstDifference: `step ${s} (bar ${c.index[r]}): lost ${num(lost)} > budget ${num(riskPct * cashAtEntry)}` };
        }
      }
      // Flat, or reversed without passing through flat: no entry from flat to measure the next exit against.
      if (info.position === 0 || (!flatBefore && Math.sign(info.position) !== Math.sign(positionBefore))) cashAtEntry = Number.NaN;
      if (result.terminated || result.truncated) info = env.reset().info;
    }
    if (entries === 0 || exits === 0) return { group: 'risk-guard', name, status: 'fail', required: true, detail: `the random walk made ${entries} entries and ${exits} stop exits: nothing to check` };
    return { group: 'risk-guard', name, status: 'pass', required: true, detail: `${formatCount(entries)} entries and ${formatCount(exits)} stop exits within the budget` };
  } catch (error) {
    return { group: 'risk-guard', name, status: 'fail', required: true, detail: `failed to run: ${messageOf(error)}` };
  }
}
