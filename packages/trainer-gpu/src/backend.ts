import { createRequire } from 'node:module';
import path from 'node:path';
import * as tfjs from '@tensorflow/tfjs';
import { isMissingModule, messageOf } from './optionalModule.ts';
import { describeAdapter, probeWebgpu, WEBGPU_BACKEND_PACKAGE, type GpuAdapter } from './webgpu.ts';

export type Tf = typeof tfjs;
export type { GpuAdapter };
export const BACKEND_NAMES = ['auto', 'tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type ConcreteBackend = Exclude<BackendName, 'auto'>;

/** One candidate tried while choosing a backend. */
export interface BackendAttempt {
  readonly backend: ConcreteBackend;
  readonly status: 'selected' | 'skipped' | 'failed' | 'not-tried';
  readonly reason: string;
  /** What to do so that this backend starts (skipped or failed candidates). */
  readonly fix?: string;
  /** The WebGPU adapter found (webgpu only). */
  readonly adapter?: GpuAdapter;
}

export interface SelectedBackend {
  readonly tf: Tf;
  readonly backend: ConcreteBackend;
  /** tfjs's own name of the backend that runs (`tensorflow`, `webgpu`, `wasm`, `cpu`). */
  readonly tfBackend: string;
  readonly attempts: readonly BackendAttempt[];
  /** The GPU the `webgpu` backend runs on. */
  readonly adapter?: GpuAdapter;
}

/** A named backend that cannot run here; the message carries the fix (usually the install command). */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
  /** Why, and what to do, as a structured record. */
  readonly attempt: BackendAttempt;

  constructor(message: string, attempt: BackendAttempt) {
    super(message);
    this.attempt = attempt;
  }
}

const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

const INSTALL_HINT: Record<ConcreteBackend, string> = {
  'tensorflow-gpu': 'pnpm add @tensorflow/tfjs-node-gpu   (needs Linux x64, a CUDA 11.x runtime and cuDNN 8; see docs/gpu.md)',
  webgpu: 'pnpm add webgpu @tensorflow/tfjs-backend-webgpu   (needs a GPU driver with Vulkan and libvulkan1; see docs/gpu.md)',
  tensorflow: 'pnpm add @tensorflow/tfjs-node',
  wasm: 'pnpm add @tensorflow/tfjs-backend-wasm',
  cpu: 'pnpm add @tensorflow/tfjs',
};

const AUTO_ORDER: readonly ConcreteBackend[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'];
const requireHere = createRequire(import.meta.url);

type Attempt =
  | { ok: true; tf: Tf; adapter?: GpuAdapter }
  | { ok: false; missing: boolean; reason: string; fix?: string; adapter?: GpuAdapter };

/** The fix for a native addon that failed to load, from the library its error names. */
function nativeFix(backend: 'tensorflow-gpu' | 'tensorflow', message: string): string {
  if (/libcudnn/.test(message)) return 'install cuDNN 8 for CUDA 11 (libcudnn.so.8) and put it on LD_LIBRARY_PATH; see docs/gpu.md';
  if (/libcu(dart|blas|fft|rand|solver|sparse)/.test(message)) return 'install a CUDA 11.x runtime (libcudart.so.11.0 …; CUDA 12 does not work) and put it on LD_LIBRARY_PATH; see docs/gpu.md';
  if (/libtensorflow/.test(message)) return `its install script did not download libtensorflow: allow it (pnpm "onlyBuiltDependencies") and run \`pnpm rebuild ${NATIVE_PACKAGES[backend]}\``;
  return `reinstall ${NATIVE_PACKAGES[backend]}; see docs/gpu.md`;
}

async function tryNative(backend: 'tensorflow-gpu' | 'tensorflow'): Promise<Attempt> {
  const pkg = NATIVE_PACKAGES[backend];
  try {
    // A variable specifier keeps bundlers and tsc from resolving the optional peer.
    const specifier: string = pkg;
    const mod = (await import(specifier)) as Tf & { default?: Tf };
    const tf = typeof mod.setBackend === 'function' ? mod : mod.default;
    if (!tf || typeof tf.setBackend !== 'function') return { ok: false, missing: false, reason: `${pkg} loaded but exposes no tfjs API`, fix: nativeFix(backend, '') };
    if (!(await tf.setBackend('tensorflow'))) return { ok: false, missing: false, reason: `${pkg} loaded but its "tensorflow" backend failed to initialise`, fix: nativeFix(backend, '') };
    await tf.ready();
    return { ok: true, tf };
  } catch (error) {
    if (isMissingModule(error, pkg)) return { ok: false, missing: true, reason: `${pkg} is not installed`, fix: INSTALL_HINT[backend] };
    return { ok: false, missing: false, reason: `${pkg} failed to load: ${messageOf(error)}`, fix: nativeFix(backend, messageOf(error)) };
  }
}

/** The folder holding the wasm binaries of the installed tfjs-backend-wasm (no CDN, no network). */
export function wasmBinaryDir(): string {
  return path.dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep;
}

async function tryWasm(): Promise<Attempt> {
  // The emscripten module installs process handlers that rethrow every uncaught error and print the
  // whole module source with it; remove them again so errors surface as the application's own.
  const before = {
    uncaughtException: process.listeners('uncaughtException'),
    unhandledRejection: process.listeners('unhandledRejection'),
  };
  const dropAdded = () => {
    for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
      for (const listener of (process as NodeJS.EventEmitter).listeners(event)) {
        if (!(before[event] as unknown[]).includes(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  };
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(wasmBinaryDir());
    const ok = await tfjs.setBackend('wasm');
    dropAdded();
    if (!ok) return { ok: false, missing: false, reason: 'the wasm backend failed to initialise', fix: 'reinstall @tensorflow/tfjs-backend-wasm (its .wasm files must be beside its dist/ files)' };
    await tfjs.ready();
    return { ok: true, tf: tfjs };
  } catch (error) {
    if (isMissingModule(error, '@tensorflow/tfjs-backend-wasm')) return { ok: false, missing: true, reason: '@tensorflow/tfjs-backend-wasm is not installed', fix: INSTALL_HINT.wasm };
    return { ok: false, missing: false, reason: `wasm backend failed: ${messageOf(error)}` };
  }
}

async function tryCpu(): Promise<Attempt> {
  if (!(await tfjs.setBackend('cpu'))) return { ok: false, missing: false, reason: 'the cpu backend failed to initialise' };
  await tfjs.ready();
  return { ok: true, tf: tfjs };
}

async function tryWebgpu(requireHardware: boolean): Promise<Attempt> {
  const probe = await probeWebgpu();
  if (!probe.ok) return { ok: false, missing: probe.missing, reason: probe.reason, fix: probe.fix };
  const { adapter } = probe;
  if (requireHardware && adapter.software) {
    return {
      ok: false,
      missing: true,
      adapter,
      reason: `the only WebGPU adapter is ${describeAdapter(adapter)}, a CPU implementation (slower than wasm)`,
      fix: 'a GPU with a Vulkan driver; ask for backend "webgpu" by name to use this adapter anyway (for correctness checks)',
    };
  }
  try {
    const specifier: string = WEBGPU_BACKEND_PACKAGE;
    await import(specifier);
  } catch (error) {
    if (isMissingModule(error, WEBGPU_BACKEND_PACKAGE)) return { ok: false, missing: true, adapter, reason: `${WEBGPU_BACKEND_PACKAGE} is not installed`, fix: INSTALL_HINT.webgpu };
    return { ok: false, missing: false, adapter, reason: `${WEBGPU_BACKEND_PACKAGE} failed to load: ${messageOf(error)}` };
  }
  if (!(await tfjs.setBackend('webgpu'))) {
    return { ok: false, missing: false, adapter, reason: `the webgpu backend failed to initialise on ${describeAdapter(adapter)}`, fix: 'update the GPU driver; see docs/gpu.md' };
  }
  await tfjs.ready();
  return { ok: true, tf: tfjs, adapter };
}

function attempt(backend: ConcreteBackend, auto: boolean): Promise<Attempt> {
  if (backend === 'tensorflow-gpu' || backend === 'tensorflow') return tryNative(backend);
  if (backend === 'webgpu') return tryWebgpu(auto);
  return backend === 'wasm' ? tryWasm() : tryCpu();
}

const selections = new Map<BackendName, SelectedBackend>();

/**
 * Picks the tfjs backend. `auto` tries CUDA (tfjs-node-gpu), WebGPU on a hardware adapter, native
 * (tfjs-node), wasm, then cpu and records why each earlier one was skipped; a named backend that cannot
 * run throws with the fix (usually the install command). `webgpu` named explicitly also accepts a
 * software adapter (SwiftShader), which `auto` never picks. tfjs has one global engine per process: each request's result is cached, and asking for a
 * different backend switches the engine to it.
 */
export async function selectBackend(requested: BackendName = 'auto'): Promise<SelectedBackend> {
  const cached = selections.get(requested);
  if (cached) {
    // tfjs has one active backend per process; switch back if another selection changed it.
    if (cached.tf.getBackend() !== cached.tfBackend) await cached.tf.setBackend(cached.tfBackend);
    return cached;
  }
  silenceTfjsBanner();
  const order = requested === 'auto' ? AUTO_ORDER : [requested];
  const attempts: BackendAttempt[] = [];
  for (const backend of order) {
    const result = await attempt(backend, requested === 'auto');
    const adapter = result.adapter ? { adapter: result.adapter } : {};
    if (result.ok) {
      const why = requested === 'auto' ? 'first available in auto order' : 'requested';
      attempts.push({ backend, status: 'selected', reason: result.adapter ? `${why}; adapter ${describeAdapter(result.adapter)}` : why, ...adapter });
      for (const rest of order.slice(order.indexOf(backend) + 1)) {
        attempts.push({ backend: rest, status: 'not-tried', reason: `lower priority than ${backend}` });
      }
      const selected: SelectedBackend = { tf: result.tf, backend, tfBackend: result.tf.getBackend(), attempts, ...adapter };
      selections.set(requested, selected);
      return selected;
    }
    const failed: BackendAttempt = { backend, status: result.missing ? 'skipped' : 'failed', reason: result.reason, fix: result.fix ?? INSTALL_HINT[backend], ...adapter };
    attempts.push(failed);
    if (requested !== 'auto') {
      throw new BackendUnavailableError(`trainer backend "${backend}" is not available: ${result.reason}. Fix: ${failed.fix}`, failed);
    }
  }
  throw new BackendUnavailableError(`no tfjs backend could start: ${attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ')}`, attempts.at(-1)!);
}

/** One line per candidate, e.g. `tensorflow-gpu: skipped (@tensorflow/tfjs-node-gpu is not installed)`. */
export function describeBackend(selected: SelectedBackend): string {
  return selected.attempts.map((a) => `${a.backend}: ${a.status} (${a.reason})`).join('; ');
}

let bannerSilenced = false;
/** tfjs prints a "install tfjs-node" banner on first use in Node; the attempts list already says it. */
function silenceTfjsBanner(): void {
  if (bannerSilenced) return;
  bannerSilenced = true;
  const env = tfjs.env();
  if (env.getBool('IS_NODE')) env.set('PROD', true);
}
