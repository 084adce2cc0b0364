import { TradecoreError } from '../errors.ts';

export class OverrideError extends TradecoreError {
  override name = 'OverrideError';
}

/** Parses `key.path=value`; the value is read as JSON when it parses (numbers, booleans, arrays), else as a string. */
export function parseOverride(entry: string): { path: string[]; value: unknown } {
  const eq = entry.indexOf('=');
  if (eq <= 0) throw new OverrideError(`--set ${entry}: expected key=value, e.g. trainer.totalSteps=20000`);
  const key = entry.slice(0, eq).trim();
  const raw = entry.slice(eq + 1);
  const keys = key.split('.');
  if (keys.some((k) => k.length === 0)) throw new OverrideError(`--set ${entry}: empty segment in key "${key}"`);
  if (keys[0] === 'plugins') throw new OverrideError(`--set ${entry}: plugins are objects in the config file and cannot be set from the command line`);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a plain string
  }
  return { path: keys, value };
}

/** Returns a copy of `target` with every `key.path=value` override applied (nested objects are copied on the way). */
export function applyOverrides<T extends object>(target: T, entries: readonly string[]): T {
  const root: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const entry of entries) {
    const { path, value } = parseOverride(entry);
    let node = root;
    for (let i = 0; i < path.length - 1; i++) {
      const k = path[i]!;
      const child = node[k];
      if (child !== undefined && (typeof child !== 'object' || child === null || Array.isArray(child))) {
        throw new OverrideError(`--set ${entry}: "${path.slice(0, i + 1).join('.')}" is not an object`);
      }
      node[k] = { ...((child as Record<string, unknown> | undefined) ?? {}) };
      node = node[k] as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = value;
  }
  return root as T;
}
