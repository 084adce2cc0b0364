import { cpSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Job, Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { storedRunState, type StoredRunRecord } from './archive.ts';
import { startCli, flakyProxy, type CliProcess } from './_process.ts';
import { tinyProject, type TinyProject } from './_fixtures.ts';
import { connect, runQueueSweep, TRIALS_QUEUE } from './queue.ts';
import { openStore, S3Store } from './store/index.ts';
import { runSweep } from './sweep.ts';
import { hasRedisServer, startRedisServer, startS3Server, type RedisServerHandle, type S3ServerHandle } from './testing/servers.ts';

const redisInstalled = hasRedisServer();
if (!redisInstalled) console.warn('[queue.test] redis-server not found: skipping the Redis/BullMQ tests (apt-get install -y redis-server)');

// 2 settings × 2 settings × 3 seeds = 12 trials with a budget of one PPO update each.
const FLAGS = { grid: ['trainer.learningRate=0.001,0.003', 'execution.takerFeeBps=5,10'], seeds: '0..2' };
const LONG = 300_000;

let project: TinyProject;
let redis: RedisServerHandle | undefined;
let s3: S3ServerHandle;
const workers: CliProcess[] = [];

beforeAll(async () => {
  project = await tinyProject({ totalSteps: 128 });
  s3 = await startS3Server();
  if (redisInstalled) redis = await startRedisServer();
}, LONG);

// Workers of one test must not take the next test's jobs (another project: they would refuse them).
afterEach(async () => {
  for (const w of workers.splice(0)) {
    w.child.kill('SIGKILL');
    await w.exited;
  }
});

afterAll(async () => {
  await redis?.dispose();
  await s3?.dispose();
});

/** A copy of the tiny project (same config and data bytes, so the same trial ids) in its own folder. */
function copyProject(name: string): string {
  const dir = `${project.dir}-${name}`;
  cpSync(project.dir, dir, { recursive: true });
  rmSync(path.join(dir, 'runs'), { recursive: true, force: true });
  return dir;
}

function startWorker(cwd: string, args: string[] = []): CliProcess {
  // A generous lock: a trial's update blocks its event loop for a while on a loaded machine.
  const w = startCli(['worker', '--queue', redis!.url, '--lock-seconds', '10', ...args], cwd);
  workers.push(w);
  return w;
}

async function storedRecord(storeUrl: string, cwd: string, id: string): Promise<StoredRunRecord> {
  const store = openStore(storeUrl, { cwd });
  const state = await storedRunState(store, id);
  await store.close();
  expect(state.state, `${id} complete in ${storeUrl}`).toBe('complete');
  return (state as { record: StoredRunRecord }).record;
}

describe('the same sweep three ways', () => {
  it.skipIf(!redisInstalled)(
    'gives byte-identical summary.json and per-trial results: 1 local worker, 2 local workers, Redis with 2 `tradecore worker` processes storing to S3',
    async () => {
      const one = await runSweep({ cwd: copyProject('one'), flags: FLAGS, workers: 1 });
      expect(one.summary.counts).toEqual({ trials: 12, complete: 12, failed: 0, missing: 0 });
      expect(one.status.trials.every((t) => t.outcome === 'ran' && t.attempts === 1)).toBe(true);

      const two = await runSweep({ cwd: copyProject('two'), flags: FLAGS, workers: 2 });
      expect(new Set(two.status.trials.map((t) => t.worker)).size, 'both workers ran trials').toBe(2);

      const cwd = copyProject('queue');
      const storeUrl = s3.storeUrl('equivalence');
      startWorker(cwd);
      startWorker(cwd);
      const queued = await runQueueSweep({ cwd, flags: FLAGS, queue: redis!.url, store: storeUrl, backoffMs: 500, pollMs: 300 });
      expect(queued.enqueued).toBe(12);
      expect(new Set(queued.status.trials.map((t) => t.worker)).size, 'both queue workers ran trials').toBe(2);

      const text = (dir: string) => readFileSync(path.join(dir, 'summary.json'), 'utf8');
      expect(text(two.dir), 'summary.json: 2 local workers = 1').toBe(text(one.dir));
      expect(text(queued.dir), 'summary.json: Redis + S3 = local').toBe(text(one.dir));
      // The summary the aggregating worker stored in S3 is the same file.
      const s3Store = new S3Store(storeUrl);
      expect((await s3Store.get(`sweeps/${one.plan.id}/summary.json`))?.toString()).toBe(text(one.dir));
      await s3Store.close();
      expect(one.summary.best).not.toBeNull();
      expect(one.summary.settings.every((s) => s.metrics.agent?.sharpe?.n === 3 && s.metrics.agent.sharpe.std !== null)).toBe(true);

      for (const t of one.plan.trials) {
        const [a, b, c] = await Promise.all([
          storedRecord(one.dir.replace(/sweeps\/.*$/, ''), '/', t.trialId),
          storedRecord(two.dir.replace(/sweeps\/.*$/, ''), '/', t.trialId),
          storedRecord(storeUrl, cwd, t.trialId),
        ]);
        for (const file of ['metrics.json', 'ledger.parquet', 'trades.parquet', 'model/weights.bin', 'model/model.json']) {
          expect(b.archive!.files[file]?.sha256, `${t.trialId} ${file}: 2 workers`).toBe(a.archive!.files[file]?.sha256);
          expect(c.archive!.files[file]?.sha256, `${t.trialId} ${file}: queue`).toBe(a.archive!.files[file]?.sha256);
        }
      }

      // Re-running a finished sweep runs nothing, locally and through the queue.
      const again = await runSweep({ cwd: one.dir.replace(/\/sweeps\/.*$/, ''), flags: FLAGS, workers: 2 });
      expect(again.status.trials.every((t) => t.outcome === 'stored' && t.attempts === 0)).toBe(true);
      expect(text(again.dir)).toBe(text(one.dir));
      const queuedAgain = await runQueueSweep({ cwd, flags: FLAGS, queue: redis!.url, store: storeUrl });
      expect(queuedAgain.enqueued, 'nothing enqueued the second time').toBe(0);
    },
    LONG * 3,
  );
});

describe.skipIf(!redisInstalled)('faults', () => {
  it(
    'a worker SIGKILLed mid-trial: the trial is detected as stalled, resumes elsewhere from its checkpoint and completes exactly once',
    async () => {
      const dir = (await tinyProject({ totalSteps: 1024 })).dir;
      const storeUrl = s3.storeUrl('sigkill');
      const victim = startWorker(dir, ['--checkpoint-seconds', '0', '--name', 'victim']);
      const sweep = runQueueSweep({ cwd: dir, flags: { seeds: '0' }, queue: redis!.url, store: storeUrl, backoffMs: 500, pollMs: 300 });
      const [, trialId] = await victim.waitFor(/victim: trial (t-[0-9a-f]+)/);
      // Kill it once a checkpoint of this trial is in the store.
      const store = openStore(storeUrl, { cwd: dir });
      for (let i = 0; ; i++) {
        if ((await store.list(`runs/${trialId}/checkpoints/`)).some((o) => o.key.endsWith('latest.json'))) break;
        expect(i, 'a checkpoint reached the store').toBeLessThan(2400);
        await new Promise((r) => setTimeout(r, 100));
      }
      victim.child.kill('SIGKILL');
      expect(await victim.exited).toBe('SIGKILL');
      const rescuer = startWorker(dir, ['--name', 'rescuer']);
      const run = await sweep;
      await rescuer.waitFor(new RegExp(`rescuer: trial ${trialId} resumes from checkpoints`), 10_000);
      expect(run.summary.counts).toEqual({ trials: 1, complete: 1, failed: 0, missing: 0 });
      const status = run.status.trials[0]!;
      expect(status.worker).toBe('rescuer');
      const record = await storedRecord(storeUrl, dir, trialId!);
      expect(record.id).toBe(trialId);
      expect((await store.list(`runs/${trialId}/`)).filter((o) => o.key.endsWith('/run.json'))).toHaveLength(1);
      expect((await store.list(`runs/${trialId}/checkpoints/`)).length, 'checkpoints removed once complete').toBe(0);
      const connection = connect(redis!.url);
      const queue = new Queue(TRIALS_QUEUE, { connection });
      const jobs = (await queue.getJobs(['completed'])).filter((j) => j.data.job.trialId === trialId);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.stalledCounter, 'detected as stalled (the killed worker)').toBeGreaterThanOrEqual(1);
      expect(jobs[0]!.returnvalue.outcome).toBe('ran');
      await queue.close();
      connection.disconnect();
      await store.close();
      // Graceful shutdown: SIGTERM lets an idle worker exit cleanly.
      rescuer.child.kill('SIGTERM');
      expect(await rescuer.exited).toBe(0);
    },
    LONG * 2,
  );

  it(
    'Redis restarted mid-sweep (append-only file on): the sweep finishes, every trial once',
    async () => {
      const dir = (await tinyProject({ totalSteps: 256 })).dir;
      const storeUrl = path.join(dir, 'store');
      const w1 = startWorker(dir, ['--name', 'r1']);
      const w2 = startWorker(dir, ['--name', 'r2']);
      const flags = { grid: ['trainer.learningRate=0.001,0.003'], seeds: '0..1' };
      const sweep = runQueueSweep({ cwd: dir, flags, queue: redis!.url, store: storeUrl, backoffMs: 500, pollMs: 300 });
      await Promise.race([w1.waitFor(/: trial t-[0-9a-f]+ ran/), w2.waitFor(/: trial t-[0-9a-f]+ ran/)]);
      await redis!.stop();
      await new Promise((r) => setTimeout(r, 1500));
      await redis!.start();
      const run = await sweep;
      expect(run.summary.counts).toEqual({ trials: 4, complete: 4, failed: 0, missing: 0 });
      for (const t of run.plan.trials) expect((await storedRecord(storeUrl, dir, t.trialId)).status).toBe('complete');
    },
    LONG * 2,
  );

  it(
    'S3 down during an archive upload: no archive is marked complete with missing files; the retried job uploads it',
    async () => {
      const dir = (await tinyProject({ totalSteps: 128 })).dir;
      let tripped = false;
      const proxy = await flakyProxy(s3.port, (line) => {
        if (!tripped && /^PUT \S*\/runs\/t-[0-9a-f]+\/ledger\.parquet/.test(line)) return (tripped = true);
        return false;
      });
      const storeUrl = `s3://${s3.bucket}/flaky?endpoint=${encodeURIComponent(`http://127.0.0.1:${proxy.port}`)}`;
      const direct = new S3Store(s3.storeUrl('flaky'));
      const w = startWorker(dir, ['--name', 'flaky']);
      const sweep = runQueueSweep({ cwd: dir, flags: { seeds: '0' }, queue: redis!.url, store: storeUrl, backoffMs: 1000, pollMs: 300 });
      for (let i = 0; !proxy.isDown; i++) {
        expect(i, 'the upload reached ledger.parquet').toBeLessThan(3000);
        await new Promise((r) => setTimeout(r, 100));
      }
      const [trialId] = (await direct.list('runs/')).map((o) => o.key.split('/')[1]!);
      const partial = (await direct.list(`runs/${trialId}/`)).map((o) => o.key.slice(`runs/${trialId}/`.length));
      expect(partial, 'files before ledger.parquet were uploaded').toContain('config.json');
      expect(partial, 'but no run.json').not.toContain('run.json');
      expect((await storedRunState(direct, trialId!)).state).toBe('missing');
      // Stay down until the job has failed its first attempt, then come back.
      const connection = connect(redis!.url);
      const queue = new Queue(TRIALS_QUEUE, { connection });
      for (let i = 0; ; i++) {
        const job = (await queue.getJobs(['delayed', 'failed', 'waiting', 'active'])).find((j) => j.data.job.trialId === trialId) as Job | undefined;
        if (job && job.attemptsMade >= 1) break;
        expect(i, 'the first attempt failed').toBeLessThan(1800);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await storedRunState(direct, trialId!)).state, 'still not complete while S3 is down').toBe('missing');
      proxy.up();
      const run = await sweep;
      expect(run.summary.counts.complete).toBe(1);
      const t = run.status.trials[0]!;
      expect(t.outcome, 'the retry uploaded the finished run instead of training again').toBe('uploaded');
      const record = await storedRecord(s3.storeUrl('flaky'), dir, trialId!);
      for (const [file, { size }] of Object.entries(record.archive!.files)) expect((await direct.head(`runs/${trialId}/${file}`))?.size, file).toBe(size);
      expect(w.stderr()).toMatch(/failed: .*flaky/);
      await queue.close();
      connection.disconnect();
      await direct.close();
      await proxy.close();
    },
    LONG * 2,
  );
});
