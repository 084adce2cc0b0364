import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertExchangeId } from './_ids.ts';
import { IngestError, InvalidOptionError } from './errors.ts';

/** A trade as ccxt's `watchTrades` returns it (the fields used here). */
export interface CcxtTrade {
  id?: string;
  timestamp?: number;
  price?: number;
  amount?: number;
  side?: string;
  /** The exchange's own message (Kraken v2: `trade_id`, RFC 3339 `timestamp`). */
  info?: unknown;
}

/**
 * The part of a ccxt exchange instance this package uses. Declared here rather than taken from ccxt's
 * typings, which describe 100+ exchanges and make type checking (and `.d.ts` builds) take minutes.
 */
export interface Exchange {
  readonly id: string;
  rateLimit: number;
  urls: { api: unknown; [key: string]: unknown };
  has: Record<string, unknown>;
  timeframes?: Record<string, unknown>;
  markets?: Record<string, unknown>;
  market(symbol: string): { id?: string; symbol?: string };
  loadMarkets(reload?: boolean): Promise<unknown>;
  fetchOHLCV(symbol: string, timeframe?: string, since?: number, limit?: number): Promise<unknown[][]>;
  /** ccxt `pro` classes only. */
  watchTrades(symbol: string): Promise<CcxtTrade[]>;
  loadHttpProxyAgent(): Promise<unknown>;
  close(): Promise<unknown>;
}

interface Ccxt {
  version: string;
  exchanges: string[];
  pro: Record<string, unknown>;
  [name: string]: unknown;
}

let ccxtModule: Promise<Ccxt> | undefined;
/** In a variable, so TypeScript does not load ccxt's typings for the import. */
const CCXT = 'ccxt';

/** ccxt, imported on first use: it takes a few hundred milliseconds to load. */
export function loadCcxt(): Promise<Ccxt> {
  ccxtModule ??= (import(CCXT) as Promise<{ default?: Ccxt } & Ccxt>).then((m) => m.default ?? m);
  return ccxtModule;
}

export interface ExchangeConnectionOptions {
  /**
   * Base URL that replaces the scheme and host of every REST endpoint of the exchange, keeping each
   * endpoint's path: with `http://127.0.0.1:8080`, Kraken's `https://api.kraken.com/0/public/Trades` becomes
   * `http://127.0.0.1:8080/0/public/Trades`. For mirrors, proxies, recording servers and local fakes.
   */
  restUrl?: string;
  /** The same for WebSocket endpoints: `wss://ws.kraken.com/v2` becomes `<wsUrl>/v2`. `ws://` is allowed. */
  wsUrl?: string;
  /** Per-request timeout. Default 10 s (ccxt's). */
  timeoutMs?: number;
}

export interface CreateExchangeOptions extends ExchangeConnectionOptions {
  /** Use ccxt's `pro` class (WebSocket `watch*` methods). Default false. */
  websocket?: boolean;
}

const ORIGIN = /^(https?|wss?):\/\/[^/]+/;

/** Rebases every REST (and WebSocket) URL string inside `api` onto the given bases, in place. */
export function rebaseUrls(api: unknown, restUrl: string | undefined, wsUrl: string | undefined): unknown {
  if (typeof api === 'string') {
    const match = ORIGIN.exec(api);
    if (!match) return api;
    const ws = match[1] === 'ws' || match[1] === 'wss';
    const base = ws ? wsUrl : restUrl;
    return base === undefined ? api : `${base.replace(/\/+$/, '')}${api.slice(match[0].length)}`;
  }
  if (Array.isArray(api)) return api.map((v) => rebaseUrls(v, restUrl, wsUrl));
  if (api !== null && typeof api === 'object') {
    for (const [key, value] of Object.entries(api)) (api as Record<string, unknown>)[key] = rebaseUrls(value, restUrl, wsUrl);
  }
  return api;
}

function checkBaseUrl(value: string | undefined, flag: string, schemes: readonly string[]): void {
  if (value === undefined) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidOptionError(`${flag} "${value}" is not a URL (expected e.g. ${schemes[0]}://127.0.0.1:8080)`);
  }
  if (!schemes.includes(url.protocol.slice(0, -1))) throw new InvalidOptionError(`${flag} "${value}" must use ${schemes.join(' or ')}`);
  if (url.search || url.hash) throw new InvalidOptionError(`${flag} "${value}" must not carry a query or fragment`);
}

type ExchangeClass = new (config: object) => Exchange;

/**
 * The file of ccxt's module for one exchange (`js/src/<id>.js`, or `js/src/pro/<id>.js` for the WebSocket
 * class) when ccxt's package has that layout, else undefined. `id` is an already checked exchange id.
 */
export function exchangeModuleFile(id: string, websocket: boolean): string | undefined {
  let root: string;
  try {
    // The CommonJS entry is `dist/ccxt.cjs`: the package folder is two levels up.
    root = path.dirname(path.dirname(createRequire(import.meta.url).resolve(CCXT)));
  } catch {
    return undefined;
  }
  const file = path.join(root, 'js', 'src', ...(websocket ? ['pro'] : []), `${id}.js`);
  return existsSync(file) ? file : undefined;
}

/**
 * ccxt's class for one exchange, from that exchange's own module. Importing `ccxt` itself loads every one of
 * its 100+ exchange classes (about 1.4 s and 60 MiB of memory on a small machine, for every `data pull`); one
 * exchange's module and ccxt's base classes take a quarter of that. Undefined when the module is not there.
 */
async function loadExchangeClass(id: string, websocket: boolean): Promise<ExchangeClass | undefined> {
  const file = exchangeModuleFile(id, websocket);
  if (file === undefined) return undefined;
  const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  return typeof module.default === 'function' ? (module.default as ExchangeClass) : undefined;
}

/**
 * A ccxt exchange by id (`kraken`, `binance`, …), with ccxt's own throttle off (the caller rate-limits) and
 * the endpoints rebased onto `restUrl` / `wsUrl` when given.
 */
export async function createExchange(exchangeId: string, options: CreateExchangeOptions = {}): Promise<Exchange> {
  checkBaseUrl(options.restUrl, '--rest-url', ['http', 'https']);
  checkBaseUrl(options.wsUrl, '--ws-url', ['ws', 'wss']);
  const id = assertExchangeId(exchangeId);
  const ExchangeClass = (await loadExchangeClass(id, options.websocket ?? false)) ?? (await exchangeClassFromCcxt(exchangeId, id, options.websocket ?? false));
  const exchange = new ExchangeClass({ enableRateLimit: false, timeout: options.timeoutMs ?? 10_000 });
  if (options.restUrl !== undefined || options.wsUrl !== undefined) {
    const urls = exchange.urls as { api?: unknown };
    urls.api = rebaseUrls(structuredClone(urls.api), options.restUrl, options.wsUrl);
  }
  // ccxt refuses plain ws:// URLs unless an http agent is loaded first.
  if (options.wsUrl?.startsWith('ws://')) await exchange.loadHttpProxyAgent();
  return exchange;
}

/** The class from the whole of ccxt, or an error naming the unknown id and similar ones. */
async function exchangeClassFromCcxt(exchangeId: string, id: string, websocket: boolean): Promise<ExchangeClass> {
  const ccxt = await loadCcxt();
  const classes = (websocket ? ccxt.pro : ccxt) as unknown as Record<string, ExchangeClass | undefined>;
  const known: string[] = websocket ? Object.keys(ccxt.pro) : ccxt.exchanges;
  const ExchangeClass = known.includes(id) ? classes[id] : undefined;
  if (!ExchangeClass) {
    const close = known.filter((k) => k.startsWith(id.slice(0, 3))).slice(0, 8);
    throw new InvalidOptionError(
      `unknown exchange "${exchangeId}"${websocket ? ' (with WebSocket support)' : ''}: ccxt ${ccxt.version} knows ${known.length} exchanges${close.length ? `, e.g. ${close.join(', ')}` : ''}`,
    );
  }
  return ExchangeClass;
}

/** Closes the exchange's WebSocket connections and HTTP keep-alive sockets. */
export async function closeExchange(exchange: Exchange): Promise<void> {
  try {
    await exchange.close();
    // ccxt leaves its keep-alive HTTP pool open; close it so a finished command exits at once.
    await (exchange as { fetchDispatcher?: { close(): Promise<void> } }).fetchDispatcher?.close();
  } catch (error) {
    throw new IngestError(`closing the ${exchange.id} connection failed: ${(error as Error).message}`, { cause: error });
  }
}
