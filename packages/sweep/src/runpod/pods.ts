import { Queue, type ConnectionOptions } from 'bullmq';
import { connect, redactUrl, SWEEPS_QUEUE, TRIALS_QUEUE } from '../queue.ts';
import { SweepError } from '../errors.ts';
import { RunPodClient, type CreatePodRequest, type RunPodClientOptions, type RunPodPod } from './client.ts';

/** Every pod `tradecore pods` makes is named with this prefix; `ls` and `down` touch no other pod. */
export const POD_PREFIX = 'tradecore-worker';

export interface PodsUpOptions extends RunPodClientOptions {
  /** RunPod GPU type id, e.g. `NVIDIA H100 80GB HBM3`. */
  readonly gpu: string;
  readonly count: number;
  readonly gpusPerPod?: number;
  readonly queue: string;
  readonly store: string;
  /** Worker image (see docs/scale-out.md for the recipe). */
  readonly image: string;
  /** Pods' names: `tradecore-worker-<label>-<n>` (default: the time). */
  readonly label?: string;
  readonly cloudType?: 'SECURE' | 'COMMUNITY';
  /** Spot pods with this bid per GPU ($/h), through GraphQL. */
  readonly bid?: number;
  readonly containerDiskInGb?: number;
  /** Names of environment variables passed from here to the pods (S3 credentials…); values never printed. */
  readonly passEnv?: readonly string[];
  readonly waitTimeoutMs?: number;
  readonly pollMs?: number;
  readonly log?: (line: string) => void;
}

/** The credentials and settings a worker pod needs from here: the standard AWS variables that are set. */
export const DEFAULT_PASS_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3'];

/** The create request of pod `index`: its start command runs `tradecore worker` in the image's project until the queue is drained. */
export function podRequest(options: PodsUpOptions, index: number): CreatePodRequest {
  const label = (options.label ?? new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '')).replace(/[^A-Za-z0-9-]/g, '-');
  const env: Record<string, string> = { TRADECORE_QUEUE: options.queue, TRADECORE_STORE: options.store };
  for (const name of options.passEnv ?? DEFAULT_PASS_ENV) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  const name = `${POD_PREFIX}-${label}-${index + 1}`;
  env.TRADECORE_WORKER_NAME = name;
  return {
    name,
    imageName: options.image,
    gpuTypeIds: [options.gpu],
    gpuCount: options.gpusPerPod ?? 1,
    cloudType: options.cloudType ?? 'SECURE',
    containerDiskInGb: options.containerDiskInGb ?? 30,
    volumeInGb: 0,
    env,
    dockerStartCmd: ['sh', '-c', 'cd /app && exec npx tradecore worker --queue "$TRADECORE_QUEUE" --store "$TRADECORE_STORE" --name "$TRADECORE_WORKER_NAME" --exit-when-drained'],
    ...(options.bid !== undefined ? { interruptible: true } : {}),
  };
}

/**
 * `tradecore pods up`: creates `count` pods running workers, waits until each runs (a pod that does not
 * start in time is terminated, so it stops costing money, and reported). Returns the pods.
 */
export async function podsUp(options: PodsUpOptions): Promise<RunPodPod[]> {
  const client = new RunPodClient(options);
  const log = options.log ?? (() => {});
  const created: RunPodPod[] = [];
  for (let i = 0; i < options.count; i++) {
    const request = podRequest(options, i);
    const pod = options.bid !== undefined ? await client.createSpotPod(request, options.bid) : await client.createPod(request);
    log(`created pod ${pod.id} (${request.name}, ${options.gpu} × ${request.gpuCount}${options.bid !== undefined ? `, spot bid $${options.bid}/GPU/h` : ''})`);
    created.push(pod);
  }
  if (options.dryRun) return created;
  const running: RunPodPod[] = [];
  const failures: string[] = [];
  for (const pod of created) {
    try {
      running.push(await client.waitUntilRunning(pod.id, { timeoutMs: options.waitTimeoutMs ?? 600_000, pollMs: options.pollMs ?? 5000 }));
      log(`pod ${pod.id} is running`);
    } catch (error) {
      failures.push((error as Error).message);
      await client.terminatePod(pod.id).catch(() => {});
      log(`pod ${pod.id} terminated: ${(error as Error).message}`);
    }
  }
  if (failures.length > 0) throw new SweepError(`${failures.length} of ${created.length} pod(s) did not start and were terminated: ${failures.join('; ')}`);
  return running;
}

/** `tradecore pods ls`: the pods this tool made (named `tradecore-worker-…`). */
export async function podsLs(options: RunPodClientOptions = {}): Promise<RunPodPod[]> {
  return (await new RunPodClient(options).listPods()).filter((p) => (p.name ?? '').startsWith(`${POD_PREFIX}-`));
}

/** `tradecore pods down`: terminates the given pods, or every pod this tool made. Returns the ids terminated. */
export async function podsDown(options: RunPodClientOptions & { ids?: readonly string[] } = {}): Promise<string[]> {
  const client = new RunPodClient(options);
  const ids = options.ids && options.ids.length > 0 ? [...options.ids] : (await podsLs(options)).map((p) => p.id);
  for (const id of ids) await client.terminatePod(id);
  return ids;
}

/** Waits until the queue holds no trial or sweep job that is waiting, delayed or running. */
export async function waitUntilDrained(queueUrl: string, { pollMs = 15_000, signal }: { pollMs?: number; signal?: AbortSignal } = {}): Promise<void> {
  const connection = connect(queueUrl);
  const queues = [TRIALS_QUEUE, SWEEPS_QUEUE].map((name) => new Queue(name, { connection: connection as ConnectionOptions }));
  try {
    for (;;) {
      if (signal?.aborted) throw new SweepError(`stopped waiting for ${redactUrl(queueUrl)} to drain`);
      const counts = await Promise.all(queues.map((q) => q.getJobCounts('waiting', 'delayed', 'active', 'prioritized', 'waiting-children')));
      if (counts.every((c) => Object.values(c).every((n) => n === 0))) return;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    for (const q of queues) await q.close();
    connection.disconnect();
  }
}
