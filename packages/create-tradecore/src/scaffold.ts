import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { invalidPackageName, invalidPluginName } from './names.ts';
import { templatesRoot, type TemplateName } from './templates.ts';

export interface ScaffoldOptions {
  /** Folder to create the project in (created when missing). */
  targetDir: string;
  template: TemplateName;
  /** npm name written to the new package.json and everywhere the template names itself. */
  packageName: string;
  /** Write into a non-empty folder, overwriting files with the same names (other files are kept). */
  force?: boolean;
  /** Range written for every `@tradecore/*` dependency; defaults to `^<version of create-tradecore>`. */
  tradecoreRange?: string;
  /** Where the templates live; defaults to the ones shipped with the package. */
  templatesDir?: string;
}

export interface ScaffoldResult {
  targetDir: string;
  packageName: string;
  /** Written files, relative to `targetDir`, sorted, with `/` separators. */
  files: string[];
}

export class ScaffoldError extends Error {
  override name = 'ScaffoldError';
}

/** Build, install and run leftovers (a template tried out in place), never part of the template. */
const SKIPPED = new Set(['node_modules', 'dist', 'runs', 'data', 'coverage', '.tmp', 'package-lock.json', 'pnpm-lock.yaml', 'yarn.lock']);
/**
 * npm strips `.gitignore` from published packages, so templates keep it as `_gitignore`; the build ships
 * each template's manifest as `_package.json` so that no nested package.json sits in the tarball.
 */
const RENAMED: Record<string, string> = { _gitignore: '.gitignore', _npmignore: '.npmignore', '_package.json': 'package.json' };
const TEXT_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs', '.json', '.md', '.yaml', '.yml', '.txt', '']);

export function ownVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Entries of `dir` other than a `.git` folder; a missing folder counts as empty. */
export async function isEmptyDir(dir: string): Promise<boolean> {
  if (!existsSync(dir)) return true;
  const info = await stat(dir);
  if (!info.isDirectory()) throw new ScaffoldError(`${dir} exists and is not a folder`);
  return (await readdir(dir)).every((entry) => entry === '.git');
}

/** Copies a template into `targetDir`, naming the new package `packageName`. */
export async function scaffold(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const targetDir = path.resolve(options.targetDir);
  const nameProblem =
    invalidPackageName(options.packageName) ??
    (options.template === 'indicator-plugin' ? invalidPluginName(options.packageName) : undefined);
  if (nameProblem) throw new ScaffoldError(`invalid package name "${options.packageName}": ${nameProblem}`);
  if (!options.force && !(await isEmptyDir(targetDir))) {
    throw new ScaffoldError(`${targetDir} is not empty; choose another folder or pass --force to write into it`);
  }

  const sourceDir = path.join(options.templatesDir ?? templatesRoot(), options.template);
  const templatePkgPath = [path.join(sourceDir, 'package.json'), path.join(sourceDir, '_package.json')].find((file) => existsSync(file));
  if (!templatePkgPath) throw new ScaffoldError(`template "${options.template}" has no package.json in ${sourceDir}`);
  const templateName = (JSON.parse(await readFile(templatePkgPath, 'utf8')) as { name: string }).name;
  const range = options.tradecoreRange ?? `^${ownVersion()}`;

  const files: string[] = [];
  for (const relative of await listTemplateFiles(sourceDir)) {
    const segments = relative.split('/');
    const last = segments.pop() as string;
    const destRelative = [...segments, RENAMED[last] ?? last].join('/');
    let content: Buffer | string = await readFile(path.join(sourceDir, relative));
    if (TEXT_EXTENSIONS.has(path.extname(last)) && !content.includes(0)) {
      content = content.toString('utf8').replaceAll(templateName, options.packageName);
      if (destRelative === 'package.json') content = rewritePackageJson(content, options.packageName, range);
    }
    await writeFileAtomic(path.join(targetDir, destRelative), content);
    files.push(destRelative);
  }
  return { targetDir, packageName: options.packageName, files: files.sort() };
}

function rewritePackageJson(text: string, name: string, range: string): string {
  const pkg = JSON.parse(text) as Record<string, unknown>;
  pkg.name = name;
  pkg.version = '0.1.0';
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies'] as const) {
    const deps = pkg[field] as Record<string, string> | undefined;
    if (!deps) continue;
    for (const dep of Object.keys(deps)) {
      if (dep.startsWith('@tradecore/')) deps[dep] = range;
    }
  }
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

async function listTemplateFiles(root: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(path.join(root, prefix), { withFileTypes: true });
  for (const entry of entries) {
    if (SKIPPED.has(entry.name) || entry.name.endsWith('.tgz') || entry.name.endsWith('.tsbuildinfo')) continue;
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listTemplateFiles(root, relative)));
    else if (entry.isFile()) out.push(relative);
  }
  return out;
}

async function writeFileAtomic(file: string, content: Buffer | string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, content);
  await rename(temp, file);
}
