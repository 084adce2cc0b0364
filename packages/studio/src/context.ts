import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { findPackage } from '@tradecore/sdk';
import type { FastifyServerOptions } from 'fastify';
import { Pulls } from './adapters/ingest.ts';
import { Lake } from './adapters/lake.ts';
import { Sweeps } from './adapters/sweeps.ts';
import { pluginCatalogue } from './adapters/plugins.ts';
import type { PluginInfo, PullDefaults } from './api.ts';
import { LaunchRegistry, type CliCommand } from './launches.ts';
import { LiveHub } from './live.ts';
import { RunIndex } from './runIndex.ts';

export interface StudioOptions {
  /** The project folder: plugin names resolve from its node_modules; relative paths below are taken from it. Default: the current folder. */
  readonly root?: string;
  /** Folder holding `lake/` and `manifests/`. Default `<root>/data`. */
  readonly dataDir?: string;
  /** Folder of run archives. Default `<root>/runs`. */
  readonly runsDir?: string;
  /** Config the Control page starts from (TypeScript or JSON). */
  readonly configFile?: string | null;
  /** Tool manifests the Control page lists and saves. Default `<root>/configs/tools`. */
  readonly toolsDir?: string;
  /** Where config files saved from the panel go. Default `<root>/configs`. */
  readonly configsDir?: string;
  /** The only folder files are imported from. Default `<dataDir>/imports`. */
  readonly importsDir?: string;
  /** Sweeps (`sweeps/<id>/sweep.json`). Default `<root>/sweeps`. */
  readonly sweepsDir?: string;
  /**
   * Options every exchange pull started from the panel gets (never taken from a request), e.g. a local mirror:
   * `{ restUrl: 'http://127.0.0.1:8080', rateLimit: 0 }`. Checked when the studio starts.
   */
  readonly pullDefaults?: PullDefaults;
  /** How to start `tradecore` for launches. Default: the `@tradecore/cli` installed in the project. */
  readonly cli?: CliCommand | null;
  /** Address to bind. Default `127.0.0.1`. Any non-loopback address requires a token. */
  readonly host?: string;
  /** Port. Default 4173; 0 picks a free one. */
  readonly port?: number;
  /**
   * Access token every API call must carry. Default: none on a loopback address, a fresh random one on any
   * other address. `null`: no token (refused for a non-loopback address).
   */
  readonly token?: string | null;
  /** Fastify logger setting (default: warnings and errors on stderr). */
  readonly logger?: FastifyServerOptions['logger'];
  /** Poll interval of the live runs view, ms. Default 1000. */
  readonly pollMs?: number;
}

/** Resolved folders and the services every route uses. */
export interface StudioContext {
  readonly root: string;
  readonly dataDir: string;
  readonly runsDir: string;
  readonly toolsDir: string;
  readonly configsDir: string;
  readonly importsDir: string;
  readonly configFile: string | null;
  readonly cli: CliCommand | null;
  readonly lake: Lake;
  readonly launches: LaunchRegistry;
  readonly runs: RunIndex;
  readonly live: LiveHub;
  readonly sweeps: Sweeps;
  readonly pulls: Pulls;
  /** Installed plugins (read once; restart the studio after installing one). */
  catalogue(): Promise<{ plugins: PluginInfo[]; broken: string[] }>;
}

/** `node <@tradecore/cli's bin>` when the CLI is installed in the project. */
export function defaultCli(root: string): CliCommand | null {
  const cli = findPackage('@tradecore/cli', { cwd: root });
  if (!cli) return null;
  const bin = path.join(cli.dir, 'dist', 'index.js');
  return existsSync(bin) ? { command: process.execPath, args: [bin] } : null;
}

/** The folder with symlinks resolved; created first when `create` (the runs folder), else left as named. */
function realDir(dir: string, create: boolean): string {
  if (create) mkdirSync(dir, { recursive: true });
  return existsSync(dir) ? realpathSync(dir) : dir;
}

export function createContext(options: StudioOptions): StudioContext {
  const root = realpathSync(path.resolve(options.root ?? process.cwd()));
  const from = (value: string | undefined, fallback: string) => path.resolve(root, value ?? fallback);
  const dataDir = realDir(from(options.dataDir, 'data'), false);
  const runsDir = realDir(from(options.runsDir, 'runs'), true);
  const toolsDir = from(options.toolsDir, 'configs/tools');
  const configsDir = from(options.configsDir, 'configs');
  const importsDir = path.resolve(dataDir, options.importsDir ?? 'imports');
  const cli = options.cli === undefined ? defaultCli(root) : options.cli;
  const launches = new LaunchRegistry(runsDir, cli ?? { command: 'tradecore', args: [] }, root);
  launches.load();
  const live = new LiveHub(launches, options.pollMs ?? 1000);
  const runs = new RunIndex(runsDir, launches, (id) => live.progress(id));
  live.runs = runs;
  let catalogue: ReturnType<typeof pluginCatalogue> | undefined;
  return {
    root,
    dataDir,
    runsDir,
    toolsDir,
    configsDir,
    importsDir,
    configFile: options.configFile ? path.resolve(root, options.configFile) : null,
    cli,
    lake: new Lake(dataDir),
    launches,
    runs,
    live,
    sweeps: new Sweeps(from(options.sweepsDir, 'sweeps'), runsDir),
    pulls: new Pulls(root, dataDir, (pull) => live.publish({ type: 'pull', pull }), options.pullDefaults ?? {}),
    catalogue: () => (catalogue ??= pluginCatalogue(root)),
  };
}
