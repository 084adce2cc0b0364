// `pnpm bench scaffold`: what `npm create tradecore` costs once the package is on disk — start-up of the
// built bin (`create-tradecore --version`) and a full scaffold of each template into an empty folder.
// npm's own download/install time is not included (it dominates and is outside our control).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { scaffold, TEMPLATES } from 'create-tradecore';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'packages/create-tradecore/dist/bin.js');
const RUNS = 15;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

export async function run(): Promise<string> {
  if (!existsSync(BIN)) throw new Error(`${BIN} missing: run pnpm build first`);
  const startup: number[] = [];
  for (let k = 0; k <= RUNS; k++) {
    const start = performance.now();
    execFileSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
    if (k > 0) startup.push(performance.now() - start);
  }

  const rows: string[] = [`| \`create-tradecore --version\` start-up (node + bin) | ${median(startup).toFixed(0)} ms |`];
  const work = await mkdtemp(path.join(os.tmpdir(), 'tradecore-bench-scaffold-'));
  try {
    for (const template of TEMPLATES) {
      const samples: number[] = [];
      for (let k = 0; k <= RUNS; k++) {
        const target = path.join(work, `${template}-${k}`);
        const name = template === 'app' ? `app-${k}` : `tradecore-plugin-b${k}`;
        const start = performance.now();
        const { files } = await scaffold({ targetDir: target, template, packageName: name });
        if (k > 0) samples.push(performance.now() - start);
        if (files.length < 5) throw new Error(`${template}: only ${files.length} files written`);
      }
      rows.push(`| scaffold \`${template}\` (in process, atomic writes) | ${median(samples).toFixed(1)} ms |`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return `## create-tradecore\n\nMedian of ${RUNS} runs.\n\n| what | time |\n| --- | --- |\n${rows.join('\n')}\n`;
}
