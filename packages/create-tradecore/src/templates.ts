import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const TEMPLATES = ['app', 'indicator-plugin'] as const;
export type TemplateName = (typeof TEMPLATES)[number];

export const TEMPLATE_DESCRIPTIONS: Record<TemplateName, string> = {
  app: 'a runnable research project: dataset, indicators, RiskGuard, PPO, `tradecore run`',
  'indicator-plugin': 'a third-party indicator plugin package (tradecore-plugin-<name>) with conformance tests',
};

export function isTemplateName(value: string): value is TemplateName {
  return (TEMPLATES as readonly string[]).includes(value);
}

/**
 * The published package carries `templates/` beside `dist/` (copied there by the build); inside the
 * repository, running from `src/` before a build, the repo-root `templates/` is the source of truth.
 */
export function templatesRoot(): string {
  const candidates = [new URL('../templates/', import.meta.url), new URL('../../../templates/', import.meta.url)];
  for (const candidate of candidates) {
    const dir = fileURLToPath(candidate);
    if (existsSync(dir)) return dir;
  }
  throw new Error(
    `create-tradecore: templates folder not found (looked in ${candidates.map((c) => fileURLToPath(c)).join(', ')}); the package is incomplete`,
  );
}
