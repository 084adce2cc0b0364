// Copies @tradecore/cli, everything it needs at run time and the optional GPU packages into one flat
// node_modules folder (no symlinks, no pnpm store), so the folder runs on a machine without network access.
// Usage: node scripts/gpu-check-bundle.mjs <out-dir>   (called by scripts/gpu-check.sh bundle)
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] ?? 'gpu-check/app');
/** Besides the CLI's dependencies: the WebGPU path, and the TypeScript-free bench's plugins (already deps of the CLI). */
const EXTRA = [
  ['@tradecore/trainer-gpu', 'webgpu'],
  ['@tradecore/trainer-gpu', '@tensorflow/tfjs-backend-webgpu'],
];
/** Only Linux x64 runs the bundle: the other platforms' prebuilt binaries stay behind. */
const SKIP = /(^|\/)(test|tests|\.github)\/|\.map$|\.d\.ts$|\.d\.mts$|\.d\.cts$|(^|\/)dist\/(win32-[^/]+|darwin-[^/]+|linux-arm64)\//;

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** The folder of package `name` as Node resolves it from `fromDir` (walking up node_modules folders). */
function findPackage(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** name → { dir, version } placed at the top level; nested copies for a second version. */
const top = new Map();
const copies = [];
const seen = new Set();

function visit(dir, parentTarget) {
  const manifest = readJson(path.join(dir, 'package.json'));
  const key = `${manifest.name}@${manifest.version}`;
  let target;
  const placed = top.get(manifest.name);
  if (!placed) {
    target = path.join(out, 'node_modules', manifest.name);
    top.set(manifest.name, { version: manifest.version, target });
  } else if (placed.version === manifest.version) {
    target = placed.target;
  } else {
    target = path.join(parentTarget, 'node_modules', manifest.name);
  }
  if (seen.has(`${key}→${target}`)) return target;
  seen.add(`${key}→${target}`);
  copies.push({ from: dir, to: target, workspace: dir.startsWith(path.join(repo, 'packages')) });
  const deps = { ...manifest.dependencies, ...manifest.optionalDependencies };
  // Required peers must be present at the top level of a flat layout; optional ones (ccxt, tfjs-node,
  // typescript …) only when listed in EXTRA.
  const optionalPeers = manifest.peerDependenciesMeta ?? {};
  for (const peer of Object.keys(manifest.peerDependencies ?? {})) if (!(peer in deps) && !optionalPeers[peer]?.optional) deps[peer] = '*';
  for (const name of Object.keys(deps)) {
    const found = findPackage(name, dir);
    if (!found) {
      if (manifest.peerDependencies?.[name] || manifest.optionalDependencies?.[name]) continue;
      throw new Error(`${manifest.name}: dependency ${name} not found from ${dir}`);
    }
    visit(found, target);
  }
  return target;
}

const cli = path.join(repo, 'packages', 'cli');
visit(cli, out);
for (const [from, name] of EXTRA) {
  const fromDir = path.join(repo, 'packages', from.replace('@tradecore/', ''));
  const found = findPackage(name, fromDir);
  if (!found) throw new Error(`${name} is not installed in this checkout (pnpm install)`);
  visit(found, out);
}

mkdirSync(path.join(out, 'node_modules'), { recursive: true });
for (const { from, to, workspace } of copies) {
  cpSync(from, to, {
    recursive: true,
    dereference: true,
    filter: (src) => {
      const rel = path.relative(from, src).split(path.sep).join('/');
      if (rel === '') return true;
      if (rel === 'node_modules' || rel.startsWith('node_modules/')) return false;
      // Workspace packages run from dist/ (their src/ is TypeScript).
      if (workspace && (rel === 'src' || rel.startsWith('src/'))) return false;
      return !SKIP.test(statSync(src).isDirectory() ? `${rel}/` : rel);
    },
  });
}
console.log(`gpu-check: ${copies.length} packages copied into ${path.relative(process.cwd(), out) || '.'}/node_modules`);
