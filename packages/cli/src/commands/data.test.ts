import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, SHARED_DATA, listFiles, runCli, tempDir } from '../_testing.ts';

describe('tradecore (global)', () => {
  it('--help lists the commands and exits 0', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: tradecore [options] [command]');
    expect(stdout).toContain('--data <dir>');
    expect(stdout).toMatch(/\n\s+data\s+manage datasets/);
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(await readFile(path.join(REPO_ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string };
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(version);
  });

  it('exits 2 on usage errors', async () => {
    expect((await runCli(['nope'])).code).toBe(2);
    expect((await runCli(['data'])).code).toBe(2);
    const missing = await runCli(['data', 'import', 'x.csv', '--format', 'csv']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--source <source>' not specified");
    const badChoice = await runCli(['data', 'import', 'x.csv', '--format', 'xlsx']);
    expect(badChoice.code).toBe(2);
    expect(badChoice.stderr).toContain('Allowed choices are csv, kraken-ohlcvt');
    const badNumber = await runCli(['data', 'synth', '--days', 'many']);
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toContain('--days must be a positive number, got "many"');
  });
});

describe('tradecore data', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await tempDir();
    const synth = await runCli(['--data', dataDir, 'data', 'synth', '--days', '3', '--seed', '7']);
    expect(synth.code, synth.stderr).toBe(0);
    expect(synth.stdout).toContain('wrote synthetic-btc-usd-1m: 4,320 bars 1m 2024-01-01T00:00:00.000Z → 2024-01-03T23:59:00.000Z');
  });

  it('ls lists datasets, as a table or JSON', async () => {
    const table = await runCli(['--data', dataDir, 'data', 'ls']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/synthetic-btc-usd-1m\s+synthetic\s+BTC-USD\s+1m\s+4320\s+2024-01-01T00:00:00.000Z\s+2024-01-03T23:59:00.000Z\s+synthetic/);
    const json = JSON.parse((await runCli(['--data', dataDir, 'data', 'ls', '--json'])).stdout) as { id: string; generator: { seed: number } }[];
    expect(json.map((m) => [m.id, m.generator.seed])).toEqual([['synthetic-btc-usd-1m', 7]]);
  });

  it('validate verifies checksums and prints the report (exit 0)', async () => {
    const { code, stdout } = await runCli(['--data', dataDir, 'data', 'validate', 'synthetic-btc-usd-1m']);
    expect(code).toBe(0);
    expect(stdout).toContain('checksums: 1 partition(s) verified');
    expect(stdout).toContain('rows: 4,320, 2024-01-01T00:00:00.000Z → 2024-01-03T23:59:00.000Z, timeframe 1m');
    expect(stdout.trim().endsWith('OK')).toBe(true);
    const json = JSON.parse((await runCli(['--data', dataDir, 'data', 'validate', 'synthetic-btc-usd-1m', '--json'])).stdout) as { ok: boolean; stats: { rows: number } };
    expect(json).toMatchObject({ ok: true, stats: { rows: 4320 } });
  });

  it('resample writes a new dataset derived from the source', async () => {
    const { code, stdout } = await runCli(['--data', dataDir, 'data', 'resample', 'synthetic-btc-usd-1m', '--to', '1h']);
    expect(code).toBe(0);
    expect(stdout).toContain('wrote synthetic-btc-usd-1h: 72 bars 1h');
    const manifest = JSON.parse(await readFile(path.join(dataDir, 'manifests/synthetic-btc-usd-1h.json'), 'utf8')) as { derivedFrom: string; synthetic: boolean };
    expect(manifest).toMatchObject({ derivedFrom: 'synthetic-btc-usd-1m', synthetic: true });
    expect((await runCli(['--data', dataDir, 'data', 'resample', 'synthetic-btc-usd-1m', '--to', '30s'])).code).toBe(2);
  });

  it('export → import round-trips the values exactly', async () => {
    const out = path.join(await tempDir(), 'bars.csv');
    expect((await runCli(['--data', dataDir, 'data', 'export', 'synthetic-btc-usd-1m', '--out', out])).code).toBe(0);
    const other = await tempDir();
    const imported = await runCli(['--data', other, 'data', 'import', out, '--format', 'csv', '--source', 'roundtrip', '--symbol', 'btc-usd', '--timeframe', '1m']);
    expect(imported.code, imported.stderr).toBe(0);
    const again = path.join(await tempDir(), 'again.csv');
    expect((await runCli(['--data', other, 'data', 'export', 'roundtrip-btc-usd-1m', '--out', again])).code).toBe(0);
    expect(await readFile(again, 'utf8')).toBe(await readFile(out, 'utf8'));
    const stdout = (await runCli(['--data', dataDir, 'data', 'export', 'synthetic-btc-usd-1h', '--time-format', 'ms'])).stdout.split('\n');
    expect(stdout[0]).toBe('time,open,high,low,close,volume,trades,buy_volume,sell_volume');
    expect(stdout[1]?.startsWith(`${Date.UTC(2024, 0, 1)},`)).toBe(true);
  });

  it('exits 2 for an unknown dataset, naming the known ones', async () => {
    const { code, stderr } = await runCli(['--data', dataDir, 'data', 'validate', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toContain('dataset "nope" not found');
    expect(stderr).toContain('known datasets: synthetic-btc-usd-1h, synthetic-btc-usd-1m');
  });
});

describe('tradecore data: bad input exits 1 with a clear message and writes nothing', () => {
  async function csv(text: string): Promise<string> {
    const file = path.join(await tempDir(), 'in.csv');
    await writeFile(file, text);
    return file;
  }
  const importArgs = (dataDir: string, file: string) => ['--data', dataDir, 'data', 'import', file, '--format', 'csv', '--source', 'test', '--symbol', 'BTC-USD', '--timeframe', '1m'];

  it('a malformed CSV row names the line', async () => {
    const dataDir = await tempDir();
    const file = await csv('time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,7\n2024-01-01T00:01:00Z,1,2,0.5,oops,7\n');
    const { code, stderr } = await runCli(importArgs(dataDir, file));
    expect(code).toBe(1);
    expect(stderr).toContain(`${file}:3: column "close" is "oops", expected a number`);
    expect(await listFiles(dataDir)).toEqual([]);
  });

  it('unsorted and duplicate times are refused', async () => {
    const dataDir = await tempDir();
    const unsorted = await csv('time,open,high,low,close,volume\n2024-01-01T00:01:00Z,1,2,0.5,1.5,7\n2024-01-01T00:00:00Z,1,2,0.5,1.5,7\n');
    const first = await runCli(importArgs(dataDir, unsorted));
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(`${unsorted} failed validation:`);
    expect(first.stderr).toContain('row 1 (2024-01-01T00:00:00.000Z): time 2024-01-01T00:00:00.000Z is before row 0');
    const duplicate = await csv('time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,7\n2024-01-01T00:00:00Z,1,2,0.5,1.5,7\n');
    const second = await runCli(importArgs(dataDir, duplicate));
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('row 1 (2024-01-01T00:00:00.000Z): time 2024-01-01T00:00:00.000Z repeats row 0');
    expect(await listFiles(dataDir)).toEqual([]);
  });

  it('a manifest failing its schema names the file and path', async () => {
    const dataDir = await tempDir();
    expect((await runCli(['--data', dataDir, 'data', 'synth', '--days', '1'])).code).toBe(0);
    const file = path.join(dataDir, 'manifests/synthetic-btc-usd-1m.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    await writeFile(file, JSON.stringify({ ...manifest, timeframe: 'one minute' }));
    const { code, stderr } = await runCli(['--data', dataDir, 'data', 'validate', 'synthetic-btc-usd-1m']);
    expect(code).toBe(1);
    expect(stderr).toContain(`${file} is invalid:`);
    expect(stderr).toContain('timeframe: must match pattern');
  });

  it('a tampered partition fails the checksum', async () => {
    const dataDir = await tempDir();
    expect((await runCli(['--data', dataDir, 'data', 'synth', '--days', '1'])).code).toBe(0);
    const part = path.join(dataDir, 'lake/synthetic/BTC-USD/1m/year=2024/part-0000.parquet');
    const bytes = await readFile(part);
    bytes[100] = (bytes[100] as number) ^ 1;
    await writeFile(part, bytes);
    const { code, stderr } = await runCli(['--data', dataDir, 'data', 'validate', 'synthetic-btc-usd-1m']);
    expect(code).toBe(1);
    expect(stderr).toContain(`checksum mismatch for ${part}`);
  });

  it('a missing input file is a usage error', async () => {
    const { code, stderr } = await runCli(importArgs(await tempDir(), '/nonexistent/file.csv'));
    expect(code).toBe(2);
    expect(stderr).toContain('input file not found: /nonexistent/file.csv');
  });
});

const binance = path.join(SHARED_DATA, 'btc-usd-1m-binanceus-2023-03/BTCUSD_1m_20230301_20230321.csv');
const kraken60 = path.join(SHARED_DATA, 'kraken/ohlcvt-samples/XBTUSD_60.csv');
if (!existsSync(binance) || !existsSync(kraken60)) console.warn(`[skip] ${SHARED_DATA} not found: CLI tests on shared real data are skipped`);
describe.skipIf(!existsSync(binance) || !existsSync(kraken60))('tradecore data on real shared data', () => {
  it('imports the Binance.US CSV and exports the same values', async () => {
    const dataDir = await tempDir();
    const imported = await runCli(['--data', dataDir, 'data', 'import', binance, '--format', 'csv', '--source', 'binanceus', '--symbol', 'BTC-USD', '--timeframe', '1m']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('wrote binanceus-btc-usd-1m: 30,240 bars 1m 2023-03-01T00:00:00.000Z → 2023-03-21T23:59:00.000Z');
    const out = path.join(await tempDir(), 'out.csv');
    expect((await runCli(['--data', dataDir, 'data', 'export', 'binanceus-btc-usd-1m', '--out', out])).code).toBe(0);
    const original = (await readFile(binance, 'utf8')).trim().split('\n').slice(1);
    const exported = (await readFile(out, 'utf8')).trim().split('\n').slice(1);
    expect(exported.map((line) => line.split(',').slice(1).map(Number))).toEqual(original.map((line) => line.split(',').slice(1).map(Number)));
    expect(exported.map((line) => Date.parse(line.split(',')[0] as string))).toEqual(original.map((line) => Date.parse((line.split(',')[0] as string).replace(' ', 'T'))));
  });

  it('imports Kraken OHLCVT hourly bars and resamples them to daily', async () => {
    const dataDir = await tempDir();
    const imported = await runCli(['--data', dataDir, 'data', 'import', kraken60, '--format', 'kraken-ohlcvt', '--source', 'kraken', '--symbol', 'XBTUSD', '--timeframe', '1h']);
    expect(imported.code, imported.stderr).toBe(0);
    const resampled = await runCli(['--data', dataDir, 'data', 'resample', 'kraken-xbtusd-1h', '--to', '1d']);
    expect(resampled.code, resampled.stderr).toBe(0);
    expect(resampled.stdout).toContain('wrote kraken-xbtusd-1d: 90 bars 1d 2023-01-01T00:00:00.000Z → 2023-03-31T00:00:00.000Z');
  });
});
