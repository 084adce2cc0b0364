import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { findPackage } from '@tradecore/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetList, PullState } from './api.ts';
import { makeProject, REPO_ROOT, waitFor, type TestProject } from './_testing.ts';
import { startStudio, type Studio } from './index.ts';

const ingest = findPackage('@tradecore/ingest', { cwd: REPO_ROOT });
if (!ingest) console.warn('[studio ingest test] @tradecore/ingest is not installed in this workspace: skipping the exchange pull test');

interface FakeKrakenLike {
  readonly url: string;
  close(): Promise<void>;
}

describe.skipIf(!ingest)('an exchange pull started from the Data page', () => {
  let project: TestProject;
  let studio: Studio;
  let fake: FakeKrakenLike;

  beforeAll(async () => {
    const testing = (await import(pathToFileURL(path.join(ingest!.dir, 'src', 'testing.ts')).href)) as {
      FakeKraken: { start(o: { tape: unknown }): Promise<FakeKrakenLike> };
      randomTape(o: { start: string; count: number; seed: number }): unknown;
    };
    fake = await testing.FakeKraken.start({ tape: testing.randomTape({ start: '2024-01-01T00:00:00Z', count: 3000, seed: 1 }) });
    project = await makeProject('pull');
    studio = await startStudio({ root: project.root, dataDir: project.dataDir, runsDir: project.runsDir, host: '127.0.0.1', port: 0, cli: null, logger: false, pullDefaults: { restUrl: fake.url, rateLimit: 0 } });
  });

  afterAll(async () => {
    await studio?.close();
    await fake?.close();
  });

  it('pulls into the lake, reports progress and ends complete', { timeout: 300_000 }, async () => {
    const base = `http://127.0.0.1:${studio.port}`;
    const events: PullState[] = [];
    const stream = await fetch(`${base}/api/events`);
    const reader = stream.body!.getReader();
    void (async () => {
      const decoder = new TextDecoder();
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        text += decoder.decode(value);
        for (const block of text.split('\n\n').slice(0, -1)) {
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data && block.includes('event: pull')) events.push((JSON.parse(data) as { pull: PullState }).pull);
        }
        text = text.slice(text.lastIndexOf('\n\n') + 2);
      }
    })();
    const res = await fetch(`${base}/api/ingest/pulls`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ exchange: 'kraken', symbol: 'BTC/USD', since: '2024-01-01T00:00:00Z', until: '2024-01-01T12:00:00Z' }),
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const { id } = (await res.json()) as PullState;
    const done = await waitFor(async () => {
      const { pulls } = (await (await fetch(`${base}/api/ingest`)).json()) as { pulls: PullState[] };
      const pull = pulls.find((p) => p.id === id);
      return pull && pull.status !== 'running' ? pull : undefined;
    }, 240_000, 'the pull to finish');
    expect(done.status, done.error ?? '').toBe('complete');
    expect(done.barsWritten).toBeGreaterThan(0);
    expect(events.some((e) => e.id === id && e.progress !== null), 'progress reached the live feed').toBe(true);
    const datasets = (await (await fetch(`${base}/api/datasets`)).json()) as DatasetList;
    expect(datasets.datasets.map((d) => d.id)).toContain(done.dataset);
    expect(existsSync(path.join(project.dataDir, 'manifests', `${done.dataset}.json`))).toBe(true);
    await reader.cancel();
  });
});
