import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';

/** A pod as the fake keeps it. */
export interface FakePod {
  id: string;
  name: string;
  imageName: string;
  gpuCount: number;
  desiredStatus: 'RUNNING' | 'EXITED' | 'TERMINATED';
  machine: { gpuTypeId: string };
  costPerHr: number;
  env: Record<string, string>;
  dockerStartCmd?: string[];
  interruptible: boolean;
  bidPerGpu?: number;
  lastStartedAt: string | null;
  /** GETs until the container "starts". */
  startsAfterPolls: number;
  polls: number;
}

export interface FakeRunPodOptions {
  readonly apiKey: string;
  /** GETs of a new pod before its container starts (default 2). */
  readonly startsAfterPolls?: number;
}

/** One request the fake received. */
export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: unknown;
  readonly status: number;
}

export interface FakeRunPod {
  readonly restUrl: string;
  readonly graphqlUrl: string;
  readonly pods: Map<string, FakePod>;
  readonly requests: FakeRequest[];
  /** The next `n` requests answer 429 (with Retry-After: 0) / 500. */
  fail429(n: number): void;
  fail500(n: number): void;
  /** New pods never start (stuck provisioning). */
  stuck(on: boolean): void;
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
};

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

/** What the fake's REST v1 `POST /pods` checks, as RunPod documents the body; returns a problem or undefined. */
function checkCreate(body: Record<string, unknown>): string | undefined {
  if (typeof body.name !== 'string' || body.name.length === 0) return 'name: required string';
  if (typeof body.imageName !== 'string' || body.imageName.length === 0) return 'imageName: required string';
  if (!Array.isArray(body.gpuTypeIds) || body.gpuTypeIds.length === 0 || !body.gpuTypeIds.every((g) => typeof g === 'string')) return 'gpuTypeIds: non-empty array of strings';
  if (!Number.isInteger(body.gpuCount) || (body.gpuCount as number) < 1) return 'gpuCount: integer >= 1';
  if (body.cloudType !== undefined && body.cloudType !== 'SECURE' && body.cloudType !== 'COMMUNITY') return 'cloudType: SECURE or COMMUNITY';
  if (body.env !== undefined && (typeof body.env !== 'object' || body.env === null || Array.isArray(body.env) || !Object.values(body.env).every((v) => typeof v === 'string'))) return 'env: object of strings';
  if (body.dockerStartCmd !== undefined && (!Array.isArray(body.dockerStartCmd) || !body.dockerStartCmd.every((a) => typeof a === 'string'))) return 'dockerStartCmd: array of strings';
  const known = new Set(['name', 'imageName', 'gpuTypeIds', 'gpuCount', 'cloudType', 'interruptible', 'containerDiskInGb', 'volumeInGb', 'ports', 'env', 'dockerStartCmd', 'dockerEntrypoint', 'volumeMountPath']);
  const unknown = Object.keys(body).filter((k) => !known.has(k));
  return unknown.length ? `unknown field(s): ${unknown.join(', ')}` : undefined;
}

const publicPod = (p: FakePod) => {
  const { env: _env, startsAfterPolls: _s, polls: _p, ...rest } = p;
  // RunPod returns env keys; values are the user's own, but the fake leaves them out like a careful API would.
  return { ...rest, env: Object.fromEntries(Object.keys(p.env).map((k) => [k, '(set)'])) };
};

/**
 * A local stand-in for the subset of RunPod's API that `tradecore pods` calls: REST v1 `POST/GET /pods`,
 * `GET/DELETE /pods/{id}`, `POST /pods/{id}/stop`, and GraphQL `podRentInterruptable`, with RunPod's request
 * and response shapes. It checks the Bearer key (401 otherwise) and the bodies (400), and can answer 429,
 * 500 or leave pods stuck before they start. Bound to 127.0.0.1.
 */
export async function startFakeRunPod({ apiKey, startsAfterPolls = 2 }: FakeRunPodOptions): Promise<FakeRunPod> {
  const pods = new Map<string, FakePod>();
  const requests: FakeRequest[] = [];
  let n429 = 0;
  let n500 = 0;
  let stuck = false;
  const newPod = (fields: Omit<FakePod, 'id' | 'desiredStatus' | 'lastStartedAt' | 'startsAfterPolls' | 'polls' | 'costPerHr'>): FakePod => {
    const pod: FakePod = { id: randomBytes(7).toString('hex'), desiredStatus: 'RUNNING', lastStartedAt: null, startsAfterPolls: stuck ? Number.POSITIVE_INFINITY : startsAfterPolls, polls: 0, costPerHr: 2.69 * fields.gpuCount, ...fields };
    pods.set(pod.id, pod);
    return pod;
  };

  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const record = (status: number) => requests.push({ method: req.method ?? '', path: url.pathname, authorization: req.headers.authorization, body, status });
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        record(401);
        return json(res, 401, { error: 'Unauthorized' });
      }
      if (n429 > 0) {
        n429 -= 1;
        record(429);
        return json(res, 429, { error: 'Too Many Requests' }, { 'Retry-After': '0' });
      }
      if (n500 > 0) {
        n500 -= 1;
        record(500);
        return json(res, 500, { error: 'Internal Server Error' });
      }
      const path = url.pathname;
      if (req.method === 'POST' && path === '/graphql') {
        const { query, variables } = (body ?? {}) as { query?: string; variables?: { input?: Record<string, unknown> } };
        if (!query?.includes('podRentInterruptable')) {
          record(400);
          return json(res, 400, { errors: [{ message: 'the fake implements only podRentInterruptable' }] });
        }
        const input = variables?.input ?? {};
        if (typeof input.bidPerGpu !== 'number' || typeof input.gpuTypeId !== 'string' || typeof input.imageName !== 'string') {
          record(200);
          return json(res, 200, { errors: [{ message: 'bidPerGpu, gpuTypeId and imageName are required' }] });
        }
        const env = Object.fromEntries(((input.env as { key: string; value: string }[]) ?? []).map((e) => [e.key, e.value]));
        const pod = newPod({ name: String(input.name), imageName: input.imageName, gpuCount: Number(input.gpuCount ?? 1), machine: { gpuTypeId: input.gpuTypeId }, env, interruptible: true, bidPerGpu: input.bidPerGpu });
        record(200);
        return json(res, 200, { data: { podRentInterruptable: publicPod(pod) } });
      }
      const m = /^\/v1\/pods(?:\/([^/]+))?(?:\/(stop|start))?$/.exec(path);
      if (!m) {
        record(404);
        return json(res, 404, { error: `no route ${req.method} ${path}` });
      }
      const [, id, action] = m;
      if (!id) {
        if (req.method === 'GET') {
          record(200);
          return json(res, 200, [...pods.values()].filter((p) => p.desiredStatus !== 'TERMINATED').map(publicPod));
        }
        if (req.method === 'POST') {
          const problem = checkCreate((body ?? {}) as Record<string, unknown>);
          if (problem) {
            record(400);
            return json(res, 400, { error: problem });
          }
          const b = body as Record<string, unknown>;
          const pod = newPod({
            name: b.name as string,
            imageName: b.imageName as string,
            gpuCount: b.gpuCount as number,
            machine: { gpuTypeId: (b.gpuTypeIds as string[])[0]! },
            env: (b.env as Record<string, string>) ?? {},
            interruptible: b.interruptible === true,
            ...(b.dockerStartCmd ? { dockerStartCmd: b.dockerStartCmd as string[] } : {}),
          });
          record(201);
          return json(res, 201, publicPod(pod));
        }
      }
      const pod = id ? pods.get(id) : undefined;
      if (!pod || pod.desiredStatus === 'TERMINATED') {
        record(404);
        return json(res, 404, { error: `pod ${id} not found` });
      }
      if (req.method === 'GET' && !action) {
        pod.polls += 1;
        if (pod.polls >= pod.startsAfterPolls && !pod.lastStartedAt && pod.desiredStatus === 'RUNNING') pod.lastStartedAt = new Date().toISOString();
        record(200);
        return json(res, 200, publicPod(pod));
      }
      if (req.method === 'DELETE' && !action) {
        pod.desiredStatus = 'TERMINATED';
        record(200);
        return json(res, 200, undefined);
      }
      if (req.method === 'POST' && action === 'stop') {
        pod.desiredStatus = 'EXITED';
        record(200);
        return json(res, 200, publicPod(pod));
      }
      record(405);
      return json(res, 405, { error: 'method not allowed' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    restUrl: `http://127.0.0.1:${port}/v1`,
    graphqlUrl: `http://127.0.0.1:${port}/graphql`,
    pods,
    requests,
    fail429: (n) => (n429 = n),
    fail500: (n) => (n500 = n),
    stuck: (on) => (stuck = on),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
