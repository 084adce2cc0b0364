import { createRequire } from 'node:module';
import path from 'node:path';
import * as tfjs from '@tensorflow/tfjs';

export type Tf = typeof tfjs;
export const BACKEND_NAMES = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export type ConcreteBackend = Exclude<BackendName, 'auto'>;

/** One candidate tried while choosing a backend. */
export interface BackendAttempt {
  readonly backend: ConcreteBackend;
  readonly status: 'selected' | 'skipped' | 'failed' | 'not-tried';
  readonly reason: string;
}

export interface SelectedBackend {
  readonly tf: Tf;
  readonly backend: ConcreteBackend;
  /** tfjs's own name of the backend that runs (`tensorflow`, `wasm`, `cpu`). */
  readonly tfBackend: string;
  readonly attempts: readonly BackendAttempt[];
}

/** A named backend that cannot run here; the message carries the command to install it. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

const INSTALL_HINT: Record<ConcreteBackend, string> = {
  'tensorflow-gpu': 'pnpm add @tensorflow/tfjs-node-gpu   (needs Linux x64, a CUDA 11.x runtime and cuDNN 8; see docs/gpu.md)',
  tensorflow: 'pnpm add @tensorflow/tfjs-node',
  wasm: 'pnpm add @tensorflow/tfjs-backend-wasm',
  cpu: 'pnpm add @tensorflow/tfjs',
};

const AUTO_ORDER: readonly ConcreteBackend[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];
const requireHere = createRequire(import.meta.url);

function isMissingModule(error: unknown, pkg: string): boolean {
  const e = error as { code?: string; message?: string };
  const message = String(e?.message);
  if (!message.includes(pkg)) return false;
  // Node says ERR_MODULE_NOT_FOUND; bundlers and vite-node say "Cannot find package" / "Could not resolve".
  return e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND' || /cannot find (module|package)|could not resolve|failed to resolve/i.test(message);
}

function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error';
}

type Attempt = { ok: true; tf: Tf } | { ok: false; missing: boolean; reason: string };

async function tryNative(backend: 'tensorflow-gpu' | 'tensorflow'): Promise<Attempt> {
  const pkg = NATIVE_PACKAGES[backend];
  try {
    // A variable specifier keeps bundlers and tsc from resolving the optional peer.
    const specifier: string = pkg;
    const mod = (await import(specifier)) as Tf & { default?: Tf };
    const tf = typeof mod.setBackend === 'function' ? mod : mod.default;
    if (!tf || typeof tf.setBackend !== 'function') return { ok: false, missing: false, reason: `${pkg} loaded but exposes no tfjs API` };
    if (!(await tf.setBackend('tensorflow'))) return { ok: false, missing: false, reason: `${pkg} loaded but its "tensorflow" backend failed to initialise` };
    await tf.ready();
    return { ok: true, tf };
  } catch (error) {
    if (isMissingModule(error, pkg)) return { ok: false, missing: true, reason: `${pkg} is not installed` };
    return { ok: false, missing: false, reason: `${pkg} failed to load: ${messageOf(error)}` };
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
    if (!ok) return { ok: false, missing: false, reason: 'the wasm backend failed to initialise' };
    await tfjs.ready();
    return { ok: true, tf: tfjs };
  } catch (error) {
    if (isMissingModule(error, '@tensorflow/tfjs-backend-wasm')) return { ok: false, missing: true, reason: '@tensorflow/tfjs-backend-wasm is not installed' };
    return { ok: false, missing: false, reason: `wasm backend failed: ${messageOf(error)}` };
  }
}

async function tryCpu(): Promise<Attempt> {
  if (!(await tfjs.setBackend('cpu'))) return { ok: false, missing: false, reason: 'the cpu backend failed to initialise' };
  await tfjs.ready();
  return { ok: true, tf: tfjs };
}

function attempt(backend: ConcreteBackend): Promise<Attempt> {
  if (backend === 'tensorflow-gpu' || backend === 'tensorflow') return tryNative(backend);
  return backend === 'wasm' ? tryWasm() : tryCpu();
}

const selections = new Map<BackendName, SelectedBackend>();

/**
 * Picks the tfjs backend. `auto` tries CUDA (tfjs-node-gpu), native (tfjs-node), wasm, then cpu and
 * records why each earlier one was skipped; a named backend that cannot run throws with the install
 * command. tfjs has one global engine per process: each request's result is cached, and asking for a
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
    const result = await attempt(backend);
    if (result.ok) {
      attempts.push({ backend, status: 'selected', reason: requested === 'auto' ? 'first available in auto order' : 'requested' });
      for (const rest of order.slice(order.indexOf(backend) + 1)) {
        attempts.push({ backend: rest, status: 'not-tried', reason: `lower priority than ${backend}` });
      }
      const selected: SelectedBackend = { tf: result.tf, backend, tfBackend: result.tf.getBackend(), attempts };
      selections.set(requested, selected);
      return selected;
    }
    attempts.push({ backend, status: result.missing ? 'skipped' : 'failed', reason: result.reason });
    if (requested !== 'auto') {
      throw new BackendUnavailableError(
        `trainer backend "${backend}" is not available: ${result.reason}. Install it with: ${INSTALL_HINT[backend]}`,
      );
    }
  }
  throw new BackendUnavailableError(`no tfjs backend could start: ${attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ')}`);
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
