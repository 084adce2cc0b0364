import { type Command, Option } from 'commander';
import { type RegisterCommand, globalOptions, integerOption, positiveNumberOption } from '../_cli.ts';

const compressionOption = () =>
  new Option('--compression <codec>', 'parquet compression of the written partitions').choices(['lz4', 'zstd', 'snappy', 'none']).default('lz4');

/** `tradecore data ls|validate|import|synth|resample|export`. Actions load the SDK lazily. */
const register: RegisterCommand = (program) => {
  const data = program.command('data').description('manage datasets in the parquet lake (--data <dir> selects the folder)');

  data
    .command('ls')
    .description('list the datasets in <data>/manifests')
    .option('--json', 'print the manifests as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { list } = await import('../actions/data.ts');
      await list(globalOptions(command), options);
    });

  data
    .command('validate')
    .description('verify checksums and validate the bars of a dataset (exit 1 on errors)')
    .argument('<manifest|id>', 'dataset id (in <data>/manifests) or path to a manifest JSON')
    .option('--json', 'print the validation report as JSON')
    .action(async (ref: string, options: { json?: boolean }, command: Command) => {
      const { validate } = await import('../actions/data.ts');
      await validate(ref, globalOptions(command), options);
    });

  data
    .command('import')
    .description('import a CSV, Kraken OHLCVT or Binance klines file into the lake (validated first; nothing is written on errors)')
    .argument('<file>', 'file to import')
    .option('--format <format>', 'input format: auto (from the first line), csv (with a header), kraken-ohlcvt or binance-klines', 'auto')
    .requiredOption('--source <source>', 'lower-case source name, e.g. kraken, binanceus')
    .requiredOption('--symbol <SYM>', 'market symbol, e.g. BTC-USD (BTC/USD is stored as BTC-USD)')
    .requiredOption('--timeframe <tf>', 'bar length: 1m, 5m, 1h, 1d, …')
    .option('--id <id>', 'dataset id (default <source>-<symbol>-<timeframe>)')
    .addOption(
      new Option('--time-unit <unit>', 'csv: how the time column is written (auto: ISO text, or s/ms/us/ns by magnitude)').choices(['auto', 'iso', 's', 'ms', 'us', 'ns']).default('auto'),
    )
    .option('--map <pairs>', 'csv: column mapping, e.g. time=open_time,volume=qty')
    .option('--description <text>', 'free-text description stored in the manifest')
    .addOption(compressionOption())
    .action(async (file: string, options: Parameters<typeof import('../actions/data.ts').importFile>[1], command: Command) => {
      const { importFile } = await import('../actions/data.ts');
      await importFile(file, options, globalOptions(command));
    });

  data
    .command('synth')
    .description('generate a seeded synthetic dataset (labelled synthetic in its manifest)')
    .option('--seed <n>', 'PRNG seed', integerOption('--seed'), 42)
    .option('--days <n>', 'length in days', positiveNumberOption('--days'), 90)
    .option('--start <time>', 'first bar (ISO 8601, UTC)', '2024-01-01T00:00:00Z')
    .option('--timeframe <tf>', 'bar length', '1m')
    .option('--symbol <SYM>', 'symbol to file it under', 'BTC-USD')
    .option('--start-price <price>', 'first open', positiveNumberOption('--start-price'), 42_000)
    .option('--volatility <sigma>', 'annualised volatility', positiveNumberOption('--volatility'), 0.6)
    .option('--id <id>', 'dataset id (default synthetic-<symbol>-<timeframe>)')
    .addOption(compressionOption())
    .action(async (options: Parameters<typeof import('../actions/data.ts').synth>[0], command: Command) => {
      const { synth } = await import('../actions/data.ts');
      await synth(options, globalOptions(command));
    });

  data
    .command('resample')
    .description('aggregate a dataset to a coarser timeframe and store it as a new dataset')
    .argument('<manifest|id>', 'source dataset')
    .requiredOption('--to <tf>', 'target timeframe, a multiple of the source one (e.g. 1h, 1d)')
    .option('--id <id>', 'id of the new dataset (default <source>-<symbol>-<to>)')
    .addOption(compressionOption())
    .action(async (ref: string, options: { to: string; id?: string; compression: 'lz4' | 'zstd' | 'snappy' | 'none' }, command: Command) => {
      const { resample } = await import('../actions/data.ts');
      await resample(ref, options, globalOptions(command));
    });

  data
    .command('export')
    .description('write a dataset as CSV (to stdout unless --out is given)')
    .argument('<manifest|id>', 'dataset to export')
    .addOption(new Option('--format <format>', 'output format').choices(['csv']).default('csv'))
    .option('--out <file>', 'output file (written atomically)')
    .addOption(new Option('--time-format <format>', 'how times are written').choices(['iso', 'ms', 's']).default('iso'))
    .action(async (ref: string, options: { out?: string; timeFormat: 'iso' | 'ms' | 's' }, command: Command) => {
      const { exportDataset } = await import('../actions/data.ts');
      await exportDataset(ref, options, globalOptions(command));
    });

};

export default register;
