/**
 * Exchange pulls for the Data page, through `@tradecore/ingest` when the project has it installed (it is optional:
 * ccxt is heavy). A pull runs in the studio's process; its progress goes to the page over the live feed.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { assertId, findPackage, normalizeSymbol } from '@tradecore/sdk';
import type { PullDefaults, PullProgress, PullState } from '../api.ts';
import { badRequest, conflict, guardPath, notFound } from '../http.ts';

export const INGEST_PACKAGE = '@tradecore/ingest';

/** The part of `@tradecore/ingest` the panel uses. */
interface IngestModule {
  pull(options: Record<string, unknown>): Promise<{ dataset: string; status: string; barsWritten: number; seconds: number; warnings?: readonly string[] }>;
}

export async function ingestAvailable(root: string): Promise<boolean> {
  return findPackage(INGEST_PACKAGE, { cwd: root }) !== undefined;
}

async function loadIngest(root: string): Promise<IngestModule | null> {
  const pkg = findPackage(INGEST_PACKAGE, { cwd: root });
  if (!pkg) return null;
  const mod = (await import(pathToFileURL(pkg.entry).href)) as Partial<IngestModule>;
  return typeof mod.pull === 'function' ? (mod as IngestModule) : null;
}

export interface PullRequest {
  readonly exchange: string;
  readonly symbol: string;
  readonly since: string;
  readonly until?: string;
  readonly timeframe?: string;
  readonly from?: 'trades' | 'ohlcv';
  readonly id?: string;
}

/** Pull options a request sets, or the panel itself: never taken from the defaults. */
const RESERVED_PULL_OPTIONS = ['dataDir', 'exchange', 'symbol', 'since', 'until', 'timeframe', 'from', 'id', 'signal', 'onProgress', 'progressIntervalMs'];

/** Checks the studio's pull defaults when it starts; throws naming the option and what was expected. */
export function checkPullDefaults(defaults: PullDefaults): PullDefaults {
  const where = 'studio option pullDefaults';
  for (const key of Object.keys(defaults)) {
    if (RESERVED_PULL_OPTIONS.includes(key)) throw new TypeError(`${where}.${key}: set by each pull or by the studio itself, not a default (allowed: restUrl, rateLimit, retries, emptyBars and other @tradecore/ingest pull options)`);
  }
  const { restUrl, rateLimit, retries, emptyBars } = defaults;
  if (restUrl !== undefined) {
    let url: URL | null = null;
    try {
      url = typeof restUrl === 'string' ? new URL(restUrl) : null;
    } catch {
      url = null;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new TypeError(`${where}.restUrl: expected an http: or https: URL, got ${JSON.stringify(restUrl)}`);
  }
  for (const [key, value] of [['rateLimit', rateLimit], ['retries', retries]] as const) {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) throw new TypeError(`${where}.${key}: expected a number ≥ 0, got ${JSON.stringify(value)}`);
  }
  if (emptyBars !== undefined && emptyBars !== 'omit' && emptyBars !== 'flat') throw new TypeError(`${where}.emptyBars: expected "omit" or "flat", got ${JSON.stringify(emptyBars)}`);
  return defaults;
}

/** The defaults as the page shows them: plain values only. */
function shownDefaults(defaults: PullDefaults): PullDefaults {
  return Object.fromEntries(Object.entries(defaults).filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v)));
}

interface Running {
  state: PullState;
  readonly controller: AbortController;
}

/** Pulls started from the panel (this process only), newest first. */
export class Pulls {
  readonly #pulls = new Map<string, Running>();

  constructor(
    readonly root: string,
    readonly dataDir: string,
    readonly publish: (state: PullState) => void,
    readonly defaults: PullDefaults = {},
  ) {
    checkPullDefaults(defaults);
  }

  /** The defaults every pull gets, as the page shows them. */
  shownDefaults(): PullDefaults {
    return shownDefaults(this.defaults);
  }

  list(): PullState[] {
    return [...this.#pulls.values()].map((p) => p.state).reverse();
  }

  async start(request: PullRequest): Promise<PullState> {
    const ingest = await loadIngest(this.root);
    if (!ingest) throw conflict(`exchange pulls need ${INGEST_PACKAGE}: install it in the project (\`pnpm add ${INGEST_PACKAGE}\`) and restart the studio`);
    const exchange = guardPath(() => assertId(request.exchange, 'exchange'));
    if (exchange !== exchange.toLowerCase()) throw badRequest(`exchange "${exchange}" must be a lower-case ccxt id, e.g. kraken`);
    const symbol = guardPath(() => normalizeSymbol(request.symbol, 'symbol'));
    const id = request.id ? guardPath(() => assertId(request.id, 'dataset id')) : undefined;
    for (const p of this.#pulls.values()) {
      if (p.state.status === 'running' && p.state.exchange === exchange && p.state.symbol === symbol) throw conflict(`a pull of ${symbol} from ${exchange} is already running (${p.state.id})`);
    }
    const pullId = `pull-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const controller = new AbortController();
    const running: Running = {
      state: { id: pullId, exchange, symbol, dataset: id ?? null, status: 'running', startedAt: new Date().toISOString(), progress: null, barsWritten: null, error: null, warnings: [] },
      controller,
    };
    this.#pulls.set(pullId, running);
    const done = ingest.pull({
      ...this.defaults,
      dataDir: this.dataDir,
      exchange,
      symbol,
      since: request.since,
      ...(request.until ? { until: request.until } : {}),
      ...(request.timeframe ? { timeframe: request.timeframe } : {}),
      ...(request.from ? { from: request.from } : {}),
      ...(id ? { id } : {}),
      signal: controller.signal,
      // Pulls against a fast mirror read many pages a second: at most four page updates a second reach the panel.
      progressIntervalMs: 250,
      onProgress: (progress: PullProgress) => {
        running.state = { ...running.state, progress, dataset: progress.dataset ?? running.state.dataset };
        this.publish(running.state);
      },
    });
    const settled = done.then(
      (result) => {
        running.state = { ...running.state, status: result.status === 'stopped' ? 'stopped' : 'complete', dataset: result.dataset, barsWritten: result.barsWritten, warnings: [...(result.warnings ?? [])] };
        this.publish(running.state);
      },
      (error: unknown) => {
        running.state = { ...running.state, status: 'failed', error: error instanceof Error ? error.message : String(error) };
        this.publish(running.state);
        throw error;
      },
    );
    // A refused option fails at once: answer it as a bad request instead of a pull that failed.
    const early = await Promise.race([settled.then(() => null, (error: unknown) => error), new Promise((r) => setTimeout(() => r(undefined), 500))]);
    if (early instanceof Error && early.name === 'InvalidOptionError') {
      this.#pulls.delete(pullId);
      throw badRequest(early.message);
    }
    settled.catch(() => {});
    return running.state;
  }

  stop(pullId: string): PullState {
    const running = this.#pulls.get(pullId);
    if (!running) throw notFound(`no pull ${pullId} in this studio`);
    if (running.state.status !== 'running') throw conflict(`pull ${pullId} is ${running.state.status}`);
    running.controller.abort();
    return running.state;
  }

  close(): void {
    for (const p of this.#pulls.values()) if (p.state.status === 'running') p.controller.abort();
  }
}
