import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** The machine and the installed TradeCore packages. */
export interface EnvironmentReport {
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  /** e.g. `Debian GNU/Linux 12 (bookworm)`, else the kernel release. */
  readonly os: string;
  readonly cpu: { readonly model: string; readonly cores: number };
  readonly memory: { readonly totalBytes: number; readonly freeBytes: number };
  /** From `nvidia-smi` when it is installed. */
  readonly nvidia: { readonly gpus: readonly { name: string; driver: string; memory: string }[] } | { readonly error: string };
  /** Vulkan drivers (ICD files) the loader would see, or the VK_ICD_FILENAMES override. */
  readonly vulkan: { readonly icdFiles: readonly string[]; readonly override?: string };
  readonly packages: Readonly<Record<string, string>>;
}

function osName(): string {
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(release);
    if (pretty) return pretty[1]!;
  } catch {
    // not Linux, or no os-release
  }
  return `${os.type()} ${os.release()}`;
}

function nvidiaSmi(): Promise<EnvironmentReport['nvidia']> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], { timeout: 10_000 }, (error, stdout) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code;
        resolve({ error: code === 'ENOENT' ? 'nvidia-smi not found (no NVIDIA driver here)' : `nvidia-smi failed: ${error.message.split('\n')[0]}` });
        return;
      }
      const gpus = stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [name = '', driver = '', memory = ''] = line.split(',').map((s) => s.trim());
          return { name, driver, memory };
        });
      resolve({ gpus });
    });
  });
}

function vulkanIcds(): EnvironmentReport['vulkan'] {
  const dirs = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
  const icdFiles = dirs.filter((d) => existsSync(d)).flatMap((d) => readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => path.join(d, f)));
  const override = process.env.VK_ICD_FILENAMES;
  return override ? { icdFiles, override } : { icdFiles };
}

const PACKAGES = ['@tradecore/cli', '@tradecore/sdk', '@tradecore/trainer-gpu', '@tensorflow/tfjs-core', 'webgpu', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

/** Versions of the packages as this process resolves them (from the CLI, then from the trainer). */
function packageVersions(): Record<string, string> {
  const fromCli = createRequire(import.meta.url);
  const versions: Record<string, string> = {};
  const bases = [fromCli];
  try {
    bases.push(createRequire(fromCli.resolve('@tradecore/trainer-gpu/package.json')));
  } catch {
    // trainer not installed: reported below
  }
  for (const name of PACKAGES) {
    for (const req of bases) {
      try {
        versions[name] = (req(`${name}/package.json`) as { version: string }).version;
        break;
      } catch {
        // not resolvable from here
      }
    }
  }
  return versions;
}

export async function describeEnvironment(): Promise<EnvironmentReport> {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: process.platform,
    arch: process.arch,
    os: osName(),
    cpu: { model: cpus[0]?.model.trim() ?? 'unknown', cores: os.availableParallelism?.() ?? cpus.length },
    memory: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
    nvidia: await nvidiaSmi(),
    vulkan: vulkanIcds(),
    packages: packageVersions(),
  };
}
