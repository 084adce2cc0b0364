import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { type FakeTrade, type TradeTape, ArrayTape, indexAfter, restRow, tradeCursor } from './tapes.ts';

/** One Kraken OHLC row: `[time_s, open, high, low, close, vwap, volume, count]` with decimal strings. */
export type KrakenCandle = [number, string, string, string, string, string, string, number];

/** REST endpoints of the fake, by Kraken's path name. */
export type FakeEndpoint = 'Trades' | 'OHLC' | 'AssetPairs' | 'Assets' | 'Time';

/**
 * A fault the fake injects into matching REST requests. `after` skips that many matching requests first;
 * `times` is how many requests it hits (default 1; Infinity for a permanent fault).
 * - `status`: answers with that HTTP status (429, 500, 502, 503…) and a short text body.
 * - `kraken-error`: HTTP 200 with `{"error":["<message>"]}` (default `EAPI:Rate limit exceeded`).
 * - `drop`: sends the headers and part of the body, then destroys the socket (a connection lost mid-page).
 * - `stuck`: a Trades page whose `last` equals the request's `since` (a cursor that does not advance).
 * - `overlap`: a Trades page that starts `trades` trades before the cursor (duplicates of the last page).
 * - `shuffle`: a Trades page with its rows in a random order.
 * - `last-number`: a Trades page whose `last` is an unquoted 19-digit JSON number.
 */
export type FakeFault = { on?: FakeEndpoint; after?: number; times?: number } & (
  | { kind: 'status'; status: number }
  | { kind: 'kraken-error'; message?: string }
  | { kind: 'drop' }
  | { kind: 'stuck' }
  | { kind: 'overlap'; trades: number }
  | { kind: 'shuffle'; seed?: number }
  | { kind: 'last-number' }
);

export interface FakeKrakenOptions {
  /** Trades served by `/0/public/Trades` and streamed over WebSocket. Default: an empty in-memory tape. */
  tape?: TradeTape;
  /** Candles served by `/0/public/OHLC`, oldest first, one interval; the last one is the in-progress candle. */
  candles?: { interval: number; rows: readonly KrakenCandle[] };
}

/** A request the fake received. */
export interface FakeRequest {
  endpoint: string;
  query: Record<string, string>;
  /** What the fake did: `ok` or the fault's kind. */
  outcome: string;
}

/** The market the fake lists: Kraken's real BTC/USD pair (XXBTZUSD; WebSocket v2 symbol BTC/USD). */
const ASSET_PAIRS = {
  XXBTZUSD: {
    altname: 'XBTUSD',
    wsname: 'XBT/USD',
    aclass_base: 'currency',
    base: 'XXBT',
    aclass_quote: 'currency',
    quote: 'ZUSD',
    lot: 'unit',
    cost_decimals: 5,
    pair_decimals: 1,
    lot_decimals: 8,
    lot_multiplier: 1,
    leverage_buy: [2, 3, 4, 5],
    leverage_sell: [2, 3, 4, 5],
    fees: [
      [0, 0.4],
      [10000, 0.35],
    ],
    fees_maker: [
      [0, 0.25],
      [10000, 0.2],
    ],
    fee_volume_currency: 'ZUSD',
    margin_call: 80,
    margin_stop: 40,
    ordermin: '0.00005',
    costmin: '0.5',
    tick_size: '0.1',
    status: 'online',
    long_position_limit: 270,
    short_position_limit: 180,
  },
};

const ASSETS = {
  XXBT: { aclass: 'currency', altname: 'XBT', decimals: 10, display_decimals: 5, collateral_value: 1, status: 'enabled' },
  ZUSD: { aclass: 'currency', altname: 'USD', decimals: 4, display_decimals: 2, collateral_value: 1, status: 'enabled' },
};

const PAIR_ID = 'XXBTZUSD';
const PAIR_NAMES = new Set(['XXBTZUSD', 'XBTUSD', 'XBT/USD', 'BTC/USD']);
const WS_SYMBOL = 'BTC/USD';

/** The `last` cursor at the end of a Trades body. */
function lastCursor(body: string): string | undefined {
  return /"last":"(\d+)"/.exec(body.slice(-40))?.[1];
}

function isoMicros(timeUs: number): string {
  const ms = Math.floor(timeUs / 1000);
  return `${new Date(ms).toISOString().slice(0, -1)}${String(timeUs % 1000).padStart(3, '0')}Z`;
}

/** A trade in the WebSocket v2 trade channel's shape. */
export function wsTrade(t: FakeTrade): Record<string, unknown> {
  return {
    symbol: WS_SYMBOL,
    side: t.side === 'b' ? 'buy' : 'sell',
    price: Number(t.price),
    qty: Number(t.volume),
    ord_type: t.ordType === 'm' ? 'market' : 'limit',
    trade_id: t.id,
    timestamp: isoMicros(t.timeUs),
  };
}

/**
 * A local stand-in for Kraken's public API on 127.0.0.1: REST `GET /0/public/{AssetPairs,Assets,Trades,OHLC,
 * Time}` with Kraken's bodies, and the WebSocket v2 trade channel (`/v2`: status message, subscribe
 * acknowledgement, optional snapshot, updates, heartbeat, ping → pong). Point ccxt at it with
 * `restUrl: fake.url, wsUrl: fake.wsUrl`. Faults are injected per request ({@link FakeFault}); the live
 * stream is driven by {@link FakeKraken.publish} and {@link FakeKraken.dropSockets}.
 */
export class FakeKraken {
  readonly requests: FakeRequest[] = [];
  /** WebSocket messages received from clients (parsed JSON). */
  readonly wsReceived: unknown[] = [];
  tape: TradeTape;
  /** Requests answered from {@link prerenderTrades}' pages. */
  prerenderedServed = 0;
  readonly #candles: FakeKrakenOptions['candles'];
  /** Trades bodies rendered ahead by {@link prerenderTrades}, by the tape index of their first trade. */
  readonly #rendered = new Map<number, { count: number; body: Buffer }>();
  /** The tape and its length when the pages were rendered: they are served only while both are unchanged. */
  #renderedFrom: { tape: TradeTape; length: number } | undefined;
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #sockets = new Set<Socket>();
  readonly #faults: (FakeFault & { seen: number; hits: number })[] = [];
  readonly #subscribers = new Set<WebSocket>();
  #heartbeat: NodeJS.Timeout | undefined;
  #port = 0;
  /** Called after each REST request is answered (tests use it to act at a given request count). */
  onRequest: ((request: FakeRequest) => void) | undefined;

  private constructor(options: FakeKrakenOptions) {
    this.tape = options.tape ?? new ArrayTape();
    this.#candles = options.candles;
    this.#server = createServer((req, res) => this.#handle(req, res));
    this.#server.keepAliveTimeout = 60_000;
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    this.#wss = new WebSocketServer({ server: this.#server, path: '/v2' });
    this.#wss.on('connection', (ws) => this.#onWs(ws));
  }

  /** Starts a fake on a free port of 127.0.0.1. */
  static async start(options: FakeKrakenOptions = {}): Promise<FakeKraken> {
    const fake = new FakeKraken(options);
    await new Promise<void>((resolve, reject) => {
      fake.#server.once('error', reject);
      fake.#server.listen(0, '127.0.0.1', () => resolve());
    });
    fake.#port = (fake.#server.address() as AddressInfo).port;
    fake.#heartbeat = setInterval(() => {
      for (const ws of fake.#subscribers) if (ws.readyState === WebSocket.OPEN) ws.send('{"channel":"heartbeat"}');
    }, 1000);
    fake.#heartbeat.unref();
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.#port}`;
  }

  /** Number of REST requests to an endpoint so far. */
  count(endpoint: FakeEndpoint): number {
    return this.requests.filter((r) => r.endpoint === endpoint).length;
  }

  inject(...faults: FakeFault[]): void {
    for (const f of faults) this.#faults.push({ ...f, seen: 0, hits: 0 });
  }

  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** Number of open WebSocket connections subscribed to trades. */
  get subscribers(): number {
    return this.#subscribers.size;
  }

  /**
   * Appends trades to the tape (so REST serves them too) and sends them to every subscriber as one
   * `update` message. The tape must be an {@link ArrayTape}.
   */
  publish(trades: readonly FakeTrade[]): void {
    if (!(this.tape instanceof ArrayTape)) throw new TypeError('publish needs an ArrayTape');
    this.tape.append(trades);
    if (trades.length === 0) return;
    const message = JSON.stringify({ channel: 'trade', type: 'update', data: trades.map(wsTrade) });
    for (const ws of this.#subscribers) if (ws.readyState === WebSocket.OPEN) ws.send(message);
  }

  /** Drops every WebSocket connection without a close handshake (a lost network). */
  dropSockets(): void {
    for (const ws of this.#wss.clients) ws.terminate();
    this.#subscribers.clear();
  }

  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.dropSockets();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #fault(endpoint: FakeEndpoint): FakeFault | undefined {
    for (const f of this.#faults) {
      if (f.on !== undefined && f.on !== endpoint) continue;
      if (f.on === undefined && (endpoint === 'AssetPairs' || endpoint === 'Assets')) continue;
      f.seen++;
      if (f.seen <= (f.after ?? 0) || f.hits >= (f.times ?? 1)) continue;
      f.hits++;
      return f;
    }
    return undefined;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = /^\/0\/public\/(\w+)$/.exec(url.pathname);
    const endpoint = (match?.[1] ?? url.pathname) as FakeEndpoint;
    const query = Object.fromEntries(url.searchParams);
    const record: FakeRequest = { endpoint, query, outcome: 'ok' };
    this.requests.push(record);
    const send = (status: number, body: string | Buffer, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
      this.onRequest?.(record);
    };
    const fault = match ? this.#fault(endpoint) : undefined;
    if (fault) record.outcome = fault.kind;
    if (fault?.kind === 'status') return send(fault.status, `${fault.status} fake failure`, 'text/plain');
    if (fault?.kind === 'kraken-error') return send(200, JSON.stringify({ error: [fault.message ?? 'EAPI:Rate limit exceeded'] }));

    let body: string | Buffer;
    switch (endpoint) {
      case 'AssetPairs':
        body = JSON.stringify({ error: [], result: ASSET_PAIRS });
        break;
      case 'Assets':
        body = JSON.stringify({ error: [], result: ASSETS });
        break;
      case 'Time': {
        const now = Date.now();
        body = JSON.stringify({ error: [], result: { unixtime: Math.floor(now / 1000), rfc1123: new Date(now).toUTCString() } });
        break;
      }
      case 'Trades':
        if (!PAIR_NAMES.has(query.pair ?? '')) {
          body = JSON.stringify({ error: ['EQuery:Unknown asset pair'] });
          break;
        }
        body = this.#tradesPage(query, fault);
        break;
      case 'OHLC':
        body = this.#ohlcBody(query);
        break;
      default:
        return send(404, 'not found', 'text/plain');
    }
    if (fault?.kind === 'drop') {
      // Promise the whole body, send a part, then cut the connection.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.write(body.slice(0, Math.max(1, Math.floor(body.length / 2))));
      setTimeout(() => {
        res.socket?.destroy();
        this.onRequest?.(record);
      }, 5);
      return;
    }
    send(200, body);
  }

  #tradesPage(query: Record<string, string>, fault: FakeFault | undefined): string | Buffer {
    if (fault || this.#renderedFrom?.tape !== this.tape || this.#renderedFrom.length !== this.tape.length) return this.#tradesBody(query, fault);
    const { start, count } = this.#pageRange(query);
    const rendered = this.#rendered.get(start);
    if (rendered?.count !== count) return this.#tradesBody(query, undefined);
    this.prerenderedServed++;
    return rendered.body;
  }

  /**
   * Renders every Trades page a client paging through the whole tape `count` trades at a time will ask for
   * (each page starting after the previous page's `last`), and answers those requests from memory from then
   * on, whatever `since` spells the same position, until the tape changes. For benchmarks: the fake's own work
   * is then done before the clock starts, as a real exchange's is not on the client's machine. Faults still
   * apply. Returns the number of pages (the bodies stay in memory: about 65 bytes per trade).
   */
  prerenderTrades(count = 1000): number {
    this.#rendered.clear();
    this.#renderedFrom = { tape: this.tape, length: this.tape.length };
    let since = '0';
    for (;;) {
      const { start } = this.#pageRange({ since });
      const body = this.#tradesBody({ since, count: String(count) }, undefined);
      this.#rendered.set(start, { count, body: Buffer.from(body, 'latin1') });
      const last = lastCursor(body);
      if (last === undefined || last === since || start >= this.tape.length) return this.#rendered.size;
      since = last;
    }
  }

  /** The tape positions a Trades request covers. */
  #pageRange(query: Record<string, string>): { sinceNs: bigint; start: number; count: number } {
    const since = query.since ?? '0';
    const sinceNs = /^\d{1,12}$/.test(since) ? BigInt(since) * 1_000_000_000n : /^\d+$/.test(since) ? BigInt(since) : 0n;
    const count = Math.min(1000, Math.max(1, Number(query.count ?? 1000) || 1000));
    return { sinceNs, start: indexAfter(this.tape, sinceNs), count };
  }

  #tradesBody(query: Record<string, string>, fault: FakeFault | undefined): string {
    const range = this.#pageRange(query);
    const { sinceNs, count } = range;
    let start = range.start;
    if (fault?.kind === 'overlap') start = Math.max(0, start - fault.trades);
    const end = Math.min(this.tape.length, start + count);
    const lastTrade = end > start ? this.tape.at(end - 1) : undefined;
    const last = fault?.kind === 'stuck' || !lastTrade ? String(sinceNs) : String(tradeCursor(lastTrade));
    const lastJson = fault?.kind === 'last-number' ? last : `"${last}"`;
    const rows = this.tape.restRows && fault?.kind !== 'shuffle' ? this.tape.restRows(start, end) : this.#tradeObjects(start, end, fault).map(restRow).join(',');
    return `{"error":[],"result":{"${PAIR_ID}":[${rows}],"last":${lastJson}}}`;
  }

  /** Trades `[start, end)` of the tape, shuffled when the fault says so. */
  #tradeObjects(start: number, end: number, fault: FakeFault | undefined): FakeTrade[] {
    const rows: FakeTrade[] = [];
    for (let i = start; i < end; i++) rows.push(this.tape.at(i));
    if (fault?.kind === 'shuffle') {
      let s = fault.seed ?? 7;
      for (let i = rows.length - 1; i > 0; i--) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const j = s % (i + 1);
        [rows[i], rows[j]] = [rows[j] as FakeTrade, rows[i] as FakeTrade];
      }
    }
    return rows;
  }

  #ohlcBody(query: Record<string, string>): string {
    const candles = this.#candles;
    const interval = Number(query.interval ?? 1);
    if (!candles || candles.interval !== interval) return JSON.stringify({ error: ['EGeneral:Invalid arguments'] });
    // Kraken: only the 720 most recent candles, whatever `since` says; the last one is still in progress.
    const since = Number(query.since ?? 0);
    const recent = candles.rows.slice(-720);
    const rows = recent.filter((r, i) => r[0] > since || i === recent.length - 1);
    const committed = recent[recent.length - 2];
    return JSON.stringify({ error: [], result: { [PAIR_ID]: rows, last: committed ? committed[0] : 0 } });
  }

  #onWs(ws: WebSocket): void {
    ws.send(
      JSON.stringify({
        channel: 'status',
        type: 'update',
        data: [{ version: '2.0.10', system: 'online', api_version: 'v2', connection_id: 1_234_567_890 + this.#subscribers.size }],
      }),
    );
    ws.on('message', (raw) => {
      let message: { method?: string; params?: { channel?: string; symbol?: string[]; snapshot?: boolean }; req_id?: number };
      try {
        message = JSON.parse(String(raw));
      } catch {
        return;
      }
      this.wsReceived.push(message);
      const now = isoMicros(Date.now() * 1000);
      if (message.method === 'ping') {
        ws.send(JSON.stringify({ method: 'pong', req_id: message.req_id, time_in: now, time_out: now }));
        return;
      }
      if (message.method !== 'subscribe') return;
      const channel = message.params?.channel;
      const symbols = message.params?.symbol ?? [];
      const bad = symbols.find((s) => s !== WS_SYMBOL);
      const ack = (success: boolean, error?: string) =>
        ws.send(
          JSON.stringify({
            method: 'subscribe',
            ...(success ? { result: { channel, snapshot: message.params?.snapshot ?? false, symbol: symbols[0] } } : { error }),
            success,
            time_in: now,
            time_out: now,
            ...(message.req_id !== undefined ? { req_id: message.req_id } : {}),
          }),
        );
      if (channel !== 'trade' || bad !== undefined) {
        ack(false, bad !== undefined ? `Currency pair not supported ${bad}` : 'Subscription name invalid');
        return;
      }
      ack(true);
      this.#subscribers.add(ws);
      ws.on('close', () => this.#subscribers.delete(ws));
      if (message.params?.snapshot) {
        const from = Math.max(0, this.tape.length - 50);
        const data: Record<string, unknown>[] = [];
        for (let i = from; i < this.tape.length; i++) data.push(wsTrade(this.tape.at(i)));
        ws.send(JSON.stringify({ channel: 'trade', type: 'snapshot', data }));
      }
    });
  }
}
