import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import {
  checkIndicatorAgainstDataset,
  describeOptions,
  featuresFor,
  importPluginFactory,
  inspectTools,
  installCommand,
  PLUGIN_NAME_PATTERN,
  resolvePluginEntry,
  splitPluginName,
  toolPackageCandidates,
  listToolPackages,
  loadToolManifest,
  parseToolManifest,
  resolveToolPackage,
  resolveTools,
  toolNameOf,
} from './index.ts';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const DEFAULT_MANIFEST = path.join(ROOT, 'configs/tools/default.json');
// Tests run on sources: resolve workspace packages through their `@tradecore/source` export.
const resolveOptions = { cwd: ROOT, conditions: ['@tradecore/source', 'import', 'default'] };

function tempFile(name: string, text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'tc-tools-')), name);
  writeFileSync(file, text);
  return file;
}

async function loadError(text: string): Promise<ValidationError> {
  const file = tempFile('tools.json', text);
  const error = await loadToolManifest(file).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).source).toBe(file);
  return error as ValidationError;
}

describe('loadToolManifest', () => {
  it('loads configs/tools/default.json: VWAP and close z-score, defaults applied', async () => {
    const { manifest, file } = await loadToolManifest(DEFAULT_MANIFEST);
    expect(file).toBe(DEFAULT_MANIFEST);
    expect(manifest.tools.map((t) => [t.name, t.enabled])).toEqual([
      ['vwap', true],
      ['zscore', true],
    ]);
  });

  it('reports schema problems with paths inside the file', async () => {
    const error = await loadError(JSON.stringify({ tools: [{ name: 'vwap', enabled: 'yes' }, { options: {} }, { name: 'Bad Name' }], extra: 1 }));
    const lines = error.issues.map((i) => `${i.path}: ${i.message}`);
    expect(lines).toContain('tools[0].enabled: must be a boolean, got "yes"');
    expect(lines).toContain('tools[1].name: is required');
    expect(lines.some((l) => l.startsWith('tools[2].name: must match pattern'))).toBe(true);
    expect(lines).toContain('extra: unknown property');
    expect(error.message.split('\n')[0]).toContain('tools.json is invalid');
  });

  it('reports invalid JSON and duplicates', async () => {
    expect((await loadError('{ "tools": [ }')).message).toMatch(/not valid JSON/);
    const dup = await loadError(JSON.stringify({ tools: [{ name: 'vwap' }, { name: 'zscore' }, { name: 'vwap' }] }));
    expect(dup.issues).toEqual([{ path: 'tools[2].name', message: '"vwap" is already listed at tools[0]' }]);
  });
});

describe('resolveTools', () => {
  it('resolves the default manifest to the installed VWAP and z-score plugins', async () => {
    const { manifest } = await loadToolManifest(DEFAULT_MANIFEST);
    const plugins = await resolveTools(manifest, resolveOptions);
    expect(plugins.map((p) => p.name)).toEqual(['@tradecore/plugin-vwap', '@tradecore/plugin-zscore']);
    const features = (await Promise.all(plugins.map((p) => featuresFor(p, ['time', 'open', 'high', 'low', 'close', 'volume'])))).flat();
    expect(features.flatMap((f) => f.outputs.map((o) => o.name))).toEqual(['vwap_session', 'zscore_close_20']);
  });

  it('names the package to install for an unknown tool, and the option path for a bad option', async () => {
    const manifest = parseToolManifest(
      { tools: [{ name: 'macd' }, { name: 'zscore', options: { period: 1 } }, { name: 'atr', enabled: false, options: { period: -5 } }] },
      'test',
    );
    const { tools, issues } = await inspectTools(manifest, resolveOptions);
    expect(tools).toEqual([]);
    expect(issues).toEqual([
      { path: 'tools[0].name', message: expect.stringMatching(/^unknown plugin "macd": install @tradecore\/plugin-macd \(or a community tradecore-plugin-macd\): `(pnpm add|npm install) @tradecore\/plugin-macd`$/) },
      { path: 'tools[1].options.period', message: 'must be >= 2, got 1' },
    ]);
    await expect(resolveTools(manifest, { ...resolveOptions, source: 'tools.json' })).rejects.toThrow(/tools\.json is invalid:\n {2}tools\[0\]\.name: unknown plugin/);
  });

  it('resolves community tradecore-plugin-<name> packages and refuses non-indicator plugins', async () => {
    const project = mkdtempSync(path.join(tmpdir(), 'tc-project-'));
    const fakePackage = (name: string, kind: string) => {
      const dir = path.join(project, 'node_modules', name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.2.3', type: 'module', exports: { '.': { import: './index.js' } } }));
      writeFileSync(
        path.join(dir, 'index.js'),
        `export default (options = {}) => Object.freeze({ name: '${name}', version: '1.2.3', apiVersion: 1, kind: '${kind}', options, setup() {} });\n`,
      );
    };
    fakePackage('tradecore-plugin-hello', 'indicator');
    fakePackage('tradecore-plugin-stopper', 'execution');
    const manifest = parseToolManifest({ tools: [{ name: 'hello', options: { x: 1 } }, { name: 'stopper' }] }, 'test');
    const { tools, issues } = await inspectTools(manifest, { cwd: project });
    expect(tools.map((t) => [t.packageName, t.plugin.options])).toEqual([['tradecore-plugin-hello', { x: 1 }]]);
    expect(issues).toEqual([
      { path: 'tools[1].name', message: `tradecore-plugin-stopper is a "execution" plugin; a tool manifest lists indicator plugins only (name it in the config's plugins instead)` },
    ]);
    expect(listToolPackages({ cwd: project }).map((p) => [p.packageName, p.version])).toEqual([
      ['tradecore-plugin-hello', '1.2.3'],
      ['tradecore-plugin-stopper', '1.2.3'],
    ]);
  });

  it('tries @tradecore/plugin-<name> first and maps package names back to tool names', () => {
    expect(resolveToolPackage('vwap', resolveOptions)?.packageName).toBe('@tradecore/plugin-vwap');
    expect(resolveToolPackage('vwap', resolveOptions)?.entry).toMatch(/plugin-vwap[/\\]src[/\\]index\.ts$/);
    expect(resolveToolPackage('vwap', { cwd: ROOT, conditions: ['import', 'default'] })?.entry).toMatch(/plugin-vwap[/\\]dist[/\\]index\.js$/);
    expect(resolveToolPackage('nope', resolveOptions)).toBeUndefined();
    expect(toolNameOf('@tradecore/plugin-vwap')).toBe('vwap');
    expect(toolNameOf('tradecore-plugin-macd')).toBe('macd');
  });
});

describe('discovery and option descriptions', () => {
  it('lists the installed first-party plugins', () => {
    const names = listToolPackages(resolveOptions).map((p) => p.packageName);
    for (const name of ['atr', 'bollinger', 'orderflow', 'rsi', 'vwap', 'zscore']) expect(names).toContain(`@tradecore/plugin-${name}`);
  });

  it('describes options with types and defaults from the schema', async () => {
    const [atr] = await resolveTools(parseToolManifest({ tools: [{ name: 'atr' }] }, 'test'), resolveOptions);
    expect(describeOptions(atr!.optionsSchema)).toEqual([
      { name: 'period', type: 'integer ≥ 1', default: '14', description: 'Wilder smoothing period.' },
      { name: 'seeding', type: "'talib' | 'stockcharts'", default: '"talib"', description: expect.stringContaining('TR[0] = H−L') },
    ]);
  });
});

describe('checkIndicatorAgainstDataset', () => {
  it('reports a missing input column and a warm-up longer than the data', async () => {
    const [orderflow, zscore] = await resolveTools(
      parseToolManifest({ tools: [{ name: 'orderflow', options: { mode: 'flow' } }, { name: 'zscore', options: { period: 500 } }] }, 'test'),
      resolveOptions,
    );
    const dataset = { id: 'small', file: 'data/manifests/small.json', columns: ['time', 'open', 'high', 'low', 'close', 'volume'], rows: 300 };
    expect(await checkIndicatorAgainstDataset(orderflow!, dataset)).toEqual([
      expect.stringContaining('feature "orderflow_20" needs column "buy_volume", which dataset "small" (data/manifests/small.json) does not have'),
      expect.stringContaining('needs column "sell_volume"'),
    ]);
    expect(await checkIndicatorAgainstDataset(zscore!, dataset)).toEqual([
      'feature "zscore_close_500" needs 499 warm-up bars but dataset "small" (data/manifests/small.json) has only 300 rows',
    ]);
    expect(await checkIndicatorAgainstDataset(zscore!, { ...dataset, rows: 500 })).toEqual([]);
  });
});

describe('plugins by name', () => {
  it('maps names to packages and back: short, trainer, full, and a package\'s second plugin', () => {
    expect(toolPackageCandidates('rsi')).toEqual(['@tradecore/plugin-rsi', 'tradecore-plugin-rsi']);
    expect(toolPackageCandidates('trainer-gpu')).toEqual(['@tradecore/trainer-gpu', 'tradecore-plugin-trainer-gpu']);
    expect(toolPackageCandidates('risk-guard:trailing-stop')).toEqual(['@tradecore/plugin-risk-guard', 'tradecore-plugin-risk-guard']);
    expect(toolPackageCandidates('@acme/tradecore-plugin-x')).toEqual(['@acme/tradecore-plugin-x']);
    expect(splitPluginName('risk-guard:trailing-stop')).toEqual({ base: 'risk-guard', sub: 'trailing-stop' });
    expect(toolNameOf('@tradecore/trainer-gpu')).toBe('trainer-gpu');
    expect(toolNameOf('@tradecore/plugin-risk-guard:trailing-stop')).toBe('risk-guard:trailing-stop');
    const pattern = new RegExp(PLUGIN_NAME_PATTERN);
    for (const ok of ['rsi', 'risk-guard:trailing-stop', '@tradecore/trainer-gpu', 'tradecore-plugin-x']) expect(pattern.test(ok), ok).toBe(true);
    for (const bad of ['Bad Name', '../x', 'a:b:c', '@x/', ':x']) expect(pattern.test(bad), bad).toBe(false);
  });

  it('finds the factory a name means inside its package: by plugin name, default export, or :sub', async () => {
    const guardPackage = resolveToolPackage('risk-guard', resolveOptions)!;
    const guard = await importPluginFactory(guardPackage, 'risk-guard');
    expect([guard.exportName, guard.info?.name, guard.info?.kind]).toEqual(['riskGuard', '@tradecore/plugin-risk-guard', 'risk-guard']);
    const trailing = await importPluginFactory(guardPackage, 'risk-guard:trailing-stop');
    expect([trailing.exportName, trailing.factory({ trailBps: 30 }).options]).toEqual(['trailingStop', { trailBps: 30, activateAfterBars: 0 }]);
    await expect(importPluginFactory(guardPackage, 'risk-guard:nope')).rejects.toThrow(/has no plugin "@tradecore\/plugin-risk-guard:nope"; it exports @tradecore\/plugin-risk-guard \(riskGuard\), @tradecore\/plugin-risk-guard:trailing-stop \(trailingStop\)/);
    const trainer = await importPluginFactory(resolveToolPackage('trainer-gpu', resolveOptions)!, 'trainer-gpu');
    expect([trainer.exportName, trainer.info?.kind]).toEqual(['ppo', 'trainer']);
    const rsi = await importPluginFactory(resolveToolPackage('rsi', resolveOptions)!);
    expect(rsi.info?.name).toBe('@tradecore/plugin-rsi');
  });

  it('resolvePluginEntry returns issues with paths inside the entry, never throws', async () => {
    const dirs = [ROOT];
    const ok = await resolvePluginEntry({ name: 'zscore', options: { period: 30 } }, { dirs, conditions: resolveOptions.conditions });
    expect('plugin' in ok && ok.plugin.options).toMatchObject({ period: 30 });
    expect(await resolvePluginEntry({ name: 'zscore', options: { period: 1, bogus: 2 } }, { dirs, conditions: resolveOptions.conditions })).toEqual({
      issues: [
        { path: 'options.bogus', message: 'unknown property' },
        { path: 'options.period', message: 'must be >= 2, got 1' },
      ],
    });
  });

  it('says which install command fits the project', () => {
    const project = mkdtempSync(path.join(tmpdir(), 'tc-pm-'));
    const saved = process.env.npm_config_user_agent;
    try {
      delete process.env.npm_config_user_agent;
      writeFileSync(path.join(project, 'yarn.lock'), '');
      expect(installCommand('@tradecore/plugin-atr', project)).toBe('yarn add @tradecore/plugin-atr');
      process.env.npm_config_user_agent = 'npm/10.8.2 node/v20.20.2 linux x64';
      expect(installCommand('@tradecore/plugin-atr', project)).toBe('npm install @tradecore/plugin-atr');
    } finally {
      if (saved === undefined) delete process.env.npm_config_user_agent;
      else process.env.npm_config_user_agent = saved;
    }
  });
});
