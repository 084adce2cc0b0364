import { Option, type Command } from 'commander';
import { formatTable, integerOption, positiveNumberOption, type RegisterCommand } from '../_cli.ts';
import { importOptional } from '../_optional.ts';

const load = () => importOptional('@tradecore/sweep', 'tradecore pods', () => import('@tradecore/sweep'));
const log = (line: string) => process.stderr.write(`${line}\n`);
const collect = (value: string, previous: string[]) => [...previous, value];

interface UpOptions {
  gpu: string;
  count: number;
  gpusPerPod: number;
  queue: string;
  store: string;
  image: string;
  label?: string;
  cloud: 'SECURE' | 'COMMUNITY';
  bid?: number;
  disk: number;
  passEnv: string[];
  dryRun?: boolean;
  untilDrained?: boolean;
  timeoutSeconds: number;
}

/** `--dry-run`: each request as it would be sent, the key and secrets shown as ***. */
const printRequest = (r: { method: string; url: string; headers: Record<string, string>; body?: unknown }) =>
  process.stdout.write(`${r.method} ${r.url}\n${Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n${r.body !== undefined ? `${JSON.stringify(r.body, null, 2)}\n` : ''}\n`);

async function up(options: UpOptions): Promise<void> {
  const sweep = await load();
  const pods = await sweep.podsUp({
    gpu: options.gpu,
    count: options.count,
    gpusPerPod: options.gpusPerPod,
    queue: options.queue,
    store: options.store,
    image: options.image,
    cloudType: options.cloud,
    containerDiskInGb: options.disk,
    waitTimeoutMs: options.timeoutSeconds * 1000,
    ...(options.label ? { label: options.label } : {}),
    ...(options.bid !== undefined ? { bid: options.bid } : {}),
    ...(options.passEnv.length > 0 ? { passEnv: options.passEnv } : {}),
    ...(options.dryRun ? { dryRun: printRequest } : {}),
    log,
  });
  if (options.dryRun) {
    log(`dry run: ${pods.length} pod request(s) printed, nothing sent`);
    return;
  }
  if (!options.untilDrained) {
    log(`${pods.length} pod(s) running; stop them with \`tradecore pods down\` (they also exit when the queue is drained)`);
    return;
  }
  log(`${pods.length} pod(s) running; waiting for ${sweep.redactUrl(options.queue)} to drain, then terminating them`);
  await sweep.waitUntilDrained(options.queue);
  const ids = await sweep.podsDown({ ids: pods.map((p) => p.id) });
  log(`queue drained: terminated ${ids.length} pod(s)`);
}

/** `tradecore pods up | ls | down`: GPU pods on RunPod running `tradecore worker` (key from RUNPOD_API_KEY). */
const register: RegisterCommand = (program) => {
  const pods = program.command('pods').description('GPU pods on RunPod that run `tradecore worker` (the API key comes from RUNPOD_API_KEY and is never printed)');
  pods
    .command('up')
    .description('create pods whose start command runs `tradecore worker` on the queue and store, and wait until they run')
    .requiredOption('--gpu <type>', "RunPod GPU type id, e.g. 'NVIDIA H100 80GB HBM3'")
    .option('--count <n>', 'pods', integerOption('--count', 1), 1)
    .option('--gpus-per-pod <n>', 'GPUs per pod', integerOption('--gpus-per-pod', 1), 1)
    .requiredOption('--queue <redis-url>', 'the Redis the workers take trials from (reachable from RunPod)')
    .requiredOption('--store <s3-url>', 'the bucket the workers store archives in')
    .requiredOption('--image <image>', 'worker image with the project in /app (see docs/scale-out.md)')
    .option('--label <name>', 'pods are named tradecore-worker-<label>-<n>')
    .addOption(new Option('--cloud <type>', 'RunPod cloud').choices(['SECURE', 'COMMUNITY']).default('SECURE'))
    .option('--bid <usd>', 'spot pods with this bid per GPU and hour (GraphQL podRentInterruptable)', positiveNumberOption('--bid'))
    .option('--disk <gb>', 'container disk', integerOption('--disk', 1), 30)
    .option('--pass-env <name>', 'environment variable passed to the pods (repeatable; default the standard AWS_* ones that are set)', collect, [] as string[])
    .option('--timeout-seconds <n>', 'how long a pod may take to start before it is terminated', integerOption('--timeout-seconds', 1), 600)
    .option('--dry-run', 'print the requests (secrets as ***) and send nothing')
    .option('--until-drained', 'stay until the queue is drained, then terminate the pods')
    .action(async (options: UpOptions, _command: Command) => {
      await up(options);
    });
  pods
    .command('ls')
    .description('list the pods made by `tradecore pods up`')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const list = await (await load()).podsLs();
      if (options.json) {
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      const rows = list.map((p) => [p.id, p.name ?? '', p.desiredStatus ?? '', p.machine?.gpuTypeId ?? '', String(p.gpuCount ?? ''), p.costPerHr !== undefined ? `$${p.costPerHr}/h` : '']);
      process.stdout.write(`${formatTable(['id', 'name', 'status', 'gpu', 'gpus', 'cost'], rows)}\n`);
    });
  pods
    .command('down')
    .description('terminate the given pods, or every pod made by `tradecore pods up`')
    .argument('[ids...]', 'pod ids (default: all tradecore-worker-* pods)')
    .option('--dry-run', 'print the requests and send nothing')
    .action(async (ids: string[], options: { dryRun?: boolean }) => {
      const done = await (await load()).podsDown({ ids, ...(options.dryRun ? { dryRun: printRequest } : {}) });
      log(`${options.dryRun ? 'would terminate' : 'terminated'} ${done.length} pod(s)${done.length ? `: ${done.join(', ')}` : ''}`);
    });
};

export default register;
