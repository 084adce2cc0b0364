import { TradecoreError } from '../errors.ts';

export class OverrideError extends TradecoreError {
  override name = 'OverrideError';
}

/** One `key.path=value` override, parsed. */
export interface ParsedOverride {
  /** The override as written, e.g. `plugins.rsi.period=21`. */
  readonly text: string;
  readonly path: readonly string[];
  readonly value: unknown;
}

/**
 * Parses `key.path=value`; the value is read as JSON when it parses (numbers, booleans, arrays, objects), else as
 * a string. `plugins.<name>.<option>=value` keys are parsed too; {@link applyOverrides} leaves them to the plugin
 * resolution, which knows the plugin names (a name may itself contain dots).
 */
export function parseOverride(entry: string): ParsedOverride {
  const eq = entry.indexOf('=');
  if (eq <= 0) throw new OverrideError(`--set ${entry}: expected key=value, e.g. trainer.totalSteps=20000 or plugins.rsi.period=21`);
  const key = entry.slice(0, eq).trim();
  const raw = entry.slice(eq + 1);
  const keys = key.split('.');
  if (keys.some((k) => k.length === 0)) throw new OverrideError(`--set ${entry}: empty segment in key "${key}"`);
  if (keys[0] === 'plugins' && keys.length < 3) {
    throw new OverrideError(`--set ${entry}: set one option of one plugin, e.g. plugins.rsi.period=21 or plugins.rsi.enabled=false`);
  }
  if (keys.some((k) => k === '__proto__' || k === 'constructor' || k === 'prototype')) throw new OverrideError(`--set ${entry}: "${key}" is not a config key`);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // a plain string
  }
  return { text: entry, path: keys, value };
}

/** Whether an override addresses a plugin (`plugins.<name>.<option>`). */
export function isPluginOverride(override: ParsedOverride): boolean {
  return override.path[0] === 'plugins';
}

/**
 * Returns a copy of `target` with every `key.path=value` override applied (nested objects are copied on the way).
 * `plugins.*` overrides are skipped: they are applied where plugins are resolved.
 */
export function applyOverrides<T extends object>(target: T, entries: readonly string[]): T {
  const root: Record<string, unknown> = { ...(target as Record<string, unknown>) };
  for (const entry of entries) {
    const override = parseOverride(entry);
    if (isPluginOverride(override)) continue;
    const { path } = override;
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
    node[path[path.length - 1]!] = override.value;
  }
  return root as T;
}
