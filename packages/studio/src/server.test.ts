import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { makeProject, smallConfig, SOURCE_CLI, type TestProject } from './_testing.ts';
import { createStudioApp } from './server.ts';
import { generateToken, isLoopbackHost } from './security.ts';

let project: TestProject;
let outside: string;
let app: FastifyInstance;
let port: number;
let HOST = '127.0.0.1:4173';

/** Every file under `dir` with its size and mtime: what "nothing was written" is checked against. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const s = statSync(file, { throwIfNoEntry: false });
    if (s) out.push(`${path.relative(dir, file)} ${s.size} ${s.mtimeMs}`);
  }
  return out.sort();
}

const CSV = 'time,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,10\n2024-01-01T00:01:00Z,1.5,2,1,1.2,11\n';

beforeAll(async () => {
  project = await makeProject('api');
  outside = await mkdtemp(path.join(os.tmpdir(), 'tc-studio-outside-'));
  writeFileSync(path.join(outside, 'secret.csv'), CSV);
  mkdirSync(path.join(outside, 'run-like'), { recursive: true });
  writeFileSync(path.join(outside, 'run-like', 'run.json'), JSON.stringify({ format: 'tradecore-run/1', id: 'run-like', seed: 0, configFile: 'x', status: 'complete', createdAt: '2024-01-01T00:00:00.000Z' }));
  writeFileSync(path.join(outside, 'tools.json'), '{"tools":[]}');
  // Symlinks inside the roots that lead out of them.
  symlinkSync(path.join(outside, 'run-like'), path.join(project.runsDir, 'escape'));
  const imports = path.join(project.dataDir, 'imports');
  mkdirSync(imports, { recursive: true });
  writeFileSync(path.join(imports, 'ok.csv'), CSV);
  symlinkSync(path.join(outside, 'secret.csv'), path.join(imports, 'link.csv'));
  const tools = path.join(project.root, 'configs', 'tools');
  mkdirSync(tools, { recursive: true });
  writeFileSync(path.join(tools, 'default.json'), '{\n  "tools": [{ "name": "vwap", "enabled": true, "options": {} }]\n}\n');
  symlinkSync(path.join(outside, 'tools.json'), path.join(tools, 'evil.json'));
  symlinkSync(path.join(outside, 'tools.json'), path.join(project.root, 'configs', 'evil.json'));
  ({ app } = await createStudioApp({ root: project.root, dataDir: project.dataDir, runsDir: project.runsDir, host: '127.0.0.1', token: null, cli: null, logger: false }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as { port: number }).port;
  HOST = `127.0.0.1:${port}`;
});

afterAll(async () => {
  await app?.close();
});

interface Response {
  statusCode: number;
  body: string;
  json(): any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A real HTTP request with the path sent exactly as written (no client-side normalisation of `..` or `%2e`). */
function request(method: string, url: string, headers: Record<string, string>, body?: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: url, headers: { host: HOST, ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ statusCode: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
const get = (url: string, headers: Record<string, string> = {}) => request('GET', url, headers);
const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  request('POST', url, { 'content-type': 'application/json', origin: `http://${HOST}`, ...headers }, JSON.stringify(body));
const put = (url: string, body: unknown) => request('PUT', url, { 'content-type': 'application/json', origin: `http://${HOST}` }, JSON.stringify(body));

describe('ids and paths from requests', () => {
  const RUN_IDS = ['..%2F..%2Fetc', '%2e%2e', '..', '..%252F..%252Fetc', '%2Fetc%2Fpasswd', 'a%00b', '.studio', 'escape'];

  it('refuses traversal, encoded traversal, absolute paths, NUL and symlinks out of the runs folder with 400, reading nothing', async () => {
    for (const id of RUN_IDS) {
      for (const suffix of ['', '/replay', '/equity', '/training', '/trades', '/log', '/report']) {
        const res = await get(`/api/runs/${id}${suffix}`);
        expect(res.statusCode, `${id}${suffix}: ${res.body}`).toBe(400);
        const body = res.json() as { error: string };
        expect(body.error).toMatch(/run id .* (is not a valid id|resolves through a symlink|leaves|contains a NUL)|is refused: no '\.' or '\.\.' segments/);
        expect(res.body).not.toContain('at ');
      }
    }
    // The symlinked folder is a real run record: it must not be listed either.
    const list = (await get('/api/runs')).json() as { runs: { id: string }[] };
    expect(list.runs.map((r) => r.id)).not.toContain('escape');
    expect(list.runs.map((r) => r.id)).not.toContain('run-like');
  });

  it('refuses bad run ids on mutating routes with 400 and writes nothing', async () => {
    const before = snapshot(project.root);
    const outsideBefore = snapshot(outside);
    for (const id of RUN_IDS) {
      for (const action of ['cancel', 'resume']) {
        const res = await post(`/api/runs/${id}/${action}`, {});
        expect(res.statusCode, `${action} ${id}: ${res.body}`).toBe(400);
      }
    }
    expect(snapshot(project.root)).toEqual(before);
    expect(snapshot(outside)).toEqual(outsideBefore);
  });

  it('refuses bad dataset ids, tool manifest names and config names with 400', async () => {
    for (const id of ['..%2Fmanifests', '%2e%2e', '%2Fetc%2Fpasswd', 'a%00b']) {
      expect((await get(`/api/datasets/${id}`)).statusCode, id).toBe(400);
      expect((await get(`/api/datasets/${id}/candles`)).statusCode, id).toBe(400);
      expect((await get(`/api/datasets/${id}/validation`)).statusCode, id).toBe(400);
      expect((await get(`/api/tools/${id}`)).statusCode, id).toBe(400);
      expect((await get(`/api/configs/${id}`)).statusCode, id).toBe(400);
    }
    const evil = await get('/api/tools/evil');
    expect(evil.statusCode).toBe(400);
    expect(evil.json().error).toMatch(/tool manifest name "evil.json" resolves through a symlink/);
  });

  it('saving under a bad name or through a symlink writes nothing, inside or outside', async () => {
    const before = snapshot(project.root);
    const outsideBefore = snapshot(outside);
    const manifest = { tools: [] };
    for (const name of ['..%2F..%2Fpwned', '%2Ftmp%2Fpwned', 'evil', 'a%00b', '..']) {
      expect((await put(`/api/tools/${name}`, { manifest, version: 'absent' })).statusCode, name).toBe(400);
      expect((await put(`/api/configs/${name}`, { config: smallConfig(), version: 'absent' })).statusCode, name).toBe(400);
    }
    expect(snapshot(project.root)).toEqual(before);
    expect(snapshot(outside)).toEqual(outsideBefore);
    expect(readFileSync(path.join(outside, 'tools.json'), 'utf8')).toBe('{"tools":[]}');
  });

  it('imports only regular files inside the imports folder: traversal, absolute, symlink and NUL paths are 400 and nothing is read or written', async () => {
    const before = snapshot(project.root);
    const body = { format: 'csv', source: 'evil', symbol: 'BTC-USD', timeframe: '1m' };
    const cases: [string, RegExp][] = [
      ['../../secret.csv', /leaves/],
      [path.join(outside, 'secret.csv'), /is absolute/],
      ['/etc/passwd', /is absolute/],
      ['%2e%2e/%2e%2e/secret.csv', /not a regular file|ENOENT/],
      ['link.csv', /resolves through a symlink/],
      ['ok\u0000.csv', /NUL/],
      ['.', /a directory/],
    ];
    for (const [p, message] of cases) {
      const res = await post('/api/datasets/import', { ...body, path: p });
      expect(res.statusCode, `${p}: ${res.body}`).toBe(400);
      expect(res.json().error, p).toMatch(message);
    }
    expect(snapshot(project.root)).toEqual(before);
    expect((await get('/api/datasets')).json().datasets.map((d: { id: string }) => d.id)).toEqual(['test-btc-1m']);
  });

  it('refuses ids that are not ids in the body with the rule', async () => {
    const res = await post('/api/datasets/import', { path: 'ok.csv', format: 'csv', source: '../x', symbol: 'BTC-USD', timeframe: '1m' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatch(/source "\.\.\/x" is not a valid id/);
  });
});

describe('request checks', () => {
  it('answers only loopback Host names when bound to loopback (no DNS rebinding)', async () => {
    expect((await get('/api/info', { host: 'evil.example:4173' })).statusCode).toBe(403);
    expect((await get('/', { host: 'evil.example' })).statusCode).toBe(403);
    for (const host of ['localhost:4173', '127.0.0.1:9', '[::1]:4173']) expect((await get('/api/info', { host })).statusCode, host).toBe(200);
  });

  it('refuses a mutating request from another origin with 403, and one that is not JSON with 415', async () => {
    const before = snapshot(project.root);
    for (const origin of ['http://evil.example', 'http://localhost:3000', 'null']) {
      const res = await post('/api/runs', { config: smallConfig() }, { origin });
      expect(res.statusCode, origin).toBe(403);
      expect(res.json().error).toMatch(/cross-origin request refused/);
    }
    expect((await post('/api/runs', { config: smallConfig() }, { 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    const form = await request('POST', '/api/runs', { 'content-type': 'text/plain' }, 'config=x');
    expect(form.statusCode).toBe(415);
    expect(snapshot(project.root)).toEqual(before);
  });

  it('requires the token on every API call when one is set (non-loopback binding), never for the page itself', async () => {
    const token = generateToken();
    const { app: remote } = await createStudioApp({ root: project.root, dataDir: project.dataDir, runsDir: project.runsDir, host: '0.0.0.0', token, cli: null, logger: false });
    try {
      const call = (url: string, headers: Record<string, string> = {}) => remote.inject({ method: 'GET', url, headers: { host: '10.1.2.3:4173', ...headers } });
      for (const url of ['/api/info', '/api/runs', '/api/datasets', '/api/events', '/api/runs/x/replay']) {
        expect((await call(url)).statusCode, url).toBe(401);
        expect((await call(url, { authorization: 'Bearer wrong' })).statusCode, url).toBe(401);
        expect((await call(`${url}?token=wrong`)).statusCode, url).toBe(401);
      }
      const denied = await call('/api/runs');
      expect(denied.json().error).toMatch(/needs its access token/);
      const post401 = await remote.inject({ method: 'POST', url: '/api/runs', payload: '{}', headers: { host: '10.1.2.3:4173', 'content-type': 'application/json' } });
      expect(post401.statusCode).toBe(401);
      expect((await call('/api/runs', { authorization: `Bearer ${token}` })).statusCode).toBe(200);
      expect((await call(`/api/datasets?token=${encodeURIComponent(token)}`)).statusCode).toBe(200);
    } finally {
      await remote.close();
    }
  });

  it('knows which addresses are loopback', () => {
    for (const h of ['127.0.0.1', '127.8.9.10', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '128.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });
});

describe('request bodies', () => {
  it('an invalid option is a 400 listing every path: message, the same lines validate prints', async () => {
    const config = smallConfig();
    const plugins = config.plugins.map((p) => (p.name === 'risk-guard' ? { ...p, options: { riskPct: 1.5 } } : p.name === 'rsi' ? { ...p, options: { period: 0.5 } } : p));
    const res = await post('/api/runs', { config: { ...config, plugins, env: { window: 0 }, execution: { takerFeeBps: -1 } } });
    expect(res.statusCode).toBe(400);
    const body = res.json() as { error: string; issues: { path: string; message: string }[] };
    expect(body.error).toBe('config is invalid');
    const lines = body.issues.map((i) => `${i.path}: ${i.message}`);
    expect(lines).toEqual(expect.arrayContaining(['env.window: must be >= 1, got 0', 'execution.takerFeeBps: must be >= 0, got -1']));
    // Schema errors come first; plugin options are checked once the sections are valid.
    const second = await post('/api/runs', { config: { ...config, plugins } });
    expect(second.statusCode).toBe(400);
    const issues2 = (second.json() as { issues: { path: string; message: string; line: string }[] }).issues;
    expect(issues2.map((i) => i.path)).toEqual(expect.arrayContaining(['plugins[3].options.riskPct', 'plugins[2].options.period']));
    // Each issue carries the line `tradecore validate` prints for the same config.
    const file = path.join(project.root, 'invalid.config.json');
    writeFileSync(file, JSON.stringify({ ...config, plugins, dataDir: project.dataDir }));
    const cli = spawnSync(SOURCE_CLI.command, [...SOURCE_CLI.args, 'validate', '--config', file], { cwd: project.root, encoding: 'utf8' });
    expect(cli.status).toBe(1);
    for (const issue of issues2) expect(cli.stdout).toContain(`invalid.config.json: ${issue.line}`);
    expect(issues2.map((i) => i.line)).toEqual(expect.arrayContaining(['plugins[3] (@tradecore/plugin-risk-guard) riskPct: must be <= 1, got 1.5']));
    expect(readdirSync(project.runsDir).filter((n) => n !== 'escape')).toEqual([]);
  });

  it('validate answers the same issues without launching; a valid config gets a summary', async () => {
    const config = smallConfig();
    const bad = await post('/api/validate', { config: { ...config, plugins: config.plugins.map((p) => (p.name === 'risk-guard' ? { ...p, options: { riskPct: 2 } } : p)) } });
    expect(bad.statusCode).toBe(200);
    expect(bad.json()).toMatchObject({ ok: false, issues: [{ path: 'plugins[3].options.riskPct', message: 'must be <= 1, got 2', line: 'plugins[3] (@tradecore/plugin-risk-guard) riskPct: must be <= 1, got 2' }] });
    const good = await post('/api/validate', { config });
    expect(good.json()).toMatchObject({ ok: true, issues: [] });
    expect(good.json().summary.join('\n')).toMatch(/dataset "test-btc-1m" .*: 4,320 rows/);
  });

  it('malformed JSON and unknown body keys are 400 with a short message, never a stack trace', async () => {
    const res = await request('POST', '/api/validate', { 'content-type': 'application/json' }, '{"config": ');
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toMatch(/\n\s+at /);
    const extra = await post('/api/validate', { config: {}, extra: 1 });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().issues).toEqual([{ path: 'extra', message: 'unknown property' }]);
  });
});

describe('saving files', () => {
  it('saves a tool manifest atomically and refuses to overwrite one changed on disk since it was loaded', async () => {
    const file = path.join(project.root, 'configs', 'tools', 'default.json');
    const loaded = (await get('/api/tools/default')).json() as { version: string; manifest: { tools: unknown[] } };
    expect(loaded.manifest.tools).toHaveLength(1);
    const tools = [{ name: 'zscore', enabled: true, options: { period: 30 } }];
    const saved = await put('/api/tools/default', { manifest: { tools }, version: loaded.version });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(JSON.parse(readFileSync(file, 'utf8')).tools).toEqual(tools);
    // Someone edits the file by hand; a save based on the old version must not clobber it.
    writeFileSync(file, '{ "tools": [] }\n');
    const stale = await put('/api/tools/default', { manifest: { tools }, version: saved.json().version });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatch(/changed on disk since it was loaded/);
    expect(readFileSync(file, 'utf8')).toBe('{ "tools": [] }\n');
    expect(readdirSync(path.dirname(file)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a tool manifest with an invalid entry is refused with its paths', async () => {
    const res = await put('/api/tools/new-one', { manifest: { tools: [{ name: 'Bad Name', enabled: 'yes' }] }, version: 'absent' });
    expect(res.statusCode).toBe(400);
    expect(res.json().issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['manifest.tools[0].name', 'manifest.tools[0].enabled']));
  });

  it('saves a config as data and will not create over an existing file without its version', async () => {
    const first = await put('/api/configs/exp-a', { config: smallConfig(), version: 'absent' });
    expect(first.statusCode, first.body).toBe(200);
    const again = await put('/api/configs/exp-a', { config: smallConfig(256), version: 'absent' });
    expect(again.statusCode).toBe(409);
    const read = (await get('/api/configs/exp-a')).json() as { config: { plugins: { options: { totalSteps?: number } }[] } };
    expect(read.config.plugins[4]!.options.totalSteps).toBe(512);
  });
});

describe('reading the lake', () => {
  it('lists datasets, validates them and sends decimated candles', async () => {
    const list = (await get('/api/datasets')).json();
    expect(list.datasets[0]).toMatchObject({ id: 'test-btc-1m', rows: 4320, symbol: 'TEST-USD', synthetic: true });
    const v = (await get('/api/datasets/test-btc-1m/validation')).json();
    expect(v).toMatchObject({ ok: true, stats: { rows: 4320, duplicates: 0, ohlcViolations: 0 } });
    const all = (await get('/api/datasets/test-btc-1m/candles?max=100')).json();
    expect(all.totalBars).toBe(4320);
    expect(all.bucket).toBe(44);
    expect(all.time.length).toBeLessThanOrEqual(100);
    const one = (await get('/api/datasets/test-btc-1m/candles?max=5000')).json();
    expect(one.bucket).toBe(1);
    expect(Math.max(...all.high)).toBe(Math.max(...one.high));
    expect(Math.min(...all.low)).toBe(Math.min(...one.low));
    expect((await get('/api/datasets/test-btc-1m/candles?max=abc')).statusCode).toBe(400);
    expect((await get('/api/datasets/nope/validation')).statusCode).toBe(404);
  });

  it('imports a CSV from the imports folder as a dataset', async () => {
    const res = await post('/api/datasets/import', { path: 'ok.csv', format: 'csv', source: 'csvtest', symbol: 'btc/usd', timeframe: '1m', id: 'csv-import' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ id: 'csv-import', symbol: 'BTC-USD', rows: 2 });
  });

  it("tells an import file's format from its first line when none is given (Binance klines, no header)", async () => {
    writeFileSync(path.join(project.dataDir, 'imports', 'klines.csv'), '1677628800000,23141.57,23152.48,23133.11,23143.72,3.912156,1677628859999,90534.40,120,1.900000,44000.10,0\n');
    const res = await post('/api/datasets/import', { path: 'klines.csv', source: 'binance', symbol: 'BTC/USDT', timeframe: '1m' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ id: 'binance-btc-usdt-1m', rows: 1 });
  });
});

describe('sweeps and exchange pulls', () => {
  it('lists sweeps from sweeps/<id>/sweep.json with per-trial status and links trials to their runs', async () => {
    const dir = path.join(project.root, 'sweeps', 'sw-1');
    mkdirSync(dir, { recursive: true });
    const trial = (id: string, index: number, status: string, extra: object = {}) => ({ id, index, setting: `s${index}`, seed: index, overrides: [`plugins.rsi.period=${10 + index}`], status, attempts: 1, ...extra });
    writeFileSync(
      path.join(dir, 'sweep.json'),
      JSON.stringify({
        format: 'tradecore-sweep/1',
        id: 'sw-1',
        state: 'running',
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:01:00.000Z',
        mode: 'local',
        workers: 2,
        store: 'file:runs',
        config: 'tradecore.config.json',
        dataset: 'test-btc-1m',
        metric: 'sharpe',
        goal: 'max',
        counts: { total: 3, pending: 1, running: 1, complete: 1, failed: 0 },
        etaSeconds: 30,
        trials: [trial('t-aaaa', 0, 'complete', { seconds: 12 }), trial('t-bbbb', 1, 'running', { progress: { steps: 50, totalSteps: 100 } }), trial('t-cccc', 2, 'pending')],
      }),
    );
    // summary.json (format 2) carries each trial's metrics and warnings; metrics may be null.
    writeFileSync(
      path.join(dir, 'summary.json'),
      JSON.stringify({
        format: 'tradecore-sweep-summary/2',
        best: null,
        trials: [{ id: 't-aaaa', status: 'complete', metrics: { agent: { sharpe: 1.25, winRate: null } }, warnings: [{ kind: 'few-trades', message: 'Only 3 trades in the test: too few to judge a policy by.' }] }],
      }),
    );
    mkdirSync(path.join(project.root, 'sweeps', 'not a sweep'), { recursive: true });
    const list = (await get('/api/sweeps')).json() as { sweeps: { id: string; state: string; counts: { complete: number } }[] };
    expect(list.sweeps).toEqual([expect.objectContaining({ id: 'sw-1', state: 'running', counts: expect.objectContaining({ complete: 1, total: 3 }) })]);
    const detail = (await get('/api/sweeps/sw-1')).json() as { trials: { id: string; status: string; progress: unknown; hasRun: boolean; metric: number | null; warnings: string[] }[] };
    expect(detail.trials.map((t) => [t.id, t.status])).toEqual([
      ['t-aaaa', 'complete'],
      ['t-bbbb', 'running'],
      ['t-cccc', 'pending'],
    ]);
    expect(detail.trials[1]!.progress).toEqual({ steps: 50, totalSteps: 100 });
    expect(detail.trials.map((t) => [t.metric, t.warnings])).toEqual([
      [1.25, ['Only 3 trades in the test: too few to judge a policy by.']],
      [null, []],
      [null, []],
    ]);
    expect(detail.trials[0]!.hasRun).toBe(false);
    for (const id of ['..%2Fruns', '%2e%2e', 'nope']) expect((await get(`/api/sweeps/${id}`)).statusCode, id).toBe(id === 'nope' ? 404 : 400);
  });

  it('says whether exchange pulls are available, and refuses one when @tradecore/ingest is not installed', async () => {
    const info = (await get('/api/ingest')).json() as { available: boolean; pulls: unknown[] };
    expect(info.pulls).toEqual([]);
    if (info.available) return;
    const res = await post('/api/ingest/pulls', { exchange: 'kraken', symbol: 'BTC/USD', since: '1d' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatch(/need @tradecore\/ingest/);
    expect((await post('/api/ingest/pulls', { exchange: 'kraken' })).statusCode).toBe(400);
  });
});

describe('pull defaults (set where the studio starts, never by a request)', () => {
  const start = (pullDefaults: Record<string, unknown>) =>
    createStudioApp({ root: project.root, dataDir: project.dataDir, runsDir: project.runsDir, host: '127.0.0.1', token: null, cli: null, logger: false, pullDefaults });

  it('refuses options a pull request or the studio sets, and values of the wrong kind', async () => {
    await expect(start({ dataDir: '/elsewhere' })).rejects.toThrow('studio option pullDefaults.dataDir: set by each pull or by the studio itself, not a default');
    await expect(start({ symbol: 'ETH/USD' })).rejects.toThrow('pullDefaults.symbol: set by each pull');
    await expect(start({ restUrl: 'file:///etc/passwd' })).rejects.toThrow('pullDefaults.restUrl: expected an http: or https: URL, got "file:///etc/passwd"');
    await expect(start({ rateLimit: -1 })).rejects.toThrow('pullDefaults.rateLimit: expected a number ≥ 0, got -1');
    await expect(start({ emptyBars: 'zero' })).rejects.toThrow('pullDefaults.emptyBars: expected "omit" or "flat", got "zero"');
  });

  it('shows the defaults on GET /api/ingest', async () => {
    const { app: other } = await start({ restUrl: 'http://127.0.0.1:9/kraken', rateLimit: 0 });
    try {
      const res = await other.inject({ method: 'GET', url: '/api/ingest', headers: { host: '127.0.0.1:4173' } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ defaults: { restUrl: 'http://127.0.0.1:9/kraken', rateLimit: 0 }, pulls: [] });
    } finally {
      await other.close();
    }
  });
});
