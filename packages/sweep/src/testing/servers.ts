import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A free TCP port on 127.0.0.1 (bound, read and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface RedisServerHandle {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The folder holding its append-only file. */
  readonly dir: string;
  /** Shuts it down, saving nothing more (the append-only file already holds every write). */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder: what was written before is back. */
  start(): Promise<void>;
  /** stop(), then removes its folder. */
  dispose(): Promise<void>;
}

/** Is Debian's `redis-server` installed? */
export function hasRedisServer(binary = 'redis-server'): boolean {
  return spawnSync(binary, ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Starts `redis-server` on a free loopback port with append-only persistence in a temp folder (so a
 * restart keeps the queue), for tests and benchmarks. Bound to 127.0.0.1 only.
 */
export async function startRedisServer({ binary = 'redis-server', port }: { binary?: string; port?: number } = {}): Promise<RedisServerHandle> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tc-redis-'));
  const chosen = port ?? (await freePort());
  let child: ReturnType<typeof spawn> | undefined;
  const start = async () => {
    child = spawn(
      binary,
      ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dir, '--protected-mode', 'yes'],
      { stdio: 'ignore' },
    );
    const exited = new Promise<never>((_, reject) => child!.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it listened`))));
    await Promise.race([waitForPort(chosen, 15_000), exited]);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const done = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM');
    await done;
  };
  await start();
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    dir,
    start,
    stop,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface S3ServerHandle {
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly directory: string;
  /** A store URL for `bucket` (created on start) and `prefix` on this server. */
  storeUrl(prefix?: string): string;
  readonly bucket: string;
  stop(): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Starts s3rver (an S3-API server, from npm, for tests) on a free loopback port, with one bucket. It does
 * not check request signatures: tests against it prove the S3 protocol path, not authentication.
 * Sets AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY to its placeholder credentials when they are unset.
 */
export async function startS3Server({ bucket = 'tradecore-test', port }: { bucket?: string; port?: number } = {}): Promise<S3ServerHandle> {
  const specifier = 's3rver';
  const { default: S3rver } = (await import(specifier)) as { default: new (options: Record<string, unknown>) => { run(): Promise<{ port: number }>; close(): Promise<void> } };
  const directory = mkdtempSync(path.join(tmpdir(), 'tc-s3-'));
  const chosen = port ?? (await freePort());
  process.env.AWS_ACCESS_KEY_ID ??= 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'S3RVER';
  let server: { close(): Promise<void> } | undefined;
  const start = async () => {
    const s = new S3rver({ port: chosen, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
    await s.run();
    server = s;
  };
  const stop = async () => {
    const s = server;
    server = undefined;
    await s?.close();
  };
  await start();
  const endpoint = `http://127.0.0.1:${chosen}`;
  return {
    port: chosen,
    endpoint,
    directory,
    bucket,
    storeUrl: (prefix = '') => `s3://${bucket}${prefix ? `/${prefix}` : ''}?endpoint=${encodeURIComponent(endpoint)}`,
    start,
    stop,
    async dispose() {
      await stop();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
