import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readParquetTable } from '../data/parquet.ts';
import { readDataset } from '../data/lake.ts';
import type { UserConfig } from '../config/defineConfig.ts';
import { INLINE_CONFIG } from '../config/resolveConfig.ts';
import { prepareRun, type RunSetup } from '../setup/prepareRun.ts';
import type { ActionSpace } from '../env/actionSpace.ts';
import { deriveSeed } from '../env/rng.ts';
import { createVecEnv } from '../env/VecEnv.ts';
import type { Policy } from '../env/types.ts';
import { TradecoreError } from '../errors.ts';
import type { EngineHooks } from '../plugin/hooks.ts';
import {
  CHECKPOINTS_DIR,
  CONFIG_JSON,
  MODEL_DIR,
  readRunRecord,
  resolveRunDir,
  TRAIN_PARQUET,
  RunArchiveError,
  writeJson,
  writeRunRecordSync,
  type RunRecord,
} from './archive.ts';
import { faultPoint } from './faults.ts';
import { withFileContext } from './fsErrors.ts';
import { createRunFolder, openRunFolder, type RunFolder } from './runFolder.ts';
import { assertId } from '../paths/ids.ts';
import { assertRegularFile } from '../paths/resolveInside.ts';
import { alwaysLongPolicy, flatPolicy, randomPolicy } from './baselines.ts';
import { buyAndHoldSpec, createTestContexts, evaluatePolicies, randomReturns } from './evaluate.ts';
import { AGENT, RANDOM_SPREAD_SEEDS, writeEvaluation, type FoldEvaluation, type RunMetrics } from './results.ts';
import { TrainLog } from './trainLog.ts';
import type { TrainerSession, TrainProgress } from './types.ts';
import { sdkVersion } from './_versions.ts';

/** What `runExperiment` reports while it works (the CLI prints these as a progress bar or JSON lines). */
export type RunEvent =
  | { readonly type: 'start'; readonly id: string; readonly dir: string; readonly seed: number; readonly resumed: boolean; readonly configFile: string }
  | { readonly type: 'stage'; readonly stage: 'data' | 'split' | 'train' | 'evaluate' | 'archive'; readonly message: string }
  | { readonly type: 'backend'; readonly backend: string; readonly report: readonly { backend: string; status: string; reason: string }[] }
  | ({ readonly type: 'progress'; readonly fold: number; readonly folds: number; readonly etaSeconds: number } & TrainProgress)
  | { readonly type: 'log'; readonly message: string }
  | { readonly type: 'complete'; readonly id: string; readonly dir: string; readonly report: string; readonly metrics: string; readonly seconds: number }
  | { readonly type: 'failed'; readonly id: string; readonly dir: string; readonly error: string; readonly status: 'failed' | 'cancelled' }
  /** Before a resume evaluates the config file named by the run's run.json (that file is code: this says which). */
  | { readonly type: 'resume'; readonly id: string; readonly dir: string; readonly configFile: string; readonly status: string };

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
  /**
   * A run folder or id to continue from its last checkpoint. The resume evaluates the config file its
   * `run.json` names (announced first by a `resume` event) and refuses if it no longer resolves to the
   * run's `config.json`.
   */
  readonly resume?: string;
  /** A run folder (or an id under `out`): run again from its archived `config.json` (same seed, same plugins, same options). */
  readonly from?: string;
  /** Data folder, relative to `cwd`; replaces the config's `dataDir` (the CLI's `--data`). */
  readonly dataDir?: string;
  /**
   * Id of the new run (default `<UTC time>-s<seed>-<8 hex>`), e.g. a sweep's trial id; must match the id
   * rule. A folder with that id that already holds a run is refused: resume it instead.
   */
  readonly id?: string;
  readonly onEvent?: (event: RunEvent) => void;
  /**
   * Aborting stops training after the current update and marks the run `cancelled` (resumable from its last
   * checkpoint). `cancelRun(dir)` from another process does the same.
   */
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

export class RunError extends TradecoreError {
  override name = 'RunError';
}

export { AGENT, type RunMetrics };

function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * `tradecore run`: resolve the config → read and validate the dataset and plugins → split by time →
 * train (checkpointing) → evaluate the deterministic policy on the test split beside the baselines
 * → archive `runs/<id>/`. The run folder is created atomically and locked for the whole run (one writer
 * per folder); `run.json` says `running` until everything else is written, so a killed run never looks
 * complete; `resume` continues one from its last checkpoint.
 */
export async function runExperiment(options: RunExperimentOptions = {}): Promise<RunResult> {
  const cwd = options.cwd ?? process.cwd();
  const emit = options.onEvent ?? (() => {});
  const log = (message: string) => emit({ type: 'log', message });
  const started = performance.now();

  let record: RunRecord | undefined;
  let folder: RunFolder | undefined;
  let overrides: readonly string[] = options.set ?? [];
  let configFile = options.configFile;
  try {
    if (options.resume) {
      if (options.id !== undefined) throw new RunError('`id` names a new run; to continue one, give only `resume`');
      if (options.from !== undefined) throw new RunError('`from` starts a new run from an archived config; to continue a run, give only `resume`');
      const dir = resolveRunDir(options.resume, path.resolve(cwd, options.out ?? 'runs'), cwd);
      folder = openRunFolder(dir, log);
      record = readRunRecord(dir);
      if (record.status === 'complete') throw new RunArchiveError(`${path.join(dir, 'run.json')}: run ${record.id} is already complete; nothing to resume`);
      configFile = record.configFile;
      overrides = record.overrides;
      if (configFile !== INLINE_CONFIG) assertRegularFile(configFile, `config file named by ${path.join(dir, 'run.json')}`);
      // The config file is code that is about to run: say which one, before running it.
      emit({ type: 'resume', id: record.id, dir, configFile: record.configFile, status: record.status });
    }

    if (options.id !== undefined) assertId(options.id, 'run id');
    // Everything is checked before the run folder exists: a config that cannot run leaves nothing behind.
    const setup = await prepareRun({
      cwd,
      set: overrides,
      log,
      ...(options.config && (!record || configFile === INLINE_CONFIG) ? { config: options.config } : configFile ? { configFile } : {}),
      ...(options.from && !record ? { from: options.from } : {}),
      ...(!record && options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.out !== undefined ? { out: options.out } : {}),
      ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
    });

    if (!record || !folder) {
      const created = createRunFolder(setup.out, { seed: setup.seed, log, ...(options.id !== undefined ? { id: options.id } : {}) });
      folder = created.folder;
      const now = new Date().toISOString();
      record = {
        format: 'tradecore-run/1',
        id: created.id,
        status: 'running',
        createdAt: now,
        updatedAt: now,
        seed: setup.seed,
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
    return await executeRun({ options, emit, log, started, folder, run: record, setup });
  } finally {
    folder?.close();
  }
}

/** The run stopped because it was cancelled (an aborted `signal`, `cancelRun`, Ctrl-C); it can be resumed. */
export class RunCancelledError extends RunError {
  override name = 'RunCancelledError';
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason ?? 'aborted');
}

interface ExecuteRun {
  readonly options: RunExperimentOptions;
  readonly emit: (event: RunEvent) => void;
  readonly log: (message: string) => void;
  readonly started: number;
  readonly folder: RunFolder;
  readonly run: RunRecord;
  readonly setup: RunSetup;
}

async function executeRun({ options, emit, log, started, folder, run, setup }: ExecuteRun): Promise<RunResult> {
  const { config, seed } = setup;
  const runDir = folder.dir;
  const cancel = options.signal ? AbortSignal.any([options.signal, folder.cancelRequested]) : folder.cancelRequested;
  const checkCancelled = () => {
    if (cancel.aborted) throw new RunCancelledError(`cancelled (${abortReason(cancel)})`);
  };
  folder.track(run, (code) => {
    if (run.status !== 'running') return;
    run.status = cancel.aborted ? 'cancelled' : 'failed';
    run.error = `the process exited (code ${code}) before the run finished`;
    run.finishedAt = new Date().toISOString();
    writeRunRecordSync(runDir, run);
  });
  const saveRecord = (): Promise<void> => folder.saveRecord();
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
  let lifecycle: EngineHooks | undefined;

  try {
    // Data and tools
    emit({ type: 'stage', stage: 'data', message: `reading dataset ${config.dataset}` });
    const data = await timed('data', () => readDataset(config.dataset, { dataDir: config.dataDir }));
    const bars = data.bars;
    const warnings = data.report?.warnings ?? [];
    if (warnings.length > 0) {
      const kinds = new Map<string, number>();
      for (const w of warnings) kinds.set(w.kind, data.report?.counts?.[w.kind] ?? (kinds.get(w.kind) ?? 0) + 1);
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
    if (run.resumes > 0) assertSameConfig(path.join(runDir, CONFIG_JSON), setup.data, setup.configFile);
    await writeJson(path.join(runDir, CONFIG_JSON), setup.data);
    checkCancelled();

    emit({ type: 'stage', stage: 'split', message: `splitting ${bars.length.toLocaleString('en-US')} bars` });
    if (bars.length !== setup.dataset.rows) throw new RunError(`dataset ${data.manifest.id}: read ${bars.length} bars, its manifest says ${setup.dataset.rows}`);
    const folds = setup.folds;
    run.folds = folds;
    await saveRecord();

    const evaluations: FoldEvaluation[] = [];
    let actionSpace: ActionSpace | undefined;
    const trainLog = await TrainLog.open(path.join(runDir, TRAIN_PARQUET));
    let trainSteps = 0;
    let trainSeconds = 0;
    for (const fold of folds) {
      checkCancelled();
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
        let lastCurveWrite = 0;
        const outcome = await timed('train', () =>
          session.train({
            env: vec,
            checkpointDir: path.join(runDir, CHECKPOINTS_DIR, `fold-${fold.fold}`),
            resume: true,
            onResume: (from) => log(`fold ${fold.fold}: resumed from checkpoint at step ${from.steps} (${path.relative(runDir, from.checkpoint)})`),
            signal: cancel,
            onProgress: (p) => {
              const eta = p.stepsPerSecond > 0 ? (p.totalSteps - p.steps) / p.stepsPerSecond : Number.NaN;
              emit({ type: 'progress', fold: fold.fold, folds: folds.length, etaSeconds: eta, ...p });
              run.progress = { fold: fold.fold, steps: p.steps, totalSteps: p.totalSteps };
              trainLog.append(fold.fold, p);
              const now = performance.now();
              if (now - lastCurveWrite > 1000) {
                lastCurveWrite = now;
                void trainLog.flush().catch((error: unknown) => log(`train.parquet: ${String(error)}`));
              }
              if (now - lastWrite > 2000) {
                lastWrite = now;
                void saveRecord().catch(() => {});
              }
            },
          }),
        );
        trainSteps += outcome.steps - outcome.resumedFromSteps;
        trainSeconds += outcome.seconds;
        await trainLog.flush();
        faultPoint('model');
        await withFileContext('write the model into', modelDir, () => session.saveModel(modelDir));
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
      const testOptions = { bars, plugins, execution: config.execution, env: config.env, testStart: fold.testStart, testEnd: fold.testEnd, log };
      const evaluated = await timed('evaluate', async () => {
        const contexts = await createTestContexts(testOptions);
        actionSpace = contexts.withFees.actionSpace;
        const policies = await evaluatePolicies(
          {
            ...testOptions,
            policies: [
              { name: AGENT, make: () => agent },
              buyAndHoldSpec,
              { name: 'always-long', make: (space) => alwaysLongPolicy(space) },
              { name: 'flat', make: () => flatPolicy() },
              { name: 'random', make: () => randomPolicy(randomSeed) },
            ],
          },
          contexts,
        );
        const seeds = Array.from({ length: RANDOM_SPREAD_SEEDS }, (_, k) => deriveSeed(randomSeed, k));
        return { split: fold, policies, randomReturns: randomReturns(contexts.withFees, fold.testEnd, seeds) };
      });
      session.dispose();
      evaluations.push(evaluated);
    }
    checkCancelled();

    emit({ type: 'stage', stage: 'archive', message: `writing ${runDir}` });
    const result = await timed('archive', async () => {
      const trainColumns = trainLog.rows > 0 ? (await readParquetTable(trainLog.file, { numbersAsFloat64: true })).columns : undefined;
      const written = await writeEvaluation({
          runDir,
          id: run.id,
          seed,
          dataset: data.manifest.id,
          synthetic: data.manifest.synthetic,
          backend: run.backend?.name ?? 'unknown',
          bars,
          space: actionSpace!,
          folds: evaluations,
          trainSteps,
          trainSeconds,
          ...(trainColumns ? { trainColumns: trainColumns as Record<string, ArrayLike<number>> } : {}),
      });
      const { metrics, metricsPath, reportPath } = written;
      run.files = { ...written.files, ...(trainLog.rows > 0 ? { [TRAIN_PARQUET]: sha256File(trainLog.file) } : {}), [CONFIG_JSON]: sha256File(path.join(runDir, CONFIG_JSON)) };
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
  } catch (caught) {
    const status = cancel.aborted ? 'cancelled' : 'failed';
    const error =
      status === 'cancelled' && !(caught instanceof RunCancelledError)
        ? new RunCancelledError(`cancelled (${abortReason(cancel)}): ${caught instanceof Error ? caught.message : String(caught)}`, { cause: caught })
        : caught;
    if (lifecycle && run.status === 'running') {
      // Plugins hear about the failure too; an error they throw now must not hide the original one.
      await lifecycle.runEnd.promise({ id: run.id, dir: runDir, seed, status }).catch((cause: unknown) => log(`runEnd after failure: ${String(cause)}`));
    }
    run.status = status;
    run.error = error instanceof Error ? error.message : String(error);
    run.timings.total = (run.timings.total ?? 0) + (performance.now() - started) / 1000;
    run.finishedAt = new Date().toISOString();
    await saveRecord().catch((writeError: unknown) => log(`could not record the ${status} status: ${writeError instanceof Error ? writeError.message : String(writeError)}`));
    emit({ type: 'failed', id: run.id, dir: runDir, error: run.error, status });
    throw error;
  }
}

/** Canonical JSON (sorted keys) for comparing configs. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

/** Dotted paths where two JSON values differ (at most `limit`). */
function differences(a: unknown, b: unknown, at = '', out: string[] = [], limit = 8): string[] {
  if (out.length >= limit || canonical(a) === canonical(b)) return out;
  const objects = a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b);
  if (!objects) {
    out.push(`${at || '(root)'}: ${JSON.stringify(a) ?? 'absent'} → ${JSON.stringify(b) ?? 'absent'}`.slice(0, 200));
    return out;
  }
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
  for (const key of keys) {
    const child = Array.isArray(a) ? `${at}[${key}]` : at ? `${at}.${key}` : key;
    differences((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], child, out, limit);
  }
  return out;
}

/** A resume must run the config the run started with: refuses when the config file now resolves differently. */
function assertSameConfig(file: string, resolved: unknown, configFile: string): void {
  let before: unknown;
  try {
    before = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return; // killed before config.json was written: nothing to compare with
  }
  const changed = differences(before, JSON.parse(JSON.stringify(resolved)));
  if (changed.length > 0) {
    throw new RunError(
      `${configFile} now resolves to a different config than the run's ${file}:\n  ${changed.join('\n  ')}\n` +
        'a resumed run must train the same experiment: restore the config (or the plugin versions), or start a new run',
    );
  }
}
