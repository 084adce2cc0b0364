// `pnpm bench csv`: memory of a CSV import against the file's size. Generates 1-minute CSV files of growing size
// in a temp folder and imports each in a fresh process, streamed (importCsv) and the way it was done before
// (the whole file as one string, split into lines). Reports the peak RSS above the process's start, that growth
// minus the bars themselves (6 columns × 8 bytes a row, held outside the JS heap), and whether the import still
// works with the JS heap capped at 64 MiB: a parser whose memory is bounded does, whatever the file's size.
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./_csv-child.ts', import.meta.url));
/** Per file size, the runs: [mode, JS heap cap in MiB or null for Node's default]. */
const PLAN: [number, ['stream' | 'whole-text', number | null][]][] = [
  [50, [['stream', null], ['stream', 64], ['whole-text', null], ['whole-text', 64]]],
  [200, [['stream', 64], ['whole-text', null]]],
  [600, [['stream', 64], ['whole-text', null]]],
];
const MiB = 2 ** 20;

async function writeCsv(file: string, megabytes: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('time,open,high,low,close,volume\n');
  let t = Date.UTC(2015, 0, 1);
  let price = 30_000;
  let written = 0;
  while (written < megabytes * MiB) {
    let chunk = '';
    for (let k = 0; k < 10_000; k++) {
      price = Math.max(1, price + ((k * 7919) % 200) / 100 - 1);
      const row = `${new Date(t).toISOString()},${price.toFixed(2)},${(price + 5).toFixed(2)},${(price - 5).toFixed(2)},${(price + 1).toFixed(2)},${((k % 97) / 7).toFixed(6)}\n`;
      chunk += row;
      t += 60_000;
    }
    written += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

interface ChildResult {
  mode: string;
  rows: number;
  barsBytes: number;
  baseline: number;
  maxRss: number;
  seconds: number;
}

function measure(mode: 'stream' | 'whole-text', heapMiB: number | null, file: string): ChildResult | { mode: string; error: string } {
  try {
    const out = execFileSync(process.execPath, ['--conditions=@tradecore/source', '--import', 'tsx', `--max-old-space-size=${heapMiB ?? 8192}`, CHILD, mode, file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * MiB,
    });
    return JSON.parse(out.trim().split('\n').pop() as string) as ChildResult;
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? error);
    const message = /heap out of memory/.test(stderr) ? 'JavaScript heap out of memory' : (stderr.split('\n').find((l) => /Error/.test(l)) ?? 'failed');
    return { mode, error: message.trim().slice(0, 120) };
  }
}

const mb = (bytes: number) => (bytes / MiB).toFixed(0);

export async function run(): Promise<string> {
  const load = os.loadavg()[0] ?? 0;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tradecore-bench-csv-'));
  const rows: string[] = [];
  try {
    for (const [size, runs] of PLAN) {
      const file = path.join(dir, `bars-${size}.csv`);
      await writeCsv(file, size);
      const bytes = (await stat(file)).size;
      for (const [mode, heap] of runs) {
        const r = measure(mode, heap, file);
        const cap = heap === null ? 'default' : `${heap} MiB`;
        if ('error' in r) rows.push(`| ${mb(bytes)} MiB | ${mode} | ${cap} | — | — | — | — | failed: ${r.error} |`);
        else {
          const growth = r.maxRss - r.baseline;
          const overhead = growth - r.barsBytes;
          rows.push(`| ${mb(bytes)} MiB | ${mode} | ${cap} | ${r.rows.toLocaleString('en-US')} | ${mb(r.barsBytes)} MiB | **${mb(growth)} MiB** | ${mb(overhead)} MiB (${(overhead / bytes).toFixed(2)}× the file) | ${r.seconds.toFixed(1)} s |`);
        }
      }
      await rm(file);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return [
    '## CSV import memory (`bench/csv.ts`)',
    '',
    'Peak RSS above the process start while importing a generated 1-minute CSV (6 columns), each run in a fresh',
    'process. `stream` is `importCsv` (1 MiB reads, rows into typed-array blocks); `whole-text` is how it worked',
    'before (one string for the file, split into lines). The bars live outside the JS heap, in columns sized from a',
    'first pass that counts the lines; "growth − bars" is what the parser itself needs.',
    `1-minute load average when the bench started: ${load.toFixed(1)} on ${os.cpus().length} cores.`,
    '',
    '| file | mode | JS heap cap | rows | bars | RSS growth | growth − bars | time |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
