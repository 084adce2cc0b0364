import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TradecoreError } from '../errors.ts';
import type { TradecorePlugin } from '../plugin/types.ts';

/** Package names a tool name may refer to, in the order they are tried. */
export function toolPackageCandidates(name: string): string[] {
  if (name.startsWith('@') || name.startsWith('tradecore-plugin-')) return [name];
  return [`@tradecore/plugin-${name}`, `tradecore-plugin-${name}`];
}

/** `@tradecore/plugin-vwap` → `vwap`, `tradecore-plugin-x` → `x`; other names stay whole. */
export function toolNameOf(packageName: string): string {
  const match = /^(?:@tradecore\/plugin-|tradecore-plugin-)(.+)$/.exec(packageName);
  return match ? match[1]! : packageName;
}

export interface ResolveToolOptions {
  /** Folder the names resolve from (the project); node_modules folders of it and its ancestors are searched. */
  cwd: string;
  /**
   * Export conditions, in priority order. Default: conditions given to Node with `--conditions`/`-C`,
   * then `node`, `import`, `default`.
   */
  conditions?: readonly string[];
}

export interface ResolvedToolPackage {
  packageName: string;
  version: string;
  description: string;
  /** Folder of the installed package. */
  dir: string;
  /** Absolute path of its ESM entry. */
  entry: string;
}

/** The conditions Node itself was started with (`--conditions x`, `-C x`, also in NODE_OPTIONS). */
export function defaultConditions(): string[] {
  const args = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const inline = /^(?:--conditions|-C)=(.+)$/.exec(arg);
    if (inline) out.push(inline[1]!);
    else if ((arg === '--conditions' || arg === '-C') && args[i + 1]) out.push(args[++i]!);
  }
  return [...out, 'node', 'import', 'default'];
}

type ExportTarget = string | null | ExportTarget[] | { [condition: string]: ExportTarget };

function pickTarget(target: ExportTarget | undefined, conditions: readonly string[]): string | undefined {
  if (target === undefined || target === null) return undefined;
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const t of target) {
      const picked = pickTarget(t, conditions);
      if (picked) return picked;
    }
    return undefined;
  }
  // Object keys are tried in the package's order; a key matches when it is one of our conditions.
  for (const [key, value] of Object.entries(target)) {
    if (key === 'types') continue;
    if (conditions.includes(key)) {
      const picked = pickTarget(value, conditions);
      if (picked) return picked;
    }
  }
  return undefined;
}

interface PackageJson {
  name?: string;
  version?: string;
  description?: string;
  keywords?: string[];
  exports?: ExportTarget | Record<string, ExportTarget>;
  module?: string;
  main?: string;
}

function readPackageJson(dir: string): PackageJson {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
}

function entryOf(dir: string, pkg: PackageJson, conditions: readonly string[]): string | undefined {
  let target: string | undefined;
  const exp = pkg.exports;
  if (exp !== undefined) {
    const root = typeof exp === 'object' && exp !== null && !Array.isArray(exp) && Object.keys(exp).some((k) => k.startsWith('.'))
      ? (exp as Record<string, ExportTarget>)['.']
      : exp;
    target = pickTarget(root as ExportTarget, conditions);
  } else {
    target = pkg.module ?? pkg.main ?? 'index.js';
  }
  return target ? path.resolve(dir, target) : undefined;
}

/** node_modules folders from `cwd` up to the file-system root. */
function nodeModulesDirs(cwd: string): string[] {
  const dirs: string[] = [];
  let dir = path.resolve(cwd);
  for (;;) {
    const candidate = path.join(dir, 'node_modules');
    if (existsSync(candidate)) dirs.push(candidate);
    const parent = path.dirname(dir);
    if (parent === dir) return dirs;
    dir = parent;
  }
}

/** Finds an installed package the way Node would from `cwd` (first node_modules that has it). */
export function findPackage(packageName: string, { cwd, conditions = defaultConditions() }: ResolveToolOptions): ResolvedToolPackage | undefined {
  for (const modules of nodeModulesDirs(cwd)) {
    const dir = path.join(modules, ...packageName.split('/'));
    if (!existsSync(path.join(dir, 'package.json'))) continue;
    const pkg = readPackageJson(dir);
    const entry = entryOf(dir, pkg, conditions);
    if (!entry) throw new ToolResolutionError(`${packageName} (${dir}) has no entry for conditions ${conditions.join(', ')}`);
    return { packageName, version: pkg.version ?? '0.0.0', description: pkg.description ?? '', dir, entry };
  }
  return undefined;
}

/** Resolves a tool name to its installed package, trying `@tradecore/plugin-<name>`, then `tradecore-plugin-<name>`. */
export function resolveToolPackage(name: string, options: ResolveToolOptions): ResolvedToolPackage | undefined {
  for (const candidate of toolPackageCandidates(name)) {
    const found = findPackage(candidate, options);
    if (found) return found;
  }
  return undefined;
}

/** A tool could not be found or loaded. */
export class ToolResolutionError extends TradecoreError {
  override name = 'ToolResolutionError';
}

/** The message for a name that resolves to nothing: which package to install. */
export function unknownToolMessage(name: string): string {
  const [first, second] = toolPackageCandidates(name);
  return `unknown tool "${name}": install ${first}${second ? ` (or a community ${second})` : ''}, e.g. \`pnpm add ${first}\``;
}

export type ToolFactory = (options?: Record<string, unknown>) => TradecorePlugin;

/** Imports a resolved package and returns its default export, which must be the plugin factory. */
export async function importToolFactory(resolved: ResolvedToolPackage): Promise<ToolFactory> {
  const mod = (await import(pathToFileURL(resolved.entry).href)) as { default?: unknown };
  if (typeof mod.default !== 'function') {
    throw new ToolResolutionError(`${resolved.packageName} (${resolved.entry}) has no default export; a tool package must default-export its plugin factory`);
  }
  return mod.default as ToolFactory;
}

/** Installed packages named like TradeCore plugins (`@tradecore/plugin-*`, `tradecore-plugin-*`, `@scope/tradecore-plugin-*`), nearest first. */
export function listToolPackages(options: ResolveToolOptions): ResolvedToolPackage[] {
  const seen = new Set<string>();
  const out: ResolvedToolPackage[] = [];
  const add = (packageName: string) => {
    if (seen.has(packageName)) return;
    seen.add(packageName);
    const found = findPackage(packageName, options);
    if (found) out.push(found);
  };
  for (const modules of nodeModulesDirs(options.cwd)) {
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('tradecore-plugin-')) add(entry);
      else if (entry.startsWith('@') && !entry.startsWith('.')) {
        let scoped: string[] = [];
        try {
          scoped = readdirSync(path.join(modules, entry));
        } catch {
          continue;
        }
        for (const name of scoped) {
          if ((entry === '@tradecore' && name.startsWith('plugin-')) || name.startsWith('tradecore-plugin-')) add(`${entry}/${name}`);
        }
      }
    }
  }
  return out.sort((a, b) => a.packageName.localeCompare(b.packageName));
}
