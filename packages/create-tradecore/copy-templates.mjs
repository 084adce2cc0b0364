// Copies the repo-root templates/ (the source of truth) into this package, so the published tarball
// carries them beside dist/. Leftovers of trying a template in place (node_modules, dist, data, runs) stay behind.
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.resolve(here, '../../templates');
const target = path.join(here, 'templates');
const skipped = new Set(['node_modules', 'dist', 'runs', 'data', 'coverage', '.tmp', 'package-lock.json']);

rmSync(target, { recursive: true, force: true });
cpSync(source, target, {
  recursive: true,
  filter: (file) => !skipped.has(path.basename(file)) && !file.endsWith('.tgz'),
});
console.log(`copied ${path.relative(process.cwd(), source) || '.'} → ${path.relative(process.cwd(), target)}`);
