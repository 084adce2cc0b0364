import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RunCancelledError, runExperiment, type RunMetrics, type UserConfig } from '@tradecore/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail, RunList, TradeList, TrainingCurves } from './api.ts';
import { makeProject, smallConfig, waitFor, type TestProject } from './_testing.ts';
import { startStudio, type Studio } from './index.ts';

let project: TestProject;
let studio: Studio;
let runId: string;

const get = async <T,>(url: string): Promise<{ status: number; json: T }> => {
  const res = await fetch(`http://127.0.0.1:${studio.port}${url}`);
  return { status: res.status, json: (await res.json()) as T };
};
const post = (url: string) => fetch(`http://127.0.0.1:${studio.port}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

/** A run in this process, as a script or a notebook would start it (not launched from the panel). */
const run = (steps: number, extra: { signal?: AbortSignal; id?: string } = {}) =>
  runExperiment({ cwd: project.root, config: smallConfig(steps, 5) as unknown as UserConfig, out: project.runsDir, dataDir: project.dataDir, ...extra });

beforeAll(async () => {
  project = await makeProject('results');
  studio = await startStudio({ root: project.root, dataDir: project.dataDir, runsDir: project.runsDir, host: '127.0.0.1', port: 0, cli: null, logger: false, pollMs: 300 });
  runId = (await run(512)).id;
}, 600_000);

afterAll(async () => {
  await studio?.close();
});

describe('results of evaluation format 2', () => {
  it('run detail has the warnings, significance and random spread of metrics.json, and the list row its headline', async () => {
    const file = JSON.parse(readFileSync(path.join(project.runsDir, runId, 'metrics.json'), 'utf8')) as RunMetrics;
    expect(file.format).toBe('tradecore-metrics/2');
    const { status, json: detail } = await get<RunDetail>(`/api/runs/${runId}`);
    expect(status).toBe(200);
    expect(detail.metricsProblem).toBeNull();
    expect(detail.hasTrades).toBe(true);
    expect(detail.hasTrainStats).toBe(true);
    expect(detail.metrics!.warnings).toEqual(file.warnings);
    expect(Object.keys(detail.metrics!.significance!).sort()).toEqual(Object.keys(file.significance).sort());
    expect(detail.metrics!.significance!['buy-and-hold']!.low).toBe(file.significance['buy-and-hold']!.low);
    expect(detail.metrics!.randomSpread).toEqual(file.randomSpread);
    expect(Object.keys(detail.metrics!.policies)).toEqual(expect.arrayContaining(['agent', 'buy-and-hold', 'always-long', 'flat', 'random']));

    const row = (await get<RunList>('/api/runs')).json.runs.find((r) => r.id === runId)!;
    const agent = file.policies.agent!;
    expect(row.status).toBe('complete');
    expect(row.launched).toBe(false);
    expect(row.metrics).toMatchObject({ format: 2, totalReturn: agent.totalReturn, trades: agent.trades, winRate: agent.winRate, buyAndHoldReturn: file.policies['buy-and-hold']!.totalReturn });
    expect(row.metrics!.warnings).toEqual(file.warnings.map((w) => w.kind));
  });

  it('trades come from trades.parquet: one per agent trade, their P&L summing to the equity change', async () => {
    const file = JSON.parse(readFileSync(path.join(project.runsDir, runId, 'metrics.json'), 'utf8')) as RunMetrics;
    const agent = file.policies.agent!;
    const { status, json } = await get<TradeList>(`/api/runs/${runId}/trades`);
    expect(status).toBe(200);
    expect(json.total).toBe(agent.trades);
    expect(json.trades.length).toBe(agent.trades);
    const pnl = json.trades.reduce((s, t) => s + t.pnl, 0);
    expect(pnl).toBeCloseTo(agent.finalEquity - agent.initialEquity, 6);
    for (const t of json.trades) {
      expect(['long', 'short']).toContain(t.side);
      expect(['stop', 'close', 'reversal', 'end']).toContain(t.exitReason);
      expect(t.exitTime).toBeGreaterThanOrEqual(t.entryTime);
      expect(t.open).toBe(t.exitReason === 'end');
    }
  });

  it('learning curves come from train.parquet, steps increasing', async () => {
    const { json } = await get<TrainingCurves>(`/api/runs/${runId}/training`);
    expect(json.source).toBe('train.parquet');
    expect(json.steps.length).toBeGreaterThan(1);
    for (let i = 1; i < json.steps.length; i++) expect(json.steps[i]!).toBeGreaterThan(json.steps[i - 1]!);
    expect(json.series.meanEpisodeReturn).toHaveLength(json.steps.length);
    expect(json.series.totalSteps).toBeUndefined();
  });
});

describe('older and unknown archives', () => {
  const copy = (id: string, edit: (metrics: Record<string, unknown>) => Record<string, unknown>) => {
    const dir = path.join(project.runsDir, id);
    cpSync(path.join(project.runsDir, runId), dir, { recursive: true });
    const record = JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'run.json'), JSON.stringify({ ...record, id }));
    const metrics = JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify(edit(metrics)));
    rmSync(path.join(dir, 'trades.parquet'));
    return dir;
  };

  it('format 1 is shown with a note of what it lacks; its trades answer 404 with the reason', async () => {
    copy('old-format-run', (m) => ({ format: 'tradecore-metrics/1', dataset: m.dataset, seed: m.seed, policies: { agent: { totalReturn: 0.0123, sharpe: 1.5, trades: 7, winRate: 0.5 }, 'buy-and-hold': { totalReturn: -0.02 } }, folds: [] }));
    const { json: detail } = await get<RunDetail>('/api/runs/old-format-run');
    expect(detail.metrics!.format).toBe('tradecore-metrics/1');
    expect(detail.metricsProblem).toMatch(/older TradeCore \(tradecore-metrics\/1\).*no warnings, significance.*tradecore run --from old-format-run/);
    expect(detail.hasTrades).toBe(false);
    const row = (await get<RunList>('/api/runs')).json.runs.find((r) => r.id === 'old-format-run')!;
    expect(row.metrics).toMatchObject({ format: 1, totalReturn: 0.0123, trades: 7, winRate: 0.5, maxDrawdown: null, buyAndHoldReturn: -0.02, warnings: [] });
    const trades = await get<{ error: string }>('/api/runs/old-format-run/trades');
    expect(trades.status).toBe(404);
    expect(trades.json.error).toMatch(/no trades\.parquet/);
  });

  it('an unknown metrics format is refused with the format named, the rest of the run still shown', async () => {
    copy('future-format-run', (m) => ({ ...m, format: 'tradecore-metrics/9' }));
    const { status, json: detail } = await get<RunDetail>('/api/runs/future-format-run');
    expect(status).toBe(200);
    expect(detail.metrics).toBeNull();
    expect(detail.metricsProblem).toBe('metrics.json has format "tradecore-metrics/9"; this studio reads tradecore-metrics/2 and tradecore-metrics/1');
    expect(detail.row.status).toBe('complete');
  });
});

describe('a run started outside the panel', () => {
  it('is shown running while its process holds the lock, and cancelled from the panel through cancel.request', { timeout: 600_000 }, async () => {
    const started = run(200_000, { id: 'outside-run' });
    const failed = started.then(
      () => null,
      (error: unknown) => error,
    );
    const row = await waitFor(async () => (await get<RunList>('/api/runs')).json.runs.find((r) => r.id === 'outside-run' && r.status === 'running'), 300_000, 'the outside run to be running');
    expect(row).toMatchObject({ launched: false, canCancel: true, canResume: false });
    const res = await post('/api/runs/outside-run/cancel');
    expect(res.status).toBe(202);
    const error = await failed;
    expect(error).toBeInstanceOf(RunCancelledError);
    const after = await waitFor(async () => (await get<RunList>('/api/runs')).json.runs.find((r) => r.id === 'outside-run' && r.status === 'cancelled'), 60_000, 'the run to be cancelled');
    expect(after).toMatchObject({ canCancel: false, canResume: true });
    const again = await post('/api/runs/outside-run/cancel');
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: string }).error).toMatch(/^run outside-run: not running \(cancelled/);
  });
});
