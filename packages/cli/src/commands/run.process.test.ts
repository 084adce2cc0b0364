import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSynthetic, syntheticGeneratorInfo, writeDataset } from '@tradecore/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliArgv, REPO_ROOT, runCli, tempDir } from '../_testing.ts';

/** The process side of `tradecore run`: signals, closed pipes, a second writer, a full or read-only disk. */
const src = (pkg: string) => JSON.stringify(path.join(REPO_ROOT, 'packages', pkg, 'src', 'index.ts'));
let dir = '';

type Event = { type: string; [k: string]: unknown };

/** An .mjs config (loaded by the CLI's own loader) training for `totalSteps`, plus extra plugin code. */
function writeConfig(name: string, totalSteps: number, extra = { imports: '', plugins: '' }): string {
  const file = path.join(dir, `${name}.config.mjs`);
  writeFileSync(
    file,
    `import { defineConfig, definePlugin } from ${src('sdk')};
import { riskGuard } from ${src('plugin-risk-guard')};
import { ppo } from ${src('trainer-gpu')};
${extra.imports}
export default defineConfig({
  dataset: 'proc',
  dataDir: ${JSON.stringify(path.join(dir, 'data'))},
  plugins: [riskGuard(), ppo({ backend: 'wasm', totalSteps: ${totalSteps}, numEnvs: 4, nSteps: 32, epochs: 1, minibatchSize: 64, hidden: [8], checkpointEvery: 1 })${extra.plugins}],
  env: { window: 8, episodeLength: 48 },
  run: { out: './runs' },
});
`,
  );
  return file;
}

interface Spawned {
  readonly pid: number;
  readonly events: Event[];
  stderr(): string;
  kill(signal: NodeJS.Signals): void;
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnCli(args: readonly string[]): Spawned {
  const child = spawn(process.execPath, cliArgv(args), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Event[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.startsWith('{')) events.push(JSON.parse(line) as Event);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { pid: child.pid!, events, stderr: () => stderr, kill: (s) => child.kill(s), exit };
}

async function until(check: () => boolean, what: string, ms = 240_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

beforeAll(async () => {
  dir = await tempDir('tradecore-proc-');
  const options = { seed: 5, days: 3, timeframe: '5m' };
  await writeDataset(generateSynthetic(options), { dataDir: path.join(dir, 'data'), source: 'synthetic', symbol: 'TEST-USD', timeframe: '5m', id: 'proc', synthetic: syntheticGeneratorInfo(options) });
});

describe('signals', () => {
  it('Ctrl-C and SIGTERM stop a run whose config file hangs while it is evaluated', async () => {
    const loop = path.join(dir, 'loop.config.mjs');
    writeFileSync(loop, "process.stderr.write('evaluating the config\\n');\nfor (;;) {}\n");
    const hang = path.join(dir, 'hang.config.mjs');
    writeFileSync(hang, "process.stderr.write('evaluating the config\\n');\nawait new Promise(() => setInterval(() => {}, 1000));\n");
    for (const [config, signal] of [[loop, 'SIGINT'], [hang, 'SIGTERM']] as const) {
      const run = spawnCli(['run', '--config', config]);
      await until(() => run.stderr().includes('evaluating the config'), 'the config to be evaluated');
      run.kill(signal);
      const result = await Promise.race([run.exit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
      if (result === 'hung') run.kill('SIGKILL');
      expect(result, `${signal} while ${path.basename(config)} is evaluated`).toEqual({ code: null, signal });
    }
  }, 600_000);

  it('a second Ctrl-C exits at once; the run records that it was cancelled and releases its folder', async () => {
    const config = writeConfig('slow-start', 512, {
      imports: '',
      plugins: `, definePlugin({ name: 'slow-start', version: '0.0.0', kind: 'execution', setup(hooks) {
    hooks.runStart.tapPromise('slow-start', async () => { process.stderr.write('waiting in runStart\\n'); await new Promise((r) => setTimeout(r, 600_000)); });
  } })()`,
    });
    const run = spawnCli(['run', '--config', config, '--json']);
    await until(() => run.stderr().includes('waiting in runStart'), 'the run to start');
    run.kill('SIGINT');
    await until(() => run.stderr().includes('stopping after the current update'), 'the first Ctrl-C to be handled');
    run.kill('SIGINT');
    const result = await Promise.race([run.exit, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    if (result === 'hung') run.kill('SIGKILL');
    expect(result).toEqual({ code: 130, signal: null });
    const runDir = String(run.events.find((e) => e.type === 'start')?.dir);
    expect(readJson(path.join(runDir, 'run.json'))).toMatchObject({ status: 'cancelled', error: 'the process exited (code 130) before the run finished' });
    expect(existsSync(path.join(runDir, 'run.lock'))).toBe(false);
  }, 600_000);
});

describe('a closed stdout', () => {
  const pipeTo = (args: readonly string[], reader: string) =>
    spawnSync('bash', ['-c', `"$0" "$@" | ${reader}; echo "exit \${PIPESTATUS[0]}"`, process.execPath, ...cliArgv(args)], { cwd: dir, encoding: 'utf8', timeout: 540_000 });

  it('run --json | head -1 finishes the run and exits 0 without an EPIPE stack trace', () => {
    const config = writeConfig('piped', 512);
    const { stdout, stderr } = pipeTo(['run', '--config', config, '--json'], 'head -1');
    const [first, status] = stdout.trim().split('\n');
    const start = JSON.parse(first!) as Event;
    expect(start.type).toBe('start');
    expect(status, stderr).toBe('exit 0');
    expect(stderr).not.toMatch(/EPIPE|Error/);
    expect(readJson(path.join(String(start.dir), 'run.json')).status).toBe('complete');
  }, 600_000);

  it('data export | head ends quietly', () => {
    const { stdout, stderr } = pipeTo(['--data', path.join(dir, 'data'), 'data', 'export', 'proc'], 'head -2');
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^time,open,high,low,close,volume/);
    expect(lines.at(-1), stderr).toBe('exit 0');
    expect(stderr).toBe('');
  }, 300_000);
});

describe('one writer per run folder', () => {
  it('--resume of a run that is still training is refused naming the holder; two resumes at once: one runs, one is refused', async () => {
    const config = writeConfig('long', 400_000);
    const first = spawnCli(['run', '--config', config, '--json', '--id', 'busy']);
    await until(() => first.events.some((e) => e.type === 'progress'), 'training to start');
    const runDir = path.join(dir, 'runs', 'busy');
    const refused = await runCli(['run', '--resume', runDir], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${runDir} is in use: held by pid ${first.pid} on ${os.hostname()}`);
    expect(refused.stderr).toContain('run --config');
    const status = await runCli(['runs', 'status', 'busy'], { cwd: dir });
    expect(status.stdout).toMatch(new RegExp(`busy: running[\\s\\S]*lock +pid ${first.pid}`));

    const cancelled = await runCli(['runs', 'cancel', 'busy', '--reason', 'test'], { cwd: dir });
    expect(cancelled.code, cancelled.stderr).toBe(0);
    const exited = await first.exit;
    expect(exited.code).toBe(1);
    expect(first.stderr()).toMatch(/cancelled/);
    expect(readJson(path.join(runDir, 'run.json')).status).toBe('cancelled');

    const a = spawnCli(['run', '--resume', runDir, '--json']);
    const b = spawnCli(['run', '--resume', runDir, '--json']);
    const started = () => [a, b].filter((r) => r.events.some((e) => e.type === 'start'));
    const loser = await Promise.race([a.exit.then(() => a), b.exit.then(() => b)]);
    const winner = loser === a ? b : a;
    expect(loser.stderr()).toContain(`is in use: held by pid ${winner.pid} on ${os.hostname()}`);
    await until(() => started().length === 1, 'the winner to start');
    expect(started()).toEqual([winner]);
    winner.kill('SIGTERM');
    expect(await winner.exit).toEqual({ code: 143, signal: null });
    expect(readJson(path.join(runDir, 'run.json'))).toMatchObject({ status: 'cancelled', resumes: 1 });
  }, 900_000);
});

describe('seeds and ids', () => {
  it('refuses a seed outside 0..2^32−1 instead of wrapping it, and a run id that is not one', async () => {
    const config = writeConfig('seeds', 512);
    const big = await runCli(['run', '--config', config, '--seed', String(2 ** 32 + 7)], { cwd: dir });
    expect(big.code).toBe(2);
    expect(big.stderr).toContain('--seed must be a whole number in 0..4294967295 (2^32 − 1), got "4294967303"');
    const huge = await runCli(['run', '--config', config, '--set', 'run.seed=1e300'], { cwd: dir });
    expect(huge.code).toBe(1);
    expect(huge.stderr).toMatch(/run\.seed=1e300: must be <= 4294967295/);
    const badId = await runCli(['run', '--config', config, '--id', '../../escape'], { cwd: dir });
    expect(badId.code).toBe(1);
    expect(badId.stderr).toContain('run id "../../escape" is not a valid id');
    expect(existsSync(path.join(dir, '..', 'escape'))).toBe(false);
    const both = await runCli(['run', '--id', 'x', '--resume', 'y'], { cwd: dir });
    expect(both.code).toBe(2);
  }, 600_000);
});

// A real small file system: tmpfs mounts need root; elsewhere these tests skip with a message.
let mountRoot = '';
beforeAll(() => {
  if (process.platform !== 'linux') return;
  const root = path.join(os.tmpdir(), `tc-cli-tmpfs-${process.pid}`);
  mkdirSync(path.join(root, 'full'), { recursive: true });
  mkdirSync(path.join(root, 'ro'), { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=48k', 'tmpfs', path.join(root, 'full')], { stdio: 'ignore' });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16k,ro', 'tmpfs', path.join(root, 'ro')], { stdio: 'ignore' });
    mountRoot = root;
  } catch {
    console.warn('[run.process.test] cannot mount a tmpfs here (needs root on Linux): skipping the disk-full and read-only runs');
  }
});
afterAll(() => {
  if (!mountRoot) return;
  for (const m of ['full', 'ro']) {
    try {
      execFileSync('umount', [path.join(mountRoot, m)], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
});

describe('a full or read-only disk', () => {
  it('names the path and the real cause, and marks the run failed where it can still be written', async (context) => {
    if (!mountRoot) return context.skip();
    const config = writeConfig('disk', 512);
    const ro = await runCli(['run', '--config', config, '--out', path.join(mountRoot, 'ro', 'runs')], { cwd: dir });
    expect(ro.code).toBe(1);
    expect(ro.stderr).toContain(`cannot create folder ${path.join(mountRoot, 'ro', 'runs')}: read-only file system (EROFS)`);

    const full = await runCli(['run', '--config', config, '--out', path.join(mountRoot, 'full'), '--id', 'r', '--json'], { cwd: dir });
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(new RegExp(`cannot write ${path.join(mountRoot, 'full', 'r')}/\\S+: no space left on device \\(ENOSPC\\)`));
    const record = readJson(path.join(mountRoot, 'full', 'r', 'run.json'));
    expect(record.status).toBe('failed');
    expect(String(record.error)).toMatch(/no space left on device \(ENOSPC\)/);
  }, 600_000);
});
