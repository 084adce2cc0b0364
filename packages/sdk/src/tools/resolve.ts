import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { TradecoreError } from '../errors.ts';
import { pluginFactoryInfo, type PluginFactoryInfo } from '../plugin/definePlugin.ts';
import type { TradecorePlugin } from '../plugin/types.ts';

/**
 * A plugin name as a config or tool manifest writes it: `rsi`, `risk-guard`, `trainer-gpu`, a full package name
 * (`@tradecore/plugin-rsi`, `tradecore-plugin-macd`, `@acme/tradecore-plugin-x`), optionally followed by
 * `:<sub>` for a second plugin of the same package (`risk-guard:trailing-stop`).
 */
export const PLUGIN_NAME_PATTERN = '^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*(:[a-z0-9][a-z0-9._~-]*)?$';

/** `risk-guard:trailing-stop` → `{ base: 'risk-guard', sub: 'trailing-stop' }`; `rsi` → `{ base: 'rsi' }`. */
export function splitPluginName(name: string): { base: string; sub?: string } {
  const colon = name.indexOf(':');
  return colon < 0 ? { base: name } : { base: name.slice(0, colon), sub: name.slice(colon + 1) };
}

/**
 * Package names a plugin name may refer to, in the order they are tried: a short name `x` is
 * `@tradecore/plugin-x`, then `tradecore-plugin-x`; `trainer-x` is `@tradecore/trainer-x`, then
 * `tradecore-plugin-trainer-x`; a full package name is itself. A `:sub` suffix is ignored here.
 */
export function toolPackageCandidates(name: string): string[] {
  const { base } = splitPluginName(name);
  if (base.startsWith('@') || base.startsWith('tradecore-plugin-')) return [base];
  if (base.startsWith('trainer-')) return [`@tradecore/${base}`, `tradecore-plugin-${base}`];
  return [`@tradecore/plugin-${base}`, `tradecore-plugin-${base}`];
}

/**
 * The short name of a plugin or package name, the inverse of {@link toolPackageCandidates}:
 * `@tradecore/plugin-vwap` → `vwap`, `tradecore-plugin-x` → `x`, `@tradecore/trainer-gpu` → `trainer-gpu`,
 * `@tradecore/plugin-risk-guard:trailing-stop` → `risk-guard:trailing-stop`; other names stay whole.
 */
export function toolNameOf(packageName: string): string {
  const match = /^(?:@tradecore\/plugin-|tradecore-plugin-|@tradecore\/(?=trainer-))(.+)$/.exec(packageName);
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

/** The package manager that runs us (from npm_config_user_agent), else the one whose lockfile is nearest `cwd`, else npm. */
export function packageManager(cwd: string = process.cwd()): 'npm' | 'pnpm' | 'yarn' | 'bun' {
  const agent = /^(npm|pnpm|yarn|bun)\//.exec(process.env.npm_config_user_agent ?? '');
  if (agent) return agent[1] as 'npm' | 'pnpm' | 'yarn' | 'bun';
  const lockfiles = [
    ['pnpm-lock.yaml', 'pnpm'],
    ['yarn.lock', 'yarn'],
    ['bun.lock', 'bun'],
    ['bun.lockb', 'bun'],
    ['package-lock.json', 'npm'],
  ] as const;
  let dir = path.resolve(cwd);
  for (;;) {
    for (const [file, manager] of lockfiles) if (existsSync(path.join(dir, file))) return manager;
    const parent = path.dirname(dir);
    if (parent === dir) return 'npm';
    dir = parent;
  }
}

/** The command that installs `packageName` into the project at `cwd`, e.g. `pnpm add @tradecore/plugin-atr`. */
export function installCommand(packageName: string, cwd?: string): string {
  const manager = packageManager(cwd);
  return `${manager} ${manager === 'npm' ? 'install' : 'add'} ${packageName}`;
}

/** The message for a name that resolves to nothing: which package to install, with which command. */
export function unknownToolMessage(name: string, cwd?: string): string {
  const [first, second] = toolPackageCandidates(name);
  return `unknown plugin "${name}": install ${first}${second ? ` (or a community ${second})` : ''}: \`${installCommand(first!, cwd)}\``;
}

export type ToolFactory = (options?: Record<string, unknown>) => TradecorePlugin;

/** One plugin factory a package exports. */
export interface PluginFactoryExport {
  /** `default` or the export's name, e.g. `trailingStop`. */
  readonly exportName: string;
  readonly factory: ToolFactory;
  /** Name, kind and options schema, for factories made by `definePlugin`. */
  readonly info?: PluginFactoryInfo;
}

async function importEntry(resolved: ResolvedToolPackage): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(resolved.entry).href)) as Record<string, unknown>;
}

/** Every plugin factory a package exports: its default export when that is a function, and each `definePlugin` factory. */
export async function listPluginFactories(resolved: ResolvedToolPackage): Promise<PluginFactoryExport[]> {
  const mod = await importEntry(resolved);
  const out: PluginFactoryExport[] = [];
  const seen = new Set<unknown>();
  const add = (exportName: string, value: unknown) => {
    if (typeof value !== 'function' || seen.has(value)) return;
    const info = pluginFactoryInfo(value);
    if (!info && exportName !== 'default') return;
    seen.add(value);
    out.push({ exportName, factory: value as ToolFactory, ...(info ? { info } : {}) });
  };
  add('default', mod.default);
  for (const [exportName, value] of Object.entries(mod)) if (exportName !== 'default') add(exportName, value);
  return out;
}

/**
 * The factory a plugin name refers to inside its package. `name` without `:sub`: the factory whose plugin is
 * named like the package, else the default export, else the package's only factory. With `:sub`: the factory
 * whose plugin is named `<package>:<sub>`.
 */
export async function importPluginFactory(resolved: ResolvedToolPackage, name: string = resolved.packageName): Promise<PluginFactoryExport> {
  const { sub } = splitPluginName(name);
  const factories = await listPluginFactories(resolved);
  const wanted = sub ? `${resolved.packageName}:${sub}` : resolved.packageName;
  const found =
    factories.find((f) => f.info?.name === wanted) ??
    (sub ? undefined : (factories.find((f) => f.exportName === 'default') ?? (factories.length === 1 ? factories[0] : undefined)));
  if (found) return found;
  const offered = factories.map((f) => (f.info ? `${f.info.name} (${f.exportName})` : f.exportName));
  throw new ToolResolutionError(
    `${resolved.packageName} (${resolved.entry}) has no plugin "${wanted}"` +
      (offered.length ? `; it exports ${offered.join(', ')}` : '; a plugin package must default-export its plugin factory or export factories made by definePlugin'),
  );
}

/** Imports a resolved package and returns its default export, which must be the plugin factory. */
export async function importToolFactory(resolved: ResolvedToolPackage): Promise<ToolFactory> {
  const mod = await importEntry(resolved);
  if (typeof mod.default !== 'function') {
    throw new ToolResolutionError(`${resolved.packageName} (${resolved.entry}) has no default export; a tool package must default-export its plugin factory`);
  }
  return mod.default as ToolFactory;
}

/** Installed packages named like TradeCore plugins (`@tradecore/plugin-*`, `@tradecore/trainer-*`, `tradecore-plugin-*`, `@scope/tradecore-plugin-*`), sorted by name. */
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
          if ((entry === '@tradecore' && (name.startsWith('plugin-') || name.startsWith('trainer-'))) || name.startsWith('tradecore-plugin-')) add(`${entry}/${name}`);
        }
      }
    }
  }
  return out.sort((a, b) => a.packageName.localeCompare(b.packageName));
}
