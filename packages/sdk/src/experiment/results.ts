import path from 'node:path';
import { sha256Hex } from '../data/_fs.ts';
import { encodeParquet, type ParquetColumn, type WriteParquetOptions } from '../data/parquet.ts';
import type { ActionSpace } from '../env/actionSpace.ts';
import { deriveSeed } from '../env/rng.ts';
import { LEDGER_COLUMNS, type LedgerColumns } from '../execution/Ledger.ts';
import type { Bars } from '../features/types.ts';
import type { Behaviour } from './behaviour.ts';
import { chainFolds } from './chain.ts';
import { learningCurvesSvg, priceSvg, type Curve } from './charts.ts';
import type { EvaluatedPolicy } from './evaluate.ts';
import { barsPerYear, drawdownSeries, type PolicyMetrics } from './metrics.ts';
import { reportHtml } from './report.ts';
import { bootstrapExcessReturn, percentile, type ExcessReturnInterval } from './significance.ts';
import type { Fold } from './split.ts';
import { equitySvg, SERIES_COLORS, type Series } from './svg.ts';
import { tradesTable, type Trade } from './trades.ts';
import { assessResult, type ResultWarning } from './warnings.ts';
import { EQUITY_SVG, LEDGER_PARQUET, METRICS_JSON, REPORT_HTML, TRADES_PARQUET, writeArchiveFile } from './archive.ts';
import type { WritePoint } from './faults.ts';

export const AGENT = 'agent';
/** Baselines whose excess-return interval including zero is worth a warning. */
const WARN_SIGNIFICANCE = ['buy-and-hold', 'flat'];
/** Seeds of the random baseline's spread. */
export const RANDOM_SPREAD_SEEDS = 20;

/** One fold's evaluation: every policy's test episode and the random baseline's return per seed. */
export interface FoldEvaluation {
  readonly split: Fold;
  readonly policies: readonly EvaluatedPolicy[];
  readonly randomReturns: readonly number[];
}

export type PolicyResult = PolicyMetrics & { readonly behaviour: Behaviour };

/**
 * `metrics.json`. `policies`: each policy over the whole test — with walk-forward folds, the folds
 * chained as the procedure would have run (returns compounded, counts summed); `folds`: each fold's
 * own numbers. No timings (they are in run.json), so equal seeds give equal files.
 */
export interface RunMetrics {
  readonly format: 'tradecore-metrics/2';
  readonly dataset: string;
  readonly seed: number;
  readonly policies: Readonly<Record<string, PolicyResult>>;
  /** The random baseline's total return over {@link RANDOM_SPREAD_SEEDS} seeds: 5th, 50th and 95th percentile. */
  readonly randomSpread: { readonly seeds: number; readonly p05: number; readonly p50: number; readonly p95: number };
  /** The agent's excess return over each baseline with its block-bootstrap 95 % interval. */
  readonly significance: Readonly<Record<string, ExcessReturnInterval>>;
  /** Reasons not to read the agent's result as skill. */
  readonly warnings: readonly ResultWarning[];
  readonly folds: readonly { readonly split: Fold; readonly policies: Readonly<Record<string, PolicyResult>> }[];
}

const withBehaviour = (p: EvaluatedPolicy): PolicyResult => ({ ...p.metrics, behaviour: p.behaviour });

export interface SummaryInput {
  readonly dataset: string;
  readonly seed: number;
  readonly bars: Bars;
  readonly space: ActionSpace;
  readonly folds: readonly FoldEvaluation[];
}

export interface Summary {
  readonly metrics: RunMetrics;
  /** Each policy over the whole test (chained folds), in evaluation order. */
  readonly chained: readonly EvaluatedPolicy[];
}

/** The numbers of a run's evaluation: chained folds, the random spread, significance and warnings. */
export function summarizeEvaluation({ dataset, seed, bars, space, folds }: SummaryInput): Summary {
  const annual = barsPerYear(bars.time);
  const names = folds[0]!.policies.map((p) => p.name);
  const chained = names.map((_, k) => chainFolds(folds.map((f) => f.policies[k]!), space, annual));
  const agent = chained.find((p) => p.name === AGENT);
  const seeds = Math.min(...folds.map((f) => f.randomReturns.length));
  const randomTotals = Array.from({ length: seeds }, (_, s) => folds.reduce((g, f) => g * (1 + f.randomReturns[s]!), 1) - 1);
  const randomSpread = { seeds, p05: percentile(randomTotals, 0.05), p50: percentile(randomTotals, 0.5), p95: percentile(randomTotals, 0.95) };
  const significance: Record<string, ExcessReturnInterval> = {};
  if (agent) {
    chained.forEach((p, k) => {
      if (p.name !== AGENT) significance[p.name] = bootstrapExcessReturn(agent.daily.returns, p.daily.returns, deriveSeed(seed, 400 + k));
    });
  }
  const longest = agent?.trades.reduce<Trade | undefined>((m, t) => (!m || t.barsHeld > m.barsHeld ? t : m), undefined);
  const warnings = agent
    ? assessResult({
        metrics: agent.metrics,
        behaviour: agent.behaviour,
        ...(seeds > 0 ? { randomSpread } : {}),
        excess: Object.fromEntries(Object.entries(significance).filter(([name]) => WARN_SIGNIFICANCE.includes(name))),
        ...(longest ? { longestTrade: `${longest.side === 1 ? 'long' : 'short'} from ${new Date(longest.entryTime).toISOString().slice(0, 16).replace('T', ' ')}, ${longest.barsHeld.toLocaleString('en-US')} bars` } : {}),
      })
    : [];
  return {
    chained,
    metrics: {
      format: 'tradecore-metrics/2',
      dataset,
      seed,
      policies: Object.fromEntries(chained.map((p) => [p.name, withBehaviour(p)])),
      randomSpread,
      significance,
      warnings,
      folds: folds.map((f) => ({ split: f.split, policies: Object.fromEntries(f.policies.map((p) => [p.name, withBehaviour(p)])) })),
    },
  };
}

/** ledger.parquet: the agent's ledger of every fold, with a `fold` column. */
export function ledgerTable(ledgers: readonly { fold: number; ledger: LedgerColumns }[]): Record<string, ParquetColumn> {
  const total = ledgers.reduce((s, l) => s + l.ledger.index.length, 0);
  const columns: Record<string, ParquetColumn> = {};
  const fold = new Int32Array(total);
  let offset = 0;
  for (const l of ledgers) {
    fold.fill(l.fold, offset, offset + l.ledger.index.length);
    offset += l.ledger.index.length;
  }
  columns.fold = fold;
  for (const name of LEDGER_COLUMNS) {
    const first = ledgers[0]!.ledger[name];
    const Ctor = first.constructor as new (n: number) => typeof first;
    const merged = new Ctor(total);
    let at = 0;
    for (const l of ledgers) {
      (merged as { set(a: ArrayLike<number>, o: number): void }).set(l.ledger[name], at);
      at += l.ledger[name].length;
    }
    columns[name] = merged as ParquetColumn;
  }
  return columns;
}

/**
 * Cumulative return (%) and drawdown (%) of each chained policy on one time axis (the longest
 * policy's steps). A policy whose episode ended early (ruin) is aligned by time and held flat
 * after its last step; `ruins` gives, per policy, the axis index of each step where it was ruined.
 */
function equitySeries(chained: readonly EvaluatedPolicy[], folds: readonly FoldEvaluation[]): { time: Float64Array; returns: Series[]; drawdowns: Series[]; ruins: Map<string, number[]> } {
  const longest = chained.reduce((m, p) => (p.ledger.time.length > m.ledger.time.length ? p : m), chained[0]!);
  const time = longest.ledger.time;
  const returns: Series[] = [];
  const drawdowns: Series[] = [];
  const ruins = new Map<string, number[]>();
  chained.forEach((p, k) => {
    const e0 = p.metrics.initialEquity;
    const growth = new Float64Array(time.length);
    const ruinTimes = new Set<number>();
    for (const f of folds) {
      const own = f.policies[k]!;
      if (own.ruined && own.ledger.time.length > 0) ruinTimes.add(own.ledger.time[own.ledger.time.length - 1]!);
    }
    const marks: number[] = [];
    let last = 1;
    let row = 0;
    for (let i = 0; i < time.length; i++) {
      while (row < p.ledger.time.length && p.ledger.time[row]! <= time[i]!) {
        last = p.ledger.equity[row]! / e0;
        if (ruinTimes.has(p.ledger.time[row]!)) marks.push(i);
        row++;
      }
      growth[i] = last;
    }
    if (marks.length > 0) ruins.set(p.name, marks);
    const color = SERIES_COLORS[p.name] ?? '#7c3aed';
    returns.push({ name: p.name, color, values: growth.map((g) => (g - 1) * 100) });
    drawdowns.push({ name: p.name, color, values: drawdownSeries(1, growth).map((d) => -d * 100) });
  });
  return { time, returns, drawdowns, ruins };
}

/** The random baseline is drawn clipped when its worst point is far below every other series (it would squash them). */
export function clippedSeries(returns: readonly Series[]): Set<string> {
  const random = returns.find((s) => s.name === 'random');
  const others = returns.filter((s) => s.name !== 'random');
  if (!random || others.length === 0) return new Set();
  // One loop over every point, not Math.min(...values): a long test split has more points than a call takes arguments.
  let floor = Infinity;
  let ceiling = -Infinity;
  for (const { values } of others) {
    for (let i = 0; i < values.length; i++) {
      floor = Math.min(floor, values[i] as number);
      ceiling = Math.max(ceiling, values[i] as number);
    }
  }
  let worst = Infinity;
  for (let i = 0; i < random.values.length; i++) worst = Math.min(worst, random.values[i] as number);
  return worst < floor - Math.max(1, ceiling - floor) ? new Set(['random']) : new Set();
}

const CURVES: readonly [string, string][] = [
  ['meanEpisodeReturn', 'Mean episode return'],
  ['policyLoss', 'Policy loss'],
  ['valueLoss', 'Value loss'],
  ['entropy', 'Entropy'],
  ['approxKl', 'Approx. KL'],
  ['clipFraction', 'Clip fraction'],
];

/** Learning curves from train.parquet's columns (those a trainer reported). */
export function curvesFrom(columns: Readonly<Record<string, ArrayLike<number>>>): Curve[] {
  const fold = columns.fold;
  const steps = columns.steps;
  if (!fold || !steps || fold.length === 0) return [];
  const folds = [...new Set(Array.from(fold))].sort((a, b) => a - b);
  return CURVES.filter(([key]) => columns[key]).map(([key, title]) => ({
    title,
    folds: folds.map((f) => {
      const rows = Array.from({ length: fold.length }, (_, i) => i).filter((i) => fold[i] === f);
      return { fold: f, steps: Float64Array.from(rows, (i) => steps[i]!), values: Float64Array.from(rows, (i) => columns[key]![i]!) };
    }),
  }));
}

export interface ArchiveInput extends SummaryInput {
  readonly runDir: string;
  readonly id: string;
  readonly backend: string;
  readonly synthetic: boolean;
  readonly trainSteps: number;
  readonly trainSeconds: number;
  /** train.parquet's columns, when the run kept training curves. */
  readonly trainColumns?: Readonly<Record<string, ArrayLike<number>>>;
}

/** Writes one archive file atomically (marked for the crash tests) and returns its sha256. */
async function archive(file: string, data: string | Uint8Array, point?: WritePoint): Promise<string> {
  await writeArchiveFile(file, data, point);
  return sha256Hex(typeof data === 'string' ? Buffer.from(data) : data);
}

async function archiveParquet(file: string, columns: Record<string, ParquetColumn>, options: WriteParquetOptions, point?: WritePoint): Promise<string> {
  return archive(file, await encodeParquet(columns, options, file), point);
}

/** Writes metrics.json, ledger.parquet, trades.parquet, equity.svg and report.html; returns the numbers and each file's sha256. */
export async function writeEvaluation(input: ArchiveInput): Promise<{ metrics: RunMetrics; files: Record<string, string>; reportPath: string; metricsPath: string }> {
  const { metrics, chained } = summarizeEvaluation(input);
  const { runDir, folds, bars } = input;
  const metricsPath = path.join(runDir, METRICS_JSON);
  const metricsSha = await archive(metricsPath, `${JSON.stringify(metrics, null, 2)}\n`, 'metrics');
  const agentOf = (f: FoldEvaluation) => f.policies.find((p) => p.name === AGENT)!;
  const ledgerSha = await archiveParquet(path.join(runDir, LEDGER_PARQUET), ledgerTable(folds.map((f) => ({ fold: f.split.fold, ledger: agentOf(f).ledger }))), { timestampMs: ['time'] }, 'ledger');
  const tradesSha = await archiveParquet(path.join(runDir, TRADES_PARQUET), tradesTable(folds.map((f) => ({ fold: f.split.fold, trades: agentOf(f).trades }))), { timestampMs: ['entryTime', 'exitTime'] });
  const chart = equitySeries(chained, folds);
  const boundaries = folds.slice(1).map((f) => chart.time.findIndex((t) => t >= bars.time[f.split.testStart]!));
  const svg = equitySvg(chart.time, chart.returns, chart.drawdowns, { clipped: clippedSeries(chart.returns), boundaries, ruins: chart.ruins });
  const svgSha = await archive(path.join(runDir, EQUITY_SVG), svg);
  const agentTrades = folds.flatMap((f) => agentOf(f).trades.map((t) => ({ ...t, fold: f.split.fold })));
  const firstBar = Math.min(...folds.map((f) => agentOf(f).ledger.index[0] ?? f.split.testStart));
  const lastBar = Math.max(...folds.map((f) => f.split.testEnd));
  const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
  const reportPath = path.join(runDir, REPORT_HTML);
  await archive(
    reportPath,
    reportHtml({
      id: input.id,
      title: `TradeCore run ${input.id}`,
      seed: input.seed,
      backend: input.backend,
      dataset: input.dataset,
      synthetic: input.synthetic,
      splits: folds.map(({ split: s }) => ({ fold: s.fold, trainBars: s.trainEnd - s.trainStart + 1, testBars: s.testEnd - s.testStart + 1, testFrom: iso(bars.time[s.testStart]!), testTo: iso(bars.time[s.testEnd]!) })),
      policies: metrics.policies,
      folds: metrics.folds.map((f) => f.policies),
      warnings: metrics.warnings,
      significance: metrics.significance,
      randomSpread: metrics.randomSpread,
      trades: agentTrades,
      equitySvg: svg,
      priceSvg: priceSvg({ bars, from: firstBar, to: lastBar, trades: agentTrades, boundaries: folds.slice(1).map((f) => f.split.testStart) }),
      curvesSvg: curvesSvgOf(input.trainColumns),
      trainSteps: input.trainSteps,
      trainSeconds: input.trainSeconds,
    }),
    'report',
  );
  return {
    metrics,
    metricsPath,
    reportPath,
    files: {
      [METRICS_JSON]: metricsSha,
      [LEDGER_PARQUET]: ledgerSha,
      [TRADES_PARQUET]: tradesSha,
      [EQUITY_SVG]: svgSha,
    },
  };
}

function curvesSvgOf(columns: Readonly<Record<string, ArrayLike<number>>> | undefined): string {
  const curves = columns ? curvesFrom(columns) : [];
  return curves.length > 0 ? learningCurvesSvg(curves) : '';
}
