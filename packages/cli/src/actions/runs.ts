import { statSync } from 'node:fs';
import path from 'node:path';
import { cancelRun, isValidId, listRuns, quote, readRunStatus, resolveInside, type RunStatusInfo } from '@tradecore/sdk';
import { formatCount, formatTable, UsageError } from '../_cli.ts';
import { stdout } from '../_stdout.ts';

const print = (text: string) => stdout().write(`${text}\n`);

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/** A run folder given as a path, or as a run id under `out`. */
function runFolder(ref: string, out: string): string {
  const asPath = path.resolve(ref);
  if (isDirectory(asPath)) return asPath;
  if (isValidId(ref)) {
    const dir = resolveInside(path.resolve(out), ref, 'run id');
    if (isDirectory(dir)) return dir;
  }
  throw new UsageError(`no run folder ${quote(ref)} (looked for ${asPath}${isValidId(ref) ? ` and ${path.join(path.resolve(out), ref)}` : ''})`);
}

function progress(s: RunStatusInfo): string {
  const p = s.record?.progress;
  if (s.status === 'complete') return 'done';
  return p ? `fold ${p.fold} ${formatCount(p.steps)}/${formatCount(p.totalSteps)}` : '';
}

function asJson(s: RunStatusInfo): unknown {
  return { id: s.id, dir: s.dir, status: s.status, reason: s.reason, holder: s.holder, heartbeat: s.heartbeat, record: s.record };
}

export async function list({ out, json }: { out: string; json?: boolean }): Promise<void> {
  const runs = listRuns(path.resolve(out));
  if (json) return print(JSON.stringify(runs.map(asJson), null, 2));
  if (runs.length === 0) return print(`no runs in ${path.resolve(out)}`);
  const rows = runs.map((s) => [s.id, s.status, progress(s), String(s.record?.seed ?? ''), s.record?.updatedAt.slice(0, 19).replace('T', ' ') ?? '', s.status === 'complete' ? '' : s.reason.slice(0, 80)]);
  print(formatTable(['id', 'status', 'progress', 'seed', 'updated (UTC)', 'why'], rows));
}

export async function status(ref: string, { out, json }: { out: string; json?: boolean }): Promise<void> {
  const s = readRunStatus(runFolder(ref, out));
  if (json) return print(JSON.stringify(asJson(s), null, 2));
  const lines = [`${s.id}: ${s.status}`, `  folder  ${s.dir}`, `  why     ${s.reason}`];
  if (s.holder) lines.push(`  lock    pid ${s.holder.pid} on ${s.holder.host} since ${s.holder.startedAt}${s.heartbeat ? `, heartbeat ${s.heartbeat.toISOString()}` : ''}`);
  if (s.record) lines.push(`  config  ${s.record.configFile}${s.record.overrides.length ? ` with --set ${s.record.overrides.join(' ')}` : ''}`, `  resumes ${s.record.resumes}`);
  if (s.status !== 'complete' && s.status !== 'running') lines.push(`  resume with: tradecore run --resume ${s.dir}`);
  print(lines.join('\n'));
}

export async function cancel(ref: string, { out, reason }: { out: string; reason?: string }): Promise<void> {
  const dir = runFolder(ref, out);
  const holder = await cancelRun(dir, reason ? { reason } : {});
  print(`asked pid ${holder.pid} on ${holder.host} to stop ${dir}: it stops after its current update and is marked cancelled (resume with: tradecore run --resume ${dir})`);
}
