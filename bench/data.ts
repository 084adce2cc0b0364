// `pnpm bench data`: reading one year of 1-minute bars (525,600 rows) from the parquet lake into
// typed columns, checksum and validation included (goal ≤ 100 ms), and `tradecore --help`
// start-up time (goal ≤ 300 ms).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type ParquetCompression, decodeParquet, generateSynthetic, readDataset, syntheticGeneratorInfo, validateBars, writeDataset } from '@tradecore/sdk';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROWS = 525_600;
const RUNS = 15;

function stats(samples: number[]): { median: number; min: number; p90: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return { median: at(0.5), min: sorted[0] as number, p90: at(0.9) };
}

async function time(runs: number, fn: () => unknown): Promise<number[]> {
  await fn();
  const samples: number[] = [];
  for (let k = 0; k < runs; k++) {
    const start = performance.now();
    await fn();
    samples.push(performance.now() - start);
  }
  return samples;
}

const ms = (x: number) => x.toFixed(1);

async function lakeRead(dataDir: string, compression: ParquetCompression) {
  const options = { seed: 1, days: 365, start: '2023-01-01T00:00:00Z' };
  const bars = generateSynthetic(options);
  if (bars.length !== ROWS) throw new Error(`expected ${ROWS} bars, got ${bars.length}`);
  const id = `bench-${compression}`;
  const manifest = await writeDataset(bars, { dataDir, source: 'bench', symbol: `BTC-${compression}`, timeframe: '1m', id, compression, synthetic: syntheticGeneratorInfo(options) });
  const partition = manifest.partitions[0];
  if (!partition || manifest.partitions.length !== 1) throw new Error('expected a single-year partition');
  const file = path.join(dataDir, partition.path);
  const bytes = await readFile(file);

  const total = await time(RUNS, async () => {
    const { bars: read, report } = await readDataset(id, { dataDir, validate: true });
    if (read.length !== ROWS || !report?.ok) throw new Error('bad read');
  });
  const sha = await time(RUNS, () => createHash('sha256').update(bytes).digest('hex'));
  const decode = await time(RUNS, () => decodeParquet(bytes, file));
  const validate = await time(RUNS, () => validateBars(bars, { timeframeMs: 60_000 }));
  return { bytes: partition.bytes, total: stats(total), sha: stats(sha), decode: stats(decode), validate: stats(validate) };
}

function cliStartup(): { median: number; min: number; p90: number; baseline: number } | null {
  const entry = path.join(ROOT, 'packages/cli/dist/index.js');
  if (!existsSync(entry)) return null;
  const spawnTime = (args: string[]) => {
    const start = performance.now();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    return performance.now() - start;
  };
  spawnTime([entry, '--help']);
  const help = Array.from({ length: 10 }, () => spawnTime([entry, '--help']));
  const baseline = Array.from({ length: 10 }, () => spawnTime(['-e', '0']));
  return { ...stats(help), baseline: stats(baseline).median };
}

export async function run(): Promise<string> {
  const load = os.loadavg()[0] ?? 0;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'tradecore-bench-data-'));
  try {
    const lz4 = await lakeRead(dataDir, 'lz4');
    const zstd = await lakeRead(dataDir, 'zstd');
    const cli = cliStartup();
    const row = (name: string, r: typeof lz4) =>
      `| ${name} | ${(r.bytes / 2 ** 20).toFixed(1)} MiB | **${ms(r.total.median)}** (min ${ms(r.total.min)}, p90 ${ms(r.total.p90)}) | ${ms(r.sha.median)} | ${ms(r.decode.median)} | ${ms(r.validate.median)} |`;
    const lines = [
      '## Data lake and CLI start-up (`bench/data.ts`)',
      '',
      `One year of synthetic 1-minute bars (${ROWS.toLocaleString('en-US')} rows, 9 columns) in one parquet partition;`,
      '`readDataset(id, { validate: true })` = load and schema-check the manifest + read the file + sha256 + parquet decode',
      `into Float64Array columns + \`validateBars\`. Median of ${RUNS} runs after a warm-up, in ms. Goal ≤ 100 ms.`,
      `1-minute load average when the bench started: ${load.toFixed(1)} on ${os.cpus().length} cores (the machine is shared; higher load, slower figures).`,
      '',
      '| compression | file | readDataset total | sha256 alone | decode alone | validate alone |',
      '| --- | --- | --- | --- | --- | --- |',
      row('lz4 (default)', lz4),
      row('zstd', zstd),
      '',
      cli
        ? `\`node packages/cli/dist/index.js --help\`: median **${ms(cli.median)} ms** (min ${ms(cli.min)}, p90 ${ms(cli.p90)}; \`node -e 0\` alone ${ms(cli.baseline)} ms). Goal ≤ 300 ms.`
        : '`tradecore --help` start-up: skipped, packages/cli/dist/index.js is missing (run `pnpm build`).',
      '',
    ];
    return lines.join('\n');
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}
