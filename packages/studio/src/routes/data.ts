import { readdirSync } from 'node:fs';
import path from 'node:path';
import { DataError, DatasetNotFoundError, Type } from '@tradecore/sdk';
import type { FastifyInstance } from 'fastify';
import type { IngestInfo } from '../api.ts';
import type { StudioContext } from '../context.ts';
import { badRequest, notFound, parseInput } from '../http.ts';
import { datasetIdOf, importFileOf } from '../paths.ts';
import { ingestAvailable } from '../adapters/ingest.ts';

const CandlesQuery = Type.Object({
  from: Type.Optional(Type.String({ pattern: '^-?\\d{1,15}$', description: 'Start, ms since the epoch.' })),
  to: Type.Optional(Type.String({ pattern: '^-?\\d{1,15}$', description: 'End (inclusive), ms since the epoch.' })),
  max: Type.Optional(Type.String({ pattern: '^\\d{1,6}$', description: 'Most candles to send.' })),
  token: Type.Optional(Type.String()),
});

export const ImportBody = Type.Object(
  {
    path: Type.String({ minLength: 1, description: 'File relative to the imports folder.' }),
    format: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('csv'), Type.Literal('kraken-ohlcvt'), Type.Literal('binance-klines')], { description: 'Default auto: told from the first line.' })),
    source: Type.String({ minLength: 1 }),
    symbol: Type.String({ minLength: 1 }),
    timeframe: Type.String({ minLength: 1 }),
    id: Type.Optional(Type.String()),
    timeUnit: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('iso'), Type.Literal('s'), Type.Literal('ms')])),
  },
  { additionalProperties: false },
);

/** Files under the imports folder (three levels deep, regular files only, symlinks not followed). */
function listImports(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isFile()) out.push(child);
      else if (entry.isDirectory() && depth < 3) walk(child, depth + 1);
      if (out.length >= 500) return;
    }
  };
  walk('', 0);
  return out.sort();
}

async function notFoundAsHttp<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DatasetNotFoundError) throw notFound(error.message);
    throw error;
  }
}

const PullBody = Type.Object(
  {
    exchange: Type.String({ minLength: 1, description: 'ccxt exchange id, e.g. kraken.' }),
    symbol: Type.String({ minLength: 1, description: 'BTC/USD or BTC-USD.' }),
    since: Type.String({ minLength: 1, description: "ISO time (UTC) or an age such as '30d'." }),
    until: Type.Optional(Type.String({ minLength: 1 })),
    timeframe: Type.Optional(Type.String({ minLength: 1 })),
    from: Type.Optional(Type.Union([Type.Literal('trades'), Type.Literal('ohlcv')])),
    id: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export function dataRoutes(app: FastifyInstance, ctx: StudioContext): void {
  app.get('/api/ingest', async (): Promise<IngestInfo> => ({ available: await ingestAvailable(ctx.root), defaults: ctx.pulls.shownDefaults(), pulls: ctx.pulls.list() }));

  app.post('/api/ingest/pulls', async (request, reply) => {
    const body = parseInput(PullBody, request.body);
    return reply.status(202).send(await ctx.pulls.start(body));
  });

  app.post('/api/ingest/pulls/:id/stop', async (request, reply) => reply.status(202).send(ctx.pulls.stop((request.params as { id: string }).id)));

  app.get('/api/datasets', async () => ctx.lake.list());

  app.get('/api/datasets/:id', async (request) => {
    const id = datasetIdOf((request.params as { id: string }).id);
    const { datasets } = await ctx.lake.list();
    const found = datasets.find((d) => d.id === id);
    if (!found) throw notFound(`dataset "${id}" not found in ${ctx.dataDir}/manifests`);
    return found;
  });

  app.get('/api/datasets/:id/validation', async (request) => {
    const id = datasetIdOf((request.params as { id: string }).id);
    return notFoundAsHttp(() => ctx.lake.validation(id));
  });

  app.get('/api/datasets/:id/candles', async (request) => {
    const id = datasetIdOf((request.params as { id: string }).id);
    const query = parseInput(CandlesQuery, request.query, 'query');
    const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
    return notFoundAsHttp(() => ctx.lake.candles(id, { from: num(query.from), to: num(query.to), max: num(query.max) }));
  });

  app.get('/api/imports', async () => ({ dir: path.relative(ctx.root, ctx.importsDir) || '.', files: listImports(ctx.importsDir) }));

  app.post('/api/datasets/import', async (request, reply) => {
    const body = parseInput(ImportBody, request.body);
    const file = importFileOf(ctx.importsDir, body.path);
    try {
      const dataset = await ctx.lake.import(file, body);
      return reply.status(201).send(dataset);
    } catch (error) {
      // Malformed rows, unknown columns, a folder owned by another dataset: the user's file or choice.
      if (error instanceof DataError) throw badRequest(error.message);
      throw error;
    }
  });
}
