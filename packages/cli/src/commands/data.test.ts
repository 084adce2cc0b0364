import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type DatasetManifest, generateSynthetic, syntheticGeneratorInfo, writeDataset } from '@tradecore/sdk';
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { type CliResult, REPO_ROOT, SHARED_DATA, listFiles, runCli, tempDir } from '../_testing.ts';
import { UsageError } from '../_cli.ts';
import registerData from './data.ts';

/**
 * Runs `tradecore <args>` in this process: the real `data` command tree and actions on a root program declared
 * like index.ts's, with index.ts's exit-code rules. A spawned CLI costs seconds of CPU to load the SDK; the
 * spawned tests below (help, usage errors, `--id ../../package`, `| head`) cover the process itself.
 */
async function cli(args: readonly string[]): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('tradecore')
    .option('--data <dir>', 'folder holding lake/ and manifests/', './data')
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.push(s), writeErr: (s) => err.push(s) });
  registerData(program);
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((chunk: string | Uint8Array) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
  let code: number;
  try {
    await program.parseAsync(args, { from: 'user' });
    code = Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
    else {
      code = error instanceof UsageError || (error instanceof Error && error.name === 'DatasetNotFoundError') ? 2 : 1;
      err.push(`tradecore: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    process.exitCode = undefined;
  }
  return { code, signal: null, stdout: out.join(''), stderr: err.join('') };
}

/**
 * Every test builds what it needs in its own temp folder (datasets through the SDK, which is much cheaper than a
 * CLI run), so any test can run alone, in any order, on a loaded machine.
 */
async function synthetic(dataDir: string, { days = 2, seed = 7, symbol = 'BTC-USD', start = '2024-01-01T00:00:00Z', id }: { days?: number; seed?: number; symbol?: string; start?: string; id?: string } = {}): Promise<DatasetManifest> {
  const options = { seed, days, start };
  return writeDataset(generateSynthetic(options), { dataDir, source: 'synthetic', symbol, timeframe: '1m', synthetic: syntheticGeneratorInfo(options), ...(id ? { id } : {}) });
}

async function csv(text: string, name = 'in.csv'): Promise<string> {
  const file = path.join(await tempDir(), name);
  await writeFile(file, text);
  return file;
}

const importArgs = (dataDir: string, file: string, ...extra: string[]) => ['--data', dataDir, 'data', 'import', file, '--format', 'csv', '--source', 'test', '--symbol', 'BTC-USD', '--timeframe', '1m', ...extra];
const GOOD_CSV = 'time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,7\n2024-01-01T00:01:00Z,1.5,2,1,1.2,3\n';

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
    const badChoice = await runCli(['data', 'import', 'x.csv', '--format', 'xlsx', '--source', 'x', '--symbol', 'BTC-USD', '--timeframe', '1m']);
    expect(badChoice.code).toBe(2);
    expect(badChoice.stderr).toContain('--format must be one of auto, csv, kraken-ohlcvt, binance-klines, got "xlsx"');
    const badNumber = await runCli(['data', 'synth', '--days', 'many']);
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toContain('--days must be a positive number, got "many"');
  });
});

describe('tradecore data', () => {
  it('synth writes a dataset labelled synthetic with its generator parameters', async () => {
    const dataDir = await tempDir();
    const { code, stdout, stderr } = await cli(['--data', dataDir, 'data', 'synth', '--days', '3', '--seed', '7']);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('wrote synthetic-btc-usd-1m: 4,320 bars 1m 2024-01-01T00:00:00.000Z → 2024-01-03T23:59:00.000Z in 1 partition(s)');
    const manifest = JSON.parse(await readFile(path.join(dataDir, 'manifests/synthetic-btc-usd-1m.json'), 'utf8')) as DatasetManifest;
    expect(manifest).toMatchObject({ synthetic: true, generator: { seed: 7, params: { days: 3 } }, partitions: [{ path: 'lake/synthetic/BTC-USD/1m/year=2024/part-0000.parquet' }] });
  });

  it('ls lists datasets, as a table or JSON', async () => {
    const dataDir = await tempDir();
    await synthetic(dataDir, { days: 3 });
    const table = await cli(['--data', dataDir, 'data', 'ls']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/synthetic-btc-usd-1m\s+synthetic\s+BTC-USD\s+1m\s+4,320\s+2024-01-01T00:00:00.000Z\s+2024-01-03T23:59:00.000Z\s+synthetic/);
    const json = JSON.parse((await cli(['--data', dataDir, 'data', 'ls', '--json'])).stdout) as { id: string; generator: { seed: number } }[];
    expect(json.map((m) => [m.id, m.generator.seed])).toEqual([['synthetic-btc-usd-1m', 7]]);
  });

  it('validate verifies checksums and prints the report (exit 0)', async () => {
    const dataDir = await tempDir();
    await synthetic(dataDir, { days: 3 });
    const { code, stdout } = await cli(['--data', dataDir, 'data', 'validate', 'synthetic-btc-usd-1m']);
    expect(code).toBe(0);
    expect(stdout).toContain('checksums: 1 partition(s) verified');
    expect(stdout).toContain('rows: 4,320, 2024-01-01T00:00:00.000Z → 2024-01-03T23:59:00.000Z, timeframe 1m');
    expect(stdout.trim().endsWith('OK')).toBe(true);
    const json = JSON.parse((await cli(['--data', dataDir, 'data', 'validate', 'synthetic-btc-usd-1m', '--json'])).stdout) as { ok: boolean; stats: { rows: number } };
    expect(json).toMatchObject({ ok: true, stats: { rows: 4320 } });
  });

  it('resample writes a new dataset derived from the source', async () => {
    const dataDir = await tempDir();
    await synthetic(dataDir, { days: 3 });
    const { code, stdout } = await cli(['--data', dataDir, 'data', 'resample', 'synthetic-btc-usd-1m', '--to', '1h']);
    expect(code).toBe(0);
    expect(stdout).toContain('wrote synthetic-btc-usd-1h: 72 bars 1h');
    const manifest = JSON.parse(await readFile(path.join(dataDir, 'manifests/synthetic-btc-usd-1h.json'), 'utf8')) as { derivedFrom: string; synthetic: boolean };
    expect(manifest).toMatchObject({ derivedFrom: 'synthetic-btc-usd-1m', synthetic: true });
    expect((await cli(['--data', dataDir, 'data', 'resample', 'synthetic-btc-usd-1m', '--to', '30s'])).code).toBe(2);
  });

  it('export → import round-trips the values exactly', async () => {
    const dataDir = await tempDir();
    await synthetic(dataDir, { days: 1 });
    const out = path.join(await tempDir(), 'bars.csv');
    expect((await cli(['--data', dataDir, 'data', 'export', 'synthetic-btc-usd-1m', '--out', out])).code).toBe(0);
    const other = await tempDir();
    const imported = await cli(['--data', other, 'data', 'import', out, '--format', 'csv', '--source', 'roundtrip', '--symbol', 'btc-usd', '--timeframe', '1m']);
    expect(imported.code, imported.stderr).toBe(0);
    const again = path.join(await tempDir(), 'again.csv');
    expect((await cli(['--data', other, 'data', 'export', 'roundtrip-btc-usd-1m', '--out', again])).code).toBe(0);
    expect(await readFile(again, 'utf8')).toBe(await readFile(out, 'utf8'));
    const stdout = (await cli(['--data', dataDir, 'data', 'export', 'synthetic-btc-usd-1m', '--time-format', 'ms'])).stdout.split('\n');
    expect(stdout[0]).toBe('time,open,high,low,close,volume,trades,buy_volume,sell_volume');
    expect(stdout[1]?.startsWith(`${Date.UTC(2024, 0, 1)},`)).toBe(true);
    expect(stdout).toHaveLength(1442);
  });

  it('export into a pipe closed early (| head -1) stops quietly', async () => {
    const dataDir = await tempDir();
    await synthetic(dataDir, { days: 2 });
    const entry = fileURLToPath(new URL('../index.ts', import.meta.url));
    const tsx = pathToFileURL(createRequire(path.join(REPO_ROOT, 'package.json')).resolve('tsx')).href;
    const command = `set -o pipefail; ${JSON.stringify(process.execPath)} --conditions=@tradecore/source --import ${tsx} ${JSON.stringify(entry)} --data ${JSON.stringify(dataDir)} data export synthetic-btc-usd-1m | head -1`;
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile('bash', ['-c', command], { cwd: REPO_ROOT }, (error, out, err) => resolve({ code: error ? Number(error.code) : 0, stdout: out, stderr: err })),
    );
    expect(stdout).toBe('time,open,high,low,close,volume,trades,buy_volume,sell_volume\n');
    expect(stderr, 'no EPIPE stack trace').toBe('');
    expect(code).toBe(0);
  });

  it('exits 2 for an unknown dataset, naming the known ones', async () => {
    const dataDir = await tempDir();
    await synthetic(dataDir, { days: 1 });
    await synthetic(dataDir, { days: 1, symbol: 'ETH-USD' });
    const { code, stderr } = await cli(['--data', dataDir, 'data', 'validate', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toContain('dataset "nope" not found');
    expect(stderr).toContain('known datasets: synthetic-btc-usd-1m, synthetic-eth-usd-1m');
    const invalid = await cli(['--data', dataDir, 'data', 'export', 'Synthetic BTC']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain('dataset id "Synthetic BTC" is not a valid id');
  });

  it('finds a dataset whatever the case it is typed in (ids are lower-case), and a new id must be lower-case', async () => {
    const dataDir = await tempDir();
    await synthetic(dataDir, { days: 1 });
    const upper = await cli(['--data', dataDir, 'data', 'validate', 'Synthetic-BTC-USD-1m']);
    expect(upper.code, upper.stderr).toBe(0);
    expect(upper.stdout).toContain('dataset synthetic-btc-usd-1m');
    const created = await cli(['--data', dataDir, 'data', 'synth', '--days', '1', '--id', 'My-Data']);
    expect(created.code).toBe(2);
    expect(created.stderr).toContain(`--id "My-Data" is not a valid id: use 1–128 characters of a–z, 0–9, '.', '_' or '-', starting with a letter or digit (did you mean "my-data"?)`);
    expect(await readdir(path.join(dataDir, 'manifests'))).toEqual(['synthetic-btc-usd-1m.json']);
  });
});

describe('tradecore data: bad input exits 1 with a clear message and writes nothing', () => {
  it('a malformed CSV row names the line', async () => {
    const dataDir = await tempDir();
    const file = await csv('time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,7\n2024-01-01T00:01:00Z,1,2,0.5,oops,7\n');
    const { code, stderr } = await cli(importArgs(dataDir, file));
    expect(code).toBe(1);
    expect(stderr).toContain(`${file}:3: column "close" is "oops", expected a number`);
    expect(await listFiles(dataDir)).toEqual([]);
  });

  it('unsorted and duplicate times are refused', async () => {
    const dataDir = await tempDir();
    const unsorted = await csv('time,open,high,low,close,volume\n2024-01-01T00:01:00Z,1,2,0.5,1.5,7\n2024-01-01T00:00:00Z,1,2,0.5,1.5,7\n');
    const first = await cli(importArgs(dataDir, unsorted));
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(`${unsorted} failed validation:`);
    expect(first.stderr).toContain('row 1 (2024-01-01T00:00:00.000Z): time 2024-01-01T00:00:00.000Z is before row 0');
    const duplicate = await csv('time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,7\n2024-01-01T00:00:00Z,1,2,0.5,1.5,7\n');
    const second = await cli(importArgs(dataDir, duplicate));
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('row 1 (2024-01-01T00:00:00.000Z): time 2024-01-01T00:00:00.000Z repeats row 0');
    expect(await listFiles(dataDir)).toEqual([]);
  });

  it('a manifest failing its schema names the file and path', async () => {
    const dataDir = await tempDir();
    const manifest = await synthetic(dataDir, { days: 1 });
    const file = path.join(dataDir, 'manifests/synthetic-btc-usd-1m.json');
    await writeFile(file, JSON.stringify({ ...manifest, timeframe: 'one minute' }));
    const { code, stderr } = await cli(['--data', dataDir, 'data', 'validate', 'synthetic-btc-usd-1m']);
    expect(code).toBe(1);
    expect(stderr).toContain(`${file} is invalid:`);
    expect(stderr).toContain('timeframe: must match pattern');
  });

  it('a tampered partition fails the checksum', async () => {
    const dataDir = await tempDir();
    await synthetic(dataDir, { days: 1 });
    const part = path.join(dataDir, 'lake/synthetic/BTC-USD/1m/year=2024/part-0000.parquet');
    const bytes = await readFile(part);
    bytes[100] = (bytes[100] as number) ^ 1;
    await writeFile(part, bytes);
    const { code, stderr } = await cli(['--data', dataDir, 'data', 'validate', 'synthetic-btc-usd-1m']);
    expect(code).toBe(1);
    expect(stderr).toContain(`checksum mismatch for ${part}`);
  });

  it('a missing input file is a usage error', async () => {
    const { code, stderr } = await cli(importArgs(await tempDir(), '/nonexistent/file.csv'));
    expect(code).toBe(2);
    expect(stderr).toContain('input file not found: /nonexistent/file.csv');
  });
});

describe('tradecore data: hostile ids, paths and files', () => {
  it('--id ../../package is refused (it once overwrote ./package.json with a manifest)', async () => {
    const cwd = await tempDir();
    await writeFile(path.join(cwd, 'package.json'), '{"name":"mine"}\n');
    const file = path.join(cwd, 'in.csv');
    await writeFile(file, GOOD_CSV);
    const { code, stderr } = await runCli(importArgs('data', file, '--id', '../../package'), { cwd });
    expect(code).toBe(2);
    expect(stderr).toContain('--id "../../package" is not a valid id: use 1–128 characters of a–z, 0–9');
    expect(await readFile(path.join(cwd, 'package.json'), 'utf8')).toBe('{"name":"mine"}\n');
    expect(await listFiles(cwd)).toEqual(['in.csv', 'package.json']);
  });

  it('--symbol X/../BTC-USD cannot reach another dataset (it once overwrote and deleted its partitions)', async () => {
    const dataDir = await tempDir();
    const victim = await synthetic(dataDir, { days: 2, start: '2023-12-31T00:00:00Z' });
    const before = await listFiles(dataDir);
    const { code, stderr } = await cli(['--data', dataDir, 'data', 'synth', '--days', '1', '--symbol', 'X/../BTC-USD', '--id', 'attacker']);
    expect(code).toBe(2);
    expect(stderr).toContain('--symbol "X/../BTC-USD" is not a valid id');
    expect(await listFiles(dataDir)).toEqual(before);
    const check = await cli(['--data', dataDir, 'data', 'validate', victim.id]);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toContain('checksums: 2 partition(s) verified');
  });

  it('--symbol ../../../VICTIM cannot write outside the data folder or delete there', async () => {
    const root = await tempDir();
    const dataDir = path.join(root, 'data');
    await mkdir(path.join(root, 'VICTIM/1m'), { recursive: true });
    await writeFile(path.join(root, 'VICTIM/1m/keep.parquet'), 'precious');
    const { code, stderr } = await cli(['--data', dataDir, 'data', 'synth', '--days', '1', '--symbol', '../../../VICTIM']);
    expect(code).toBe(2);
    expect(stderr).toContain('--symbol "../../../VICTIM" is not a valid id');
    expect(await listFiles(root)).toEqual(['VICTIM/1m/keep.parquet']);
  });

  it('--symbol BTC/USD is stored as BTC-USD; "BTC USD" is refused and the existing dataset stays valid', async () => {
    const dataDir = await tempDir();
    const file = await csv(GOOD_CSV);
    const slash = await cli(['--data', dataDir, 'data', 'import', file, '--format', 'csv', '--source', 'test', '--symbol', 'BTC/USD', '--timeframe', '1m']);
    expect(slash.code, slash.stderr).toBe(0);
    expect(slash.stdout).toContain('wrote test-btc-usd-1m: 2 bars');
    const manifestFile = path.join(dataDir, 'manifests/test-btc-usd-1m.json');
    const valid = await readFile(manifestFile, 'utf8');
    expect(JSON.parse(valid)).toMatchObject({ symbol: 'BTC-USD', partitions: [{ path: 'lake/test/BTC-USD/1m/year=2024/part-0000.parquet' }] });
    const space = await cli(['--data', dataDir, 'data', 'import', file, '--format', 'csv', '--source', 'test', '--symbol', 'BTC USD', '--timeframe', '1m', '--id', 'test-btc-usd-1m']);
    expect(space.code).toBe(2);
    expect(space.stderr).toContain('--symbol "BTC USD" is not a valid id: use 1–128 characters of A–Z, a–z, 0–9, \'.\', \'_\' or \'-\', starting with a letter or digit (e.g. BTC-USD or BTC/USD)');
    expect(await readFile(manifestFile, 'utf8')).toBe(valid);
    const badSource = await cli(['--data', dataDir, 'data', 'import', file, '--format', 'csv', '--source', 'Kraken', '--symbol', 'BTC-USD', '--timeframe', '1m']);
    expect(badSource.code).toBe(2);
    expect(badSource.stderr).toContain('--source "Kraken" is not a valid id: use 1–128 characters of a–z, 0–9, \'.\', \'_\' or \'-\', starting with a letter or digit (did you mean "kraken"?)');
  });

  it('a partition symlinked out of the lake is refused, never read', async () => {
    const dataDir = await tempDir();
    const manifest = await synthetic(dataDir, { days: 1 });
    const part = path.join(dataDir, manifest.partitions[0]?.path as string);
    const outside = path.join(await tempDir(), 'secret.parquet');
    await writeFile(outside, await readFile(part));
    await rm(part);
    await symlink(outside, part);
    const { code, stdout, stderr } = await cli(['--data', dataDir, 'data', 'validate', manifest.id]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/partition "synthetic\/BTC-USD\/1m\/year=2024\/part-0000.parquet" resolves through a symlink to .*secret.parquet, outside/);
    expect(stdout + stderr).not.toContain(manifest.partitions[0]?.sha256);
  });

  it('FIFOs, /dev/zero links and folders in manifests/ or the lake never hang ls or validate', async () => {
    const dataDir = await tempDir();
    const manifest = await synthetic(dataDir, { days: 1 });
    const manifests = path.join(dataDir, 'manifests');
    execFileSync('mkfifo', [path.join(manifests, 'fifo.json')]);
    await symlink('/dev/zero', path.join(manifests, 'zero.json'));
    await mkdir(path.join(manifests, 'folder.json'));
    await writeFile(path.join(manifests, 'Bad Name.json'), '{}');
    const ls = await cli(['--data', dataDir, 'data', 'ls']);
    expect(ls.code).toBe(1);
    expect(ls.stdout).toContain('synthetic-btc-usd-1m');
    expect(ls.stderr).toContain(`invalid manifest: ${path.join(manifests, 'fifo.json')} is not a regular file`);
    expect(ls.stderr).toContain('invalid manifest: manifest "zero.json" resolves through a symlink to /dev/zero, outside');
    expect(ls.stderr).toContain(`invalid manifest: ${path.join(manifests, 'folder.json')} is not a regular file`);
    expect(ls.stderr).toContain(`invalid manifest: ${path.join(manifests, 'Bad Name.json')}: the file name is not a dataset id`);
    const part = path.join(dataDir, manifest.partitions[0]?.path as string);
    await rm(part);
    execFileSync('mkfifo', [part]);
    const validate = await cli(['--data', dataDir, 'data', 'validate', manifest.id]);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain('partition lake/synthetic/BTC-USD/1m/year=2024/part-0000.parquet cannot be read: not a regular file');
    await rm(part);
    await symlink('/dev/zero', part);
    const zero = await cli(['--data', dataDir, 'data', 'validate', manifest.id]);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toContain('resolves through a symlink to /dev/zero, outside');
  });

  it('nanosecond times import by magnitude; a wrong --time-unit names the one that fits, promptly', async () => {
    const dataDir = await tempDir();
    const t0 = BigInt(Date.UTC(2024, 0, 1)) * 1_000_000n;
    const file = await csv(`time,open,high,low,close,volume\n${t0},1,2,0.5,1.5,7\n${t0 + 60_000_000_000n},1.5,2,1,1.2,3\n`);
    const wrong = await cli(importArgs(dataDir, file, '--time-unit', 'ms'));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`${file}:2: column "time" is "${t0}": time`);
    expect(wrong.stderr).toContain('(read as milliseconds); the value looks like nanoseconds: use --time-unit ns');
    expect(await listFiles(dataDir)).toEqual([]);
    const auto = await cli(importArgs(dataDir, file));
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stdout).toContain('wrote test-btc-usd-1m: 2 bars 1m 2024-01-01T00:00:00.000Z → 2024-01-01T00:01:00.000Z');
  });

  it('non-positive prices are refused (they once imported and "ran" with all-zero metrics)', async () => {
    const dataDir = await tempDir();
    const file = await csv('time,open,high,low,close,volume\n2024-01-01T00:00:00Z,-1,-0.5,-2,-1,7\n2024-01-01T00:01:00Z,-1,-0.5,-2,-1,3\n');
    const { code, stderr } = await cli(importArgs(dataDir, file));
    expect(code).toBe(1);
    expect(stderr).toContain('row 0 (2024-01-01T00:00:00.000Z): prices must be > 0: open -1, high -0.5, low -2, close -1');
    expect(await listFiles(dataDir)).toEqual([]);
  });

  it('a file of NUL bytes gets a short error, not the file echoed back', async () => {
    const dataDir = await tempDir();
    const file = await csv('\0'.repeat(4_000_000));
    const { code, stderr } = await cli(importArgs(dataDir, file));
    expect(code).toBe(1);
    expect(stderr).toContain(`${file}:1: line is longer than 65536 characters`);
    expect(stderr.length).toBeLessThan(600);
    expect(await listFiles(dataDir)).toEqual([]);
  });
});

const binance = path.join(SHARED_DATA, 'btc-usd-1m-binanceus-2023-03/BTCUSD_1m_20230301_20230321.csv');
const kraken60 = path.join(SHARED_DATA, 'kraken/ohlcvt-samples/XBTUSD_60.csv');
if (!existsSync(binance) || !existsSync(kraken60)) console.warn(`[skip] ${SHARED_DATA} not found: CLI tests on shared real data are skipped`);
describe.skipIf(!existsSync(binance) || !existsSync(kraken60))('tradecore data on real shared data', () => {
  it('imports the Binance.US CSV and exports the same values', async () => {
    const dataDir = await tempDir();
    const imported = await cli(['--data', dataDir, 'data', 'import', binance, '--format', 'csv', '--source', 'binanceus', '--symbol', 'BTC-USD', '--timeframe', '1m']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('wrote binanceus-btc-usd-1m: 30,240 bars 1m 2023-03-01T00:00:00.000Z → 2023-03-21T23:59:00.000Z');
    const out = path.join(await tempDir(), 'out.csv');
    expect((await cli(['--data', dataDir, 'data', 'export', 'binanceus-btc-usd-1m', '--out', out])).code).toBe(0);
    const original = (await readFile(binance, 'utf8')).trim().split('\n').slice(1);
    const exported = (await readFile(out, 'utf8')).trim().split('\n').slice(1);
    expect(exported.map((line) => line.split(',').slice(1).map(Number))).toEqual(original.map((line) => line.split(',').slice(1).map(Number)));
    expect(exported.map((line) => Date.parse(line.split(',')[0] as string))).toEqual(original.map((line) => Date.parse((line.split(',')[0] as string).replace(' ', 'T'))));
  });

  it('imports Kraken OHLCVT hourly bars and resamples them to daily', async () => {
    const dataDir = await tempDir();
    const imported = await cli(['--data', dataDir, 'data', 'import', kraken60, '--format', 'kraken-ohlcvt', '--source', 'kraken', '--symbol', 'XBTUSD', '--timeframe', '1h']);
    expect(imported.code, imported.stderr).toBe(0);
    const resampled = await cli(['--data', dataDir, 'data', 'resample', 'kraken-xbtusd-1h', '--to', '1d']);
    expect(resampled.code, resampled.stderr).toBe(0);
    expect(resampled.stdout).toContain('wrote kraken-xbtusd-1d: 90 bars 1d 2023-01-01T00:00:00.000Z → 2023-03-31T00:00:00.000Z');
  });

  it('tells the format from the file when --format is left out (Kraken OHLCVT, Binance klines)', async () => {
    const dataDir = await tempDir();
    const kraken = await cli(['--data', dataDir, 'data', 'import', kraken60, '--source', 'kraken', '--symbol', 'XBTUSD', '--timeframe', '1h']);
    expect(kraken.code, kraken.stderr).toBe(0);
    expect(kraken.stdout).toContain(`read ${kraken60} as kraken-ohlcvt\nwrote kraken-xbtusd-1h: 2,160 bars 1h`);
    const klines = path.join(await tempDir(), 'BTCUSDT-1m-2023-03-01.csv');
    await writeFile(klines, '1677628800000,23141.57,23152.48,23133.11,23143.72,3.912156,1677628859999,90534.40,120,1.900000,44000.10,0\n');
    const binance = await cli(['--data', dataDir, 'data', 'import', klines, '--source', 'binance', '--symbol', 'BTC/USDT', '--timeframe', '1m']);
    expect(binance.code, binance.stderr).toBe(0);
    expect(binance.stdout).toContain('as binance-klines');
    const exported = await cli(['--data', dataDir, 'data', 'export', 'binance-btc-usdt-1m']);
    expect(exported.stdout).toBe('time,open,high,low,close,volume,trades,buy_volume,sell_volume\n2023-03-01T00:00:00.000Z,23141.57,23152.48,23133.11,23143.72,3.912156,120,1.9,2.012156\n');
  });
});
