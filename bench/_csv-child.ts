// Child process of bench/csv.ts: imports one CSV in the mode named by argv[2] and prints JSON with the
// peak resident memory (maxRSS) and the RSS before the work, so each mode is measured in a fresh process.
import { readFile } from 'node:fs/promises';
import { importCsv, parseIsoTime } from '@tradecore/sdk';

const [mode, file] = process.argv.slice(2) as [string, string];
const baseline = process.memoryUsage().rss;
const start = performance.now();
let rows = 0;
let barsBytes = 0;
if (mode === 'stream') {
  const bars = await importCsv(file);
  rows = bars.length;
  barsBytes = rows * 8 * 6;
} else if (mode === 'whole-text') {
  // What importCsv did before it streamed: the whole file as one string, split into lines, then parsed.
  const lines = (await readFile(file, 'utf8')).split(/\r?\n/);
  const columns = Array.from({ length: 6 }, () => new Float64Array(lines.length));
  for (let i = 1; i < lines.length; i++) {
    const cells = (lines[i] as string).split(',');
    if (cells.length < 6) continue;
    (columns[0] as Float64Array)[rows] = parseIsoTime(cells[0] as string);
    for (let c = 1; c < 6; c++) (columns[c] as Float64Array)[rows] = Number(cells[c]);
    rows++;
  }
  barsBytes = rows * 8 * 6;
} else throw new Error(`unknown mode ${mode}`);
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ mode, rows, barsBytes, baseline, maxRss: process.resourceUsage().maxRSS * 1024, seconds }));
