import type { ApiError, ApiIssue, RunRow, StudioEvent } from '../src/api.ts';

const TOKEN_KEY = 'tradecore-studio-token';

/**
 * The access token: taken from `?token=` on first load (then removed from the address bar, so it is not left in
 * history or screenshots) and kept for this tab.
 */
function readToken(): string | null {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const token = readToken();

/** An API error with the server's message and, for invalid input, its `path: message` issues. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly issues: readonly ApiIssue[] = [],
  ) {
    super(message);
  }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

async function handle<T>(response: Response): Promise<T> {
  if (response.ok) return (await response.json()) as T;
  let body: ApiError | undefined;
  try {
    body = (await response.json()) as ApiError;
  } catch {
    body = undefined;
  }
  throw new RequestError(response.status, body?.error ?? `${response.status} ${response.statusText}`, body?.issues ?? []);
}

export const api = {
  get<T>(path: string): Promise<T> {
    return fetch(path, { headers: headers() }).then((r) => handle<T>(r));
  },
  async bytes(path: string): Promise<ArrayBuffer> {
    const response = await fetch(path, { headers: headers() });
    if (!response.ok) await handle(response);
    return response.arrayBuffer();
  },
  send<T>(method: 'POST' | 'PUT', path: string, body: unknown = {}): Promise<T> {
    return fetch(path, { method, headers: headers({ 'Content-Type': 'application/json' }), body: JSON.stringify(body) }).then((r) => handle<T>(r));
  },
  post<T>(path: string, body?: unknown): Promise<T> {
    return api.send<T>('POST', path, body);
  },
  put<T>(path: string, body?: unknown): Promise<T> {
    return api.send<T>('PUT', path, body);
  },
  /** A URL for links and EventSource (which cannot send headers): the token rides in the query. */
  url(path: string): string {
    if (!token) return path;
    return `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
  },
};

type Listener = (event: StudioEvent) => void;

/** One EventSource for the whole app; pages subscribe to what they need. */
class LiveFeed {
  #source: EventSource | null = null;
  readonly #listeners = new Set<Listener>();
  readonly #status = new Set<(connected: boolean) => void>();
  connected = false;

  #open(): void {
    if (this.#source) return;
    const source = new EventSource(api.url('/api/events'));
    const dispatch = (e: MessageEvent<string>) => {
      const event = JSON.parse(e.data) as StudioEvent;
      for (const l of this.#listeners) l(event);
    };
    for (const type of ['run', 'run-removed', 'progress', 'log', 'launch', 'pull']) source.addEventListener(type, dispatch as EventListener);
    source.onopen = () => this.#setConnected(true);
    source.onerror = () => this.#setConnected(false);
    this.#source = source;
  }

  #setConnected(value: boolean): void {
    this.connected = value;
    for (const s of this.#status) s(value);
  }

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    this.#open();
    return () => this.#listeners.delete(listener);
  }

  onStatus(listener: (connected: boolean) => void): () => void {
    this.#status.add(listener);
    this.#open();
    listener(this.connected);
    return () => this.#status.delete(listener);
  }
}

export const live = new LiveFeed();

/** Applies a live event to a list of run rows (new rows first). */
export function applyRunEvent(rows: readonly RunRow[], event: StudioEvent): readonly RunRow[] {
  if (event.type === 'run') {
    const at = rows.findIndex((r) => r.id === event.row.id);
    if (at < 0) return [event.row, ...rows];
    const next = rows.slice();
    next[at] = event.row;
    return next;
  }
  if (event.type === 'run-removed') return rows.filter((r) => r.id !== event.id);
  if (event.type === 'progress') {
    const at = rows.findIndex((r) => r.id === event.id);
    if (at < 0) return rows;
    const next = rows.slice();
    next[at] = { ...next[at]!, progress: event.progress };
    return next;
  }
  return rows;
}
