// `pnpm bench`: runs every bench/<name>.ts that exports `run(): Promise<string>` (a markdown section)
// and prints the sections. Pass names to run a subset: `pnpm bench env indicators`.
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const wanted = new Set(process.argv.slice(2));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts' && !f.startsWith('_'))
  .filter((f) => wanted.size === 0 || wanted.has(f.replace(/\.ts$/, '')))
  .sort();

console.log(`# TradeCore benchmarks\n\n${os.cpus()[0]?.model ?? 'unknown CPU'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString()}\n`);
let failed = false;
for (const file of files) {
  const mod = (await import(pathToFileURL(`${dir}${file}`).href)) as { run?: () => Promise<string> };
  if (typeof mod.run !== 'function') continue;
  try {
    console.log(await mod.run());
  } catch (error) {
    failed = true;
    console.error(`bench/${file} failed:`, error);
  }
}
if (failed) process.exitCode = 1;
