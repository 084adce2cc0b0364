import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiError } from './api.ts';

/** `127.0.0.1`, any `127.x.y.z`, `::1` and `localhost`: addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** A fresh random token (32 bytes, URL-safe). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

export interface SecurityOptions {
  /** The address the server is bound to. */
  host: string;
  /** Required on every API call when set (always set for a non-loopback address). */
  token: string | null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function hash(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison (hashes first, so the lengths never leak either). */
function sameToken(given: string, expected: string): boolean {
  return timingSafeEqual(hash(given), hash(expected));
}

/** The token a request carries: `Authorization: Bearer …`, or `?token=` (EventSource cannot set headers). */
function tokenOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim();
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.token === 'string' ? query.token : undefined;
}

/** The host name of a `Host` header (`[::1]:4173` → `::1`, `localhost:4173` → `localhost`). */
function hostnameOf(header: string): string {
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  if (bracket) return bracket[1]!;
  return header.replace(/:\d+$/, '');
}

function deny(reply: FastifyReply, status: number, error: string): FastifyReply {
  const body: ApiError = { error };
  return reply.status(status).send(body);
}

/**
 * The studio's request checks, before any route runs:
 * - bound to loopback, the `Host` header must name a loopback host (a page that rebinds its own DNS name to
 *   127.0.0.1 cannot read or drive the panel);
 * - with a token, every `/api` call must carry it (401 otherwise);
 * - a mutating call (POST, PUT, DELETE…) must send JSON, and its `Origin`, when the browser sends one, must be
 *   the panel's own origin (403 otherwise), so another page open in the same browser cannot launch or cancel runs.
 */
export function installSecurity(app: FastifyInstance, options: SecurityOptions): void {
  const loopback = isLoopbackHost(options.host);
  app.addHook('onRequest', async (request, reply) => {
    const hostHeader = request.headers.host ?? '';
    if (loopback && !isLoopbackHost(hostnameOf(hostHeader))) {
      return deny(reply, 403, `host "${hostHeader.slice(0, 80)}" is not allowed: the studio answers on this machine's loopback names only (localhost, 127.0.0.1, [::1])`);
    }
    const isApi = request.url === '/api' || request.url.startsWith('/api/') || request.url.startsWith('/api?');
    if (!isApi) return;
    // Dot segments (plain or percent-encoded), NUL and backslashes never name anything in the API: refuse them
    // here rather than let a URL normalise onto another route.
    const rawPath = (request.raw.url ?? request.url).split('?')[0]!;
    if (/(^|\/)(\.|%2e){1,2}(\/|$)|%00|\\|%5c/i.test(rawPath)) {
      return deny(reply, 400, `path ${JSON.stringify(rawPath.slice(0, 120))} is refused: no '.' or '..' segments, NUL bytes or backslashes (encoded or not)`);
    }
    if (options.token !== null) {
      const given = tokenOf(request);
      if (given === undefined || !sameToken(given, options.token)) {
        return deny(reply, 401, 'this studio needs its access token: open the URL it printed at start (…/?token=…) or send "Authorization: Bearer <token>"');
      }
    }
    if (!SAFE_METHODS.has(request.method)) {
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== `http://${hostHeader}` && origin !== `https://${hostHeader}`) {
        return deny(reply, 403, `cross-origin request refused: Origin ${origin.slice(0, 80)} is not this studio (${hostHeader.slice(0, 80)})`);
      }
      if (request.headers['sec-fetch-site'] === 'cross-site') return deny(reply, 403, 'cross-site request refused');
      const type = request.headers['content-type'];
      if (request.headers['content-length'] !== '0' && (typeof type !== 'string' || !type.toLowerCase().startsWith('application/json'))) {
        return deny(reply, 415, 'send the request body as JSON (Content-Type: application/json)');
      }
    }
    return undefined;
  });
}
