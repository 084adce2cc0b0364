import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SHARED_DATA = path.resolve(REPO_ROOT, '../shared/data');
const ENTRY = fileURLToPath(new URL('./index.ts', import.meta.url));
/** tsx's loader, resolved from the repository root so the CLI can run from any working directory. */
const TSX_LOADER = pathToFileURL(createRequire(path.join(REPO_ROOT, 'package.json')).resolve('tsx')).href;

export interface CliResult {
  code: number;
  /** The signal that ended the process, e.g. `SIGKILL`; null when it exited. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Newest modification time of the non-test sources under `dir`. */
function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

let builtIsCurrent: boolean | undefined;
/**
 * Whether every workspace package is built and its dist/ is newer than its sources — as right after `pnpm build`,
 * which `pnpm test` runs first. TRADECORE_TEST_SOURCES=1 says no.
 */
function useBuiltCli(): boolean {
  if (builtIsCurrent !== undefined) return builtIsCurrent;
  const packages = path.join(REPO_ROOT, 'packages');
  builtIsCurrent =
    process.env.TRADECORE_TEST_SOURCES !== '1' &&
    readdirSync(packages).every((name) => {
      const built = path.join(packages, name, 'dist', 'index.js');
      const src = path.join(packages, name, 'src');
      return !existsSync(src) || (existsSync(built) && statSync(built).mtimeMs > newestSource(src));
    });
  return builtIsCurrent;
}

/** Node arguments that run the CLI with `args` (for `spawn`, when a test must signal the process): the built CLI or its sources, as {@link runCli}. */
export function cliArgv(args: readonly string[]): string[] {
  const command = useBuiltCli() ? [path.join(REPO_ROOT, 'packages/cli/dist/index.js')] : ['--conditions=@tradecore/source', '--import', TSX_LOADER, ENTRY];
  return [...command, ...args];
}

/**
 * Runs the CLI: the built one when every package's dist/ is current (as in `pnpm test`, which builds first), else
 * its TypeScript sources through tsx (workspace packages resolve through the `@tradecore/source` condition), so
 * the tests need no build. Both are the same code; loading the sources through tsx costs about 3 s of CPU per
 * command, the built CLI under 1.
 */
export function runCli(args: readonly string[], { cwd = REPO_ROOT, env = {} }: { cwd?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      cliArgv(args),
      { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, signal: (error?.signal as NodeJS.Signals | undefined) ?? null, stdout, stderr });
      },
    );
  });
}

export function tempDir(prefix = 'tradecore-cli-'): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}
