import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../data/_fs.ts';
import { readDataset } from '../data/lake.ts';
import { writeParquetTable, type ParquetColumn } from '../data/parquet.ts';
import type { UserConfig } from '../config/defineConfig.ts';
import { INLINE_CONFIG } from '../config/resolveConfig.ts';
import { prepareRun } from '../setup/prepareRun.ts';
import { deriveSeed } from '../env/rng.ts';
import { createVecEnv } from '../env/VecEnv.ts';
import type { Policy } from '../env/types.ts';
import { TradecoreError } from '../errors.ts';
import { LEDGER_COLUMNS, type LedgerColumns } from '../execution/Ledger.ts';
import type { EngineHooks } from '../plugin/hooks.ts';
import {
  CHECKPOINTS_DIR,
  CONFIG_JSON,
  EQUITY_SVG,
  LEDGER_PARQUET,
  METRICS_JSON,
  MODEL_DIR,
  newRunId,
  readRunRecord,
  REPORT_HTML,
  resolveRunDir,
  RunArchiveError,
  writeJson,
  writeRunRecord,
  type RunRecord,
} from './archive.ts';
import { buyAndHoldPolicy, flatPolicy, randomPolicy } from './baselines.ts';
import { evaluatePolicies, type EvaluatedPolicy } from './evaluate.ts';
import { drawdownSeries, type PolicyMetrics } from './metrics.ts';
import { reportHtml } from './report.ts';
import type { Fold } from './split.ts';
import { equitySvg, SERIES_COLORS, type Series } from './svg.ts';
import type { TrainerDefinition, TrainerSession, TrainProgress } from './types.ts';
import { sdkVersion } from './_versions.ts';

/** What `runExperiment` reports while it works (the CLI prints these as a progress bar or JSON lines). */
export type RunEvent =
  | { readonly type: 'start'; readonly id: string; readonly dir: string; readonly seed: number; readonly resumed: boolean; readonly configFile: string }
  | { readonly type: 'stage'; readonly stage: 'data' | 'split' | 'train' | 'evaluate' | 'archive'; readonly message: string }
  | { readonly type: 'backend'; readonly backend: string; readonly report: readonly { backend: string; status: string; reason: string }[] }
  | ({ readonly type: 'progress'; readonly fold: number; readonly folds: number; readonly etaSeconds: number } & TrainProgress)
  | { readonly type: 'log'; readonly message: string }
  | { readonly type: 'complete'; readonly id: string; readonly dir: string; readonly report: string; readonly metrics: string; readonly seconds: number }
  | { readonly type: 'failed'; readonly id: string; readonly dir: string; readonly error: string };

export interface RunExperimentOptions {
  readonly cwd?: string;
  /** Config file; searched for from `cwd` when omitted. */
  readonly configFile?: string;
  /** An in-memory config instead of a file (programmatic use, tests); `resume` then needs it again. */
  readonly config?: UserConfig;
  /** Folder receiving `<id>/` (relative to `cwd`); default the config's `run.out`, relative to the config file. */
  readonly out?: string;
  readonly seed?: number;
  /** `key.path=value` overrides of the config, e.g. `trainer.totalSteps=20000`. */
  readonly set?: readonly string[];
  /** A run folder or id to continue from its last checkpoint. */
  readonly resume?: string;
  /** A run folder (or an id under `out`): run again from its archived `config.json` (same seed, same plugins, same options). */
  readonly from?: string;
  /** Data folder, relative to `cwd`; replaces the config's `dataDir` (the CLI's `--data`). */
  readonly dataDir?: string;
  readonly onEvent?: (event: RunEvent) => void;
  /** Aborting stops training after the current update and marks the run failed. */
  readonly signal?: AbortSignal;
}

export interface RunResult {
  readonly id: string;
  readonly dir: string;
  readonly reportPath: string;
  readonly metricsPath: string;
  readonly metrics: RunMetrics;
  readonly record: RunRecord;
}

/** `metrics.json`: per policy, the mean over folds, and each fold's own numbers. No timings (they are in run.json), so equal seeds give equal files. */
export interface RunMetrics {
  readonly format: 'tradecore-metrics/1';
  readonly dataset: string;
  readonly seed: number;
  readonly policies: Readonly<Record<string, PolicyMetrics>>;
  readonly folds: readonly { readonly split: Fold; readonly policies: Readonly<Record<string, PolicyMetrics>> }[];
}

export class RunError extends TradecoreError {
  override name = 'RunError';
}

export const AGENT = 'agent';

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Mean of each numeric metric over folds. */
function meanMetrics(list: readonly PolicyMetrics[]): PolicyMetrics {
  const out: Record<string, number> = {};
  for (const key of Object.keys(list[0]!) as (keyof PolicyMetrics)[]) {
    out[key] = list.reduce((s, m) => s + m[key], 0) / list.length;
  }
  return out as unknown as PolicyMetrics;
}

function ledgerTable(ledgers: readonly { fold: number; ledger: LedgerColumns }[]): Record<string, ParquetColumn> {
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

/** Chained cumulative return (%) and drawdown (%) of each policy across folds, on a shared time axis. */
function chartSeries(perFold: readonly EvaluatedPolicy[][]): { time: Float64Array; returns: Series[]; drawdowns: Series[] } {
  const names = perFold[0]!.map((p) => p.name);
  const lengths = perFold.map((policies) => Math.max(...policies.map((p) => p.ledger.index.length)));
  const total = lengths.reduce((s, n) => s + n, 0);
  const time = new Float64Array(total);
  let at = 0;
  perFold.forEach((policies, f) => {
    const longest = policies.find((p) => p.ledger.index.length === lengths[f])!;
    time.set(longest.ledger.time, at);
    at += lengths[f]!;
  });
  const returns: Series[] = [];
  const drawdowns: Series[] = [];
  for (const [k, name] of names.entries()) {
    const growth = new Float64Array(total);
    let factor = 1;
    let pos = 0;
    perFold.forEach((policies, f) => {
      const p = policies[k]!;
      const e0 = p.metrics.initialEquity;
      const n = p.ledger.equity.length;
      let last = 1;
      for (let i = 0; i < lengths[f]!; i++) {
        if (i < n) last = p.ledger.equity[i]! / e0;
        growth[pos++] = factor * last;
      }
      factor *= last;
    });
    const dd = drawdownSeries(1, growth);
    const color = SERIES_COLORS[name] ?? '#7c3aed';
    returns.push({ name, color, values: growth.map((g) => (g - 1) * 100) });
    drawdowns.push({ name, color, values: dd.map((d) => -d * 100) });
  }
  return { time, returns, drawdowns };
}

/**
 * `tradecore run`: resolve the config → read and validate the dataset and plugins → split by time →
 * train (checkpointing) → evaluate the deterministic policy on the test split beside the baselines
 * → archive `runs/<id>/`. `run.json` says `running` until everything else is written, so a killed
 * run never looks complete; `resume` continues one from its last checkpoint.
 */
export async function runExperiment(options: RunExperimentOptions = {}): Promise<RunResult> {
  const cwd = options.cwd ?? process.cwd();
  const emit = options.onEvent ?? (() => {});
  const started = performance.now();

  let record: RunRecord | undefined;
  let dir: string;
  let overrides: readonly string[] = options.set ?? [];
  let configFile = options.configFile;
  if (options.resume) {
    dir = resolveRunDir(options.resume, path.resolve(cwd, options.out ?? 'runs'), cwd);
    record = readRunRecord(dir);
    if (record.status === 'complete') throw new RunArchiveError(`${path.join(dir, 'run.json')}: run ${record.id} is already complete; nothing to resume`);
    configFile = record.configFile;
    overrides = record.overrides;
  }

  // Everything is checked before the run folder exists: a config that cannot run leaves nothing behind.
  const setup = await prepareRun({
    cwd,
    set: overrides,
    log: (message) => emit({ type: 'log', message }),
    ...(options.config && (!record || configFile === INLINE_CONFIG) ? { config: options.config } : configFile ? { configFile } : {}),
    ...(options.from && !record ? { from: options.from } : {}),
    ...(!record && options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.out !== undefined ? { out: options.out } : {}),
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
  });
  const { config, seed } = setup;

  if (!record) {
    const id = newRunId(seed);
    dir = path.join(setup.out, id);
    mkdirSync(dir, { recursive: true });
    const now = new Date().toISOString();
    record = {
      format: 'tradecore-run/1',
      id,
      status: 'running',
      createdAt: now,
      updatedAt: now,
      seed,
      configFile: setup.configFile,
      overrides: setup.overrides,
      resumes: 0,
      timings: {},
      versions: { node: process.version, sdk: sdkVersion(), plugins: {} },
      foldsTrained: [],
    };
  } else {
    record.status = 'running';
    delete record.error;
    delete record.finishedAt;
    record.resumes += 1;
  }
  const run = record;
  const runDir = dir!;
  // run.json writes are chained so a late progress write can never land after the final one.
  let pending: Promise<void> = Promise.resolve();
  const saveRecord = (): Promise<void> => (pending = pending.catch(() => {}).then(() => writeRunRecord(runDir, run)));
  await saveRecord();
  emit({ type: 'start', id: run.id, dir: runDir, seed, resumed: run.resumes > 0, configFile: setup.configFile });

  const timed = async <T>(stage: string, work: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await work();
    } finally {
      run.timings[stage] = (run.timings[stage] ?? 0) + (performance.now() - t) / 1000;
    }
  };
  const log = (message: string) => emit({ type: 'log', message });
  let lifecycle: EngineHooks | undefined;

  try {
    // Data and tools
    emit({ type: 'stage', stage: 'data', message: `reading dataset ${config.dataset}` });
    const data = await timed('data', () => readDataset(config.dataset, { dataDir: config.dataDir }));
    const bars = data.bars;
    const warnings = data.report?.warnings ?? [];
    if (warnings.length > 0) {
      const kinds = new Map<string, number>();
      for (const w of warnings) kinds.set(w.kind, (kinds.get(w.kind) ?? 0) + 1);
      log(`dataset ${data.manifest.id}: warnings ${[...kinds].map(([k, c]) => `${k} ×${c}`).join(', ')} (first: ${warnings[0]!.message})`);
    }
    run.dataset = {
      id: data.manifest.id,
      manifest: data.path,
      manifestSha256: sha256File(data.path),
      rows: data.manifest.rows,
      synthetic: data.manifest.synthetic,
      partitions: data.manifest.partitions.map((p) => ({ path: p.path, rows: p.rows, sha256: p.sha256 })),
    };
    const plugins = config.plugins;
    if (setup.toolsFile) run.tools = { file: setup.toolsFile, plugins: setup.plugins.filter((p) => p.at.startsWith('tools[')).map((p) => p.plugin.name) };
    const engine = setup.engine;
    run.versions.plugins = Object.fromEntries(engine.plugins.map((p) => [p.name, p.version]));
    const { trainer, plan } = setup;
    run.trainer = { name: trainer.name, options: plan.options };
    lifecycle = engine.hooks;
    await lifecycle.runStart.promise({ id: run.id, dir: runDir, seed });
    // The config as data, every plugin with its final options: `tradecore run --from <this run>` runs it again.
    await writeJson(path.join(runDir, CONFIG_JSON), setup.data);

    emit({ type: 'stage', stage: 'split', message: `splitting ${bars.length} bars` });
    if (bars.length !== setup.dataset.rows) throw new RunError(`dataset ${data.manifest.id}: read ${bars.length} bars, its manifest says ${setup.dataset.rows}`);
    const folds = setup.folds;
    run.folds = folds;
    await saveRecord();

    const perFold: EvaluatedPolicy[][] = [];
    let trainSteps = 0;
    let trainSeconds = 0;
    for (const fold of folds) {
      const modelDir = folds.length === 1 ? path.join(runDir, MODEL_DIR) : path.join(runDir, MODEL_DIR, `fold-${fold.fold}`);
      let session: TrainerSession;
      if (run.foldsTrained.includes(fold.fold)) {
        emit({ type: 'stage', stage: 'train', message: `fold ${fold.fold}: already trained, loading ${modelDir}` });
        const probe = await createVecEnv({ bars, plugins, execution: config.execution, env: config.env, numEnvs: 1, range: { start: fold.trainStart, end: fold.trainEnd }, recordLedger: false, log });
        session = await trainer.create({ observationSize: probe.observationSize, numActions: probe.numActions, seed: deriveSeed(seed, 100 + fold.fold), overrides: config.trainer, log });
        await session.loadModel(modelDir);
      } else {
        emit({ type: 'stage', stage: 'train', message: `fold ${fold.fold}: training on bars ${fold.trainStart}..${fold.trainEnd}` });
        const vec = await createVecEnv({
          bars,
          plugins,
          execution: config.execution,
          env: config.env,
          numEnvs: plan.numEnvs,
          seed: deriveSeed(seed, 200 + fold.fold),
          range: { start: fold.trainStart, end: fold.trainEnd },
          recordLedger: false,
          log,
        });
        session = await trainer.create({ observationSize: vec.observationSize, numActions: vec.numActions, seed: deriveSeed(seed, 100 + fold.fold), overrides: config.trainer, log });
        run.backend = { name: session.backend, report: session.backendReport };
        if (session.runtimeVersions) run.versions.runtime = { ...session.runtimeVersions };
        emit({ type: 'backend', backend: session.backend, report: session.backendReport });
        let lastWrite = 0;
        const outcome = await timed('train', () =>
          session.train({
            env: vec,
            checkpointDir: path.join(runDir, CHECKPOINTS_DIR, `fold-${fold.fold}`),
            resume: true,
            ...(options.signal ? { signal: options.signal } : {}),
            onProgress: (p) => {
              const eta = p.stepsPerSecond > 0 ? (p.totalSteps - p.steps) / p.stepsPerSecond : Number.NaN;
              emit({ type: 'progress', fold: fold.fold, folds: folds.length, etaSeconds: eta, ...p });
              run.progress = { fold: fold.fold, steps: p.steps, totalSteps: p.totalSteps };
              const now = performance.now();
              if (now - lastWrite > 2000) {
                lastWrite = now;
                void saveRecord().catch(() => {});
              }
            },
          }),
        );
        if (outcome.resumedFromSteps > 0) log(`fold ${fold.fold}: resumed from checkpoint at step ${outcome.resumedFromSteps}`);
        trainSteps += outcome.steps - outcome.resumedFromSteps;
        trainSeconds += outcome.seconds;
        await session.saveModel(modelDir);
        run.foldsTrained.push(fold.fold);
        await saveRecord();
      }

      emit({ type: 'stage', stage: 'evaluate', message: `fold ${fold.fold}: evaluating on bars ${fold.testStart}..${fold.testEnd}` });
      const action = new Int32Array(1);
      const agent: Policy = (observation, mask) => {
        session.act(observation, mask, 1, action);
        return action[0]!;
      };
      const randomSeed = deriveSeed(seed, 300 + fold.fold);
      const evaluated = await timed('evaluate', () =>
        evaluatePolicies({
          bars,
          plugins,
          execution: config.execution,
          env: config.env,
          testStart: fold.testStart,
          testEnd: fold.testEnd,
          log,
          policies: [
            { name: AGENT, make: () => agent },
            { name: 'flat', make: () => flatPolicy() },
            { name: 'buy-and-hold', make: (space) => buyAndHoldPolicy(space) },
            { name: 'random', make: () => randomPolicy(randomSeed) },
          ],
        }),
      );
      session.dispose();
      perFold.push(evaluated);
    }

    emit({ type: 'stage', stage: 'archive', message: `writing ${runDir}` });
    const result = await timed('archive', async () => {
      const names = perFold[0]!.map((p) => p.name);
      const metrics: RunMetrics = {
        format: 'tradecore-metrics/1',
        dataset: data.manifest.id,
        seed,
        policies: Object.fromEntries(names.map((n, k) => [n, meanMetrics(perFold.map((f) => f[k]!.metrics))])),
        folds: folds.map((split, f) => ({ split, policies: Object.fromEntries(perFold[f]!.map((p) => [p.name, p.metrics])) })),
      };
      const metricsPath = path.join(runDir, METRICS_JSON);
      await writeJson(metricsPath, metrics);
      const ledger = await writeParquetTable(
        path.join(runDir, LEDGER_PARQUET),
        ledgerTable(perFold.map((f, k) => ({ fold: folds[k]!.fold, ledger: f.find((p) => p.name === AGENT)!.ledger }))),
        { timestampMs: ['time'] },
      );
      const chart = chartSeries(perFold);
      const svg = equitySvg(chart.time, chart.returns, chart.drawdowns);
      await writeFileAtomic(path.join(runDir, EQUITY_SVG), svg);
      const stops = Object.fromEntries(
        names.map((n, k) => {
          let stopOuts = 0;
          let stopExcess = 0;
          for (const f of perFold) {
            const l = f[k]!.ledger;
            for (let i = 0; i < l.stopTriggered.length; i++) {
              stopOuts += l.stopTriggered[i]!;
              stopExcess += l.stopExcess[i]!;
            }
          }
          // Means over folds, like every other number of the report (metrics.json's `policies`).
          return [n, { stopOuts: stopOuts / perFold.length, stopExcess: stopExcess / perFold.length }];
        }),
      );
      const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
      const reportPath = path.join(runDir, REPORT_HTML);
      await writeFileAtomic(
        reportPath,
        reportHtml({
          id: run.id,
          title: `TradeCore run ${run.id}`,
          seed,
          backend: run.backend?.name ?? 'unknown',
          dataset: data.manifest.id,
          splits: folds.map((s) => ({ fold: s.fold, trainBars: s.trainEnd - s.trainStart + 1, testBars: s.testEnd - s.testStart + 1, testFrom: iso(bars.time[s.testStart]!), testTo: iso(bars.time[s.testEnd]!) })),
          policies: metrics.policies,
          stops,
          svg,
          trainSteps,
          trainSeconds,
        }),
      );
      run.files = {
        [METRICS_JSON]: sha256File(metricsPath),
        [LEDGER_PARQUET]: ledger.sha256,
        [EQUITY_SVG]: sha256File(path.join(runDir, EQUITY_SVG)),
        [CONFIG_JSON]: sha256File(path.join(runDir, CONFIG_JSON)),
      };
      return { metrics, metricsPath, reportPath };
    });

    run.timings.total = (run.timings.total ?? 0) + (performance.now() - started) / 1000;
    await lifecycle.runEnd.promise({ id: run.id, dir: runDir, seed, status: 'complete' });
    run.status = 'complete';
    run.finishedAt = new Date().toISOString();
    delete run.progress;
    // Last write: only now does the archive say complete.
    await saveRecord();
    emit({ type: 'complete', id: run.id, dir: runDir, report: result.reportPath, metrics: result.metricsPath, seconds: (performance.now() - started) / 1000 });
    return { id: run.id, dir: runDir, reportPath: result.reportPath, metricsPath: result.metricsPath, metrics: result.metrics, record: run };
  } catch (error) {
    if (lifecycle && run.status === 'running') {
      // Plugins hear about the failure too; an error they throw now must not hide the original one.
      await lifecycle.runEnd.promise({ id: run.id, dir: runDir, seed, status: 'failed' }).catch((cause: unknown) => log(`runEnd after failure: ${String(cause)}`));
    }
    run.status = 'failed';
    run.error = error instanceof Error ? error.message : String(error);
    run.timings.total = (run.timings.total ?? 0) + (performance.now() - started) / 1000;
    run.finishedAt = new Date().toISOString();
    await saveRecord().catch(() => {});
    emit({ type: 'failed', id: run.id, dir: runDir, error: run.error });
    throw error;
  }
}
