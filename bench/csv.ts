// `pnpm bench csv`: memory of a CSV import against the file's size. Generates 1-minute CSV files of growing size
// in a temp folder and imports each in a fresh process, streamed (importCsv) and the way it was done before
// (the whole file as one string, split into lines). Reports the peak RSS above the process's start, and that
// growth minus the bars themselves (6 columns × 8 bytes a row): the parser's own memory.
import { execFileSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./_csv-child.ts', import.meta.url));
const SIZES_MB = [50, 200, 400];
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

function measure(mode: 'stream' | 'whole-text', file: string): ChildResult | { mode: string; error: string } {
  try {
    const out = execFileSync(process.execPath, ['--conditions=@tradecore/source', '--import', 'tsx', '--max-old-space-size=8192', CHILD, mode, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return JSON.parse(out.trim().split('\n').pop() as string) as ChildResult;
  } catch (error) {
    const message = String((error as { stderr?: string }).stderr ?? error).split('\n').find((l) => /Error|error/.test(l)) ?? 'failed';
    return { mode, error: message.trim().slice(0, 120) };
  }
}

const mb = (bytes: number) => (bytes / MiB).toFixed(0);

export async function run(): Promise<string> {
  const load = os.loadavg()[0] ?? 0;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tradecore-bench-csv-'));
  const rows: string[] = [];
  try {
    for (const size of SIZES_MB) {
      const file = path.join(dir, `bars-${size}.csv`);
      await writeCsv(file, size);
      const bytes = (await stat(file)).size;
      for (const mode of ['stream', 'whole-text'] as const) {
        const r = measure(mode, file);
        if ('error' in r) rows.push(`| ${mb(bytes)} MiB | ${mode} | — | — | — | — | failed: ${r.error} |`);
        else {
          const growth = r.maxRss - r.baseline;
          rows.push(`| ${mb(bytes)} MiB | ${mode} | ${r.rows.toLocaleString('en-US')} | ${mb(r.barsBytes)} MiB | **${mb(growth)} MiB** | ${mb(growth - r.barsBytes)} MiB (${((growth - r.barsBytes) / bytes).toFixed(2)}× the file) | ${r.seconds.toFixed(1)} s |`);
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
    'before (one string for the file, split into lines). "parser overhead" = growth − the bars themselves.',
    `1-minute load average when the bench started: ${load.toFixed(1)} on ${os.cpus().length} cores.`,
    '',
    '| file | mode | rows | bars | RSS growth | parser overhead | time |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
