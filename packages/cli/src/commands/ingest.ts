import { setFlagsFromString } from 'node:v8';
import { type Command, Option } from 'commander';
import { type GlobalOptions, type RegisterCommand, UsageError, formatCount, globalOptions, integerOption } from '../_cli.ts';
import { importOptional } from '../_optional.ts';
import { terminalColumns } from '../_stdout.ts';

type Ingest = typeof import('@tradecore/ingest');

/**
 * `@tradecore/ingest` (ccxt), loaded only when one of these commands runs.
 *
 * A data command's process does network and parquet I/O and nothing else, so it compiles WebAssembly with V8's
 * baseline compiler only: re-compiling parquet-wasm's hot functions with the optimising tier holds about
 * 100 MiB of compiler memory at its peak, and the baseline code pulls as fast (docs/ingest.md, "Memory on a
 * small machine"). Set before the lake first loads parquet-wasm.
 */
function loadIngest(command: string): Promise<Ingest> {
  setFlagsFromString('--liftoff-only');
  return importOptional('@tradecore/ingest', `tradecore data ${command}`, () => import('@tradecore/ingest'));
}

/** Bad option values found by the package become usage errors (exit 2). */
async function usageErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Error && (error.name === 'InvalidOptionError' || error.name === 'InvalidIdError')) throw new UsageError(error.message);
    throw error;
  }
}

function rateOption(value: string): number {
  const n = Number(value);
  if (!(n >= 0) || !Number.isFinite(n)) throw new UsageError(`--rate-limit must be a number of requests per second ≥ 0 (0: no limit), got "${value}"`);
  return n;
}

/** Ctrl-C stops after flushing complete bars; a second Ctrl-C exits at once. */
function stopOnSignals(controller: AbortController, what: string): () => void {
  let count = 0;
  const onSignal = () => {
    if (++count > 1) process.exit(130);
    process.stderr.write(`\nstopping ${what} after writing the complete bars (Ctrl-C again to quit at once)…\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

const print = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

interface ConnectionFlags {
  restUrl?: string;
  wsUrl?: string;
  rateLimit?: number;
  retries?: number;
  json?: boolean;
  quiet?: boolean;
}

interface PullFlags extends ConnectionFlags {
  since: string;
  until?: string;
  timeframe: string;
  from: 'trades' | 'ohlcv';
  id?: string;
  source?: string;
  emptyBars: 'omit' | 'flat';
  pageSize?: number;
  flushBars?: number;
}

async function pullAction(exchange: string, symbol: string, flags: PullFlags, { data }: GlobalOptions): Promise<void> {
  const ingest = await loadIngest('pull');
  const controller = new AbortController();
  const release = stopOnSignals(controller, 'the pull');
  const tty = process.stderr.isTTY === true && !flags.quiet && !flags.json;
  let lastLine = 0;
  const onProgress = (p: import('@tradecore/ingest').PullProgress) => {
    if (flags.quiet || flags.json) return;
    if (p.message) process.stderr.write(`${tty ? '\r\x1b[K' : ''}${p.message}\n`);
    if (tty) process.stderr.write(`\r\x1b[K${ingest.formatProgress(p, terminalColumns(process.stderr))}`);
    else if (Date.now() - lastLine > 10_000 || p.phase === 'done') {
      lastLine = Date.now();
      process.stderr.write(`${ingest.formatProgress(p, 120)}\n`);
    }
  };
  let result;
  try {
    result = await usageErrors(() =>
      ingest.pull({
        dataDir: data,
        exchange,
        symbol,
        since: flags.since,
        ...(flags.until !== undefined ? { until: flags.until } : {}),
        timeframe: flags.timeframe,
        from: flags.from,
        ...(flags.id !== undefined ? { id: flags.id } : {}),
        ...(flags.source !== undefined ? { source: flags.source } : {}),
        emptyBars: flags.emptyBars,
        ...(flags.restUrl !== undefined ? { restUrl: flags.restUrl } : {}),
        ...(flags.wsUrl !== undefined ? { wsUrl: flags.wsUrl } : {}),
        ...(flags.rateLimit !== undefined ? { rateLimit: flags.rateLimit } : {}),
        ...(flags.retries !== undefined ? { retries: flags.retries } : {}),
        ...(flags.pageSize !== undefined ? { pageSize: flags.pageSize } : {}),
        ...(flags.flushBars !== undefined ? { flushBars: flags.flushBars } : {}),
        signal: controller.signal,
        onProgress,
      }),
    );
  } finally {
    release();
    if (tty) process.stderr.write('\r\x1b[K');
  }
  if (flags.json) print(JSON.stringify(result, null, 2));
  else {
    const verb = result.status === 'complete' ? 'pulled' : 'stopped';
    print(
      `${verb} ${result.dataset}: ${formatCount(result.barsWritten)} new bar(s), ${result.startedAt} → ${result.to} (${formatCount(result.trades)} ${flags.from === 'ohlcv' ? 'candles' : 'trades'}, ${formatCount(result.requests)} requests, ${formatCount(result.retries)} retries, ${formatCount(result.duplicates)} duplicates dropped) in ${ingest.formatSeconds(result.seconds)}`,
    );
    if (result.manifest) print(`  manifest: ${result.manifest}`);
    print(`  resume state: ${result.statePath}`);
    for (const w of result.warnings) print(`  warning: ${w}`);
    if (result.status === 'stopped') print('  run the same command again to resume after the last written bar');
  }
  if (result.status === 'stopped') process.exitCode = 130;
}

interface StreamFlags extends ConnectionFlags {
  timeframe: string;
  since?: string;
  id?: string;
  source?: string;
  emptyBars: 'omit' | 'flat';
  grace: number;
  features?: string;
}

async function streamAction(exchange: string, symbol: string, flags: StreamFlags, { data }: GlobalOptions): Promise<void> {
  const ingest = await loadIngest('stream');
  const controller = new AbortController();
  const release = stopOnSignals(controller, 'the stream');
  let result;
  try {
    result = await usageErrors(() =>
      ingest.stream({
        dataDir: data,
        exchange,
        symbol,
        timeframe: flags.timeframe,
        ...(flags.since !== undefined ? { since: flags.since } : {}),
        ...(flags.id !== undefined ? { id: flags.id } : {}),
        ...(flags.source !== undefined ? { source: flags.source } : {}),
        emptyBars: flags.emptyBars,
        graceMs: flags.grace,
        ...(flags.features !== undefined ? { features: flags.features } : {}),
        ...(flags.restUrl !== undefined ? { restUrl: flags.restUrl } : {}),
        ...(flags.wsUrl !== undefined ? { wsUrl: flags.wsUrl } : {}),
        ...(flags.rateLimit !== undefined ? { rateLimit: flags.rateLimit } : {}),
        ...(flags.retries !== undefined ? { retries: flags.retries } : {}),
        cwd: process.cwd(),
        signal: controller.signal,
        onBar: (bar) => print(flags.json ? JSON.stringify({ ...bar, time: new Date(bar.time).toISOString() }) : ingest.formatBar(bar)),
        onEvent: (e) => {
          if (!flags.quiet && e.type !== 'written' && e.type !== 'stopped') process.stderr.write(`${e.type}: ${e.message}\n`);
        },
      }),
    );
  } finally {
    release();
  }
  process.stderr.write(`stopped: ${formatCount(result.barsWritten)} bar(s) written to ${result.dataset}, ${result.reconnects} reconnect(s)${result.lateTrades ? `, ${result.lateTrades} late trade(s) not stored` : ''}\n`);
}

async function retainAction(ref: string, flags: { keep?: string; before?: string; archive?: string; dryRun?: boolean; json?: boolean }, { data }: GlobalOptions): Promise<void> {
  const ingest = await loadIngest('retain');
  const result = await usageErrors(() =>
    ingest.retain({
      dataDir: data,
      id: ref,
      ...(flags.keep !== undefined ? { keep: flags.keep } : {}),
      ...(flags.before !== undefined ? { before: flags.before } : {}),
      ...(flags.archive !== undefined ? { archive: flags.archive } : {}),
      dryRun: flags.dryRun === true,
    }),
  );
  if (flags.json) return print(JSON.stringify(result, null, 2));
  const would = result.dryRun ? 'would ' : '';
  print(`${result.dataset}: keep bars from ${result.cutoff} on — ${formatCount(result.rowsBefore)} → ${formatCount(result.rowsAfter)} rows${result.dryRun ? ' (dry run: nothing changed)' : ''}`);
  for (const p of result.dropped) print(`  ${would}${result.archived || flags.archive ? 'archive' : 'delete'} ${p}`);
  for (const t of result.trimmed) print(`  ${would}trim ${t.path}: keep ${formatCount(t.keptRows)} rows, drop ${formatCount(t.droppedRows)}`);
  if (result.dropped.length === 0 && result.trimmed.length === 0) print('  nothing is older than the cutoff');
  if (result.archived) print(`  archived ${formatCount(result.archived.rows)} rows to dataset ${result.archived.id} in ${result.archived.dataDir}`);
  if (!result.dryRun) print(`  checksums verified: ${result.verified.before} partition(s) before, ${result.verified.after} after`);
}

async function compactAction(ref: string, flags: { layout: 'year' | 'month' | 'day'; dryRun?: boolean; json?: boolean }, { data }: GlobalOptions): Promise<void> {
  const ingest = await loadIngest('compact');
  const result = await usageErrors(() => ingest.compact({ dataDir: data, id: ref, layout: flags.layout, dryRun: flags.dryRun === true }));
  if (flags.json) return print(JSON.stringify(result, null, 2));
  if (result.merged.length === 0) return print(`${result.dataset}: already one partition per ${result.layout} (${result.partitionsBefore} partition(s))`);
  print(`${result.dataset}: ${result.dryRun ? 'would merge' : 'merged'} ${formatCount(result.partitionsBefore)} partition(s) into ${result.dryRun ? `one per ${result.layout}` : formatCount(result.partitionsAfter)}`);
  for (const m of result.merged) print(`  ${m.bucket}: ${m.files} file(s)`);
  if (!result.dryRun) print(`  checksums verified: ${result.verified.before} partition(s) before, ${result.verified.after} after`);
}

const emptyBarsOption = () =>
  new Option('--empty-bars <how>', 'bar periods without trades: omitted, or flat at the previous close with zero volume (recorded in the manifest)').choices(['omit', 'flat']).default('omit');

/**
 * `tradecore data pull | stream | retain | compact`, added to the `data` command. The code lives in the
 * optional `@tradecore/ingest` (ccxt), loaded lazily.
 */
const register: RegisterCommand = (program) => {
  const data = program.commands.find((c) => c.name() === 'data');
  if (!data) throw new Error('commands/ingest.ts must be registered after commands/data.ts');

  data
    .command('pull')
    .description('pull exchange history into the lake: Kraken 1m bars built from its trades (resumable), or any ccxt exchange\'s candles')
    .argument('<exchange>', 'ccxt exchange id, e.g. kraken')
    .argument('<symbol>', 'market, e.g. BTC/USD or BTC-USD')
    .requiredOption('--since <time>', 'first bar: ISO date/time (UTC), or a duration ago such as 30d')
    .option('--until <time>', 'end of the range, exclusive (default: now; the open bar is never written)')
    .option('--timeframe <tf>', 'bar length', '1m')
    .addOption(new Option('--from <source>', 'build bars from trades (exact buy/sell volume) or take the exchange\'s candles').choices(['trades', 'ohlcv']).default('trades'))
    .option('--id <id>', 'dataset id (default <source>-<symbol>-<timeframe>)')
    .option('--source <name>', 'source name in the lake (default the exchange id)')
    .addOption(emptyBarsOption())
    .option('--rest-url <url>', "base URL replacing the exchange's REST host (mirror, proxy, recording server)")
    .option('--ws-url <url>', "base URL replacing the exchange's WebSocket host")
    .option('--rate-limit <req/s>', "requests per second (default: the exchange's public limit; 0: none)", rateOption)
    .option('--retries <n>', 'retries per request before giving up', integerOption('--retries'))
    .option('--page-size <n>', 'trades per Kraken page (1–1000)', integerOption('--page-size', 1))
    .option('--flush-bars <n>', 'write to the lake every n closed bars (default 10080)', integerOption('--flush-bars', 1))
    .option('--json', 'print the result as JSON')
    .option('--quiet', 'no progress output')
    .action(async (exchange: string, symbol: string, flags: PullFlags, command: Command) => pullAction(exchange, symbol, flags, globalOptions(command)));

  data
    .command('stream')
    .description('stream live trades into bars closed at each boundary and appended to the lake; gaps are back-filled from REST (Ctrl-C stops)')
    .argument('<exchange>', 'ccxt exchange id (kraken)')
    .argument('<symbol>', 'market, e.g. BTC/USD')
    .option('--timeframe <tf>', 'bar length', '1m')
    .option('--since <time>', 'where a new dataset starts (default: the current bar); an existing one continues after its last bar')
    .option('--id <id>', 'dataset id (default <source>-<symbol>-<timeframe>)')
    .option('--source <name>', 'source name in the lake (default the exchange id)')
    .addOption(emptyBarsOption())
    .option('--grace <ms>', 'how long after a bar\'s end late trades are still counted when no later trade arrives', integerOption('--grace'), 3000)
    .option('--features <tool manifest>', 'also print the live values of these indicators for every bar')
    .option('--rest-url <url>', "base URL replacing the exchange's REST host")
    .option('--ws-url <url>', "base URL replacing the exchange's WebSocket host (ws:// allowed)")
    .option('--rate-limit <req/s>', 'REST requests per second for back-fills', rateOption)
    .option('--retries <n>', 'retries per REST request', integerOption('--retries'))
    .option('--json', 'print each bar as a JSON line')
    .option('--quiet', 'no connection messages')
    .action(async (exchange: string, symbol: string, flags: StreamFlags, command: Command) => streamAction(exchange, symbol, flags, globalOptions(command)));

  data
    .command('retain')
    .description('drop (or archive) bars older than a window; checksums verified before and after')
    .argument('<dataset>', 'dataset id')
    .option('--keep <duration>', 'history to keep before now, e.g. 90d, 12h, 2w')
    .option('--before <time>', 'or drop the bars before this time')
    .option('--archive <dir>', 'move the dropped bars into this data folder (same dataset id) instead of deleting them')
    .option('--dry-run', 'print what would change; change nothing')
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, flags: Parameters<typeof retainAction>[1], command: Command) => retainAction(ref, flags, globalOptions(command)));

  data
    .command('compact')
    .description('merge small partitions (a stream\'s, a pull\'s) into one per month; checksums verified before and after')
    .argument('<dataset>', 'dataset id')
    .addOption(new Option('--layout <layout>', 'one partition per').choices(['year', 'month', 'day']).default('month'))
    .option('--dry-run', 'print what would be merged; change nothing')
    .option('--json', 'print the result as JSON')
    .action(async (ref: string, flags: Parameters<typeof compactAction>[1], command: Command) => compactAction(ref, flags, globalOptions(command)));
};

export default register;
