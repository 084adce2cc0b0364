import type { Command } from 'commander';
import { formatTable, globalOptions, integerOption, type RegisterCommand } from '../_cli.ts';
import { userCwd } from '../_cwd.ts';

interface RunOptions {
  config?: string;
  out?: string;
  seed?: number;
  set: string[];
  json?: boolean;
  resume?: string;
  from?: string;
  /** The global `--data`, when given on the command line. */
  data?: string;
}

/** Minimal shape of the runner's events this command prints (the SDK is imported lazily). */
type Event = { type: string; [key: string]: unknown };

const collect = (value: string, previous: string[]) => [...previous, value];

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}` : `${m}:${String(s % 60).padStart(2, '0')}`;
}

/** `\r`-redrawn bar on a TTY; on a pipe, one line per 10 % of progress. */
function progressPrinter(stream: NodeJS.WriteStream): { progress(e: Event): void; line(text: string): void } {
  const tty = stream.isTTY === true;
  let lastDecile = -1;
  let drawn = false;
  const clear = () => {
    if (drawn) stream.write('\r\x1b[2K');
    drawn = false;
  };
  return {
    progress(e) {
      const steps = Number(e.steps);
      const total = Number(e.totalSteps);
      const frac = total > 0 ? Math.min(1, steps / total) : 0;
      const reward = Number(e.meanEpisodeReturn);
      const fold = Number(e.folds) > 1 ? `fold ${Number(e.fold) + 1}/${Number(e.folds)} ` : '';
      // Until the first training episode ends, the mean reward per step is the only reward there is.
      const rewardText = Number.isFinite(reward) ? `episode return ${reward.toFixed(4)}` : `reward/step ${Number(e.meanStepReward).toExponential(2)}`;
      const text = `${fold}${steps.toLocaleString('en-US')}/${total.toLocaleString('en-US')} steps  ${rewardText}  ${Math.round(Number(e.stepsPerSecond)).toLocaleString('en-US')} steps/s  ETA ${duration(Number(e.etaSeconds))}`;
      if (tty) {
        const width = 24;
        const filled = Math.round(frac * width);
        stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${text}`);
        drawn = true;
      } else {
        const decile = Math.floor(frac * 10);
        if (decile !== lastDecile) {
          lastDecile = decile;
          stream.write(`${(frac * 100).toFixed(0).padStart(3)}% ${text}\n`);
        }
      }
    },
    line(text) {
      clear();
      stream.write(`${text}\n`);
    },
  };
}

async function action(options: RunOptions): Promise<void> {
  const { runExperiment } = await import('@tradecore/sdk');
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\ntradecore run: ${signal} — stopping after the current update (again to quit at once); the run is marked failed and can be resumed\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const printer = progressPrinter(process.stderr);
  const onEvent = (event: Event) => {
    if (options.json) {
      process.stdout.write(`${JSON.stringify(event)}\n`);
      return;
    }
    switch (event.type) {
      case 'start':
        printer.line(`${event.resumed ? 'resuming' : 'run'} ${String(event.id)} (seed ${String(event.seed)}) from ${String(event.configFile)}`);
        break;
      case 'stage':
        printer.line(`· ${String(event.message)}`);
        break;
      case 'backend': {
        const report = event.report as { backend: string; status: string; reason: string }[];
        printer.line(`· backend ${String(event.backend)} (${report.map((r) => `${r.backend}: ${r.status}${r.status === 'selected' ? '' : ` — ${r.reason}`}`).join('; ')})`);
        break;
      }
      case 'progress':
        printer.progress(event);
        break;
      case 'log':
        printer.line(`  ${String(event.message)}`);
        break;
      default:
        break;
    }
  };

  try {
    const result = await runExperiment({
      cwd: userCwd(),
      ...(options.config ? { configFile: options.config } : {}),
      ...(options.from ? { from: options.from } : {}),
      ...(options.data !== undefined ? { dataDir: options.data } : {}),
      ...(options.out ? { out: options.out } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      ...(options.resume ? { resume: options.resume } : {}),
      set: options.set,
      signal: controller.signal,
      onEvent: onEvent as (event: unknown) => void,
    });
    if (!options.json) {
      const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
      const rows = Object.entries(result.metrics.policies).map(([name, m]) => [
        name,
        pct(m.totalReturn),
        m.sharpe.toFixed(2),
        pct(m.maxDrawdown),
        String(Math.round(m.trades)),
        m.feesPaid.toFixed(2),
        pct(m.feeDrag),
        pct(m.stopOutShare),
      ]);
      printer.line('');
      process.stdout.write(`${formatTable(['policy', 'return', 'sharpe', 'max DD', 'trades', 'fees', 'fee drag', 'stop-outs'], rows)}\n\narchive: ${result.dir}\nreport:  ${result.reportPath}\n`);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `tradecore run`: train and evaluate from a config, archive runs/<id>/. */
const register: RegisterCommand = (program) => {
  program
    .command('run')
    .description('train an agent from a config, evaluate it on the test split beside baselines, and archive runs/<id>/ (metrics, ledger, model, report)')
    .option('-c, --config <file>', 'config file (default: tradecore.config.ts found from the current folder)')
    .option('--out <dir>', 'folder receiving <id>/ (default: the config\'s run.out, "runs")')
    .option('--seed <n>', 'seed of the run (default: the config\'s run.seed)', integerOption('--seed'))
    .option('--set <key=value>', 'override a config value, e.g. trainer.totalSteps=20000, plugins.rsi.period=21 or plugins.rsi.enabled=false (repeatable)', collect, [] as string[])
    .option('--json', 'print JSON-lines events instead of a progress bar')
    .option('--resume <run>', 'continue a run (its folder or id under --out) from its last checkpoint')
    .option('--from <run>', "run again from a run's archived config.json (its folder or id under --out): same plugins, options and seed")
    .action(async (options: RunOptions, command: Command) => {
      const data = command.getOptionValueSourceWithGlobals('data') === 'cli' ? globalOptions(command).data : undefined;
      await action({ ...options, ...(data !== undefined ? { data } : {}) });
    });
};

export default register;
