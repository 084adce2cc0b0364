import path from 'node:path';
import { assertId, loadConfig, parseOverride, type LoadedConfig, type SweepConfig } from '@tradecore/sdk';
import { SweepError } from './errors.ts';
import { configHash, datasetChecksum, sweepId, trialId } from './identity.ts';
import { expandSettings, resolveSpec, settingOverrides, type Setting, type SweepFlags, type SweepSpec } from './spec.ts';

/** One trial as a job: everything a worker on any machine needs to run it (plain JSON). */
export interface TrialJob {
  readonly sweepId: string;
  readonly trialId: string;
  /** Position in the sweep (settings in order, seeds within a setting). */
  readonly index: number;
  readonly setting: string;
  readonly seed: number;
  /** `--set` entries: the sweep's base overrides, then the setting's values. */
  readonly overrides: readonly string[];
  /** The config file relative to the project folder the worker runs in (`/`-separated). */
  readonly configFile: string;
  /** What the worker must find when it loads that file and the dataset, or it refuses the trial. */
  readonly configHash: string;
  readonly datasetChecksum: string;
}

/** A sweep ready to run: its id, spec, settings and trials. */
export interface SweepPlan {
  readonly id: string;
  readonly spec: SweepSpec;
  readonly settings: readonly Setting[];
  readonly trials: readonly TrialJob[];
  readonly configFile: string;
  /** The dataset the trials read (several, comma-separated, when the settings vary it). */
  readonly dataset: string;
  readonly configHash: string;
  /** The first setting's dataset checksum (each trial carries its own). */
  readonly datasetChecksum: string;
}

export interface PlanOptions {
  /** Project folder: config paths in jobs are relative to it (default: the current folder). */
  readonly cwd?: string;
  /** Config file; searched for from `cwd` when omitted. */
  readonly configFile?: string;
  readonly flags?: SweepFlags;
  /** Sweep id (default: a hash of the config, dataset and trials). */
  readonly id?: string;
}

/** A project's config, loaded once per process, and the datasets its trials read. */
export interface Project {
  readonly loaded: LoadedConfig;
  readonly hash: string;
  /**
   * The dataset a trial with these `--set` overrides reads — the config's, unless they set `dataset` or
   * `dataDir` (resolved by the config loader, as the trial's run resolves them) — and its checksum, computed
   * once per dataset and data folder.
   */
  data(overrides: readonly string[]): Promise<{ dataset: string; checksum: string }>;
}

/** Loads the config (and keeps it per file and modification time: workers load it once per process). */
const cache = new Map<string, Promise<Project>>();

export async function loadProject(cwd: string, configFile: string | undefined): Promise<Project> {
  const key = `${cwd}\u0000${configFile ?? ''}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = (async () => {
      const loaded = await loadConfig({ cwd, ...(configFile ? { configFile } : {}) });
      const checksums = new Map<string, Promise<string>>();
      const data = async (overrides: readonly string[]) => {
        // Overrides that name the data are resolved the way the trial's run resolves them (relative paths from cwd).
        const { dataset, dataDir } = overrides.some(setsData) ? (await loadConfig({ cwd, configFile: loaded.filepath, set: overrides })).config : loaded.config;
        const at = `${dataDir}\u0000${dataset}`;
        let checksum = checksums.get(at);
        if (!checksum) {
          checksum = datasetChecksum(dataset, dataDir);
          checksums.set(at, checksum);
          checksum.catch(() => checksums.delete(at));
        }
        return { dataset, checksum: await checksum };
      };
      return { loaded, hash: await configHash(loaded), data };
    })();
    cache.set(key, entry);
    entry.catch(() => cache.delete(key));
  }
  return entry;
}

/** Whether an override names the data a trial reads (`dataset=…`, `dataDir=…`). */
function setsData(override: string): boolean {
  const [key] = parseOverride(override).path;
  return key === 'dataset' || key === 'dataDir';
}

/** Forgets loaded configs (a long-lived worker whose project changed on disk). */
export function clearProjectCache(): void {
  cache.clear();
}

/** Expands a sweep into its trials: each setting × each seed, with ids that hash what makes the trial. */
export async function planSweep({ cwd = process.cwd(), configFile, flags = {}, id }: PlanOptions = {}): Promise<SweepPlan> {
  const project = await loadProject(cwd, configFile);
  const { loaded } = project;
  const block = (loaded.config as { sweep?: SweepConfig }).sweep;
  const spec = resolveSpec(block, flags, loaded.filepath);
  const settings = expandSettings(spec);
  const relativeConfig = path.relative(cwd, loaded.filepath).split(path.sep).join('/');
  if (relativeConfig.startsWith('../') || path.isAbsolute(relativeConfig)) {
    throw new SweepError(`${loaded.filepath}: the config must be inside the project folder ${cwd}, where workers find it by the same relative path`);
  }
  const ids = new Set<string>();
  const trials: TrialJob[] = [];
  const datasets: { dataset: string; checksum: string }[] = [];
  for (const setting of settings) {
    const overrides = [...spec.base, ...settingOverrides(setting.values)];
    const { dataset, checksum } = await project.data(overrides);
    datasets.push({ dataset, checksum });
    for (const seed of spec.seeds) {
      const tid = trialId({ configHash: project.hash, overrides, seed, datasetChecksum: checksum });
      if (ids.has(tid)) throw new SweepError(`settings ${setting.id} and an earlier one are the same trial (seed ${seed}): the grid or the random draws repeat a setting`);
      ids.add(tid);
      trials.push({ sweepId: '', trialId: tid, index: trials.length, setting: setting.id, seed, overrides, configFile: relativeConfig, configHash: project.hash, datasetChecksum: checksum });
    }
  }
  // The first setting's dataset (the config's, or what the base overrides name, unless the grid varies it).
  const first = datasets[0]!;
  const sid = id !== undefined ? assertId(id, 'sweep id') : sweepId(project.hash, first.checksum, [...ids], spec.metric, spec.goal);
  return {
    id: sid,
    spec,
    settings,
    trials: trials.map((t) => ({ ...t, sweepId: sid })),
    configFile: relativeConfig,
    dataset: [...new Set(datasets.map((d) => d.dataset))].join(', '),
    configHash: project.hash,
    datasetChecksum: first.checksum,
  };
}
