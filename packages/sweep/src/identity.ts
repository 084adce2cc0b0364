import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { loadManifest, type LoadedConfig, type PluginOption } from '@tradecore/sdk';

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'function') return `[function ${(v as { name?: string }).name ?? ''}]`;
    if (typeof v === 'bigint') return v.toString();
    if (v && typeof v === 'object' && !Array.isArray(v) && !ArrayBuffer.isView(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}

export function sha256(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}

function flattenPlugins(list: readonly PluginOption[], out: { name: string; version: string; options: unknown }[] = []) {
  for (const p of list) {
    if (!p) continue;
    if (Array.isArray(p)) flattenPlugins(p, out);
    else {
      const plugin = p as { name: string; version?: string; options?: unknown };
      out.push({ name: plugin.name, version: plugin.version ?? '', options: plugin.options ?? {} });
    }
  }
  return out;
}

/**
 * What a config means for a result, hashed: every setting and each plugin's name, version and options,
 * plus the tool manifest's content — but not where things are on this machine (`dataDir`, `run.out`,
 * the file's own path) nor the `sweep` block, so the same project gives the same hash on every worker.
 */
export async function configHash(loaded: LoadedConfig): Promise<string> {
  const { plugins, dataDir: _dataDir, tools, run, sweep: _sweep, $schema: _schema, ...rest } = loaded.config as LoadedConfig['config'] & { sweep?: unknown };
  const { out: _out, ...runSettings } = run;
  const toolsSha = tools ? sha256(await readFile(tools)) : null;
  return sha256(canonicalJson({ format: 1, ...rest, run: runSettings, plugins: flattenPlugins(plugins), tools: toolsSha }));
}

/** The dataset's identity: its id, row count and every partition's sha256 (from the manifest, which reads verify). */
export async function datasetChecksum(dataset: string, dataDir: string): Promise<string> {
  const { manifest } = await loadManifest(dataset, { dataDir });
  return sha256(canonicalJson({ id: manifest.id, rows: manifest.rows, partitions: manifest.partitions.map((p) => ({ path: p.path, rows: p.rows, sha256: p.sha256 })) }));
}

/** What makes a trial: a hash of it is its id, so the same trial is never run twice. */
export interface TrialIdentity {
  readonly configHash: string;
  /** `--set` entries in the order they apply (the sweep's base overrides, then the setting's). */
  readonly overrides: readonly string[];
  readonly seed: number;
  readonly datasetChecksum: string;
}

/** `t-` + the first 20 hex digits of sha256 over the identity: a valid run id and path segment. */
export function trialId(identity: TrialIdentity): string {
  return `t-${sha256(canonicalJson({ format: 1, config: identity.configHash, overrides: identity.overrides, seed: identity.seed, data: identity.datasetChecksum })).slice(0, 20)}`;
}

/** `sw-` + 16 hex digits over the config hash, the dataset and the trial ids: re-running a sweep reuses its folder. */
export function sweepId(configHashValue: string, dataset: string, trialIds: readonly string[], metric: string, goal: string): string {
  return `sw-${sha256(canonicalJson({ format: 1, config: configHashValue, data: dataset, trials: trialIds, metric, goal })).slice(0, 16)}`;
}
