import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3ServerHandle } from '../testing/servers.ts';
import { LocalStore, openStore, S3Store, type ArtifactStore } from './index.ts';

const work = mkdtempSync(path.join(tmpdir(), 'tc-store-'));
let s3: S3ServerHandle;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3.dispose();
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
const stores: [string, () => ArtifactStore][] = [
  ['local folder', () => new LocalStore(path.join(work, `local-${++n}`))],
  ['S3 (s3rver)', () => new S3Store(s3.storeUrl(`p${++n}/nested`), { multipartThreshold: 6 * 1024 * 1024, partSize: 5 * 1024 * 1024 })],
];

describe.each(stores)('%s store', (_name, open) => {
  it('puts, heads, gets and lists objects by key, sorted, prefix-scoped', async () => {
    const store = open();
    const file = path.join(work, `src-${n}.txt`);
    writeFileSync(file, 'metrics');
    const put = await store.putFile('runs/t-1/metrics.json', file);
    expect(put).toEqual({ key: 'runs/t-1/metrics.json', size: 7, sha256: createHash('sha256').update('metrics').digest('hex') });
    await store.putBytes('runs/t-1/model/model.json', '{"a":1}');
    await store.putBytes('runs/t-10/run.json', '{}');
    await store.putBytes('sweeps/sw-1/summary.json', '[]');
    expect((await store.get('runs/t-1/model/model.json'))?.toString()).toBe('{"a":1}');
    expect(await store.get('runs/t-1/nothing.json')).toBeUndefined();
    expect((await store.head('runs/t-1/metrics.json'))?.size).toBe(7);
    expect(await store.head('runs/t-2/metrics.json')).toBeUndefined();
    expect((await store.list('runs/t-1/')).map((o) => o.key), 't-10 is not inside t-1/').toEqual(['runs/t-1/metrics.json', 'runs/t-1/model/model.json']);
    expect((await store.list('runs/')).map((o) => o.key)).toEqual(['runs/t-1/metrics.json', 'runs/t-1/model/model.json', 'runs/t-10/run.json']);
    expect((await store.list('')).length).toBe(4);
    expect(await store.list('runs/none/')).toEqual([]);
    const out = path.join(work, `dl-${n}`, 'm.json');
    expect(await store.getFile('runs/t-1/model/model.json', out)).toBe(true);
    expect(readFileSync(out, 'utf8')).toBe('{"a":1}');
    expect(await store.getFile('runs/t-1/none.json', out)).toBe(false);
    await store.delete(['runs/t-1/metrics.json', 'runs/t-1/absent.json']);
    expect((await store.list('runs/t-1/')).map((o) => o.key)).toEqual(['runs/t-1/model/model.json']);
    await store.close();
  });

  it('overwrites a key whole: a reader sees the old or the new bytes', async () => {
    const store = open();
    await store.putBytes('runs/t-1/run.json', 'old');
    await store.putBytes('runs/t-1/run.json', 'new, longer');
    expect((await store.get('runs/t-1/run.json'))?.toString()).toBe('new, longer');
    expect((await store.head('runs/t-1/run.json'))?.size).toBe(11);
    await store.close();
  });

  it('refuses keys that could leave its root', async () => {
    const store = open();
    for (const key of ['../x', 'runs/../../x', '/abs', 'runs//x', 'runs/.hidden', 'runs/a b', '', 'runs/x\u0000y']) {
      await expect(store.putBytes(key, 'x'), key).rejects.toThrow(/not a valid id|non-empty key/);
    }
    await expect(store.list('../')).rejects.toThrow(/not a valid id/);
    await store.close();
  });

  it('uploads a file larger than the multipart threshold intact', async () => {
    const store = open();
    const big = Buffer.alloc(11 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    const file = path.join(work, `big-${n}.bin`);
    writeFileSync(file, big);
    const put = await store.putFile('runs/t-big/model/weights.bin', file);
    expect(put.size).toBe(big.length);
    const back = await store.get('runs/t-big/model/weights.bin');
    expect(back?.equals(big), 'same bytes back').toBe(true);
    await store.close();
  });
});

describe('S3 store specifics', () => {
  it('records the sha256 with every object and refuses a corrupted download', async () => {
    const store = new S3Store(s3.storeUrl('corrupt'));
    const put = await store.putBytes('runs/t-c/metrics.json', 'good bytes');
    expect((await store.head('runs/t-c/metrics.json'))?.sha256).toBe(put.sha256);
    // Corrupt the object behind the server's back (s3rver keeps objects as files).
    const { readdirSync, statSync } = await import('node:fs');
    const find = (dir: string): string[] => readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? find(path.join(dir, f)) : [path.join(dir, f)]));
    const objectFile = find(s3.directory).find((f) => f.includes('metrics.json') && f.endsWith('._S3rver_object'));
    expect(objectFile, 's3rver object file').toBeDefined();
    writeFileSync(objectFile!, 'evil bytes');
    await expect(store.get('runs/t-c/metrics.json')).rejects.toThrow(/corrupt/);
    await store.close();
  });

  it('parses store URLs and names what is wrong', () => {
    expect(new S3Store('s3://my-bucket/a/b?endpoint=http://127.0.0.1:9&region=eu-west-1').location).toEqual({
      bucket: 'my-bucket',
      prefix: 'a/b',
      endpoint: 'http://127.0.0.1:9',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
    expect(() => new S3Store('s3://B!/x')).toThrow(/not a valid bucket name/);
    expect(() => new S3Store('s3://bucket/../x')).toThrow(/not a valid id/);
    expect(() => new S3Store('s3://bucket/x?secret=1')).toThrow(/unknown parameter "secret"/);
    expect(() => openStore('ftp://x/y')).toThrow(/unsupported scheme/);
    expect(openStore('some/dir', { cwd: '/tmp' }).url).toBe('file:///tmp/some/dir');
  });

  it('names the store and the key when the server is unreachable', async () => {
    const store = new S3Store('s3://tradecore-test/x?endpoint=http://127.0.0.1:9', { client: { maxAttempts: 1 } });
    await expect(store.putBytes('runs/t-1/run.json', 'x')).rejects.toThrow(/s3:\/\/tradecore-test\/x: upload of runs\/t-1\/run.json failed/);
    await store.close();
  });
});

describe('local store specifics', () => {
  it('refuses a key that resolves through a symlink out of its root', async () => {
    const root = path.join(work, 'sym-root');
    const outside = mkdtempSync(path.join(tmpdir(), 'tc-outside-'));
    const store = new LocalStore(root);
    await store.putBytes('runs/ok.json', '{}');
    symlinkSync(outside, path.join(root, 'runs', 'evil'));
    await expect(store.putBytes('runs/evil/x.json', '{}')).rejects.toThrow(/symlink/);
    rmSync(outside, { recursive: true, force: true });
  });
});
