import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/schema.ts';
import { InvalidIdError } from '../paths/ids.ts';
import { parseWithSchema } from '../schema/validate.ts';
import { readRunRecord, writeArchiveFile, type RunRecord } from './archive.ts';
import { ensureDirectory } from './fsErrors.ts';
import { acquireRunLock, readRunLock, RUN_LOCK, RunLockedError } from './lock.ts';
import { createRunFolder, openRunFolder, sweepTempFiles } from './runFolder.ts';
import { cancelRun, listRuns, readRunStatus } from './status.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(HERE, '../../../..');
const TSX = createRequire(path.join(REPO_ROOT, 'package.json')).resolve('tsx');
const MODULE = (name: string) => JSON.stringify(path.join(HERE, name));
const tempDir = (prefix = 'tc-runfolder-') => mkdtempSync(path.join(tmpdir(), prefix));

/** Runs a TypeScript snippet in a second Node process (the SDK imported from source). */
function child(code: string): { done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>; pid: number; kill(signal: NodeJS.Signals): void; stdout(): string } {
  const file = path.join(tempDir('tc-child-'), 'child.mts');
  writeFileSync(file, code);
  const proc = spawn(process.execPath, ['--conditions=@tradecore/source', '--import', TSX, file], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { done, pid: proc.pid!, kill: (s) => proc.kill(s), stdout: () => stdout };
}

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function record(id: string, status: RunRecord['status']): RunRecord {
  const now = new Date().toISOString();
  return { format: 'tradecore-run/1', id, status, createdAt: now, updatedAt: now, seed: 1, configFile: '/x/tradecore.config.ts', overrides: [], resumes: 0, timings: {}, versions: { node: '', sdk: '', plugins: {} }, foldsTrained: [] };
}

describe('run folder lock', () => {
  it('one holder at a time; the refusal names it; released locks can be taken again', () => {
    const dir = tempDir();
    const lock = acquireRunLock(dir);
    const info = JSON.parse(readFileSync(path.join(dir, RUN_LOCK), 'utf8')) as Record<string, unknown>;
    expect(info).toMatchObject({ format: 'tradecore-lock/1', pid: process.pid, host: os.hostname() });
    expect(String(info.token)).toMatch(/^[0-9a-f]{16}$/);
    expect(() => acquireRunLock(dir)).toThrow(RunLockedError);
    expect(() => acquireRunLock(dir)).toThrow(/this process already writes it/);
    lock.release();
    expect(existsSync(path.join(dir, RUN_LOCK))).toBe(false);
    acquireRunLock(dir).release();
  });

  it('a second process is refused while the holder lives; a SIGKILLed holder is detected and its lock taken over', async () => {
    const dir = tempDir();
    const holder = child(`import { acquireRunLock } from ${MODULE('lock.ts')};
acquireRunLock(${JSON.stringify(dir)});
console.log('held');
setInterval(() => {}, 1000);`);
    await until(() => holder.stdout().includes('held'), 'the child to take the lock');
    const second = await child(`import { acquireRunLock } from ${MODULE('lock.ts')};
try { acquireRunLock(${JSON.stringify(dir)}); console.log('WON'); } catch (e) { console.log(String(e.message)); }`).done;
    expect(second.stdout).toContain(`held by pid ${holder.pid} on ${os.hostname()}`);
    expect(second.stdout).not.toContain('WON');
    expect(readRunLock(dir)?.state).toBe('alive');

    holder.kill('SIGKILL');
    await holder.done;
    expect(readRunLock(dir)).toMatchObject({ state: 'gone', reason: `pid ${holder.pid} on ${os.hostname()} is no longer running` });
    const reasons: string[] = [];
    const lock = acquireRunLock(dir, (r) => reasons.push(r));
    expect(reasons).toEqual([`pid ${holder.pid} on ${os.hostname()} is no longer running`]);
    expect(lock.held).toBe(true);
    lock.release();
  });

  it('of processes racing for one folder, exactly one wins', async () => {
    const dir = tempDir();
    const racers = Array.from({ length: 4 }, () =>
      child(`import { acquireRunLock } from ${MODULE('lock.ts')};
try { acquireRunLock(${JSON.stringify(dir)}); console.log('WON'); setTimeout(() => {}, 3000); } catch (e) { console.log(e.name); }`),
    );
    const results = await Promise.all(racers.map((r) => r.done));
    expect(results.filter((r) => r.stdout.includes('WON'))).toHaveLength(1);
    expect(results.filter((r) => r.stdout.includes('RunLockedError'))).toHaveLength(3);
  });

  it('a reused pid, a foreign host gone quiet and an unreadable lock count as abandoned; a fresh foreign lock does not', () => {
    const dir = tempDir();
    const file = path.join(dir, RUN_LOCK);
    const base = { format: 'tradecore-lock/1', startedAt: new Date().toISOString(), token: 'ab'.repeat(8), command: 'tradecore run' };
    if (existsSync('/proc/self/stat')) {
      // This test's own pid is alive, but it did not start at the recorded time: the pid was reused.
      writeFileSync(file, JSON.stringify({ ...base, pid: process.pid, host: os.hostname(), processStart: '1' }));
      expect(readRunLock(dir)).toMatchObject({ state: 'gone', reason: expect.stringMatching(/pid now belongs to another process/) });
    }
    writeFileSync(file, JSON.stringify({ ...base, pid: 1234, host: 'far-away-host' }));
    expect(readRunLock(dir)?.state).toBe('remote');
    expect(() => acquireRunLock(dir)).toThrow(/held by pid 1234 on far-away-host \(another host/);
    const old = new Date(Date.now() - 11 * 60_000);
    utimesSync(file, old, old);
    expect(readRunLock(dir)).toMatchObject({ state: 'stale', reason: expect.stringMatching(/no heartbeat for 11 min/) });
    acquireRunLock(dir).release();
    writeFileSync(file, 'not json');
    expect(readRunLock(dir)?.state).toBe('stale');
    acquireRunLock(dir).release();
  });
});

describe('run folders', () => {
  it('generated ids are unique, carry 32 random bits, and get their own folder', () => {
    const out = tempDir();
    const ids = Array.from({ length: 20 }, () => {
      const { id, folder } = createRunFolder(out, { seed: 3 });
      folder.close();
      return id;
    });
    expect(new Set(ids).size).toBe(20);
    for (const id of ids) expect(id).toMatch(/^\d{8}-\d{6}-s3-[0-9a-f]{8}$/);
    expect(readdirSync(out).sort()).toEqual([...ids].sort());
  });

  it('a chosen id is validated, refused when its run exists, and reclaimed when only a killed start left leftovers', async () => {
    const out = tempDir();
    expect(() => createRunFolder(out, { seed: 0, id: '../escape' })).toThrow(InvalidIdError);
    expect(() => createRunFolder(out, { seed: 0, id: 'a/b' })).toThrow(InvalidIdError);
    expect(existsSync(path.join(out, '..', 'escape'))).toBe(false);

    const { folder } = createRunFolder(out, { seed: 0, id: 'trial-1' });
    expect(() => createRunFolder(out, { seed: 0, id: 'trial-1' })).toThrow(/this process already writes it/);
    folder.track(record('trial-1', 'failed'), () => {});
    await folder.saveRecord();
    folder.close();
    expect(() => createRunFolder(out, { seed: 0, id: 'trial-1' })).toThrow(/run trial-1 already exists in .* \(status failed\): continue it with --resume trial-1/);

    // A process killed between mkdir and its first run.json: a dead lock and a temp file.
    const dir = path.join(out, 'trial-2');
    mkdirSync(dir);
    writeFileSync(path.join(dir, RUN_LOCK), JSON.stringify({ format: 'tradecore-lock/1', pid: 999_999, host: os.hostname(), startedAt: '', token: 'cd'.repeat(8), command: '' }));
    writeFileSync(path.join(dir, '.run.json.4242.0123abcd.tmp'), '{');
    const logs: string[] = [];
    const reclaimed = createRunFolder(out, { seed: 0, id: 'trial-2', log: (l) => logs.push(l) });
    expect(reclaimed.folder.swept).toEqual(['.run.json.4242.0123abcd.tmp']);
    expect(logs.join('\n')).toMatch(/taking over an abandoned lock \(pid 999999 .* is no longer running\)/);
    reclaimed.folder.close();

    mkdirSync(path.join(out, 'not-a-run'));
    writeFileSync(path.join(out, 'not-a-run', 'notes.txt'), 'mine');
    expect(() => createRunFolder(out, { seed: 0, id: 'not-a-run' })).toThrow(/already exists and is not a run folder/);
    expect(readFileSync(path.join(out, 'not-a-run', 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('sweeps temp files and temp checkpoint folders, and nothing else; never through a symlink', () => {
    const dir = tempDir();
    const outside = tempDir('tc-outside-');
    writeFileSync(path.join(outside, '.x.1.0123abcd.tmp'), 'not ours');
    mkdirSync(path.join(dir, 'checkpoints', 'fold-0', '.ckpt-0000000512.77.89abcdef.tmp'), { recursive: true });
    writeFileSync(path.join(dir, 'checkpoints', 'fold-0', '.ckpt-0000000512.77.89abcdef.tmp', 'weights.bin'), 'partial');
    mkdirSync(path.join(dir, 'checkpoints', 'fold-0', 'ckpt-0000000256'));
    writeFileSync(path.join(dir, '.metrics.json.12.deadbeef.tmp'), '{');
    writeFileSync(path.join(dir, 'metrics.json'), '{}');
    writeFileSync(path.join(dir, 'run.lock.0123456789abcdef.pending'), '{}');
    symlinkSync(outside, path.join(dir, 'link'));
    expect(sweepTempFiles(dir).sort()).toEqual(['.metrics.json.12.deadbeef.tmp', path.join('checkpoints', 'fold-0', '.ckpt-0000000512.77.89abcdef.tmp'), 'run.lock.0123456789abcdef.pending'].sort());
    expect(readdirSync(path.join(dir, 'checkpoints', 'fold-0'))).toEqual(['ckpt-0000000256']);
    expect(existsSync(path.join(dir, 'metrics.json'))).toBe(true);
    expect(existsSync(path.join(outside, '.x.1.0123abcd.tmp'))).toBe(true);
  });
});

describe('run status, cancel and exit', () => {
  it('tells running, complete, failed, cancelled and interrupted runs apart', async () => {
    const out = tempDir();
    const make = async (id: string, status: RunRecord['status']) => {
      const { folder } = createRunFolder(out, { seed: 1, id });
      folder.track(record(id, status), () => {});
      await folder.saveRecord();
      return folder;
    };
    (await make('a-complete', 'complete')).close();
    (await make('b-failed', 'failed')).close();
    (await make('c-cancelled', 'cancelled')).close();
    const live = await make('d-running', 'running');
    (await make('e-killed', 'running')).close(); // lock gone, run.json still says running
    const dead = path.join(out, 'f-dead-holder');
    mkdirSync(dead);
    writeFileSync(path.join(dead, 'run.json'), JSON.stringify(record('f-dead-holder', 'running')));
    writeFileSync(path.join(dead, RUN_LOCK), JSON.stringify({ format: 'tradecore-lock/1', pid: 999_999, host: os.hostname(), startedAt: '', token: 'ef'.repeat(8), command: '' }));
    mkdirSync(path.join(out, 'g-empty'));
    writeFileSync(path.join(out, 'g-empty', RUN_LOCK), JSON.stringify({ format: 'tradecore-lock/1', pid: 999_999, host: os.hostname(), startedAt: '', token: 'ef'.repeat(8), command: '' }));
    mkdirSync(path.join(out, 'not a run'));

    const statuses = Object.fromEntries(listRuns(out).map((s) => [s.id, s.status]));
    expect(statuses).toEqual({
      'a-complete': 'complete',
      'b-failed': 'failed',
      'c-cancelled': 'cancelled',
      'd-running': 'running',
      'e-killed': 'interrupted',
      'f-dead-holder': 'interrupted',
      'g-empty': 'interrupted',
    });
    expect(readRunStatus(path.join(out, 'd-running')).holder?.pid).toBe(process.pid);
    expect(readRunStatus(dead).reason).toMatch(/run.json says running but pid 999999 on .* is no longer running/);
    expect(readRunStatus(path.join(out, 'e-killed')).reason).toMatch(/no process holds its lock/);
    expect(readRunStatus(path.join(out, 'g-empty')).reason).toMatch(/no run.json yet/);
    live.close();
  });

  it('cancelRun stops a run from outside through its folder; a run that is not running cannot be cancelled', async () => {
    const out = tempDir();
    const { folder } = createRunFolder(out, { seed: 1, id: 'r1' });
    folder.track(record('r1', 'running'), () => {});
    await folder.saveRecord();
    const holder = await cancelRun(folder.dir, { reason: 'from the studio' });
    expect(holder.pid).toBe(process.pid);
    await until(() => folder.cancelRequested.aborted, 'the cancel request to be seen', 10_000);
    expect((folder.cancelRequested.reason as Error).message).toMatch(/cancel requested by pid \d+ on .*: "from the studio"/);
    folder.close();
    expect(existsSync(path.join(folder.dir, 'cancel.request'))).toBe(false);
    await expect(cancelRun(folder.dir)).rejects.toThrow(/not running/);
  });

  it('a process that exits mid-run records it in run.json and releases the lock; a resume opens the folder again', async () => {
    const out = tempDir();
    const result = await child(`import { createRunFolder } from ${MODULE('runFolder.ts')};
import { writeRunRecordSync } from ${MODULE('archive.ts')};
const { folder } = createRunFolder(${JSON.stringify(out)}, { seed: 1, id: 'exits' });
const run = ${JSON.stringify(record('exits', 'running'))};
folder.track(run, (code) => { run.status = 'failed'; run.error = 'exited with ' + code; writeRunRecordSync(folder.dir, run); });
await folder.saveRecord();
process.exit(3);`).done;
    expect(result.code, result.stderr).toBe(3);
    const dir = path.join(out, 'exits');
    expect(readRunRecord(dir)).toMatchObject({ status: 'failed', error: 'exited with 3' });
    expect(existsSync(path.join(dir, RUN_LOCK))).toBe(false);
    openRunFolder(dir).close();
  });
});

describe('seeds', () => {
  it('the seed is an integer in 0..2^32−1: 2^32+7 and 1e300 are refused, not wrapped', () => {
    const config = (seed: number) => ({ dataset: 'x', run: { seed } });
    expect(parseWithSchema(ConfigSchema, config(2 ** 32 - 1), 'c').run.seed).toBe(2 ** 32 - 1);
    expect(() => parseWithSchema(ConfigSchema, config(2 ** 32 + 7), 'c')).toThrow(/run\.seed/);
    expect(() => parseWithSchema(ConfigSchema, config(1e300), 'c')).toThrow(/run\.seed/);
    const dir = tempDir();
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...record('x', 'failed'), seed: 2 ** 32 + 7 }));
    expect(() => readRunRecord(dir)).toThrow(/seed 4294967303 must be an integer in 0..4294967295/);
  });
});

// A real small file system: tmpfs mounts need root; elsewhere these tests skip with a message.
let mountRoot = '';
function tryMount(dir: string, options: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
beforeAll(() => {
  if (process.platform !== 'linux') return;
  const root = tempDir('tc-tmpfs-');
  mkdirSync(path.join(root, 'full'));
  mkdirSync(path.join(root, 'ro'));
  if (tryMount(path.join(root, 'full'), 'size=64k') && tryMount(path.join(root, 'ro'), 'size=64k,ro')) mountRoot = root;
  else console.warn('[runFolder.test] cannot mount a tmpfs here (needs root on Linux): skipping the disk-full and read-only tests');
});
afterAll(() => {
  if (!mountRoot) return;
  for (const m of ['full', 'ro']) execFileSync('umount', [path.join(mountRoot, m)], { stdio: 'ignore' });
});

describe('disk full and read-only folders', () => {
  it('names the path and the real cause', async (context) => {
    if (!mountRoot) return context.skip();
    const target = path.join(mountRoot, 'ro', 'runs', 'r1');
    expect(() => ensureDirectory(target)).toThrow(`cannot create folder ${path.join(mountRoot, 'ro', 'runs')}: read-only file system (EROFS)`);
    const file = path.join(mountRoot, 'full', 'ledger.parquet');
    await expect(writeArchiveFile(file, new Uint8Array(256 * 1024))).rejects.toThrow(`cannot write ${file}: no space left on device (ENOSPC)`);
    expect(readdirSync(path.join(mountRoot, 'full')), 'the temp file is removed').toEqual([]);
  });
});
