import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LaunchResult, RunList } from './api.ts';
import { makeProject, smallConfig, SOURCE_CLI, waitFor } from './_testing.ts';

const children: ChildProcess[] = [];

/** `tradecore studio --port 0` as its own process; resolves with its URL once it prints it. */
function startStudioProcess(project: { root: string; dataDir: string; runsDir: string }): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(SOURCE_CLI.command, [...SOURCE_CLI.args, '--data', project.dataDir, 'studio', '--port', '0', '--runs', project.runsDir], { cwd: project.root, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /TradeCore Studio: (http:\/\/\S+)/.exec(out);
      if (match) resolve({ child, url: match[1]!.replace(/\/$/, '') });
    });
    child.once('exit', (code) => reject(new Error(`studio exited with ${code} before it printed its URL: ${err}`)));
  });
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('a run launched from the panel is a process of its own', () => {
  it('SIGKILL of the studio while the run trains: the run completes, and a new studio shows it complete', { timeout: 900_000 }, async () => {
    const project = await makeProject('kill');
    const first = await startStudioProcess(project);
    const launched = await fetch(`${first.url}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ config: smallConfig(2_048, 9) }) });
    expect(launched.status).toBe(201);
    const { launchId } = (await launched.json()) as LaunchResult;
    const id = await waitFor(
      async () => {
        const runs = ((await (await fetch(`${first.url}/api/runs`)).json()) as RunList).runs;
        const run = runs.find((r) => r.launched);
        return run && run.status === 'running' && (run.progress?.steps ?? 0) > 0 ? run.id : undefined;
      },
      240_000,
      'the launched run to be training',
    );

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const record = () => JSON.parse(readFileSync(path.join(project.runsDir, id, 'run.json'), 'utf8')) as { status: string };
    expect(record().status, 'still training when the studio died').toBe('running');

    await waitFor(() => (record().status === 'complete' ? true : record().status === 'failed' ? Promise.reject(new Error('the run failed')) : undefined), 600_000, 'the orphaned run to complete');

    const second = await startStudioProcess(project);
    const runs = ((await (await fetch(`${second.url}/api/runs`)).json()) as RunList).runs;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id, status: 'complete', launched: true, canCancel: false });
    const launch = JSON.parse(readFileSync(path.join(project.runsDir, '.studio', 'launches', launchId, 'launch.json'), 'utf8')) as { runId: string };
    expect(launch.runId).toBe(id);
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  });
});
