import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeRunPod, type FakeRunPod } from '../testing/fakeRunPod.ts';
import { RunPodClient, RunPodError, type PrintedRequest } from './client.ts';
import { podRequest, podsDown, podsLs, podsUp } from './pods.ts';

const KEY = 'rpa_TESTKEY_0123456789abcdef';
let fake: FakeRunPod;
beforeAll(async () => {
  fake = await startFakeRunPod({ apiKey: KEY, startsAfterPolls: 2 });
  process.env.AWS_SECRET_ACCESS_KEY = 'aws-secret-value-1234';
  process.env.AWS_ACCESS_KEY_ID = 'AKIAEXAMPLE';
});
afterAll(async () => {
  await fake.close();
});

const base = () => ({ apiKey: KEY, restUrl: fake.restUrl, graphqlUrl: fake.graphqlUrl, backoffMs: 1 });
const up = { gpu: 'NVIDIA H100 80GB HBM3', queue: 'redis://:hunter2pass@queue.example:6379', store: 's3://bucket/sweeps', image: 'ghcr.io/acme/tradecore-worker:1', label: 't', pollMs: 10 };

describe('RunPod client against the local fake', () => {
  it('creates pods with the documented body, polls them to running, lists and terminates them', async () => {
    const logs: string[] = [];
    const pods = await podsUp({ ...base(), ...up, count: 2, log: (l) => logs.push(l) });
    expect(pods).toHaveLength(2);
    expect(pods.every((p) => p.desiredStatus === 'RUNNING' && p.lastStartedAt)).toBe(true);
    const create = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/pods');
    expect(create).toHaveLength(2);
    expect(create[0]!.authorization).toBe(`Bearer ${KEY}`);
    expect(create[0]!.body).toMatchObject({
      name: 'tradecore-worker-t-1',
      imageName: up.image,
      gpuTypeIds: [up.gpu],
      gpuCount: 1,
      cloudType: 'SECURE',
      env: { TRADECORE_QUEUE: up.queue, TRADECORE_STORE: up.store, AWS_SECRET_ACCESS_KEY: 'aws-secret-value-1234' },
    });
    expect((create[0]!.body as { dockerStartCmd: string[] }).dockerStartCmd.join(' ')).toMatch(/tradecore worker --queue "\$TRADECORE_QUEUE" .*--exit-when-drained/);
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path.startsWith('/v1/pods/')).length, 'polled until running').toBeGreaterThanOrEqual(4);
    expect((await podsLs(base())).map((p) => p.name).sort()).toEqual(['tradecore-worker-t-1', 'tradecore-worker-t-2']);
    const down = await podsDown(base());
    expect(down.sort()).toEqual(pods.map((p) => p.id).sort());
    expect([...fake.pods.values()].every((p) => p.desiredStatus === 'TERMINATED')).toBe(true);
    expect(await podsLs(base())).toEqual([]);
    expect(logs.join('\n')).not.toContain(KEY);
  });

  it('retries 429 and 500 answers, then succeeds', async () => {
    fake.fail429(2);
    fake.fail500(1);
    const before = fake.requests.length;
    const client = new RunPodClient(base());
    expect(await client.listPods()).toEqual([]);
    expect(fake.requests.slice(before).map((r) => r.status)).toEqual([429, 429, 500, 200]);
  });

  it('gives clear errors that never contain the key', async () => {
    const wrong = new RunPodClient({ ...base(), apiKey: 'rpa_WRONG_KEY_123456' });
    const e401 = await wrong.listPods().catch((e: unknown) => e as RunPodError);
    expect(e401).toBeInstanceOf(RunPodError);
    expect((e401 as RunPodError).message).toMatch(/RunPod GET \/pods: RunPod refused the API key \(HTTP 401\); check RUNPOD_API_KEY/);
    expect((e401 as RunPodError).message).not.toContain('rpa_WRONG_KEY_123456');
    fake.fail429(10);
    const e429 = (await new RunPodClient({ ...base(), attempts: 3 }).listPods().catch((e: unknown) => e)) as Error;
    expect(e429.message).toMatch(/rate limited by RunPod \(HTTP 429\) after 3 attempts/);
    fake.fail429(0);
    fake.fail500(10);
    const e500 = await new RunPodClient({ ...base(), attempts: 2 }).getPod('abc').catch((e: unknown) => e as Error);
    expect(e500.message).toMatch(/RunPod GET \/pods\/abc: HTTP 500: .*Internal Server Error.* \(after 2 attempts\)/);
    fake.fail500(0);
    const e400 = await new RunPodClient(base()).createPod({ ...podRequest({ ...base(), ...up, count: 1 }, 0), gpuTypeIds: [] }).catch((e: unknown) => e as Error);
    expect(e400.message).toMatch(/HTTP 400: .*gpuTypeIds/);
    for (const e of [e401, e429, e500, e400]) expect(String((e as Error).message)).not.toContain(KEY);
    expect(() => new RunPodClient({ restUrl: fake.restUrl, apiKey: '' })).toThrow(/set RUNPOD_API_KEY/);
  });

  it('terminates a pod stuck before it runs, and says so', async () => {
    fake.stuck(true);
    const error = (await podsUp({ ...base(), ...up, count: 1, label: "stuck", waitTimeoutMs: 200 }).catch((e: unknown) => e)) as Error;
    fake.stuck(false);
    expect(error.message).toMatch(/1 of 1 pod\(s\) did not start and were terminated: pod \w+ is not running after 0 s \(desiredStatus RUNNING, container not started\)/);
    const stuck = [...fake.pods.values()].find((p) => p.name === 'tradecore-worker-stuck-1')!;
    expect(stuck.desiredStatus, 'no pod left costing money').toBe('TERMINATED');
  });

  it('rents spot pods with a bid through GraphQL (REST has no bid)', async () => {
    const pods = await podsUp({ ...base(), ...up, count: 1, label: 'spot', bid: 1.25 });
    const request = fake.requests.find((r) => r.path === '/graphql')!;
    expect(request.authorization).toBe(`Bearer ${KEY}`);
    expect((request.body as { variables: { input: Record<string, unknown> } }).variables.input).toMatchObject({ bidPerGpu: 1.25, gpuTypeId: up.gpu, imageName: up.image });
    expect(fake.pods.get(pods[0]!.id)?.interruptible).toBe(true);
    await podsDown({ ...base(), ids: [pods[0]!.id] });
  });

  it('--dry-run prints every request with the key, secret env values and URL passwords redacted, and sends nothing', async () => {
    const printed: PrintedRequest[] = [];
    const before = fake.requests.length;
    const pods = await podsUp({ ...base(), ...up, count: 2, dryRun: (r) => printed.push(r) });
    expect(pods).toHaveLength(2);
    expect(fake.requests.length, 'nothing sent').toBe(before);
    expect(printed.map((p) => `${p.method} ${p.url}`)).toEqual([`POST ${fake.restUrl}/pods`, `POST ${fake.restUrl}/pods`]);
    const text = JSON.stringify(printed);
    expect(text).toContain('Bearer ***');
    for (const secret of [KEY, 'aws-secret-value-1234', 'hunter2pass']) expect(text).not.toContain(secret);
    expect(text).toContain('redis://:***@queue.example:6379');
    expect(text).toContain('"AWS_ACCESS_KEY_ID":"***"');
  });
});
