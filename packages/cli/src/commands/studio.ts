import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { globalOptions, integerOption, UsageError, type RegisterCommand } from '../_cli.ts';
import { importOptional } from '../_optional.ts';

interface StudioCommandOptions {
  port: number;
  host: string;
  runs: string;
  config?: string;
  token?: string;
  open?: boolean;
  pullRestUrl?: string;
  pullRateLimit?: number;
}

/** `--pull-rate-limit`: requests per second, 0 for none. */
function rateOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--pull-rate-limit must be a number ≥ 0 (requests per second; 0: no limit), got "${value}"`);
  return n;
}

/** `--pull-rest-url`: an http(s) URL. */
function restUrlOption(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--pull-rest-url must be an http:// or https:// URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--pull-rest-url must be an http:// or https:// URL, got "${value}"`);
  return value;
}

/** Opens `url` in the desktop's browser; failures only print a hint. */
function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => process.stderr.write(`(could not open a browser: open ${url} yourself)\n`));
    child.unref();
  } catch {
    process.stderr.write(`(could not open a browser: open ${url} yourself)\n`);
  }
}

async function action(options: StudioCommandOptions, command: Command): Promise<void> {
  const { data } = globalOptions(command);
  const { startStudio } = await importOptional('@tradecore/studio', 'tradecore studio', () => import('@tradecore/studio'));
  const studio = await startStudio({
    root: process.cwd(),
    dataDir: data,
    runsDir: options.runs,
    configFile: options.config ?? null,
    host: options.host,
    port: options.port,
    ...(options.token !== undefined ? { token: options.token } : {}),
    pullDefaults: {
      ...(options.pullRestUrl !== undefined ? { restUrl: options.pullRestUrl } : {}),
      ...(options.pullRateLimit !== undefined ? { rateLimit: options.pullRateLimit } : {}),
    },
    // Launches run this same CLI (same Node flags, so a source checkout launches from source too).
    cli: { command: process.execPath, args: [...process.execArgv, process.argv[1]!] },
  });
  process.stdout.write(`TradeCore Studio: ${studio.url}\n`);
  if (studio.token) {
    process.stdout.write(`  every API call needs this token (it is in the URL above; keep it private): ${studio.token}\n`);
  }
  process.stdout.write(`  data ${data} · runs ${options.runs}${options.config ? ` · config ${options.config}` : ''} · Ctrl-C stops the panel (runs it launched keep going)\n`);
  if (options.open) openBrowser(studio.url);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.stderr.write(`\ntradecore studio: ${signal}, stopping the panel\n`);
      void studio.close().finally(resolve);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** `tradecore studio`: the local web panel. Its code is in the optional `@tradecore/studio` package. */
const register: RegisterCommand = (program) => {
  program
    .command('studio')
    .description('start the web panel to configure, launch, watch, compare and replay runs (http://127.0.0.1:4173)')
    .option('--port <n>', 'port to listen on (0: any free port)', integerOption('--port'), 4173)
    .option('--host <address>', 'address to bind; anything but a loopback address requires a token', '127.0.0.1')
    .option('--runs <dir>', 'folder of run archives', 'runs')
    .option('--config <file>', 'config the Control page starts from (default: defaults and the first dataset)')
    .option('--token <token>', 'access token for the API (default: one is generated when --host is not a loopback address)')
    .option('--open', 'open the panel in the default browser')
    .option('--pull-rest-url <url>', "exchange pulls from the Data page read this REST API instead of the exchange's (a local mirror or proxy)", restUrlOption)
    .option('--pull-rate-limit <n>', 'requests per second of exchange pulls from the Data page (0: no limit; default: the exchange\'s)', rateOption)
    .action(async (options: StudioCommandOptions, command: Command) => {
      await action(options, command);
    });
};

export default register;
