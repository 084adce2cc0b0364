import { createVecEnv, generateSynthetic, type TradecorePlugin } from '@tradecore/sdk';
import {
  BACKEND_NAMES,
  BackendUnavailableError,
  PpoTrainer,
  probeWebgpu,
  resolvePpoOptions,
  Rng,
  selectBackend,
  type ConcreteBackend,
  type GpuAdapter,
  type SelectedBackend,
} from '@tradecore/trainer-gpu';
import { messageOf } from './checks.ts';

/** One backend as the doctor found it. */
export interface BackendReport {
  readonly backend: ConcreteBackend;
  readonly status: 'loaded' | 'unavailable';
  /** Required backends must load and pass their checks (wasm and cpu always; the one named by --backend). */
  readonly required: boolean;
  readonly tfBackend?: string;
  readonly adapter?: GpuAdapter;
  /** Why it did not load, and what to do. */
  readonly reason?: string;
  readonly fix?: string;
  /** A short PPO run on the real env (synthetic bars): env steps per second of the timed update. */
  readonly training?: { readonly ok: boolean; readonly stepsPerSecond?: number; readonly steps?: number; readonly error?: string; readonly skipped?: string };
  /** The same initial policy's outputs on a fixed batch, against the cpu backend. */
  readonly inference?: { readonly ok: boolean; readonly maxRelativeDifference?: number; readonly tolerance: number; readonly error?: string };
}

export const CONCRETE_BACKENDS = BACKEND_NAMES.filter((b): b is ConcreteBackend => b !== 'auto');
/** Backends that ship with @tradecore/trainer-gpu: their failure means a broken install. */
const ALWAYS_REQUIRED: readonly ConcreteBackend[] = ['wasm', 'cpu'];
/** GPU kernels may use reduced-precision products (TF32 on NVIDIA Ampere and later). */
const GPU_TOLERANCE = 2e-3;
const CPU_TOLERANCE = 1e-5;

const SEED = 12_345;
const OBSERVATION_ROWS = 64;

export interface BackendCheckOptions {
  /** Only this backend (and cpu, the reference) instead of all of them. */
  readonly backend?: ConcreteBackend;
  /** Indicator plugins and the risk guard for the training env. */
  readonly envPlugins: () => TradecorePlugin[];
  /** Called before each backend starts (slow steps print progress). */
  readonly onBackend?: (backend: ConcreteBackend) => void;
}

interface PolicyOutputs {
  readonly logits: Float32Array;
  readonly values: Float32Array;
}

function relativeDifference(got: Float32Array, want: Float32Array): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]!));
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
  }
  return scale > 0 ? diff / scale : diff;
}

/** A short PPO run on a VecEnv over synthetic bars: one warm-up update, then one timed update. */
async function timedTraining(selected: SelectedBackend, envPlugins: () => TradecorePlugin[]): Promise<NonNullable<BackendReport['training']>> {
  const numEnvs = 32;
  const nSteps = 32;
  const vec = await createVecEnv({
    bars: generateSynthetic({ seed: 3, days: 3, timeframe: '1m' }),
    plugins: envPlugins(),
    env: { window: 16, episodeLength: 1440 },
    numEnvs,
    seed: 1,
    recordLedger: false,
  });
  const options = resolvePpoOptions({ backend: selected.backend, numEnvs, nSteps, epochs: 2, minibatchSize: 1024, hidden: [64, 64], totalSteps: 2 * numEnvs * nSteps }, {});
  const trainer = await PpoTrainer.create({ observationSize: vec.observationSize, numActions: vec.numActions, seed: SEED, options, backend: selected });
  try {
    await trainer.train({ env: vec, totalSteps: numEnvs * nSteps });
    const started = performance.now();
    const result = await trainer.train({ env: vec });
    const seconds = (performance.now() - started) / 1000;
    const steps = numEnvs * nSteps;
    return { ok: result.steps === 2 * steps, steps, stepsPerSecond: steps / seconds };
  } finally {
    trainer.dispose();
  }
}

/** The seeded initial policy's logits and values for a fixed batch of observations. */
async function policyOutputs(selected: SelectedBackend): Promise<PolicyOutputs> {
  const observationSize = 24;
  const numActions = 9;
  const options = resolvePpoOptions({ backend: selected.backend, hidden: [64, 64], normalizeObservations: false }, {});
  const trainer = await PpoTrainer.create({ observationSize, numActions, seed: SEED, options, backend: selected });
  try {
    const rng = new Rng(SEED);
    const observations = Float32Array.from({ length: OBSERVATION_ROWS * observationSize }, () => rng.normal());
    return await trainer.predict(observations, OBSERVATION_ROWS);
  } finally {
    trainer.dispose();
  }
}

/**
 * Loads each backend, reports why the others do not load, times a short training run on each that
 * does, and checks that they all compute the same policy outputs as the cpu backend.
 */
export async function checkBackends({ backend, envPlugins, onBackend }: BackendCheckOptions): Promise<BackendReport[]> {
  // cpu first: it is the reference of the inference check.
  const order: ConcreteBackend[] = backend ? ['cpu', ...(backend === 'cpu' ? [] : [backend])] : ['cpu', ...CONCRETE_BACKENDS.filter((b) => b !== 'cpu')];
  const reports: BackendReport[] = [];
  let reference: PolicyOutputs | undefined;
  for (const name of order) {
    onBackend?.(name);
    const required = ALWAYS_REQUIRED.includes(name) || name === backend;
    let selected: SelectedBackend;
    try {
      selected = await selectBackend(name);
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
      let adapter = error.attempt.adapter;
      if (!adapter && name === 'webgpu') {
        const probe = await probeWebgpu();
        if (probe.ok) adapter = probe.adapter;
      }
      reports.push({ backend: name, status: 'unavailable', required, reason: error.attempt.reason, ...(error.attempt.fix ? { fix: error.attempt.fix } : {}), ...(adapter ? { adapter } : {}) });
      continue;
    }
    const tolerance = name === 'webgpu' || name === 'tensorflow-gpu' ? GPU_TOLERANCE : CPU_TOLERANCE;
    let inference: BackendReport['inference'];
    try {
      const outputs = await policyOutputs(selected);
      reference ??= outputs;
      const difference = Math.max(relativeDifference(outputs.logits, reference.logits), relativeDifference(outputs.values, reference.values));
      inference = { ok: difference <= tolerance, maxRelativeDifference: difference, tolerance };
    } catch (error) {
      inference = { ok: false, tolerance, error: messageOf(error) };
    }
    let training: BackendReport['training'];
    if (selected.adapter?.software && name !== backend) {
      training = { ok: true, skipped: 'software adapter (a CPU Vulkan driver): correctness only; `tradecore doctor --backend webgpu` times it' };
    } else {
      try {
        training = await timedTraining(selected, envPlugins);
      } catch (error) {
        training = { ok: false, error: messageOf(error) };
      }
    }
    reports.push({
      backend: name,
      status: 'loaded',
      required,
      tfBackend: selected.tfBackend,
      ...(selected.adapter ? { adapter: selected.adapter } : {}),
      training,
      inference,
    });
  }
  return reports;
}

/** A backend passes when it loaded and both of its checks passed. */
export function backendPassed(report: BackendReport): boolean {
  return report.status === 'loaded' && report.training?.ok === true && report.inference?.ok === true;
}
