import { describeAdapter } from '@tradecore/trainer-gpu';
import { backendPassed, type BackendReport } from './backends.ts';
import type { DoctorReport } from './index.ts';

const GiB = 1024 ** 3;
const PASS = '✓';
const FAIL = '✗';
const INFO = '·';

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

function backendLines(b: BackendReport): string[] {
  const name = b.backend.padEnd(15);
  if (b.status === 'unavailable') {
    const mark = b.required ? FAIL : INFO;
    const lines = [`${mark} ${name}not available${b.required ? ' (required)' : ''}: ${b.reason ?? 'unknown reason'}`];
    if (b.adapter) lines.push(`  ${' '.repeat(15)}adapter: ${describeAdapter(b.adapter)}`);
    if (b.fix) lines.push(`  ${' '.repeat(15)}fix: ${b.fix}`);
    return lines;
  }
  const mark = backendPassed(b) ? PASS : FAIL;
  const lines = [`${mark} ${name}loaded${b.adapter ? ` on ${describeAdapter(b.adapter)}` : ''}`];
  const pad = `  ${' '.repeat(15)}`;
  const t = b.training;
  if (t?.skipped) lines.push(`${pad}training: skipped (${t.skipped})`);
  else if (t?.ok && t.stepsPerSecond !== undefined) lines.push(`${pad}training: ${Math.round(t.stepsPerSecond).toLocaleString('en-US')} env-steps/s (PPO update of ${t.steps?.toLocaleString('en-US')} steps, 64×64 policy)`);
  else lines.push(`${pad}training: FAILED${t?.error ? `: ${t.error}` : ''}`);
  const inf = b.inference;
  if (inf?.maxRelativeDifference !== undefined) {
    lines.push(`${pad}inference: ${inf.ok ? 'agrees with' : 'DIFFERS from'} cpu (max relative difference ${inf.maxRelativeDifference.toExponential(1)}, tolerance ${inf.tolerance.toExponential(0)})`);
  } else lines.push(`${pad}inference: FAILED${inf?.error ? `: ${inf.error}` : ''}`);
  if (b.adapter?.software) lines.push(`${pad}note: a software adapter computes on the CPU (correct, slower than wasm)`);
  return lines;
}

/** The human-readable report (`tradecore doctor` without --json). */
export function formatReport(report: DoctorReport): string {
  const e = report.environment;
  const out: string[] = [];
  out.push(`TradeCore doctor — ${report.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`, '');
  out.push('Environment');
  out.push(`  node      ${e.node} (${e.platform} ${e.arch}, ${e.os})`);
  out.push(`  cpu       ${e.cpu.model} × ${e.cpu.cores}`);
  out.push(`  memory    ${(e.memory.totalBytes / GiB).toFixed(1)} GiB (${(e.memory.freeBytes / GiB).toFixed(1)} GiB free)`);
  if ('gpus' in e.nvidia) {
    for (const g of e.nvidia.gpus) out.push(`  gpu       ${g.name}, driver ${g.driver}, ${g.memory}`);
    if (e.nvidia.gpus.length === 0) out.push('  gpu       nvidia-smi lists no GPU');
  } else out.push(`  gpu       ${e.nvidia.error}`);
  out.push(`  vulkan    ${e.vulkan.override ? `VK_ICD_FILENAMES=${e.vulkan.override}` : e.vulkan.icdFiles.length ? e.vulkan.icdFiles.join(', ') : 'no Vulkan driver (ICD) files found'}`);
  out.push(`  packages  ${Object.entries(e.packages).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out.push('', 'Backends');
  for (const b of report.backends) out.push(...backendLines(b).map((l) => `  ${l}`));
  out.push('', 'Semantics self-test');
  for (const c of report.checks) {
    const mark = c.status === 'pass' ? PASS : c.status === 'skip' ? INFO : FAIL;
    out.push(`  ${mark} ${c.group}: ${c.name}`);
    out.push(`      ${c.detail}`);
    if (c.firstDifference) out.push(indent(`first difference: ${c.firstDifference}`, '      '));
    if (c.fix) out.push(`      fix: ${c.fix}`);
  }
  const failedChecks = report.checks.filter((c) => c.required && c.status !== 'pass').length;
  const failedBackends = report.backends.filter((b) => b.required && !backendPassed(b)).length;
  const optional = report.backends.filter((b) => !b.required && b.status === 'unavailable').map((b) => b.backend);
  out.push('');
  out.push(
    report.ok
      ? `PASS — every required check passed (${report.seconds.toFixed(1)} s)${optional.length ? `; not available here: ${optional.join(', ')}` : ''}`
      : `FAIL — ${failedChecks} semantic check${failedChecks === 1 ? '' : 's'} and ${failedBackends} required backend${failedBackends === 1 ? '' : 's'} failed`,
  );
  return `${out.join('\n')}\n`;
}
