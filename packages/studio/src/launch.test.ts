import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LaunchResult, RunList, RunRow, StudioConfig, TrainingCurves } from './api.ts';
import { makeProject, smallConfig, SOURCE_CLI, waitFor, type TestProject } from './_testing.ts';
import { startStudio, type Studio } from './index.ts';

let project: TestProject;
let studio: Studio;

const start = () => startStudio({ root: project.root, dataDir: project.dataDir, runsDir: project.runsDir, host: '127.0.0.1', port: 0, cli: SOURCE_CLI, logger: false, pollMs: 300 });
const base = () => `http://127.0.0.1:${studio.port}`;

async function call<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${base()}${url}`, { method, ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  return { status: res.status, json: (await res.json()) as T };
}

async function row(id: string): Promise<RunRow | undefined> {
  return (await call<RunList>('GET', '/api/runs')).json.runs.find((r) => r.id === id);
}

const waitStatus = (id: string, status: RunRow['status'], ms = 240_000) => waitFor(async () => ((await row(id))?.status === status ? row(id) : undefined), ms, `run ${id} to be ${status}`);

async function launch(config: StudioConfig): Promise<string> {
  const res = await call<LaunchResult>('POST', '/api/runs', { config });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  const runId = res.json.runId ?? (await waitFor(async () => (await call<RunList>('GET', '/api/runs')).json.runs.find((r) => r.launched && !seen.has(r.id))?.id, 120_000, 'the run to appear'));
  seen.add(runId);
  return runId;
}
const seen = new Set<string>();

beforeAll(async () => {
  project = await makeProject('launch');
  studio = await start();
});

afterAll(async () => {
  await studio?.close();
});

describe('launching from the panel', () => {
  it('two launches at once make two runs with distinct ids, each archiving exactly the settings sent', { timeout: 600_000 }, async () => {
    const configs = [smallConfig(512, 3), { ...smallConfig(512, 3), plugins: smallConfig(512, 3).plugins.filter((p) => p.name !== 'rsi') }];
    const [a, b] = await Promise.all(configs.map((c) => call<LaunchResult>('POST', '/api/runs', { config: c })));
    expect(a!.status).toBe(201);
    expect(b!.status).toBe(201);
    expect(a!.json.launchId).not.toBe(b!.json.launchId);
    const ids = await waitFor(
      async () => {
        const launched = (await call<RunList>('GET', '/api/runs')).json.runs.filter((r) => r.launched);
        return launched.length === 2 ? launched.map((r) => r.id) : undefined;
      },
      120_000,
      'both runs to appear',
    );
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) {
      seen.add(id);
      await waitStatus(id, 'complete');
    }
    const archived = ids.map((id) => JSON.parse(readFileSync(path.join(project.runsDir, id, 'config.json'), 'utf8')) as { plugins: { name: string; options: Record<string, unknown> }[]; env: Record<string, unknown>; run: { seed: number; split: Record<string, unknown> } });
    const withRsi = archived.find((c) => c.plugins.some((p) => p.name === '@tradecore/plugin-rsi'))!;
    const withoutRsi = archived.find((c) => c !== withRsi)!;
    expect(withoutRsi.plugins.map((p) => p.name)).toEqual(['@tradecore/plugin-vwap', '@tradecore/plugin-zscore', '@tradecore/plugin-risk-guard', '@tradecore/trainer-gpu']);
    for (const config of archived) {
      const byName = Object.fromEntries(config.plugins.map((p) => [p.name, p.options]));
      // Every option the form set is in the archive with the same value (the rest are the plugins' defaults).
      for (const entry of configs[0]!.plugins) {
        const name = entry.name.startsWith('@') ? entry.name : `@tradecore/plugin-${entry.name}`;
        if (!byName[name]) continue;
        expect(byName[name], name).toMatchObject(entry.options!);
      }
      expect(config.env).toMatchObject(configs[0]!.env!);
      expect(config.run.seed).toBe(3);
      expect(config.run.split).toMatchObject({ testFraction: 0.3 });
    }
  });

  it('a restarted studio re-reads every run, its status and its training curves from the archives', async () => {
    await studio.close();
    studio = await start();
    const runs = (await call<RunList>('GET', '/api/runs')).json.runs;
    expect(runs.filter((r) => r.launched).map((r) => r.status)).toEqual(['complete', 'complete']);
    const curves = (await call<TrainingCurves>('GET', `/api/runs/${runs[0]!.id}/training`)).json;
    expect(curves.source).toBe('train.parquet');
    expect(curves.steps.at(-1)).toBe(512);
    expect(curves.series.policyLoss?.length).toBe(curves.steps.length);
    // An archive without train.parquet (older versions) falls back to the launch's event log.
    rmSync(path.join(project.runsDir, runs[1]!.id, 'train.parquet'));
    const fromLog = (await call<TrainingCurves>('GET', `/api/runs/${runs[1]!.id}/training`)).json;
    expect(fromLog.source).toBe('launch log');
    expect(fromLog.steps.at(-1)).toBe(512);
    expect(fromLog.series.policyLoss?.length).toBe(fromLog.steps.length);
  });

  it('cancel stops a running run (checkpoint kept, shown cancelled); resume finishes it', { timeout: 900_000 }, async () => {
    // Long enough that the cancel arrives while it trains (an update of this small network takes milliseconds).
    const config = smallConfig(24_576, 5);
    const id = await launch(config);
    await waitFor(async () => ((await row(id))?.progress?.steps ?? 0) >= 256 || undefined, 180_000, 'training progress');
    const cancel = await call<{ cancelling: boolean }>('POST', `/api/runs/${id}/cancel`, {});
    expect(cancel.status).toBe(202);
    const cancelled = await waitStatus(id, 'cancelled', 120_000);
    expect(cancelled.canResume).toBe(true);
    expect(cancelled.canCancel).toBe(false);
    expect(readdirSync(path.join(project.runsDir, id, 'checkpoints', 'fold-0')).length).toBeGreaterThan(0);
    expect((await call('POST', `/api/runs/${id}/cancel`, {})).status).toBe(409);

    const resumed = await call<LaunchResult>('POST', `/api/runs/${id}/resume`, {});
    expect(resumed.status).toBe(201);
    expect(resumed.json.runId).toBe(id);
    await waitFor(async () => ((await row(id))?.status === 'running' ? true : undefined), 60_000, 'the resumed run to be running');
    await waitStatus(id, 'complete', 600_000);
    const record = JSON.parse(readFileSync(path.join(project.runsDir, id, 'run.json'), 'utf8')) as { resumes: number; status: string };
    expect(record).toMatchObject({ status: 'complete', resumes: 1 });
    expect(existsSync(path.join(project.runsDir, id, 'ledger.parquet'))).toBe(true);
  });
});
