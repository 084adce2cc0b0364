import type { Command } from 'commander';
import { formatCount, formatTable, globalOptions, integerOption, type RegisterCommand, UsageError } from '../_cli.ts';
import { userCwd } from '../_cwd.ts';
import { stderr, stdout, terminalColumns, type GuardedStream } from '../_stdout.ts';

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
  id?: string;
}

const MAX_SEED = 2 ** 32 - 1;
const seedOption = (value: string): number => {
  const n = integerOption('--seed')(value);
  if (n > MAX_SEED) throw new UsageError(`--seed must be a whole number in 0..${MAX_SEED} (2^32 − 1), got "${value}"`);
  return n;
};

const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/** Minimal shape of the runner's events this command prints (the SDK is imported lazily). */
type Event = { type: string; [key: string]: unknown };

const collect = (value: string, previous: string[]) => [...previous, value];

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}:${String(m % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}` : `${m}:${String(s % 60).padStart(2, '0')}`;
}

/**
 * `\r`-redrawn bar on a TTY, cut to the terminal's width (`columns()`);
 * on a pipe, one line per 10 % of progress.
 */
function progressPrinter(stream: GuardedStream, tty: boolean, columns: () => number): { progress(e: Event): void; line(text: string): void } {
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
      const stepsText = `${fold}${formatCount(steps)}/${formatCount(total)} steps`;
      const rate = `${formatCount(Math.round(Number(e.stepsPerSecond)))} steps/s`;
      const eta = `ETA ${duration(Number(e.etaSeconds))}`;
      const text = `${stepsText}  ${rewardText}  ${rate}  ${eta}`;
      if (tty) {
        const width = 24;
        const filled = Math.round(frac * width);
        const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% `;
        // Narrow terminals lose the reward first, then the rate; the steps and the ETA stay.
        const room = columns() - 1 - bar.length;
        const line = [text, `${stepsText}  ${rate}  ${eta}`].find((t) => t.length <= room) ?? `${stepsText}  ${eta}`;
        stream.write(`\r\x1b[2K${`${bar}${line}`.slice(0, Math.max(1, columns() - 1))}`);
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

/**
 * Ctrl-C / SIGTERM. Installed once the run folder exists (the `start` event): until then nothing needs
 * cleaning up and the default action ends the process at once, even while a config file's code hangs.
 * The first signal stops the run after its current update (marked `cancelled`, resumable); the second
 * exits at once, and the run records that on the way out.
 */
function signalHandling(controller: AbortController, err: GuardedStream): { install(dir: string): void; remove(): void; received(): NodeJS.Signals | undefined } {
  let first: NodeJS.Signals | undefined;
  let installed = false;
  let runDir = '';
  const onSignal = (signal: NodeJS.Signals) => {
    if (first) {
      err.write(`\ntradecore run: ${signal} again — exiting now; ${runDir} is marked cancelled and can be resumed\n`);
      process.exit(SIGNAL_EXIT[signal] ?? 1);
    }
    first = signal;
    err.write(`\ntradecore run: ${signal} — stopping after the current update (again to quit at once); the run will be marked cancelled and can be resumed with: tradecore run --resume ${runDir}\n`);
    controller.abort(new Error(`${signal} received`));
  };
  return {
    install(dir) {
      runDir = dir;
      if (installed) return;
      installed = true;
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    },
    remove() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
    received: () => first,
  };
}

async function action(options: RunOptions): Promise<void> {
  if (options.id !== undefined && options.resume !== undefined) throw new UsageError('--id names a new run; --resume continues an existing one: give one of them');
  const { runExperiment } = await import('@tradecore/sdk');
  const controller = new AbortController();
  const out = stdout();
  const err = stderr();
  const signals = signalHandling(controller, err);

  const printer = progressPrinter(err, process.stderr.isTTY === true, () => terminalColumns(process.stderr));
  const onEvent = (event: Event) => {
    if (event.type === 'start') signals.install(String(event.dir));
    if (options.json) {
      // A closed stdout (`| head -1`) never stops the run: its events are simply no longer printed.
      out.write(`${JSON.stringify(event)}\n`);
      return;
    }
    switch (event.type) {
      case 'resume':
        printer.line(`resuming ${String(event.id)} (${String(event.status)}): loading the config file its run.json names: ${String(event.configFile)}`);
        break;
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
      ...(options.id !== undefined ? { id: options.id } : {}),
      set: options.set,
      signal: controller.signal,
      onEvent: onEvent as (event: unknown) => void,
    });
    if (!options.json) {
      const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(2)}%`);
      const rows = Object.entries(result.metrics.policies).map(([name, m]) => [
        name,
        pct(m.totalReturn),
        m.sharpe.toFixed(2),
        pct(m.maxDrawdown),
        // Win rate counts closed trades only: say when one is still open at the end of the test.
        m.openTrades > 0 ? `${formatCount(m.trades)} (${m.openTrades} open)` : formatCount(m.trades),
        pct(m.winRate),
        m.feesPaid.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
        pct(m.feeDrag),
      ]);
      const warnings = result.metrics.warnings.map((w) => `! ${w.message}\n`).join('');
      printer.line('');
      out.write(`${formatTable(['policy', 'return', 'sharpe (daily)', 'max DD', 'trades', 'win rate (closed)', 'fees', 'fee drag'], rows)}\n${warnings ? `\n${warnings}` : ''}\narchive: ${result.dir}\nreport:  ${result.reportPath}\n`);
    }
  } catch (error) {
    const signal = signals.received();
    if (!signal || (error as Error | undefined)?.name !== 'RunCancelledError') throw error;
    // Stopped on request: not a failure of the command; the folder says `cancelled`.
    err.write(`tradecore run: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = SIGNAL_EXIT[signal] ?? 1;
  } finally {
    signals.remove();
  }
}

/** `tradecore run`: train and evaluate from a config, archive runs/<id>/. */
const register: RegisterCommand = (program) => {
  program
    .command('run')
    .description('train an agent from a config, evaluate it on the test split beside baselines, and archive runs/<id>/ (metrics, ledger, model, report)')
    .option('-c, --config <file>', 'config file (default: tradecore.config.ts found from the current folder)')
    .option('--out <dir>', 'folder receiving <id>/ (default: the config\'s run.out, "runs")')
    .option('--seed <n>', 'seed of the run, 0..2^32-1 (default: the config\'s run.seed)', seedOption)
    .option('--set <key=value>', 'override a config value, e.g. trainer.totalSteps=20000, plugins.rsi.period=21 or plugins.rsi.enabled=false (repeatable)', collect, [] as string[])
    .option('--json', 'print JSON-lines events instead of a progress bar')
    .option('--resume <run>', 'continue a run (its folder or id under --out) from its last checkpoint; runs the config file its run.json names')
    .option('--from <run>', "run again from a run's archived config.json (its folder or id under --out): same plugins, options and seed")
    .option('--id <id>', 'id of the new run (default <UTC time>-s<seed>-<8 hex>); refused if that run exists')
    .action(async (options: RunOptions, command: Command) => {
      const data = command.getOptionValueSourceWithGlobals('data') === 'cli' ? globalOptions(command).data : undefined;
      await action({ ...options, ...(data !== undefined ? { data } : {}) });
    });
};

export default register;
