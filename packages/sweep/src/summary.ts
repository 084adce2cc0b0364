import { AGENT, type ExcessReturnInterval, type PolicyResult, type ResultWarning, type RunMetrics } from '@tradecore/sdk';
import { SweepError } from './errors.ts';
import type { SweepPlan } from './plan.ts';

/** How a trial ended, as the summary records it. */
export type TrialOutcome = { readonly status: 'complete'; readonly metrics: RunMetrics } | { readonly status: 'failed'; readonly error: string };

export interface Stat {
  /** Mean over the seeds where the metric has a value; null when it has none (e.g. winRate without a closed trade). */
  readonly mean: number | null;
  /** Sample standard deviation over those seeds (n − 1); null with fewer than two. */
  readonly std: number | null;
  /** Seeds with a value (a setting's `complete` minus the seeds where the metric is null). */
  readonly n: number;
}

export interface SummaryTrialRow {
  readonly id: string;
  readonly setting: string;
  readonly seed: number;
  readonly values: Readonly<Record<string, unknown>>;
  readonly status: 'complete' | 'failed' | 'missing';
  readonly error?: string;
  /** Test-split metrics per policy (agent and baselines) as in the run's metrics.json (folds chained). */
  readonly metrics?: Readonly<Record<string, PolicyResult>>;
  /** The run's reasons not to read the agent's result as skill (metrics.json `warnings`). */
  readonly warnings?: readonly ResultWarning[];
  /** The random baseline's total return over its seeds: 5th, 50th and 95th percentile. */
  readonly randomSpread?: RunMetrics['randomSpread'];
  /** The agent's excess return over each baseline with its 95 % interval. */
  readonly significance?: Readonly<Record<string, ExcessReturnInterval>>;
}

export interface SummarySettingRow {
  readonly id: string;
  readonly values: Readonly<Record<string, unknown>>;
  readonly trials: readonly string[];
  readonly complete: number;
  /** Per policy, per numeric metric: mean ± std over the setting's complete seeds (nulls left out). */
  readonly metrics: Readonly<Record<string, Readonly<Record<string, Stat>>>>;
  /** Per warning kind, how many of the setting's complete trials carry it. */
  readonly warnings: Readonly<Record<string, number>>;
}

/** `summary.json`: deterministic — the same trials give the same bytes, wherever and however they ran. */
export interface SweepSummary {
  readonly format: 'tradecore-sweep-summary/2';
  readonly sweep: string;
  readonly config: string;
  readonly dataset: string;
  readonly grid: Readonly<Record<string, readonly unknown[]>>;
  readonly random?: SweepPlan['spec']['random'];
  readonly seeds: readonly number[];
  readonly base: readonly string[];
  readonly selection: {
    readonly metric: string;
    readonly goal: 'max' | 'min';
    readonly policy: typeof AGENT;
    readonly split: 'test';
    readonly warning: string;
    readonly alternatives: readonly string[];
  };
  readonly counts: { readonly trials: number; readonly complete: number; readonly failed: number; readonly missing: number };
  readonly best: { readonly setting: string; readonly values: Readonly<Record<string, unknown>>; readonly stat: Stat } | null;
  readonly settings: readonly SummarySettingRow[];
  readonly trials: readonly SummaryTrialRow[];
}

export const SELECTION_WARNING =
  'The best setting is chosen on the same test split its score is reported on: that is selection bias — the more settings a sweep tries, ' +
  'the more its best score overstates what the setting will earn on new data. Treat it as a candidate, not a result.';

export const SELECTION_ALTERNATIVES = [
  'Choose on data the final score never sees: sweep on a config whose dataset (or run.split) ends before a held-out period, then run only the chosen setting once on that period.',
  'Use walk-forward evaluation (run.split.walkForwardFolds = n): every setting is scored on several later periods, and a setting that wins only one is exposed.',
  'Report the spread: compare the best mean with the std over seeds and with the baselines of the same trials before trusting a difference.',
];

/** Mean ± sample std of the values that are numbers; nulls (undefined metrics) are left out. */
export function stat(all: readonly (number | null)[]): Stat {
  const values = all.filter((v): v is number => v !== null);
  const n = values.length;
  if (n === 0) return { mean: null, std: null, n };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const std = n < 2 ? null : Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  return { mean, std, n };
}

/** The metrics of a policy that are numbers (or null where undefined), i.e. everything but `behaviour`. */
function numericKeys(policy: PolicyResult): string[] {
  return Object.entries(policy)
    .filter(([, v]) => typeof v === 'number' || v === null)
    .map(([k]) => k);
}

/**
 * Whether setting value `a` ranks before `b` for `goal`. A null mean (the metric is undefined for every
 * seed) or a non-finite one ranks last, whatever the goal.
 */
export function ranksBefore(a: number | null | undefined, b: number | null | undefined, goal: 'max' | 'min'): boolean {
  const ok = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
  if (!ok(a)) return false;
  if (!ok(b)) return true;
  return goal === 'max' ? a > b : a < b;
}

/** The sweep's summary from what each trial returned; trials without an outcome are `missing`. */
export function buildSummary(plan: SweepPlan, outcomes: ReadonlyMap<string, TrialOutcome>): SweepSummary {
  const { spec } = plan;
  const settingsById = new Map(plan.settings.map((s) => [s.id, s]));
  const trials: SummaryTrialRow[] = plan.trials.map((t) => {
    const o = outcomes.get(t.trialId);
    const base = { id: t.trialId, setting: t.setting, seed: t.seed, values: settingsById.get(t.setting)?.values ?? {} };
    if (!o) return { ...base, status: 'missing' };
    if (o.status === 'failed') return { ...base, status: 'failed', error: o.error };
    const m = o.metrics;
    return { ...base, status: 'complete', metrics: m.policies, warnings: m.warnings, randomSpread: m.randomSpread, significance: m.significance };
  });
  const settings: SummarySettingRow[] = plan.settings.map((s) => {
    const rows = trials.filter((t) => t.setting === s.id);
    const complete = rows.filter((t) => t.status === 'complete' && t.metrics);
    const metrics: Record<string, Record<string, Stat>> = {};
    if (complete.length > 0) {
      for (const policy of Object.keys(complete[0]!.metrics!)) {
        const keys = numericKeys(complete[0]!.metrics![policy]!);
        const value = (t: SummaryTrialRow, k: string) => {
          const v = (t.metrics![policy] as unknown as Readonly<Record<string, unknown>> | undefined)?.[k];
          return typeof v === 'number' ? v : null;
        };
        metrics[policy] = Object.fromEntries(keys.map((k) => [k, stat(complete.map((t) => value(t, k)))]));
      }
    }
    const warnings: Record<string, number> = {};
    for (const t of complete) for (const kind of new Set((t.warnings ?? []).map((w) => w.kind))) warnings[kind] = (warnings[kind] ?? 0) + 1;
    return { id: s.id, values: s.values, trials: rows.map((t) => t.id), complete: complete.length, metrics, warnings };
  });
  const first = settings.find((s) => s.metrics[AGENT]);
  if (first && !(spec.metric in first.metrics[AGENT]!)) {
    throw new SweepError(`--metric ${spec.metric}: not a metric of the runs (known: ${Object.keys(first.metrics[AGENT]!).join(', ')})`);
  }
  let best: SweepSummary['best'] = null;
  for (const s of settings) {
    const st = s.metrics[AGENT]?.[spec.metric];
    if (st && ranksBefore(st.mean, best?.stat.mean, spec.goal)) best = { setting: s.id, values: s.values, stat: st };
  }
  return {
    format: 'tradecore-sweep-summary/2',
    sweep: plan.id,
    config: plan.configFile,
    dataset: plan.dataset,
    grid: spec.grid,
    ...(spec.random ? { random: spec.random } : {}),
    seeds: spec.seeds,
    base: spec.base,
    selection: { metric: spec.metric, goal: spec.goal, policy: AGENT, split: 'test', warning: SELECTION_WARNING, alternatives: SELECTION_ALTERNATIVES },
    counts: {
      trials: trials.length,
      complete: trials.filter((t) => t.status === 'complete').length,
      failed: trials.filter((t) => t.status === 'failed').length,
      missing: trials.filter((t) => t.status === 'missing').length,
    },
    best,
    settings,
    trials,
  };
}

export function summaryJson(summary: SweepSummary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}

/**
 * The settings best first by the agent's chosen metric (mean over seeds); settings where it is null or
 * missing come last, in plan order.
 */
export function rankedSettings(summary: SweepSummary): SummarySettingRow[] {
  const { metric, goal } = summary.selection;
  const mean = (s: SummarySettingRow) => s.metrics[AGENT]?.[metric]?.mean;
  return summary.settings
    .map((s, index) => ({ s, index }))
    .sort((a, b) => (ranksBefore(mean(a.s), mean(b.s), goal) ? -1 : ranksBefore(mean(b.s), mean(a.s), goal) ? 1 : a.index - b.index))
    .map(({ s }) => s);
}
