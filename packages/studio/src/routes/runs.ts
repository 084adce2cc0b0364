import { createReadStream, existsSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_JSON, LEDGER_PARQUET, REPORT_HTML, RunArchiveError, TRADES_PARQUET, TRAIN_PARQUET, Type } from '@tradecore/sdk';
import type { FastifyInstance } from 'fastify';
import type { Comparison, LaunchResult, RunDetail, RunList } from '../api.ts';
import { equityCurve, listArchiveFiles, readJsonFile, readRunMetrics, readTrades, trainingCurves } from '../archive.ts';
import { checkShape, validateConfig, writeLaunchConfig } from '../adapters/config.ts';
import { requestCancel } from '../adapters/runs.ts';
import type { StudioContext } from '../context.ts';
import { configDiff } from '../diff.ts';
import { badRequest, conflict, HttpError, notFound, parseInput } from '../http.ts';
import type { LaunchRecord } from '../launches.ts';
import { runDirOf } from '../paths.ts';
import { buildReplay } from '../replay.ts';

const LaunchBody = Type.Object({ config: Type.Unknown() }, { additionalProperties: false });
const FoldQuery = Type.Object({ fold: Type.Optional(Type.String({ pattern: '^\\d{1,4}$' })), token: Type.Optional(Type.String()) });
const CompareQuery = Type.Object({ ids: Type.String({ minLength: 1, description: 'Run ids separated by commas.' }), token: Type.Optional(Type.String()) });

/**
 * How long a launch request waits for the new run to name its id before answering without it (the panel then
 * learns it from the live feed).
 */
const RUN_ID_WAIT_MS = 3_000;

function existingRun(ctx: StudioContext, rawId: unknown): { id: string; dir: string } {
  const dir = runDirOf(ctx.runsDir, rawId);
  const id = path.basename(dir);
  if (!existsSync(path.join(dir, 'run.json'))) throw notFound(`run ${id} not found in ${ctx.runsDir}`);
  return { id, dir };
}

function detailOf(ctx: StudioContext, id: string, dir: string): RunDetail {
  const row = ctx.runs.row(id);
  if (!row) throw notFound(`run ${id} has no readable run.json`);
  const { metrics, problem } = readRunMetrics(dir);
  return {
    row,
    record: ctx.runs.record(id) as unknown as Record<string, unknown>,
    config: readJsonFile<Record<string, unknown>>(path.join(dir, CONFIG_JSON)),
    metrics,
    metricsProblem: problem,
    files: listArchiveFiles(dir),
    hasLedger: existsSync(path.join(dir, LEDGER_PARQUET)),
    hasTrainStats: existsSync(path.join(dir, TRAIN_PARQUET)),
    hasTrades: existsSync(path.join(dir, TRADES_PARQUET)),
  };
}

function requireCli(ctx: StudioContext): void {
  if (!ctx.cli) throw new HttpError(503, 'launching needs the tradecore CLI: install @tradecore/cli in the project (or start the studio with `tradecore studio`)');
}

export function runRoutes(app: FastifyInstance, ctx: StudioContext): void {
  /** Starts `tradecore <argv>` for a launch; a process that exits before it made a run is reported on the live feed. */
  const start = async (launch: Awaited<ReturnType<typeof ctx.launches.create>>, kind: LaunchRecord['kind'], argv: string[], runId: string | null): Promise<LaunchResult> => {
    const record = await ctx.launches.start(launch, kind, argv, runId, (done, code) => {
      void (async () => {
        const learned = done.runId ?? (await ctx.launches.waitForRunId(done, 0));
        if (code !== 0 && learned === null) {
          const stderr = await ctx.launches.stderrTail(done.launchId);
          ctx.live.publish({ type: 'launch', launchId: done.launchId, runId: null, state: 'failed', message: stderr || `tradecore exited with code ${code}` });
        }
        ctx.live.tick();
      })();
    });
    const id = runId ?? (await ctx.launches.waitForRunId(record, RUN_ID_WAIT_MS));
    ctx.live.publish({ type: 'launch', launchId: record.launchId, runId: id, state: 'started' });
    if (id === null) {
      // Tell the panel the run's id as soon as the run names it.
      void ctx.launches.waitForRunId(record, 300_000).then((late) => {
        if (late !== null) ctx.live.publish({ type: 'launch', launchId: record.launchId, runId: late, state: 'started' });
      });
    }
    return { launchId: record.launchId, runId: id, pid: record.pid };
  };

  // With 1,000 settled runs the list object is reused while nothing changed; so is its JSON.
  let listed: { list: RunList; json: string } | undefined;
  app.get('/api/runs', async (_request, reply) => {
    const list = ctx.runs.list();
    if (listed?.list !== list) listed = { list, json: JSON.stringify(list) };
    return reply.type('application/json; charset=utf-8').send(listed.json);
  });

  app.post('/api/runs', async (request, reply) => {
    const { config: input } = parseInput(LaunchBody, request.body);
    const shape = checkShape(input);
    if ('issues' in shape) throw badRequest('config is invalid', shape.issues);
    const validation = await validateConfig(shape.config, { cwd: ctx.root, dataDir: ctx.dataDir, runsDir: ctx.runsDir });
    if (!validation.ok) throw badRequest('config is invalid', validation.issues);
    requireCli(ctx);
    const launch = await ctx.launches.create((folder) => writeLaunchConfig(folder, shape.config, { cwd: ctx.root, dataDir: ctx.dataDir, runsDir: ctx.runsDir }));
    const result = await start(launch, 'run', ['run', '--config', launch.configFile!, '--out', ctx.runsDir, '--json'], null);
    return reply.status(201).send(result);
  });

  app.get('/api/runs/:id', async (request) => {
    const { id, dir } = existingRun(ctx, (request.params as { id: string }).id);
    return detailOf(ctx, id, dir);
  });

  app.post('/api/runs/:id/cancel', async (request, reply) => {
    const { id, dir } = existingRun(ctx, (request.params as { id: string }).id);
    try {
      await requestCancel(dir);
    } catch (error) {
      if (error instanceof RunArchiveError) throw conflict(`run ${id}: ${error.message.startsWith(`${dir}: `) ? error.message.slice(dir.length + 2) : error.message}`);
      throw error;
    }
    ctx.runs.invalidate(id);
    ctx.live.tick();
    return reply.status(202).send({ id, cancelling: true });
  });

  app.post('/api/runs/:id/resume', async (request, reply) => {
    const { id } = existingRun(ctx, (request.params as { id: string }).id);
    requireCli(ctx);
    const row = ctx.runs.row(id);
    if (!row?.canResume) throw conflict(`run ${id} cannot be resumed: it is ${row?.status ?? 'unreadable'} (only failed, cancelled or interrupted runs can)`);
    const launch = await ctx.launches.create(async () => null);
    const result = await start(launch, 'resume', ['run', '--resume', id, '--out', ctx.runsDir, '--json'], id);
    return reply.status(201).send(result);
  });

  app.get('/api/runs/:id/replay', async (request, reply) => {
    const { id, dir } = existingRun(ctx, (request.params as { id: string }).id);
    const query = parseInput(FoldQuery, request.query, 'query');
    const record = ctx.runs.record(id);
    if (!record) throw notFound(`run ${id} has no readable run.json`);
    const payload = await buildReplay(id, dir, record, ctx.lake, query.fold === undefined ? undefined : Number(query.fold));
    return reply.type('application/octet-stream').header('Cache-Control', 'no-store').send(payload);
  });

  app.get('/api/runs/:id/equity', async (request) => {
    const { id, dir } = existingRun(ctx, (request.params as { id: string }).id);
    return equityCurve(id, dir);
  });

  app.get('/api/runs/:id/trades', async (request) => {
    const { id, dir } = existingRun(ctx, (request.params as { id: string }).id);
    return readTrades(id, dir);
  });

  app.get('/api/runs/:id/training', async (request) => {
    const { id, dir } = existingRun(ctx, (request.params as { id: string }).id);
    const launch = ctx.launches.forRun(id);
    // Curves span every launch of the run (the first one and its resumes), in order.
    const launches = ctx.launches
      .all()
      .filter((l) => l.runId === id)
      .sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1));
    const events = launch ? async () => (await Promise.all(launches.map((l) => ctx.launches.events(l.launchId)))).flat() : null;
    return trainingCurves(dir, events);
  });

  app.get('/api/runs/:id/log', async (request) => {
    const { id } = existingRun(ctx, (request.params as { id: string }).id);
    const launch = ctx.launches.forRun(id);
    if (!launch) return { lines: [], stderr: '' };
    const events = await ctx.launches.events(launch.launchId);
    const lines = events.filter((e) => (e.type === 'log' || e.type === 'stage' || e.type === 'failed') && typeof (e.message ?? e.error) === 'string').map((e) => String(e.message ?? e.error));
    return { lines: lines.slice(-200), stderr: await ctx.launches.stderrTail(launch.launchId, 40) };
  });

  app.get('/api/runs/:id/report', async (request, reply) => {
    const { id, dir } = existingRun(ctx, (request.params as { id: string }).id);
    const file = path.join(dir, REPORT_HTML);
    if (!existsSync(file)) throw notFound(`run ${id} has no ${REPORT_HTML} yet`);
    // The report is self-contained (inline styles and SVG); nothing in it may reach the network.
    return reply
      .type('text/html; charset=utf-8')
      .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:")
      .send(createReadStream(file));
  });

  app.get('/api/compare', async (request): Promise<Comparison> => {
    const query = parseInput(CompareQuery, request.query, 'query');
    const ids = [...new Set(query.ids.split(',').filter(Boolean))];
    if (ids.length < 1 || ids.length > 8) throw badRequest(`ids: name 1 to 8 runs separated by commas, got ${ids.length}`);
    const runs = ids.map((raw) => {
      const { id, dir } = existingRun(ctx, raw);
      return { id, dir, detail: detailOf(ctx, id, dir) };
    });
    const curves = await Promise.all(runs.filter((r) => r.detail.hasLedger).map((r) => equityCurve(r.id, r.dir)));
    return { runs: runs.map((r) => r.detail), configDiff: configDiff(runs.map((r) => r.detail.config)), curves };
  });
}
