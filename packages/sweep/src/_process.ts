// Test helper (not exported): `tradecore worker` processes from the CLI's sources, and a TCP proxy that can play "S3 is down".
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, connect, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from './_fixtures.ts';

const TSX = pathToFileURL(createRequire(path.join(REPO_ROOT, 'package.json')).resolve('tsx')).href;
const CLI = path.join(REPO_ROOT, 'packages', 'cli', 'src', 'index.ts');

export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  stdout(): string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
  /** Resolves once stderr contains `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

/** Starts `tradecore <args>` from the TypeScript sources in `cwd`. */
export function startCli(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, ['--conditions=@tradecore/source', '--import', TSX, CLI, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let out = '';
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk.toString();
    for (const w of [...waiters]) {
      const m = w.pattern.exec(err);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    exited,
    waitFor(pattern, timeoutMs = 240_000) {
      const m = pattern.exec(err);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern} in:\n${err.slice(-3000)}`)), timeoutMs);
        waiters.push({
          pattern,
          resolve: (match) => {
            clearTimeout(timer);
            resolve(match);
          },
        });
      });
    },
  };
}

export interface FlakyProxy {
  readonly port: number;
  /** Refuses connections and cuts open ones until `up()`. */
  down(): void;
  up(): void;
  readonly isDown: boolean;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy to `targetPort`. `trip(request line)` is asked about every HTTP request line that
 * passes; when it returns true the proxy goes down at that moment — the request never reaches the server —
 * and stays down until `up()`: an S3 endpoint that disappears in the middle of an upload.
 */
export function flakyProxy(targetPort: number, trip: (requestLine: string) => boolean = () => false): Promise<FlakyProxy> {
  const sockets = new Set<Socket>();
  let isDown = false;
  let server: Server;
  const proxy: FlakyProxy = {
    port: 0,
    get isDown() {
      return isDown;
    },
    down() {
      isDown = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    up() {
      isDown = false;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  server = createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1', 0, Math.min(chunk.length, 512));
      const line = /^(GET|PUT|POST|HEAD|DELETE) [^\r\n]*/.exec(text)?.[0];
      if (line && trip(line)) {
        proxy.down();
        return;
      }
      if (!isDown) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      (proxy as { port: number }).port = (server.address() as { port: number }).port;
      resolve(proxy);
    });
  });
}
