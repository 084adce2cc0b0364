import { Option, type Command } from 'commander';
import type { SweepStatusFile, SweepSummary } from '@tradecore/sweep';
import { formatTable, integerOption, type RegisterCommand, UsageError } from '../_cli.ts';
import { importOptional } from '../_optional.ts';
import { terminalColumns } from '../_stdout.ts';

interface SweepOptions {
  config?: string;
  grid: string[];
  seeds?: string;
  random?: number;
  randomSeed?: number;
  param: string[];
  set: string[];
  metric?: string;
  goal?: 'max' | 'min';
  workers?: number;
  queue?: string;
  store?: string;
  workDir?: string;
  retries?: number;
  id?: string;
  detach?: boolean;
  list?: boolean;
  emit?: 'k8s';
  image?: string;
  parallelism?: number;
  gpu?: number;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export const loadSweep = () => importOptional('@tradecore/sweep', 'tradecore sweep', () => import('@tradecore/sweep'));
type SweepModule = Awaited<ReturnType<typeof loadSweep>>;

/** A status line redrawn in place on a terminal; on a pipe, one line whenever the counts change. */
export function statusPrinter(stream: NodeJS.WriteStream, line: (s: SweepStatusFile) => string): { update(s: SweepStatusFile): void; done(): void } {
  let last = '';
  let drawn = false;
  return {
    update(status) {
      const text = line(status);
      if (stream.isTTY) {
        stream.write(`\r\x1b[2K${text.slice(0, terminalColumns(stream) - 1)}`);
        drawn = true;
      } else {
        const key = text.replace(/ · ETA .*/, '');
        if (key !== last) stream.write(`${text}\n`);
        last = key;
      }
    },
    done() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

function printSummary(sweep: SweepModule, summary: SweepSummary, dir: string): void {
  const metric = summary.selection.metric;
  const pct = new Set(['totalReturn', 'annualizedReturn', 'maxDrawdown', 'winRate', 'feeDrag', 'exposure']);
  const f = (v: number | null | undefined) => (typeof v !== 'number' || !Number.isFinite(v) ? '–' : pct.has(metric) ? `${(v * 100).toFixed(2)}%` : v.toFixed(3));
  // Best first; a setting whose metric is undefined (null) for every seed comes last and shows '–'.
  const rows = sweep.rankedSettings(summary).map((s) => {
    const st = s.metrics.agent?.[metric];
    const values = Object.entries(s.values)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(' ');
    const agent = !st || st.mean === null ? '–' : `${f(st.mean)} ± ${f(st.std)}${st.n < s.complete ? ` (${st.n}/${s.complete})` : ''}`;
    const warnings = Object.entries(s.warnings)
      .map(([kind, n]) => `${kind} ${n}/${s.complete}`)
      .join(', ');
    return [`${s.id}${summary.best?.setting === s.id ? ' *' : ''}`, values || '(config)', `${s.complete}/${s.trials.length}`, agent, f(s.metrics['buy-and-hold']?.[metric]?.mean), warnings];
  });
  process.stdout.write(`${formatTable(['setting', 'values', 'done', `agent ${metric}`, `buy&hold ${metric}`, 'warnings (trials)'], rows)}\n\n`);
  if (summary.best) process.stdout.write(`best by ${metric} (${summary.selection.goal}): ${summary.best.setting} (*)\n`);
  else process.stdout.write(`no setting has a value of agent ${metric}\n`);
  process.stdout.write(`note: ${summary.selection.warning}\n\nsummary: ${dir}/summary.json\nreport:  ${dir}/summary.html\n`);
}

async function action(options: SweepOptions): Promise<void> {
  const sweep = await loadSweep();
  const flags = {
    grid: options.grid,
    param: options.param,
    set: options.set,
    ...(options.seeds !== undefined ? { seeds: options.seeds } : {}),
    ...(options.random !== undefined ? { random: options.random } : {}),
    ...(options.randomSeed !== undefined ? { randomSeed: options.randomSeed } : {}),
    ...(options.metric !== undefined ? { metric: options.metric } : {}),
    ...(options.goal !== undefined ? { goal: options.goal } : {}),
  };
  const base = { flags, ...(options.config ? { configFile: options.config } : {}), ...(options.id ? { id: options.id } : {}) };

  if (options.emit === 'k8s') {
    if (!options.queue || !options.store) throw new UsageError('--emit k8s needs --queue and --store: the manifest runs workers against them');
    const plan = await sweep.planSweep(base);
    process.stdout.write(
      sweep.k8sWorkerJob({
        sweepId: plan.id,
        queue: options.queue,
        store: options.store,
        ...(options.image ? { image: options.image } : {}),
        workers: options.parallelism ?? Math.min(plan.trials.length, 4),
        ...(options.gpu !== undefined ? { gpus: options.gpu } : {}),
      }),
    );
    return;
  }
  if (options.list) {
    const plan = await sweep.planSweep(base);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ id: plan.id, trials: plan.trials }, null, 2)}\n`);
      return;
    }
    const rows = plan.trials.map((t) => [t.trialId, t.setting, String(t.seed), t.overrides.join(' ') || '(config)']);
    process.stdout.write(`sweep ${plan.id}: ${plan.settings.length} setting(s) × ${plan.spec.seeds.length} seed(s) = ${plan.trials.length} trials\n${formatTable(['trial', 'setting', 'seed', 'overrides'], rows)}\n`);
    return;
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\ntradecore sweep: ${signal} — no new trials start; running ones finish (again to quit at once: they resume from checkpoints next time)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const printer = statusPrinter(process.stderr, sweep.progressLine);
  const onStatus = options.json ? (s: SweepStatusFile) => process.stdout.write(`${JSON.stringify({ type: 'status', counts: s.counts, etaSeconds: s.etaSeconds })}\n`) : printer.update;
  const common = {
    ...base,
    ...(options.store ? { store: options.store } : {}),
    ...(options.workDir ? { workDir: options.workDir } : {}),
    ...(options.retries !== undefined ? { retries: options.retries } : {}),
    signal: controller.signal,
    onStatus,
  };
  try {
    const run = options.queue
      ? await sweep.runQueueSweep({ ...common, queue: options.queue, ...(options.detach ? { detach: true } : {}) })
      : await sweep.runSweep({ ...common, ...(options.workers !== undefined ? { workers: options.workers } : {}) });
    printer.done();
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ type: 'done', id: run.plan.id, dir: run.dir, state: run.status.state, counts: run.summary.counts, best: run.summary.best })}\n`);
    } else if ('enqueued' in run && options.detach) {
      process.stdout.write(`sweep ${run.plan.id}: ${run.enqueued} trial(s) enqueued on ${sweep.redactUrl(options.queue!)}; start workers with\n  tradecore worker --queue <url> --store ${options.store}\n`);
    } else {
      process.stdout.write(`sweep ${run.plan.id}: ${run.status.state}\n`);
      printSummary(sweep, run.summary, run.dir);
    }
    if (run.summary.counts.failed > 0) process.exitCode = 1;
  } finally {
    printer.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `tradecore sweep`: grid/random search over config settings × seeds, locally or through a Redis queue. */
const register: RegisterCommand = (program) => {
  program
    .command('sweep')
    .description('run every setting × seed of a sweep (grid, random search or the config\'s sweep block) on local worker processes or through a Redis queue; writes sweeps/<id>/summary.json and summary.html')
    .option('-c, --config <file>', 'config file (default: tradecore.config.ts found from the current folder)')
    .option('--grid <key=v1,v2>', 'a config path (as --set takes it) and its values; every combination is a setting (repeatable)', collect, [] as string[])
    .option('--seeds <range>', 'seeds each setting runs with: 0..4, or 0,3,7 (default: the sweep block\'s, else 0)')
    .option('--random <n>', 'draw n random settings from the --param distributions', integerOption('--random', 1))
    .option('--random-seed <n>', 'seed of the random draws', integerOption('--random-seed'))
    .option('--param <key=dist>', 'random-search parameter: uniform(a,b), loguniform(a,b), int(a,b) or choice(x,y) (repeatable)', collect, [] as string[])
    .option('--set <key=value>', 'override applied to every trial (repeatable)', collect, [] as string[])
    .option('--metric <name>', 'agent test-split metric that ranks the settings (default sharpe)')
    .addOption(new Option('--goal <goal>', 'whether larger or smaller is better').choices(['max', 'min']))
    .option('--workers <n>', 'local worker processes (default: one per CPU core)', integerOption('--workers', 1))
    .option('--queue <redis-url>', 'enqueue the trials on Redis (BullMQ) for `tradecore worker` processes on any machine')
    .option('--store <dir|s3-url>', 'where trial archives go: a folder or s3://bucket/prefix (default: this project, runs/<trial id>/)')
    .option('--work-dir <dir>', 'scratch folder where trials train before upload', '.tradecore/work')
    .option('--retries <n>', 'times a failed trial is tried again (default 2)', integerOption('--retries'))
    .option('--id <id>', 'sweep id (default: a hash of the config, dataset and trials)')
    .option('--detach', 'with --queue: enqueue and exit; workers aggregate the summary into the store')
    .option('--list', 'print the trials (ids, settings, seeds) without running them')
    .addOption(new Option('--emit <kind>', 'print a manifest that runs workers instead of running: k8s (an Indexed Job)').choices(['k8s']))
    .option('--image <image>', 'with --emit k8s: the worker image')
    .option('--parallelism <n>', 'with --emit k8s: worker pods', integerOption('--parallelism', 1))
    .option('--gpu <n>', 'with --emit k8s: GPUs per worker pod', integerOption('--gpu'))
    .option('--json', 'print JSON lines (status, then the result) instead of a progress line and tables')
    .action(async (options: SweepOptions, _command: Command) => {
      await action(options);
    });
};

export default register;
