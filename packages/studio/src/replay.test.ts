import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { riskGuard } from '@tradecore/plugin-risk-guard';
import { evaluatePolicies, LEDGER_COLUMNS, readDataset, writeParquetTable, type LedgerColumns, type ParquetColumn } from '@tradecore/sdk';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillMarkers, parseReplay } from '../client/lib/replayData.ts';
import type { EquityCurve } from './api.ts';
import { makeProject, type TestProject } from './_testing.ts';
import { createStudioApp } from './server.ts';

const RUN = '20260101-000000-s0-replaytest';
let project: TestProject;
let app: FastifyInstance;
let ledger: LedgerColumns;
let testStart: number;

/** Enters every 30 bars (long and short by turns, stop bucket 1 so stops are hit), closes after 12 bars. */
function swing() {
  let step = 0;
  let trade = 0;
  return (_o: Float32Array, mask: Uint8Array) => {
    step += 1;
    if (mask[1] === 1) return step % 12 === 0 ? 1 : 0;
    if (step % 30 !== 0) return 0;
    trade += 1;
    const action = trade % 2 === 0 ? 2 : 2 + 2 * 4;
    return mask[action] === 1 ? action : 0;
  };
}

beforeAll(async () => {
  project = await makeProject('replay', { days: 3, seed: 5 });
  const { bars } = await readDataset('test-btc-1m', { dataDir: project.dataDir });
  testStart = 3000;
  const [agent] = await evaluatePolicies({
    bars,
    plugins: [riskGuard({ riskPct: 0.01, stopStepBps: 10 })],
    execution: {},
    env: { window: 8, episodeLength: 2000 },
    testStart,
    testEnd: bars.length - 1,
    policies: [{ name: 'agent', make: () => swing() }],
  });
  ledger = agent!.ledger;
  const dir = path.join(project.runsDir, RUN);
  mkdirSync(dir, { recursive: true });
  const columns: Record<string, ParquetColumn> = { fold: new Int32Array(ledger.index.length) };
  for (const name of LEDGER_COLUMNS) columns[name] = ledger[name] as ParquetColumn;
  await writeParquetTable(path.join(dir, 'ledger.parquet'), columns, { timestampMs: ['time'] });
  const now = new Date().toISOString();
  writeFileSync(
    path.join(dir, 'run.json'),
    JSON.stringify({ format: 'tradecore-run/1', id: RUN, status: 'complete', createdAt: now, updatedAt: now, finishedAt: now, seed: 0, configFile: 'x', overrides: [], resumes: 0, timings: {}, versions: {}, foldsTrained: [0], dataset: { id: 'test-btc-1m', manifest: 'x', manifestSha256: 'x', rows: bars.length, synthetic: true, partitions: [] } }),
  );
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ execution: { initialCash: 10_000 }, plugins: [{ name: '@tradecore/plugin-risk-guard', kind: 'risk-guard', options: { buckets: 4, stopStepBps: 10 } }] }));
  ({ app } = await createStudioApp({ root: project.root, dataDir: project.dataDir, runsDir: project.runsDir, host: '127.0.0.1', token: null, cli: null, logger: false }));
});

afterAll(async () => {
  await app?.close();
});

describe('replay of an evaluation episode', () => {
  it('sends every ledger row with the candle it executed on, as typed columns', async () => {
    const res = await app.inject({ method: 'GET', url: `/api/runs/${RUN}/replay`, headers: { host: '127.0.0.1' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    const bytes = res.rawPayload;
    const data = parseReplay(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const { bars } = await readDataset('test-btc-1m', { dataDir: project.dataDir });
    expect(data.rows).toBe(ledger.index.length);
    expect(data.header).toMatchObject({ runId: RUN, fold: 0, folds: [0], dataset: { id: 'test-btc-1m', symbol: 'TEST-USD', timeframe: '1m' }, warning: null });
    expect(data.header.actions).toHaveLength(2 + 4 * 4);
    expect(data.header.actions.slice(0, 3)).toEqual(['hold', 'close', 'long(k=1, market)']);
    for (let r = 0; r < data.rows; r++) {
      const i = ledger.index[r]!;
      expect(data.col.time![r]).toBe(bars.time[i]);
      expect(data.col.open![r]).toBe(bars.open[i]);
      expect(data.col.high![r]).toBe(bars.high[i]);
      expect(data.col.low![r]).toBe(bars.low[i]);
      expect(data.col.close![r]).toBe(bars.close[i]);
    }
    for (const name of ['action', 'filled', 'fillPrice', 'qty', 'fee', 'cashDelta', 'position', 'stopTriggered', 'equity', 'reward'] as const) {
      expect(Array.from(data.col[name]!), name).toEqual(Array.from(ledger[name]));
    }
  });

  it('marks every fill at the ledger fill price, with entries, exits, stop-outs and reversals told apart', async () => {
    const res = await app.inject({ method: 'GET', url: `/api/runs/${RUN}/replay`, headers: { host: '127.0.0.1' } });
    const bytes = res.rawPayload;
    const data = parseReplay(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const markers = fillMarkers(data);
    const kinds = new Set(markers.map((m) => m.kind));
    expect(kinds.has('long') && kinds.has('short') && kinds.has('exit'), [...kinds].join(',')).toBe(true);
    expect(kinds.has('stop'), 'a 10 bps stop is hit in three days of bars').toBe(true);
    let fills = 0;
    for (let r = 0; r < data.rows; r++) if (ledger.filled[r]! > 0 || ledger.stopTriggered[r]! > 0) fills += 1;
    expect(new Set(markers.map((m) => m.step)).size).toBe(fills);
    for (const m of markers) {
      const p0 = m.step > 0 ? ledger.position[m.step - 1]! : 0;
      const p1 = ledger.position[m.step]!;
      expect(m.time).toBe(ledger.time[m.step]);
      if (m.kind === 'stop') {
        expect(ledger.stopTriggered[m.step]).toBe(1);
        continue;
      }
      expect(m.price).toBe(ledger.fillPrice[m.step]);
      if (m.kind === 'long') expect(p1).toBeGreaterThan(0);
      if (m.kind === 'short') expect(p1).toBeLessThan(0);
      if (m.kind === 'exit') expect([p0 !== 0, p1]).toEqual([true, 0]);
    }
  });

  it('sends the agent equity curve as return and drawdown in percent', async () => {
    const res = await app.inject({ method: 'GET', url: `/api/runs/${RUN}/equity`, headers: { host: '127.0.0.1' } });
    const curve = res.json() as EquityCurve;
    const last = ledger.equity[ledger.equity.length - 1]!;
    expect(curve.returnPct.at(-1)).toBeCloseTo((last / 10_000 - 1) * 100, 9);
    expect(curve.time.at(-1)).toBe(ledger.time[ledger.time.length - 1]);
    expect(Math.max(...curve.drawdownPct)).toBeLessThanOrEqual(0);
  });

  it('refuses a fold the run does not have', async () => {
    const res = await app.inject({ method: 'GET', url: `/api/runs/${RUN}/replay?fold=3`, headers: { host: '127.0.0.1' } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatch(/has no fold 3; folds: 0/);
  });
});
