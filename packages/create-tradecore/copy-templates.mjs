// Copies the repo-root templates/ (the source of truth) into this package, so the published tarball
// carries them beside dist/. Leftovers of trying a template in place (node_modules, dist, data, runs) stay behind.
import { cpSync, readdirSync, renameSync, rmSync } from 'node:fs';
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
// A nested package.json would be read as a real (if ignored) package manifest by tools walking the tarball;
// ship it as _package.json and let the scaffolder restore the name.
for (const template of readdirSync(target)) {
  renameSync(path.join(target, template, 'package.json'), path.join(target, template, '_package.json'));
}
console.log(`copied ${path.relative(process.cwd(), source) || '.'} → ${path.relative(process.cwd(), target)}`);
