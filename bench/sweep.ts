// `pnpm bench sweep`: what scaling out costs — BullMQ overhead per trial, local scaling from 1 to 2 worker
// processes, and upload throughput to a loopback S3 server (s3rver) beside a local-folder store.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic, syntheticGeneratorInfo, writeDataset } from '@tradecore/sdk';
import { LocalStore, runSweep, S3Store, SWEEPS_QUEUE, TRIALS_QUEUE } from '@tradecore/sweep';
import { hasRedisServer, startRedisServer, startS3Server } from '@tradecore/sweep/testing';
import { FlowProducer, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dist = (pkg: string) => path.join(ROOT, 'packages', pkg, 'dist', 'index.js');

async function queueOverhead(jobs: number): Promise<{ perTrialMs: number; jobs: number } | undefined> {
  if (!hasRedisServer()) return undefined;
  const redis = await startRedisServer();
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  try {
    const flow = new FlowProducer({ connection });
    let done = 0;
    let finished!: () => void;
    const all = new Promise<void>((resolve) => (finished = resolve));
    // One worker, one job at a time: the whole lifecycle of each trial job (fetch, lock, complete, parent bookkeeping).
    const worker = new Worker(TRIALS_QUEUE, async (job) => ({ trialId: job.id }), { connection, concurrency: 1 });
    const parent = new Worker(SWEEPS_QUEUE, async (job) => Object.keys(await job.getChildrenValues()).length, { connection });
    parent.on('completed', () => finished());
    worker.on('completed', () => (done += 1));
    await worker.waitUntilReady();
    const t0 = performance.now();
    await flow.add({ name: 'sweep', queueName: SWEEPS_QUEUE, data: {}, children: Array.from({ length: jobs }, (_, i) => ({ name: 'trial', queueName: TRIALS_QUEUE, data: { i }, opts: { attempts: 3 } })) });
    await all;
    const seconds = (performance.now() - t0) / 1000;
    await Promise.all([worker.close(), parent.close(), flow.close()]);
    await new Queue(TRIALS_QUEUE, { connection }).close();
    return { perTrialMs: (seconds * 1000) / done, jobs: done };
  } finally {
    connection.disconnect();
    await redis.dispose();
  }
}

async function project(totalSteps: number): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tc-bench-sweep-'));
  const options = { seed: 11, days: 7, timeframe: '5m' };
  await writeDataset(generateSynthetic(options), { dataDir: path.join(dir, 'data'), source: 'synthetic', symbol: 'TEST-USD', timeframe: '5m', id: 'tiny', synthetic: syntheticGeneratorInfo(options) });
  writeFileSync(
    path.join(dir, 'tradecore.config.ts'),
    `import { defineConfig } from ${JSON.stringify(dist('sdk'))};
import { riskGuard } from ${JSON.stringify(dist('plugin-risk-guard'))};
import { ppo } from ${JSON.stringify(dist('trainer-gpu'))};
export default defineConfig({
  dataset: 'tiny',
  dataDir: './data',
  plugins: [riskGuard(), ppo({ backend: 'wasm', totalSteps: ${totalSteps}, numEnvs: 4, nSteps: 32, epochs: 1, minibatchSize: 64, hidden: [16] })],
  env: { window: 8, episodeLength: 128 },
  run: { split: { testFraction: 0.25 } },
});
`,
  );
  return dir;
}

async function localScaling(trials: number, totalSteps: number): Promise<{ one: number; two: number }> {
  const base = await project(totalSteps);
  const flags = { seeds: `0..${trials - 1}` };
  const time = async (workers: number) => {
    const dir = `${base}-w${workers}`;
    cpSync(base, dir, { recursive: true });
    const t0 = performance.now();
    const run = await runSweep({ cwd: dir, flags, workers });
    if (run.summary.counts.complete !== trials) throw new Error(`${workers} worker(s): ${run.summary.counts.complete}/${trials} trials complete`);
    const s = (performance.now() - t0) / 1000;
    rmSync(dir, { recursive: true, force: true });
    return s;
  };
  const one = await time(1);
  const two = await time(2);
  rmSync(base, { recursive: true, force: true });
  return { one, two };
}

async function uploads(): Promise<{ s3BigMBs: number; localBigMBs: number; s3SmallPerS: number; localSmallPerS: number; mb: number; small: number }> {
  const s3 = await startS3Server();
  const work = mkdtempSync(path.join(tmpdir(), 'tc-bench-upload-'));
  try {
    const mb = 64;
    const big = path.join(work, 'big.bin');
    const bytes = Buffer.alloc(mb * 1024 * 1024);
    for (let i = 0; i < bytes.length; i += 4) bytes.writeUInt32LE((i * 2654435761) >>> 0, i);
    writeFileSync(big, bytes);
    const small = 200;
    const measure = async (store: LocalStore | S3Store) => {
      let t0 = performance.now();
      await store.putFile('runs/t-bench/model/weights.bin', big);
      const bigMBs = mb / ((performance.now() - t0) / 1000);
      t0 = performance.now();
      for (let i = 0; i < small; i++) await store.putBytes(`runs/t-bench/small/f${i}.json`, JSON.stringify({ i, pad: 'x'.repeat(4000) }));
      const smallPerS = small / ((performance.now() - t0) / 1000);
      await store.close();
      return { bigMBs, smallPerS };
    };
    const s3r = await measure(new S3Store(s3.storeUrl('bench')));
    const local = await measure(new LocalStore(path.join(work, 'store')));
    return { s3BigMBs: s3r.bigMBs, localBigMBs: local.bigMBs, s3SmallPerS: s3r.smallPerS, localSmallPerS: local.smallPerS, mb, small };
  } finally {
    await s3.dispose();
    rmSync(work, { recursive: true, force: true });
  }
}

export async function run(): Promise<string> {
  const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
  const queue = await queueOverhead(300);
  const upload = await uploads();
  const scaling = await localScaling(4, 16_384);
  const loadAfter = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
  const ratio = scaling.one / scaling.two;
  return `## Sweeps (\`pnpm bench sweep\`)

${os.cpus().length} cores; load average (1/5/15 min) ${load} before, ${loadAfter} after.

| what | measured | goal |
| --- | --- | --- |
| BullMQ overhead per trial (flow of ${queue?.jobs ?? '–'} no-op trial jobs + aggregating parent, 1 worker, loopback Redis) | ${queue ? `${queue.perTrialMs.toFixed(2)} ms` : 'skipped (no redis-server)'} | ≤ 20 ms |
| local scaling, 4 trials (PPO 16,384 steps each), 1 → 2 worker processes | ${scaling.one.toFixed(1)} s → ${scaling.two.toFixed(1)} s = **${ratio.toFixed(2)}×** | ≥ 1.8× |
| upload ${upload.mb} MiB file, S3 multipart to loopback s3rver | ${upload.s3BigMBs.toFixed(0)} MiB/s (local folder store: ${upload.localBigMBs.toFixed(0)} MiB/s) | record |
| upload ${upload.small} small (4 KB) files | S3 ${upload.s3SmallPerS.toFixed(0)} files/s (local folder: ${upload.localSmallPerS.toFixed(0)} files/s) | record |
`;
}
