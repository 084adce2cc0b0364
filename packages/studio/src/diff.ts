type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A plugin list keyed by plugin name, so the same plugin lines up across runs whatever its position. */
function keyPlugins(list: Json[]): Record<string, Json> | Json[] {
  if (!list.every((p) => isObject(p) && typeof p.name === 'string')) return list;
  const out: Record<string, Json> = {};
  for (const p of list as Record<string, Json>[]) {
    const { name, ...rest } = p;
    out[name as string] = rest;
  }
  return out;
}

/** Dotted path → leaf value (arrays of numbers or strings are leaves). */
export function flattenConfig(value: Json, prefix = '', out = new Map<string, Json>()): Map<string, Json> {
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      const next = key === 'plugins' && !prefix && Array.isArray(child) ? keyPlugins(child) : child;
      flattenConfig(next, prefix ? `${prefix}.${key}` : key, out);
    }
  } else {
    out.set(prefix, value);
  }
  return out;
}

/**
 * The keys whose values differ between configs (a key missing from one config differs too), sorted by path;
 * `values[i]` is config i's value (`undefined` where it has none).
 */
export function configDiff(configs: readonly (Json | null)[]): { path: string; values: Json[] }[] {
  const flat = configs.map((c) => flattenConfig(c ?? {}));
  const paths = new Set(flat.flatMap((f) => [...f.keys()]));
  const out: { path: string; values: Json[] }[] = [];
  for (const p of [...paths].sort()) {
    const values = flat.map((f) => f.get(p));
    const texts = values.map((v) => JSON.stringify(v));
    if (texts.some((t) => t !== texts[0])) out.push({ path: p, values: values.map((v) => (v === undefined ? null : v)) });
  }
  return out;
}
