import { existsSync } from 'node:fs';
import path from 'node:path';
import { TradecoreError } from '../errors.ts';
import type { PluginOption } from '../plugin/types.ts';
import { parseWithSchema } from '../schema/validate.ts';
import type { ConfigEnv, UserConfig } from './defineConfig.ts';
import { ConfigSchema, type ResolvedConfig } from './schema.ts';

export const CONFIG_SEARCH_PLACES = [
  'package.json',
  'tradecore.config.ts',
  'tradecore.config.mts',
  'tradecore.config.js',
  'tradecore.config.mjs',
  'tradecore.config.json',
] as const;

export interface LoadedConfig {
  /** Validated config; `dataDir` and `tools` are absolute. */
  config: Omit<ResolvedConfig, 'plugins'> & { plugins: PluginOption[] };
  /** Absolute path of the file it came from. */
  filepath: string;
}

export interface LoadConfigOptions {
  cwd?: string;
  /** Explicit file; otherwise the search places are tried from `cwd` upwards. */
  configFile?: string;
  mode?: ConfigEnv['mode'];
}

export class ConfigNotFoundError extends TradecoreError {
  override name = 'ConfigNotFoundError';
}

/** The config file exists but evaluating it threw (syntax error, a plugin factory rejecting its options…). */
export class ConfigLoadError extends TradecoreError {
  override name = 'ConfigLoadError';
}

/** Finds, loads (TypeScript included) and validates a TradeCore config. */
export async function loadConfig({ cwd = process.cwd(), configFile, mode = 'backtest' }: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const [{ cosmiconfig, defaultLoaders }, { TypeScriptLoader }] = await Promise.all([
    import('cosmiconfig'),
    import('cosmiconfig-typescript-loader'),
  ]);
  // Remember which file a loader was working on, so an error thrown while evaluating it (a plugin
  // factory rejecting its options, a syntax error) can name that file.
  let loading: string | undefined;
  const track =
    <R>(loader: (filepath: string, content: string) => R) =>
    (filepath: string, content: string): R => {
      loading = filepath;
      return loader(filepath, content);
    };
  const tsLoader = track(TypeScriptLoader());
  const explorer = cosmiconfig('tradecore', {
    searchPlaces: [...CONFIG_SEARCH_PLACES],
    loaders: {
      '.ts': tsLoader,
      '.mts': tsLoader,
      '.js': track(defaultLoaders['.js']),
      '.mjs': track(defaultLoaders['.mjs']),
      '.json': track(defaultLoaders['.json']),
    },
    searchStrategy: 'project',
  });

  let result: { config: unknown; filepath: string } | null;
  try {
    if (configFile) {
      const file = path.resolve(cwd, configFile);
      if (!existsSync(file)) throw new ConfigNotFoundError(`config file not found: ${file}`);
      result = await explorer.load(file);
    } else {
      result = await explorer.search(cwd);
    }
  } catch (error) {
    if (error instanceof TradecoreError) throw error;
    const message = (error instanceof Error ? error.message : String(error)).replace(/^TypeScriptLoader failed to compile TypeScript:\s*/, '');
    throw new ConfigLoadError(`${loading ?? configFile ?? cwd}: the config could not be loaded: ${message}`, { cause: error });
  }
  if (!result) {
    throw new ConfigNotFoundError(
      `no TradeCore config found from ${cwd} (looked for ${CONFIG_SEARCH_PLACES.join(', ')} with a "tradecore" key)`,
    );
  }

  let raw = result.config as unknown;
  if (raw && typeof raw === 'object' && 'default' in raw && Object.keys(raw).length === 1) raw = (raw as { default: unknown }).default;
  if (typeof raw === 'function') raw = await (raw as (env: ConfigEnv) => UserConfig | Promise<UserConfig>)({ mode });

  // Plugins are live objects; keep them out of the JSON-level validation and check them in resolvePlugins.
  const plugins = (raw && typeof raw === 'object' && Array.isArray((raw as UserConfig).plugins) ? (raw as UserConfig).plugins : []) as PluginOption[];
  const validated = parseWithSchema(ConfigSchema, { ...(raw as object), plugins: [] }, result.filepath);
  const dir = path.dirname(result.filepath);
  return {
    filepath: result.filepath,
    config: {
      ...validated,
      plugins,
      dataDir: path.resolve(dir, validated.dataDir),
      ...(validated.tools ? { tools: path.resolve(dir, validated.tools) } : {}),
    },
  };
}
