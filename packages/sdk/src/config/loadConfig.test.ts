import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import { defineConfig } from './defineConfig.ts';
import { RunSetupError } from './issues.ts';
import { ConfigLoadError, ConfigNotFoundError, loadConfig, readConfigFile } from './loadConfig.ts';

// Configs that import or name workspace plugins live under the repository's .tmp/, so packages resolve from its node_modules.
const REPO = fileURLToPath(new URL('../../../..', import.meta.url));

let dir: string;
beforeEach(() => {
  mkdirSync(path.join(REPO, '.tmp'), { recursive: true });
  dir = mkdtempSync(path.join(REPO, '.tmp', 'config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
};

async function loadError(options: Parameters<typeof loadConfig>[0] = {}): Promise<Error> {
  const error = await loadConfig({ cwd: dir, ...options }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe('loadConfig', () => {
  it('finds tradecore.config.ts, applies defaults and resolves paths against the file', async () => {
    const file = write('tradecore.config.ts', `const fee: number = 7;\nexport default { dataset: 'demo', execution: { takerFeeBps: fee } };\n`);
    const { config, filepath } = await loadConfig({ cwd: dir });
    expect(filepath).toBe(file);
    expect(config.dataset).toBe('demo');
    expect(config.dataDir).toBe(path.join(dir, 'data'));
    expect(config.execution).toEqual({
      makerFeeBps: 2, takerFeeBps: 7, slippageBps: 0, limitOffsetBps: 5, limitTtlBars: 1,
      postOnly: false, touchFills: false, allowShort: true, initialCash: 10_000,
    });
    expect(config.env).toEqual({ window: 32, episodeLength: 1440, ruinDrawdown: 0.5 });
    expect(config.run).toEqual({ seed: 0, out: path.join(dir, 'runs'), split: { testFraction: 0.2, walkForwardFolds: 0 } });
    expect(config.plugins).toEqual([]);
  });

  it('calls a function config with the mode', async () => {
    write('tradecore.config.mjs', `export default ({ mode }) => ({ dataset: 'from-' + mode });\n`);
    const { config } = await loadConfig({ cwd: dir, mode: 'paper' });
    expect(config.dataset).toBe('from-paper');
  });

  it('reads package.json#tradecore', async () => {
    write('package.json', JSON.stringify({ name: 'x', tradecore: { dataset: 'pkg', env: { window: 8 } } }));
    const { config } = await loadConfig({ cwd: dir });
    expect(config.env.window).toBe(8);
  });

  it('makes plugins named as data, beside plugin objects, in JSON, YAML and TypeScript', async () => {
    write('tradecore.config.json', JSON.stringify({ dataset: 'x', plugins: [{ name: 'rsi', options: { period: 21 } }, { name: 'risk-guard' }, { name: 'trainer-gpu' }] }));
    const json = await loadConfig({ cwd: dir });
    expect(json.config.plugins.map((p) => [p.name, p.kind])).toEqual([
      ['@tradecore/plugin-rsi', 'indicator'],
      ['@tradecore/plugin-risk-guard', 'risk-guard'],
      ['@tradecore/trainer-gpu', 'trainer'],
    ]);
    expect(json.plugins.map((p) => [p.name, p.at])).toEqual([['rsi', 'plugins[0]'], ['risk-guard', 'plugins[1]'], ['trainer-gpu', 'plugins[2]']]);
    expect(json.data.plugins[0]).toEqual({ name: '@tradecore/plugin-rsi', enabled: true, options: { period: 21, method: 'wilder', stochPeriod: 0, talib: false } });
    rmSync(path.join(dir, 'tradecore.config.json'));

    write('tradecore.config.yaml', 'dataset: x\nplugins:\n  - name: risk-guard:trailing-stop\n    options: { trailBps: 40 }\n  - name: "@tradecore/plugin-vwap"\n    enabled: false\n');
    const yaml = await loadConfig({ cwd: dir });
    expect(yaml.config.plugins.map((p) => [p.name, p.kind, p.options])).toEqual([['@tradecore/plugin-risk-guard:trailing-stop', 'execution', { trailBps: 40, activateAfterBars: 0 }]]);
    rmSync(path.join(dir, 'tradecore.config.yaml'));

    write(
      'tradecore.config.ts',
      `import { vwapPlugin } from '@tradecore/plugin-vwap';\nexport default { dataset: 'x', plugins: [vwapPlugin({ session: false, rollingWindows: [5] }), false, [{ name: 'zscore', options: { period: 30 } }]] };\n`,
    );
    const ts = await loadConfig({ cwd: dir, set: ['plugins.vwap.rollingWindows=[7]', 'plugins.zscore.enabled=false'] });
    expect(ts.config.plugins.map((p) => [p.name, p.options])).toEqual([['@tradecore/plugin-vwap', { session: false, sessionStartMinuteUtc: 0, rollingWindows: [7] }]]);
  });

  it('reads a JSON config that starts with a byte-order mark', async () => {
    write('tradecore.config.json', `\uFEFF${JSON.stringify({ dataset: 'bom' })}`);
    expect((await loadConfig({ cwd: dir })).config.dataset).toBe('bom');
  });

  it('names the file and every bad path once, with the value found', async () => {
    write('tradecore.config.json', JSON.stringify({ dataset: 'x', execution: { takerFeeBps: -1, bogus: 1 }, env: { window: 0 }, plugins: [{ name: 'rsi', options: 3 }] }));
    const error = await loadError();
    expect(error).toBeInstanceOf(RunSetupError);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message.split('\n').sort()).toEqual([
      'tradecore.config.json: env.window: must be >= 1, got 0',
      'tradecore.config.json: execution.bogus: unknown property',
      'tradecore.config.json: execution.takerFeeBps: must be >= 0, got -1',
      'tradecore.config.json: plugins[0].options: must be an object, got 3',
    ]);
    expect((error as RunSetupError).issues.find((i) => i.path === 'env.window')).toEqual({ source: 'tradecore.config.json', path: 'env.window', message: 'must be >= 1, got 0' });
  });

  it('gives the position of a plugin whose factory rejected its options, each option with its value', async () => {
    write(
      'tradecore.config.ts',
      [
        `import { vwapPlugin } from '@tradecore/plugin-vwap';`,
        `import { rsiPlugin } from '@tradecore/plugin-rsi';`,
        `export default { dataset: 'x', plugins: [vwapPlugin(), rsiPlugin({ period: 14.5, method: 'x' as 'wilder' })] };`,
      ].join('\n'),
    );
    const error = await loadError();
    expect(error.message.split('\n')).toEqual([
      'tradecore.config.ts: plugins[1] (@tradecore/plugin-rsi) period: must be an integer, got 14.5',
      'tradecore.config.ts: plugins[1] (@tradecore/plugin-rsi) method: must be one of "wilder", "cutler", "ema", got "x"',
    ]);
  });

  it('says which package to install when the config imports one that is missing', async () => {
    const file = write('tradecore.config.ts', `import { macd } from '@tradecore/plugin-macd';\nexport default { dataset: 'x', plugins: [macd()] };\n`);
    const error = await loadError();
    expect(error).toBeInstanceOf(ConfigLoadError);
    expect((error as ConfigLoadError).file).toBe(file);
    expect((error as ConfigLoadError).detail).toMatch(/^imports "@tradecore\/plugin-macd", which is not installed: run `(pnpm add|npm install|yarn add|bun add) @tradecore\/plugin-macd`$/);
    expect(error.message).not.toMatch(/Require stack/);
  });

  it('says what a config that is not an object, or a syntax error, is', async () => {
    write('tradecore.config.ts', 'export default null;\n');
    expect((await loadError()).message).toBe("tradecore.config.ts: the config must be an object, e.g. `export default defineConfig({ dataset: '…', plugins: [...] })`, got null");
    write('tradecore.config.ts', "export default { dataset: 'x' plugins: [] };\n");
    expect((await loadError()).message).toMatch(/tradecore\.config\.ts: the config could not be loaded: .*Unexpected token.*\(line 1, column \d+\)$/);
  });

  it('reads the file again when it changed (no module cache)', async () => {
    const file = write('tradecore.config.ts', `export default { dataset: 'first' };\n`);
    expect((await readConfigFile({ cwd: dir })).value).toEqual({ dataset: 'first' });
    writeFileSync(file, `export default { dataset: 'second' };\n`);
    expect((await readConfigFile({ cwd: dir })).value).toEqual({ dataset: 'second' });
  });

  it('requires a dataset', async () => {
    write('tradecore.config.json', '{}');
    await expect(loadConfig({ cwd: dir })).rejects.toThrow(/dataset: is required/);
  });

  it('says where it looked when nothing is found, and when an explicit file is missing', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'tradecore-empty-'));
    await expect(loadConfig({ cwd: empty })).rejects.toBeInstanceOf(ConfigNotFoundError);
    await expect(loadConfig({ cwd: dir, configFile: 'nope.ts' })).rejects.toThrow(`config file not found: ${path.join(dir, 'nope.ts')}`);
    rmSync(empty, { recursive: true, force: true });
  });

  it('defineConfig is the identity', () => {
    const c = { dataset: 'd' };
    expect(defineConfig(c)).toBe(c);
  });
});
