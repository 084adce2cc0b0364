import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ServerInfo } from './api.ts';
import { createContext, type StudioContext, type StudioOptions } from './context.ts';
import { installErrorHandler } from './http.ts';
import { controlRoutes } from './routes/control.ts';
import { dataRoutes } from './routes/data.ts';
import { eventRoutes } from './routes/events.ts';
import { runRoutes } from './routes/runs.ts';
import { installSecurity } from './security.ts';
import { ingestAvailable } from './adapters/ingest.ts';
import { sweepRoutes } from './routes/sweeps.ts';
import pkg from '../package.json' with { type: 'json' };

/** The built browser client: `dist/client` beside the built server, or the package's `dist/client` when run from source. */
export function clientDir(): string | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const candidate of [path.join(here, 'client'), path.join(here, '..', 'dist', 'client')]) {
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

// The panel loads nothing from elsewhere: the policy makes that a browser-enforced fact.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Builds the studio's Fastify app without listening: security checks, the API and the static client. Tests
 * drive it with `app.inject()`; {@link startStudio} binds it.
 */
export async function createStudioApp(options: Omit<StudioOptions, 'token' | 'host'> & { token: string | null; host: string }): Promise<{ app: FastifyInstance; context: StudioContext }> {
  const context = createContext(options);
  const app = Fastify({
    logger: options.logger ?? { level: 'warn' },
    // Ids are validated per route; encoded slashes must reach them (and be refused) rather than route elsewhere.
    routerOptions: { maxParamLength: 500 },
    bodyLimit: 2 * 1024 * 1024,
  });
  installSecurity(app, { host: options.host, token: options.token });
  installErrorHandler(app);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Frame-Options', 'DENY');
    if (!request.url.startsWith('/api/')) {
      reply.header('Content-Security-Policy', CSP);
      reply.header('Cache-Control', 'no-cache');
    }
    return payload;
  });
  app.get('/api/info', async (): Promise<ServerInfo> => ({
    version: pkg.version,
    root: context.root,
    dataDir: context.dataDir,
    runsDir: context.runsDir,
    importsDir: context.importsDir,
    ingest: await ingestAvailable(context.root),
    tokenRequired: options.token !== null,
  }));
  dataRoutes(app, context);
  controlRoutes(app, context);
  runRoutes(app, context);
  eventRoutes(app, context);
  sweepRoutes(app, context);
  const client = clientDir();
  if (client) {
    await app.register(fastifyStatic, { root: client, prefix: '/', index: 'index.html', cacheControl: false });
  } else {
    // The API works without the page (scripts, tests); say how to get the page.
    app.get('/', async (_request, reply) => reply.type('text/plain').send('The studio\'s browser client is not built: run `pnpm --filter @tradecore/studio build`.\n'));
  }
  app.addHook('onClose', async () => {
    context.live.close();
    context.pulls.close();
  });
  return { app, context };
}
