import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { TradecoreError } from '../errors.ts';
import type { TradecorePlugin } from '../plugin/types.ts';
import { installCommand } from '../tools/resolve.ts';
import { isValidationError } from '../tools/resolveTools.ts';
import type { ConfigEnv, UserConfig } from './defineConfig.ts';
import { displayPath, RunSetupError, type SetupIssue } from './issues.ts';
import { factoryCallSite } from './_callSite.ts';
import { resolveConfig, type ConfigPlugin } from './resolveConfig.ts';
import type { ResolvedConfig } from './schema.ts';

export const CONFIG_SEARCH_PLACES = [
  'package.json',
  'tradecore.config.ts',
  'tradecore.config.mts',
  'tradecore.config.js',
  'tradecore.config.mjs',
  'tradecore.config.json',
  'tradecore.config.yaml',
  'tradecore.config.yml',
] as const;

/** A validated config: defaults applied, paths absolute, `--set` overrides applied, plugins made. */
export type LoadedConfigData = Omit<ResolvedConfig, 'plugins'> & {
  /** Every enabled plugin, the tool manifest's included, in order. */
  plugins: TradecorePlugin[];
};

export interface LoadedConfig {
  /** Validated config; `dataDir`, `tools` and a dataset given as a path are absolute. */
  config: LoadedConfigData;
  /** Absolute path of the file it came from (`<inline config>` for an in-memory one). */
  filepath: string;
  /** Each plugin with where it was written and the data-shaped entry that makes it again. */
  plugins: readonly ConfigPlugin[];
  /** The config as data: every plugin by name with its final options, the tool manifest folded in. */
  data: ResolvedConfig;
}

export interface LoadConfigOptions {
  /** Folder the search starts from and command-line paths are relative to. Default: `process.cwd()`. */
  cwd?: string;
  /** Explicit file; otherwise the search places are tried from `cwd` upwards. */
  configFile?: string;
  mode?: ConfigEnv['mode'];
  /** `key.path=value` overrides, e.g. `trainer.totalSteps=20000`, `plugins.rsi.period=21`, `plugins.rsi.enabled=false`. */
  set?: readonly string[];
}

export class ConfigNotFoundError extends TradecoreError {
  override name = 'ConfigNotFoundError';
}

/** The config file exists but evaluating it threw (a syntax error, a package that is not installed…). */
export class ConfigLoadError extends TradecoreError {
  override name = 'ConfigLoadError';
  constructor(
    /** Absolute path of the file. */
    readonly file: string,
    /** What went wrong and what to do, without the file name. */
    readonly detail: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${detail}`, options);
  }
}

/** A config as its file defines it (a function config already called), before validation. */
export interface RawConfig {
  /** Absolute path of the file. */
  filepath: string;
  value: unknown;
}

/** A module whose default export is null or undefined. */
class EmptyExport {
  constructor(readonly value: null | undefined) {}
}

const stripBom = (text: string): string => (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The package an import specifier names: `@scope/pkg/sub` → `@scope/pkg`, `pkg/sub` → `pkg`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Turns what evaluating a config file threw into a message that says what to do. */
function loadFailure(file: string, error: unknown, cwd: string): Error {
  const shown = displayPath(file, cwd);
  // A plugin factory rejected its options: name the position in `plugins` and each bad option.
  if (isValidationError(error)) {
    const plugin = /^options of plugin "(.+)"$/.exec(error.source)?.[1];
    if (plugin) {
      let at = '';
      try {
        at = factoryCallSite(readFileSync(file, 'utf8'), plugin) ?? '';
      } catch {
        // the position is a convenience; the message stands without it
      }
      return new RunSetupError(
        error.issues.map((issue): SetupIssue => ({
          source: shown,
          path: at ? `${at}.options${issue.path ? `.${issue.path}` : ''}` : `options${issue.path ? `.${issue.path}` : ''}`,
          message: issue.message,
          plugin,
        })),
      );
    }
  }
  const message = messageOf(error);
  const missing = /Cannot find (?:module|package) '([^']+)'/.exec(message);
  if (missing) {
    const specifier = missing[1]!;
    if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
      return new ConfigLoadError(file, `cannot find "${specifier}", which it imports (paths are relative to the config file)`, { cause: error });
    }
    const pkg = packageOf(specifier);
    return new ConfigLoadError(file, `imports "${specifier}", which is not installed: run \`${installCommand(pkg, path.dirname(file))}\``, { cause: error });
  }
  // Keep the position a parser reports (`…/tradecore.config.ts:3:14`), drop Node's require stack.
  const text = message
    .split(/\n\s*Require stack:/)[0]!
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ')
    .replaceAll(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):(\\d+)`, 'g'), '(line $1, column $2)');
  return new ConfigLoadError(file, `the config could not be loaded: ${text}`, { cause: error });
}

/** Finds and evaluates a config file (TypeScript included); a function config is called with the mode. No validation. */
export async function readConfigFile({ cwd = process.cwd(), configFile, mode = 'backtest' }: Omit<LoadConfigOptions, 'set'> = {}): Promise<RawConfig> {
  const [{ cosmiconfig, defaultLoaders }, { createJiti }] = await Promise.all([import('cosmiconfig'), import('jiti')]);
  // Remember which file a loader was working on, so an error thrown while evaluating it can name that file.
  let loading: string | undefined;
  const track =
    <R>(loader: (filepath: string, content: string) => R) =>
    (filepath: string, content: string): R => {
      loading = filepath;
      return loader(filepath, content);
    };
  // TypeScript and JavaScript through jiti. The config file itself is evaluated afresh on every load (a config
  // edited between two loads in one process — the studio, a watcher — is read again); what it imports stays
  // cached, so a library such as tfjs is never loaded twice. The module namespace comes back whole, so
  // `export default null` stays null and an error thrown while evaluating the file arrives as it was thrown.
  const moduleLoader = track(async (filepath: string) => {
    const jiti = createJiti(filepath, { interopDefault: false });
    delete jiti.cache[filepath];
    const namespace = (await jiti.import(filepath)) as Record<string, unknown>;
    delete jiti.cache[filepath];
    const value = 'default' in namespace ? namespace.default : namespace;
    // cosmiconfig skips a file whose config is null/undefined; say instead that it exported nothing usable.
    return value === null || value === undefined ? new EmptyExport(value) : value;
  });
  const explorer = cosmiconfig('tradecore', {
    searchPlaces: [...CONFIG_SEARCH_PLACES],
    loaders: {
      '.ts': moduleLoader,
      '.mts': moduleLoader,
      '.js': moduleLoader,
      '.mjs': moduleLoader,
      // Editors on Windows save JSON and YAML with a byte-order mark; it is not part of the text.
      '.json': track((filepath: string, content: string) => defaultLoaders['.json'](filepath, stripBom(content))),
      '.yaml': track((filepath: string, content: string) => defaultLoaders['.yaml'](filepath, stripBom(content))),
      '.yml': track((filepath: string, content: string) => defaultLoaders['.yaml'](filepath, stripBom(content))),
      noExt: track((filepath: string, content: string) => defaultLoaders['.yaml'](filepath, stripBom(content))),
    },
    searchStrategy: 'project',
    cache: false,
  });

  let result: { config: unknown; filepath: string } | null;
  let file: string | undefined;
  try {
    if (configFile) {
      file = path.resolve(cwd, configFile);
      if (!existsSync(file)) throw new ConfigNotFoundError(`config file not found: ${file}`);
      result = await explorer.load(file);
    } else {
      result = await explorer.search(cwd);
    }
  } catch (error) {
    if (error instanceof TradecoreError && !isValidationError(error)) throw error;
    throw loadFailure(loading ?? file ?? cwd, error, cwd);
  }
  if (!result) {
    throw new ConfigNotFoundError(
      `no TradeCore config found from ${cwd} (looked for ${CONFIG_SEARCH_PLACES.join(', ')} with a "tradecore" key)`,
    );
  }

  let value: unknown = result.config instanceof EmptyExport ? result.config.value : result.config;
  if (typeof value === 'function') {
    try {
      value = await (value as (env: ConfigEnv) => UserConfig | Promise<UserConfig>)({ mode });
    } catch (error) {
      throw loadFailure(result.filepath, error, cwd);
    }
  }
  return { filepath: result.filepath, value };
}

/**
 * Finds, loads (TypeScript, JavaScript, JSON or YAML) and validates a TradeCore config, applies `set` overrides
 * and makes its plugins — objects from the file as they are, plugins named as data from their packages (resolved
 * from the config's folder, then `cwd`), the tool manifest's after them. Every problem is reported at once in a
 * {@link RunSetupError}, one `file: path: message` line each.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const raw = await readConfigFile({ ...options, cwd });
  const resolved = await resolveConfig({ raw, cwd, ...(options.set ? { set: options.set } : {}) });
  if (resolved.issues.length > 0 || !resolved.config || !resolved.data) throw new RunSetupError(resolved.issues);
  return { config: resolved.config, filepath: raw.filepath, plugins: resolved.plugins, data: resolved.data };
}
