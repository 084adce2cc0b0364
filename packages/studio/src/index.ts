// Public API of @tradecore/studio: start the panel, or build its app for tests and embedding.
import type { FastifyInstance } from 'fastify';
import type { StudioOptions } from './context.ts';
import { generateToken, isLoopbackHost } from './security.ts';
import { createStudioApp } from './server.ts';

export type * from './api.ts';
export type { StudioOptions } from './context.ts';
export type { CliCommand } from './launches.ts';
export { createStudioApp } from './server.ts';
export { generateToken, isLoopbackHost } from './security.ts';

export interface Studio {
  /** The URL to open (with `?token=…` when a token is required). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly token: string | null;
  readonly app: FastifyInstance;
  /** Stops the server. Runs it launched keep going: they are processes of their own. */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 4173;
export const DEFAULT_HOST = '127.0.0.1';

/** `http://host:port/` with IPv6 hosts bracketed. */
function baseUrl(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}/`;
}

/**
 * Starts TradeCore Studio. Binds 127.0.0.1:4173 by default. Any other address requires a token: the given one,
 * else a fresh random one (printed in the returned URL); every API call then has to carry it.
 */
export async function startStudio(options: StudioOptions = {}): Promise<Studio> {
  const host = options.host ?? DEFAULT_HOST;
  const loopback = isLoopbackHost(host);
  const token = options.token !== undefined ? options.token : loopback ? null : generateToken();
  if (!loopback && !token) throw new Error(`binding ${host} (not a loopback address) needs a token: pass --token <value> or leave it out to have one generated`);
  const { app } = await createStudioApp({ ...options, host, token });
  await app.listen({ host, port: options.port ?? DEFAULT_PORT });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? DEFAULT_PORT);
  const url = `${baseUrl(host, port)}${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  return { url, host, port, token, app, close: () => app.close() };
}
