import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Publishing hygiene that publint and attw do not check (they need a build; this runs on sources).
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  type?: string;
  description?: string;
  keywords?: string[];
  repository?: { type: string; url: string; directory: string };
  engines?: { node?: string };
  exports?: Record<string, string | Record<string, string>>;
  types?: string;
  files?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const packages = readdirSync(path.join(repoRoot, 'packages'))
  .filter((dir) => existsSync(path.join(repoRoot, 'packages', dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(path.join(repoRoot, 'packages', dir, 'package.json'), 'utf8')) as Manifest }))
  .filter(({ manifest }) => !manifest.private);

const workspaceVersions = new Map(packages.map(({ manifest }) => [manifest.name, manifest.version]));

describe.each(packages.map((p) => [p.manifest.name, p] as const))('%s is ready to publish', (_name, { dir, manifest }) => {
  it('has a README, description, MIT license, repository directory, keywords and engines', () => {
    expect(existsSync(path.join(repoRoot, 'packages', dir, 'README.md')), `packages/${dir}/README.md`).toBe(true);
    expect(manifest.description?.length, 'description').toBeGreaterThan(10);
    expect(manifest.license).toBe('MIT');
    expect(manifest.repository).toEqual({ type: 'git', url: 'git+https://github.com/tradecore/tradecore.git', directory: `packages/${dir}` });
    expect(manifest.keywords).toContain('tradecore');
    expect(manifest.engines?.node).toBe('>=20.19');
    expect(manifest.type).toBe('module');
  });

  it('exports types first, then the source condition, then the built file; ships dist', () => {
    expect(manifest.files).toContain('dist');
    expect(manifest.exports?.['./package.json']).toBe('./package.json');
    for (const [entry, target] of Object.entries(manifest.exports ?? {})) {
      if (typeof target === 'string') continue;
      const conditions = Object.keys(target);
      expect(conditions[0], `exports["${entry}"]: "types" must come first`).toBe('types');
      expect(conditions.at(-1), `exports["${entry}"]: "default" must come last`).toBe('default');
      expect(target.types, `exports["${entry}"].types`).toMatch(/^\.\/dist\/.*\.d\.ts$/);
    }
    expect(manifest.types).toBe('./dist/index.d.ts');
  });

  it('depends on other workspace packages with workspace:^ so the packed range is ^<version>', () => {
    for (const field of ['dependencies', 'peerDependencies'] as const) {
      for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
        if (workspaceVersions.has(dep)) expect(range, `${field}.${dep}`).toBe('workspace:^');
      }
    }
  });

  it.runIf(dir.startsWith('plugin-'))('is discoverable as a plugin and takes the SDK as a peer', () => {
    expect(manifest.name).toBe(`@tradecore/${dir}`);
    expect(manifest.keywords).toContain('tradecore-plugin');
    expect(manifest.peerDependencies?.['@tradecore/sdk']).toBe('workspace:^');
    expect(manifest.dependencies?.['@tradecore/sdk'], 'the SDK must be a peer, never a second copy').toBeUndefined();
  });
});

describe('templates', () => {
  const caretSatisfies = (range: string, version: string): boolean => {
    const [rMajor, rMinor, rPatch] = range.replace(/^\^/, '').split('.').map(Number) as [number, number, number];
    const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
    if (major !== rMajor) return false;
    if (major === 0) return minor === rMinor && patch >= rPatch;
    return minor > rMinor || (minor === rMinor && patch >= rPatch);
  };

  it.each(['app', 'indicator-plugin'])('%s depends only on published @tradecore packages, in range of the workspace versions', (template) => {
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'templates', template, 'package.json'), 'utf8')) as Manifest;
    const deps = { ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies };
    const tradecore = Object.entries(deps).filter(([dep]) => dep.startsWith('@tradecore/'));
    expect(tradecore.length).toBeGreaterThan(0);
    for (const [dep, range] of tradecore) {
      const version = workspaceVersions.get(dep);
      expect(version, `${dep} is not a publishable workspace package`).toBeDefined();
      expect(caretSatisfies(range, version as string), `${dep}@${range} must accept the workspace version ${version}`).toBe(true);
    }
  });
});

describe('plugin objects carry their package version', () => {
  const pluginPackages = packages.filter(({ dir }) => dir.startsWith('plugin-') || dir.startsWith('trainer-'));
  it.each(pluginPackages.map((p) => [p.manifest.name, p] as const))(
    '%s: every factory builds a plugin whose version equals package.json (changeset version keeps them in step)',
    async (_name, { dir, manifest }) => {
      const mod = (await import(path.join(repoRoot, 'packages', dir, 'src/index.ts'))) as Record<string, unknown>;
      const plugins = Object.values(mod)
        .filter((value): value is () => unknown => typeof value === 'function' && value.length <= 1)
        .map((factory) => {
          try {
            return factory();
          } catch {
            return undefined;
          }
        })
        .filter((value): value is { name: string; version: string; apiVersion: number } =>
          typeof value === 'object' && value !== null && 'apiVersion' in value && 'setup' in value,
        );
      expect(plugins.length, `${manifest.name} exports at least one plugin factory`).toBeGreaterThan(0);
      for (const plugin of plugins) expect(plugin.version, `${plugin.name}.version`).toBe(manifest.version);
    },
  );
});
