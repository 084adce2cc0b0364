import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { main, packageManagerFrom, type CliIO } from './main.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'create-tradecore-cli-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tree(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix))
    .sort()
    .flatMap((name) => {
      const rel = prefix ? `${prefix}/${name}` : name;
      return statSync(path.join(dir, rel)).isDirectory() ? tree(dir, rel) : [rel];
    });
}

function captureIO(cwd: string, interactive: boolean, answers: string[] = []): CliIO & { out: () => string; err: () => string } {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    // Answer each prompt as it appears (a prompt ends with ": " and waits for a line).
    if (out.endsWith(': ') && answers.length > 0) stdin.write(`${answers.shift()}\n`);
  });
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { stdin, stdout, stderr, interactive, cwd, userAgent: undefined, out: () => out, err: () => err };
}

describe('create-tradecore CLI', () => {
  it('scaffolds an app from flags alone and prints next steps', async () => {
    const cwd = tempDir();
    const io = captureIO(cwd, false);
    expect(await main(['my-app', '--template', 'app'], io)).toBe(0);
    expect(tree(path.join(cwd, 'my-app'))).toMatchSnapshot();
    expect(io.out()).toMatch(/cd my-app\n\s+npm install\n\s+npm run data:synth/);
    expect(io.out()).toContain('npm run validate');
  });

  it('scaffolds an indicator plugin with the default name derived from the folder', async () => {
    const cwd = tempDir();
    const io = captureIO(cwd, false);
    expect(await main(['kama', '-t', 'indicator-plugin'], io)).toBe(0);
    expect(tree(path.join(cwd, 'kama'))).toMatchSnapshot();
    const pkg = JSON.parse(readFileSync(path.join(cwd, 'kama/package.json'), 'utf8')) as { name: string };
    expect(pkg.name).toBe('tradecore-plugin-kama');
    expect(io.out()).toContain('npm run test');
  });

  it('asks on a terminal for what the flags leave open', async () => {
    const cwd = tempDir();
    const io = captureIO(cwd, true, ['2', 'ind', 'tradecore-plugin-ind2']);
    expect(await main([], io)).toBe(0);
    expect(io.out()).toContain('Which template?');
    const pkg = JSON.parse(readFileSync(path.join(cwd, 'ind/package.json'), 'utf8')) as { name: string };
    expect(pkg.name).toBe('tradecore-plugin-ind2');
  });

  it('re-asks for an invalid plugin name on a terminal', async () => {
    const cwd = tempDir();
    const io = captureIO(cwd, true, ['not-prefixed', 'tradecore-plugin-ok']);
    expect(await main(['p', '--template', 'indicator-plugin'], io)).toBe(0);
    expect(io.out()).toMatch(/tradecore-plugin-<name>/);
    expect(JSON.parse(readFileSync(path.join(cwd, 'p/package.json'), 'utf8'))).toMatchObject({ name: 'tradecore-plugin-ok' });
  });

  it('refuses a non-empty folder without a terminal unless --force', async () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'keep.txt'), 'x');
    const refused = captureIO(cwd, false);
    expect(await main(['.', '--yes'], refused)).toBe(1);
    expect(refused.err()).toMatch(/is not empty; choose another folder or pass --force/);
    expect(tree(cwd)).toEqual(['keep.txt']);
    expect(await main(['.', '--yes', '--force'], captureIO(cwd, false))).toBe(0);
    expect(tree(cwd)).toContain('package.json');
  });

  it('asks before writing into a non-empty folder on a terminal and cancels on no', async () => {
    const cwd = tempDir();
    writeFileSync(path.join(cwd, 'keep.txt'), 'x');
    const io = captureIO(cwd, true, ['', 'n']);
    expect(await main(['.', '--template', 'app'], io)).toBe(1);
    expect(io.err()).toContain('nothing was written');
    expect(tree(cwd)).toEqual(['keep.txt']);
  });

  it('exits 2 with usage on bad flags or a missing folder without a terminal', async () => {
    const cwd = tempDir();
    const bad = captureIO(cwd, false);
    expect(await main(['x', '--template', 'nope'], bad)).toBe(2);
    expect(bad.err()).toMatch(/unknown template "nope"; expected one of: app, indicator-plugin/);
    const missing = captureIO(cwd, false);
    expect(await main([], missing)).toBe(2);
    expect(missing.err()).toMatch(/missing the target folder/);
    expect(tree(cwd)).toEqual([]);
  });

  it('tailors next steps to the package manager that ran it', () => {
    expect(packageManagerFrom('pnpm/10.34.9 npm/? node/v20.20.2 linux x64')).toBe('pnpm');
    expect(packageManagerFrom('yarn/1.22.0 npm/? node/v20')).toBe('yarn');
    expect(packageManagerFrom(undefined)).toBe('npm');
  });

  it('runs as a binary with piped stdio (no prompts)', () => {
    const cwd = tempDir();
    const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../node_modules/tsx/dist/cli.mjs', import.meta.url));
    const result = spawnSync(process.execPath, [tsx, bin, 'demo', '--yes'], { cwd, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Scaffolded demo (app)');
  });
});
