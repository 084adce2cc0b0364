import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scaffold, ScaffoldError } from './scaffold.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'create-tradecore-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

describe('scaffold', () => {
  it('writes the app template with .gitignore restored and the package renamed', async () => {
    const target = path.join(tempDir(), 'my-bot');
    const result = await scaffold({ targetDir: target, template: 'app', packageName: 'my-bot', tradecoreRange: '^9.9.9' });
    expect(result.files).toContain('.gitignore');
    expect(result.files).toContain('package.json');
    expect(result.files, 'the underscore name exists only inside the published package').not.toContain('_gitignore');
    const pkg = readJson(path.join(target, 'package.json'));
    expect(pkg.name).toBe('my-bot');
    expect(pkg.private).toBe(true);
    const deps = pkg.dependencies as Record<string, string>;
    expect(Object.keys(deps).filter((d) => d.startsWith('@tradecore/')).length).toBeGreaterThanOrEqual(5);
    for (const [dep, range] of Object.entries(deps)) if (dep.startsWith('@tradecore/')) expect(range, dep).toBe('^9.9.9');
    expect(Object.keys(pkg.scripts as object)).toEqual(expect.arrayContaining(['validate', 'run', 'test', 'data:synth']));
  });

  it('names a plugin everywhere the template named itself', async () => {
    const target = path.join(tempDir(), 'plug');
    await scaffold({ targetDir: target, template: 'indicator-plugin', packageName: 'tradecore-plugin-momentum' });
    const pkg = readJson(path.join(target, 'package.json'));
    expect(pkg.name).toBe('tradecore-plugin-momentum');
    expect(pkg.keywords).toContain('tradecore-plugin');
    const readme = readFileSync(path.join(target, 'README.md'), 'utf8');
    expect(readme).toContain('# tradecore-plugin-momentum');
    expect(readme).not.toContain('tradecore-plugin-example');
    expect(existsSync(path.join(target, 'src/conformance.test.ts'))).toBe(true);
  });

  it('refuses a non-empty folder unless forced, and then keeps unrelated files', async () => {
    const target = tempDir();
    writeFileSync(path.join(target, 'notes.txt'), 'mine');
    writeFileSync(path.join(target, 'package.json'), '{}');
    await expect(scaffold({ targetDir: target, template: 'app', packageName: 'x' })).rejects.toThrow(/is not empty.*--force/);
    expect(readFileSync(path.join(target, 'package.json'), 'utf8'), 'nothing written on refusal').toBe('{}');

    await scaffold({ targetDir: target, template: 'app', packageName: 'x', force: true });
    expect(readJson(path.join(target, 'package.json')).name).toBe('x');
    expect(readFileSync(path.join(target, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('treats a folder holding only .git as empty', async () => {
    const target = tempDir();
    writeFileSync(path.join(target, '.git'), 'gitdir: elsewhere');
    await expect(scaffold({ targetDir: target, template: 'app', packageName: 'ok' })).resolves.toBeDefined();
  });

  it('rejects invalid names before writing anything', async () => {
    const target = path.join(tempDir(), 'new');
    await expect(scaffold({ targetDir: target, template: 'app', packageName: 'Bad Name' })).rejects.toThrow(ScaffoldError);
    await expect(scaffold({ targetDir: target, template: 'indicator-plugin', packageName: 'my-indicator' })).rejects.toThrow(
      /tradecore-plugin-<name>/,
    );
    expect(existsSync(target)).toBe(false);
  });
});
