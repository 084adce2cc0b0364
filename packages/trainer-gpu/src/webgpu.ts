import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMissingModule, messageOf } from './optionalModule.ts';

/** Dawn's Node bindings (optional peer): WebGPU over Vulkan. */
export const WEBGPU_PACKAGE = 'webgpu';
/** tfjs's WebGPU backend (optional peer). */
export const WEBGPU_BACKEND_PACKAGE = '@tensorflow/tfjs-backend-webgpu';

/** The GPU (or software rasteriser) a WebGPU backend runs on, as Dawn reports it. */
export interface GpuAdapter {
  /** e.g. `nvidia`, `google`. */
  readonly vendor: string;
  /** e.g. `ampere`, `swiftshader`. */
  readonly architecture: string;
  readonly device: string;
  /** Driver name and version, e.g. `NVIDIA: 550.54.15` or `SwiftShader driver 5.0.0`. */
  readonly driver: string;
  /** A CPU implementation (SwiftShader, llvmpipe, lavapipe): correct, but slower than wasm. */
  readonly software: boolean;
}

/** `nvidia ampere (NVIDIA: 550.54.15)`. */
export function describeAdapter(adapter: GpuAdapter): string {
  const name = [adapter.vendor, adapter.architecture].filter(Boolean).join(' ') || adapter.device || 'unnamed adapter';
  return `${name} (${adapter.driver || 'driver unknown'})${adapter.software ? ', software' : ''}`;
}

export type WebgpuProbe =
  | { readonly ok: true; readonly adapter: GpuAdapter }
  | { readonly ok: false; readonly missing: boolean; readonly reason: string; readonly fix: string };

interface DawnModule {
  create(flags: string[]): { requestAdapter(options?: { powerPreference?: string }): Promise<DawnAdapter | null> };
  globals: Record<string, unknown>;
}
interface DawnAdapter {
  readonly info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software/i;

/** Folders the dynamic loader searches for `libvulkan.so.1` on common Linux distributions. */
function hasVulkanLoader(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/lib/x86_64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
  ];
  return dirs.some((dir) => existsSync(path.join(dir, 'libvulkan.so.1')));
}

const NO_ADAPTER_FIX =
  "an NVIDIA/AMD/Intel driver with Vulkan (its ICD json in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d; containers need NVIDIA_DRIVER_CAPABILITIES to include graphics); for a CPU adapter set VK_ICD_FILENAMES to SwiftShader's vk_swiftshader_icd.json";

/** Longest excerpt of the native messages kept in a reason. */
const MAX_NATIVE_MESSAGES = 300;

/**
 * Asks for an adapter in a child process first. Where there is none, Dawn and the Vulkan drivers write their
 * complaints straight to the process's stderr from native code (nothing JavaScript can catch); in a child they
 * become part of the reason instead of noise between a command's lines. `undefined` when the child could not
 * answer (then the probe asks in this process, as before).
 */
function adapterInChildProcess(): Promise<{ found: boolean; messages: string } | undefined> {
  let url: string;
  try {
    url = pathToFileURL(createRequire(import.meta.url).resolve(WEBGPU_PACKAGE)).href;
  } catch {
    return Promise.resolve(undefined);
  }
  const script = `const dawn = await import(${JSON.stringify(url)}); const adapter = await dawn.create([]).requestAdapter({ powerPreference: 'high-performance' }); process.stdout.write(adapter ? 'found' : 'none'); process.exit(0);`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '--eval', script], { timeout: 60_000, maxBuffer: 1 << 20 }, (error, stdout, stderr) => {
      const answer = String(stdout).trim();
      if (error || (answer !== 'found' && answer !== 'none')) return resolve(undefined);
      const lines = String(stderr)
        .split('\n')
        .map((line) => line.trim().replace(/\.$/, ''))
        .filter((line) => line && !line.startsWith('at ') && !line.startsWith('- '));
      const messages = [...new Set(lines)].join('; ');
      resolve({ found: answer === 'found', messages: messages.length > MAX_NATIVE_MESSAGES ? `${messages.slice(0, MAX_NATIVE_MESSAGES)}…` : messages });
    });
  });
}

let probed: Promise<WebgpuProbe> | undefined;

/**
 * Loads Dawn (the `webgpu` package), makes it the process's `navigator.gpu` (what tfjs's WebGPU backend
 * looks for; Node 20 has no `navigator`) and asks for a high-performance adapter. Runs once per process.
 */
export function probeWebgpu(): Promise<WebgpuProbe> {
  probed ??= probe();
  return probed;
}

async function probe(): Promise<WebgpuProbe> {
  let dawn: DawnModule;
  try {
    const specifier: string = WEBGPU_PACKAGE;
    dawn = (await import(specifier)) as DawnModule;
  } catch (error) {
    if (isMissingModule(error, WEBGPU_PACKAGE)) {
      return { ok: false, missing: true, reason: `${WEBGPU_PACKAGE} is not installed`, fix: `pnpm add ${WEBGPU_PACKAGE} ${WEBGPU_BACKEND_PACKAGE}` };
    }
    return { ok: false, missing: false, reason: `${WEBGPU_PACKAGE} failed to load: ${messageOf(error)}`, fix: `reinstall ${WEBGPU_PACKAGE} (it ships prebuilt Dawn for linux-x64, darwin and win32)` };
  }
  if (!hasVulkanLoader()) {
    return { ok: false, missing: true, reason: 'the Vulkan loader libvulkan.so.1 is not installed', fix: 'apt-get install -y libvulkan1 (Debian/Ubuntu), or put libvulkan.so.1 on LD_LIBRARY_PATH' };
  }
  const trial = await adapterInChildProcess();
  if (trial && !trial.found) {
    const said = trial.messages ? ` (the driver said: ${trial.messages})` : '';
    return { ok: false, missing: true, reason: `no WebGPU adapter: Vulkan found no device Dawn accepts${said}`, fix: NO_ADAPTER_FIX };
  }
  // tfjs's WebGPU backend uses the WebGPU globals (GPUBufferUsage, GPUMapMode …) and navigator.gpu.
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  const gpu = dawn.create([]);
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  let adapter: DawnAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { ok: false, missing: false, reason: `requesting a WebGPU adapter failed: ${messageOf(error)}`, fix: 'update the GPU driver; see docs/gpu.md' };
  }
  if (!adapter) return { ok: false, missing: true, reason: 'no WebGPU adapter: Vulkan found no device Dawn accepts', fix: NO_ADAPTER_FIX };
  const info = adapter.info ?? {};
  const described = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    driver: info.description ?? '',
  };
  const software = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) || Object.values(described).some((v) => SOFTWARE.test(v));
  return { ok: true, adapter: { ...described, software } };
}
