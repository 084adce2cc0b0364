import { SweepError } from '../errors.ts';

export const RUNPOD_REST_URL = 'https://rest.runpod.io/v1';
export const RUNPOD_GRAPHQL_URL = 'https://api.runpod.io/graphql';

/** A pod as RunPod's REST API returns it (the fields we read; others are kept as they come). */
export interface RunPodPod {
  readonly id: string;
  readonly name?: string;
  /** `RUNNING`, `EXITED` or `TERMINATED`: what RunPod is asked to keep the pod at. */
  readonly desiredStatus?: string;
  readonly imageName?: string;
  readonly gpuCount?: number;
  readonly costPerHr?: number | string;
  readonly machine?: { readonly gpuTypeId?: string } | null;
  /** Set once the container has started. */
  readonly lastStartedAt?: string | null;
  readonly runtime?: { readonly uptimeInSeconds?: number } | null;
  readonly [key: string]: unknown;
}

/** The body of `POST /pods` (RunPod REST v1). */
export interface CreatePodRequest {
  readonly name: string;
  readonly imageName: string;
  readonly gpuTypeIds: readonly string[];
  readonly gpuCount: number;
  readonly cloudType?: 'SECURE' | 'COMMUNITY';
  readonly interruptible?: boolean;
  readonly containerDiskInGb?: number;
  readonly volumeInGb?: number;
  readonly ports?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly dockerStartCmd?: readonly string[];
}

/** A request as `--dry-run` prints it: the key and secret env values replaced by `***`. */
export interface PrintedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

export class RunPodError extends SweepError {
  override name = 'RunPodError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Env names whose values never leave this process in a printable form. */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|API_KEY|ACCESS_KEY|CREDENTIAL|PRIVATE/i;

/** Replaces secrets in anything printable: the key itself, secret-looking env values, URL passwords. */
export function redactSecrets(value: unknown, secrets: readonly string[]): unknown {
  const scrub = (text: string) => {
    let out = text;
    for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
    return out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s/]+@/gi, '$1***@');
  };
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') return key && SECRET_NAME.test(key) ? '***' : scrub(v);
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
    return v;
  };
  return walk(value);
}

export interface RunPodClientOptions {
  /** The API key (default `RUNPOD_API_KEY`). It is sent only as a Bearer header and never printed. */
  readonly apiKey?: string;
  readonly restUrl?: string;
  readonly graphqlUrl?: string;
  /** Attempts for 429 and 5xx answers (default 4), with exponential backoff honouring Retry-After. */
  readonly attempts?: number;
  /** Base of the backoff (default 1 s). */
  readonly backoffMs?: number;
  /** Print requests instead of sending them: each one goes here, redacted. */
  readonly dryRun?: (request: PrintedRequest) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * RunPod's API: REST v1 for pods (`/pods`), GraphQL only where REST has no equivalent (a spot pod with a
 * bid per GPU). Retries 429 and 5xx; a 401 says the key was refused without ever showing it.
 */
export class RunPodClient {
  readonly #key: string;
  readonly #rest: string;
  readonly #graphql: string;
  readonly #attempts: number;
  readonly #backoff: number;
  readonly #dryRun: RunPodClientOptions['dryRun'];
  #dryIds = 0;

  constructor(options: RunPodClientOptions = {}) {
    const key = options.apiKey ?? process.env.RUNPOD_API_KEY ?? '';
    if (!key && !options.dryRun) throw new RunPodError('no RunPod API key: set RUNPOD_API_KEY (create one in the RunPod console under Settings → API Keys)');
    this.#key = key;
    this.#rest = (options.restUrl ?? process.env.RUNPOD_REST_URL ?? RUNPOD_REST_URL).replace(/\/+$/, '');
    this.#graphql = options.graphqlUrl ?? process.env.RUNPOD_GRAPHQL_URL ?? RUNPOD_GRAPHQL_URL;
    this.#attempts = Math.max(1, options.attempts ?? 4);
    this.#backoff = options.backoffMs ?? 1000;
    this.#dryRun = options.dryRun;
  }

  /** Shows what this client would send, secrets replaced. */
  printable(method: string, url: string, body?: unknown): PrintedRequest {
    return {
      method,
      url,
      headers: { Authorization: 'Bearer ***', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: redactSecrets(body, [this.#key]) } : {}),
    };
  }

  async #send<T>(method: string, url: string, body?: unknown): Promise<T> {
    const what = `RunPod ${method} ${url.replace(this.#rest, '').replace(this.#graphql, 'graphql') || '/'}`;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers: { Authorization: `Bearer ${this.#key}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), Accept: 'application/json' },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
          signal: AbortSignal.timeout(60_000),
        });
      } catch (error) {
        if (attempt < this.#attempts) {
          await sleep(this.#backoff * 2 ** (attempt - 1));
          continue;
        }
        throw new RunPodError(`${what}: no answer (${String(redactSecrets((error as Error).message, [this.#key]))})`);
      }
      const text = await response.text();
      if (response.ok) return (text ? JSON.parse(text) : undefined) as T;
      const detail = String(redactSecrets(text.slice(0, 300), [this.#key])).trim();
      if ((response.status === 429 || response.status >= 500) && attempt < this.#attempts) {
        const after = Number(response.headers.get('retry-after'));
        await sleep(Number.isFinite(after) && after > 0 ? Math.min(after * 1000, 60_000) : this.#backoff * 2 ** (attempt - 1));
        continue;
      }
      if (response.status === 401 || response.status === 403) {
        throw new RunPodError(`${what}: RunPod refused the API key (HTTP ${response.status}); check RUNPOD_API_KEY and its permissions`, response.status);
      }
      if (response.status === 429) throw new RunPodError(`${what}: rate limited by RunPod (HTTP 429) after ${attempt} attempts; try again later`, 429);
      throw new RunPodError(`${what}: HTTP ${response.status}${detail ? `: ${detail}` : ''}${attempt > 1 ? ` (after ${attempt} attempts)` : ''}`, response.status);
    }
  }

  async #call<T>(method: string, path: string, body?: unknown, dryAnswer?: () => T): Promise<T> {
    const url = `${this.#rest}${path}`;
    if (this.#dryRun) {
      this.#dryRun(this.printable(method, url, body));
      return dryAnswer ? dryAnswer() : (undefined as T);
    }
    return this.#send<T>(method, url, body);
  }

  createPod(request: CreatePodRequest): Promise<RunPodPod> {
    return this.#call('POST', '/pods', request, () => ({ id: `dry-run-${++this.#dryIds}`, name: request.name, desiredStatus: 'RUNNING' }));
  }

  getPod(id: string): Promise<RunPodPod> {
    return this.#call('GET', `/pods/${encodeURIComponent(id)}`, undefined, () => ({ id, desiredStatus: 'RUNNING', lastStartedAt: new Date(0).toISOString() }));
  }

  listPods(): Promise<RunPodPod[]> {
    return this.#call('GET', '/pods', undefined, () => []);
  }

  async terminatePod(id: string): Promise<void> {
    await this.#call('DELETE', `/pods/${encodeURIComponent(id)}`);
  }

  async stopPod(id: string): Promise<void> {
    await this.#call('POST', `/pods/${encodeURIComponent(id)}/stop`);
  }

  /**
   * A spot (interruptible) pod with a bid per GPU — REST v1 has `interruptible` but no bid, so this goes
   * through GraphQL's `podRentInterruptable`.
   */
  async createSpotPod(request: CreatePodRequest, bidPerGpu: number): Promise<RunPodPod> {
    const input = {
      bidPerGpu,
      name: request.name,
      imageName: request.imageName,
      gpuTypeId: request.gpuTypeIds[0],
      gpuCount: request.gpuCount,
      cloudType: request.cloudType ?? 'SECURE',
      containerDiskInGb: request.containerDiskInGb ?? 20,
      volumeInGb: request.volumeInGb ?? 0,
      ...(request.dockerStartCmd ? { dockerArgs: request.dockerStartCmd.map((a) => (/\s|"/.test(a) ? JSON.stringify(a) : a)).join(' ') } : {}),
      ...(request.ports ? { ports: request.ports.join(',') } : {}),
      env: Object.entries(request.env ?? {}).map(([key, value]) => ({ key, value })),
    };
    const body = {
      query: 'mutation Rent($input: PodRentInterruptableInput!) { podRentInterruptable(input: $input) { id name desiredStatus imageName costPerHr machine { gpuTypeId } } }',
      variables: { input },
    };
    if (this.#dryRun) {
      this.#dryRun(this.printable('POST', this.#graphql, body));
      return { id: `dry-run-${++this.#dryIds}`, name: request.name, desiredStatus: 'RUNNING' };
    }
    const answer = await this.#send<{ data?: { podRentInterruptable?: RunPodPod | null }; errors?: { message: string }[] }>('POST', this.#graphql, body);
    if (answer.errors?.length) throw new RunPodError(`RunPod graphql podRentInterruptable: ${answer.errors.map((e) => String(redactSecrets(e.message, [this.#key]))).join('; ')}`);
    const pod = answer.data?.podRentInterruptable;
    if (!pod) throw new RunPodError('RunPod graphql podRentInterruptable: no pod returned (no spot capacity at that bid?)');
    return pod;
  }

  /**
   * Polls a pod until its container runs. A pod that is not running after `timeoutMs` (stuck provisioning,
   * exited, terminated) is an error naming its last state.
   */
  async waitUntilRunning(id: string, { timeoutMs = 600_000, pollMs = 5000 }: { timeoutMs?: number; pollMs?: number } = {}): Promise<RunPodPod> {
    const deadline = Date.now() + timeoutMs;
    let last: RunPodPod | undefined;
    for (;;) {
      last = await this.getPod(id);
      if (isRunning(last)) return last;
      if (last.desiredStatus === 'TERMINATED' || last.desiredStatus === 'EXITED') {
        throw new RunPodError(`pod ${id} is ${last.desiredStatus} instead of running`);
      }
      if (Date.now() + pollMs > deadline) {
        throw new RunPodError(`pod ${id} is not running after ${Math.round(timeoutMs / 1000)} s (desiredStatus ${last.desiredStatus ?? 'unknown'}, container ${last.lastStartedAt || last.runtime ? 'started' : 'not started'})`);
      }
      await sleep(pollMs);
    }
  }
}

/** Running = asked to run and its container has started. */
export function isRunning(pod: RunPodPod): boolean {
  return pod.desiredStatus === 'RUNNING' && Boolean(pod.lastStartedAt || (pod.runtime && (pod.runtime.uptimeInSeconds ?? 0) >= 0));
}
