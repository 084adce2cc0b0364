import path from 'node:path';
import type { TemplateName } from './templates.ts';

const NPM_NAME = /^(?:@[a-z0-9][a-z0-9-._~]*\/)?[a-z0-9][a-z0-9-._~]*$/;
export const PLUGIN_PREFIX = 'tradecore-plugin-';

/** Why `name` is not a valid npm package name, or `undefined` when it is. */
export function invalidPackageName(name: string): string | undefined {
  if (name.length === 0) return 'a package name cannot be empty';
  if (name.length > 214) return 'a package name is at most 214 characters';
  if (!NPM_NAME.test(name)) return 'use lower case letters, digits, "-", "." or "_" (optionally @scope/name)';
  return undefined;
}

/** Turns a folder name into a plausible package name: `My Bot` → `my-bot`. */
export function toPackageName(dirName: string): string {
  return dirName
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '-')
    .replace(/^[._]+/, '')
    .replace(/[^a-z0-9-._~]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'tradecore-app';
}

/** Default package name for a target folder; a plugin gets the `tradecore-plugin-` prefix the resolver looks for. */
export function defaultPackageName(targetDir: string, template: TemplateName): string {
  const base = toPackageName(path.basename(path.resolve(targetDir)));
  if (template !== 'indicator-plugin' || base.startsWith(PLUGIN_PREFIX)) return base;
  return PLUGIN_PREFIX + base.replace(/^(?:tradecore-)?(?:plugin-)?/, '');
}

/** Tool manifests find a community plugin by name only as the unscoped `tradecore-plugin-<x>`. */
export function invalidPluginName(name: string): string | undefined {
  if (!name.startsWith(PLUGIN_PREFIX) || name.length === PLUGIN_PREFIX.length) {
    return `an indicator plugin package is named ${PLUGIN_PREFIX}<name> so that tool manifests can find it`;
  }
  return undefined;
}
