import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import { defineConfig } from './defineConfig.ts';
import { ConfigLoadError, ConfigNotFoundError, loadConfig } from './loadConfig.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'tradecore-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return path.join(dir, name);
};

describe('loadConfig', () => {
  it('finds tradecore.config.ts, applies defaults and resolves paths against the file', async () => {
    const file = write(
      'tradecore.config.ts',
      `const fee: number = 7;\nexport default { dataset: 'demo', tools: 'configs/tools.json', execution: { takerFeeBps: fee } };\n`,
    );
    const { config, filepath } = await loadConfig({ cwd: dir });
    expect(filepath).toBe(file);
    expect(config.dataset).toBe('demo');
    expect(config.dataDir).toBe(path.join(dir, 'data'));
    expect(config.tools).toBe(path.join(dir, 'configs/tools.json'));
    expect(config.execution).toEqual({
      makerFeeBps: 2, takerFeeBps: 7, slippageBps: 0, limitOffsetBps: 5, limitTtlBars: 1,
      postOnly: false, touchFills: false, allowShort: true, initialCash: 10_000,
    });
    expect(config.env).toEqual({ window: 32, episodeLength: 1440, ruinDrawdown: 0.5 });
    expect(config.run).toEqual({ seed: 0, out: 'runs', split: { testFraction: 0.2, walkForwardFolds: 0 } });
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

  it('names the file and every bad path, one line each', async () => {
    const file = write('tradecore.config.json', JSON.stringify({ dataset: 'x', execution: { takerFeeBps: -1, bogus: 1 }, env: { window: 0 } }));
    const error = await loadConfig({ cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const v = error as ValidationError;
    expect(v.source).toBe(file);
    expect(v.issues.map((i) => `${i.path}: ${i.message}`).sort()).toEqual([
      'env.window: must be >= 1',
      'execution.bogus: unknown property',
      'execution.takerFeeBps: must be >= 0',
    ]);
    expect(v.message.split('\n')[0]).toBe(`${file} is invalid:`);
  });

  it('names the file when evaluating it throws, e.g. a plugin factory rejecting its options', async () => {
    const file = write(
      'tradecore.config.ts',
      `const plugin = (o: { period: number }) => { if (o.period < 2) throw new Error('options of plugin "p" is invalid: period: must be >= 2'); return o; };\n` +
        `export default { dataset: 'x', plugins: [plugin({ period: 0 })] };\n`,
    );
    const error = await loadConfig({ cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigLoadError);
    expect((error as Error).message).toBe(`${file}: the config could not be loaded: options of plugin "p" is invalid: period: must be >= 2`);
  });

  it('requires a dataset', async () => {
    write('tradecore.config.json', '{}');
    await expect(loadConfig({ cwd: dir })).rejects.toThrow(/dataset: is required/);
  });

  it('says where it looked when nothing is found, and when an explicit file is missing', async () => {
    await expect(loadConfig({ cwd: dir })).rejects.toBeInstanceOf(ConfigNotFoundError);
    await expect(loadConfig({ cwd: dir, configFile: 'nope.ts' })).rejects.toThrow(`config file not found: ${path.join(dir, 'nope.ts')}`);
  });

  it('defineConfig is the identity', () => {
    const c = { dataset: 'd' };
    expect(defineConfig(c)).toBe(c);
  });
});
