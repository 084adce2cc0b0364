import { AGENT, type PolicyMetrics, type RunMetrics } from '@tradecore/sdk';
import { SweepError } from './errors.ts';
import type { SweepPlan } from './plan.ts';

/** How a trial ended, as the summary records it. */
export type TrialOutcome = { readonly status: 'complete'; readonly metrics: RunMetrics } | { readonly status: 'failed'; readonly error: string };

export interface Stat {
  readonly mean: number;
  /** Sample standard deviation over seeds (n − 1); null with fewer than two seeds. */
  readonly std: number | null;
  readonly n: number;
}

export interface SummaryTrialRow {
  readonly id: string;
  readonly setting: string;
  readonly seed: number;
  readonly values: Readonly<Record<string, unknown>>;
  readonly status: 'complete' | 'failed' | 'missing';
  readonly error?: string;
  /** Test-split metrics per policy (agent and baselines), means over folds as in the run's metrics.json. */
  readonly metrics?: Readonly<Record<string, PolicyMetrics>>;
}

export interface SummarySettingRow {
  readonly id: string;
  readonly values: Readonly<Record<string, unknown>>;
  readonly trials: readonly string[];
  readonly complete: number;
  /** Per policy, per metric: mean ± std over the setting's complete seeds. */
  readonly metrics: Readonly<Record<string, Readonly<Record<string, Stat>>>>;
}

/** `summary.json`: deterministic — the same trials give the same bytes, wherever and however they ran. */
export interface SweepSummary {
  readonly format: 'tradecore-sweep-summary/1';
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

export function stat(values: readonly number[]): Stat {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const std = n < 2 ? null : Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  return { mean, std, n };
}

/** The sweep's summary from what each trial returned; trials without an outcome are `missing`. */
export function buildSummary(plan: SweepPlan, outcomes: ReadonlyMap<string, TrialOutcome>): SweepSummary {
  const { spec } = plan;
  const settingsById = new Map(plan.settings.map((s) => [s.id, s]));
  const trials: SummaryTrialRow[] = plan.trials.map((t) => {
    const o = outcomes.get(t.trialId);
    const base = { id: t.trialId, setting: t.setting, seed: t.seed, values: settingsById.get(t.setting)?.values ?? {} };
    if (!o) return { ...base, status: 'missing' };
    return o.status === 'complete' ? { ...base, status: 'complete', metrics: o.metrics.policies } : { ...base, status: 'failed', error: o.error };
  });
  const settings: SummarySettingRow[] = plan.settings.map((s) => {
    const rows = trials.filter((t) => t.setting === s.id);
    const complete = rows.filter((t) => t.status === 'complete' && t.metrics);
    const metrics: Record<string, Record<string, Stat>> = {};
    if (complete.length > 0) {
      for (const policy of Object.keys(complete[0]!.metrics!)) {
        const keys = Object.keys(complete[0]!.metrics![policy]!) as (keyof PolicyMetrics)[];
        metrics[policy] = Object.fromEntries(keys.map((k) => [k, stat(complete.map((t) => t.metrics![policy]![k]))]));
      }
    }
    return { id: s.id, values: s.values, trials: rows.map((t) => t.id), complete: complete.length, metrics };
  });
  const first = settings.find((s) => s.metrics[AGENT]);
  if (first && !(spec.metric in first.metrics[AGENT]!)) {
    throw new SweepError(`--metric ${spec.metric}: not a metric of the runs (known: ${Object.keys(first.metrics[AGENT]!).join(', ')})`);
  }
  let best: SweepSummary['best'] = null;
  for (const s of settings) {
    const st = s.metrics[AGENT]?.[spec.metric];
    if (!st || !Number.isFinite(st.mean)) continue;
    if (!best || (spec.goal === 'max' ? st.mean > best.stat.mean : st.mean < best.stat.mean)) best = { setting: s.id, values: s.values, stat: st };
  }
  return {
    format: 'tradecore-sweep-summary/1',
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
