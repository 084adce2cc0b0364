import path from 'node:path';
import { describeAdapter } from '@tradecore/trainer-gpu';
import { formatCount } from '../../_cli.ts';
import { backendPassed, type BackendReport } from './backends.ts';
import type { DoctorReport } from './index.ts';

const GiB = 1024 ** 3;
const PASS = '✓';
const FAIL = '✗';
const INFO = '·';

/** Report lines word-wrapped to the terminal: continuation lines hang under the start of the text. */
class Lines {
  readonly #out: string[] = [];
  constructor(readonly width: number) {}

  /** `prefix` then `text`, wrapped; continuation lines start with `hang` (spaces as wide as `prefix` by default). */
  add(prefix: string, text = '', hang = ' '.repeat([...prefix].length)): void {
    const room = Math.max(20, this.width - [...hang].length);
    const words = text.split(' ');
    let line = prefix;
    let lineLength = [...prefix].length;
    let empty = true;
    for (const word of words) {
      const length = [...word].length;
      if (!empty && lineLength + 1 + length > this.width) {
        this.#out.push(line);
        line = hang;
        lineLength = [...hang].length;
        empty = true;
      }
      // A word wider than the line (a long path) is cut, not left to overflow.
      let rest = word;
      while (empty && [...rest].length > room) {
        this.#out.push(line + [...rest].slice(0, room).join(''));
        rest = [...rest].slice(room).join('');
        line = hang;
        lineLength = [...hang].length;
      }
      line += (empty ? '' : ' ') + rest;
      lineLength += (empty ? 0 : 1) + [...rest].length;
      empty = false;
    }
    this.#out.push(line.trimEnd());
  }

  blank(): void {
    this.#out.push('');
  }

  toString(): string {
    return `${this.#out.join('\n')}\n`;
  }
}

const NAME_WIDTH = 15;

function backendLines(b: BackendReport, out: Lines): void {
  const head = (mark: string) => `  ${mark} ${b.backend.padEnd(NAME_WIDTH)}`;
  const pad = ' '.repeat(4 + NAME_WIDTH);
  if (b.status === 'unavailable') {
    out.add(head(b.required ? FAIL : INFO), `not available${b.required ? ' (required)' : ''}: ${b.reason ?? 'unknown reason'}`);
    if (b.adapter) out.add(`${pad}adapter: `, describeAdapter(b.adapter), pad + '  ');
    if (b.fix) out.add(`${pad}fix: `, b.fix, pad + '  ');
    return;
  }
  out.add(head(backendPassed(b) ? PASS : FAIL), `loaded${b.adapter ? ` on ${describeAdapter(b.adapter)}` : ''}`);
  const t = b.training;
  if (t?.skipped) out.add(`${pad}training: `, `skipped (${t.skipped})`, pad + '  ');
  else if (t?.ok && t.stepsPerSecond !== undefined) {
    out.add(`${pad}training: `, `${formatCount(Math.round(t.stepsPerSecond))} env-steps/s${t.steps !== undefined ? ` (PPO update of ${formatCount(t.steps)} steps, 64×64 policy)` : ''}`, pad + '  ');
  } else out.add(`${pad}training: `, `FAILED${t?.error ? `: ${t.error}` : ''}`, pad + '  ');
  const inf = b.inference;
  if (inf?.maxRelativeDifference !== undefined && b.backend === 'cpu') out.add(`${pad}inference: `, 'the reference the other backends are compared with', pad + '  ');
  else if (inf?.maxRelativeDifference !== undefined) {
    out.add(`${pad}inference: `, `${inf.ok ? 'agrees with' : 'DIFFERS from'} cpu (max relative difference ${inf.maxRelativeDifference.toExponential(1)}, tolerance ${inf.tolerance.toExponential(0)})`, pad + '  ');
  } else out.add(`${pad}inference: `, `FAILED${inf?.error ? `: ${inf.error}` : ''}`, pad + '  ');
  if (b.adapter?.software) out.add(`${pad}note: `, 'a software adapter computes on the CPU (correct, slower than wasm)', pad + '  ');
}

/** `/usr/share/vulkan/icd.d/intel_icd.x86_64.json, …/lvp_icd.x86_64.json` → `intel, lvp (/usr/share/vulkan/icd.d)`. */
function vulkanLine(vulkan: DoctorReport['environment']['vulkan']): string {
  if (vulkan.override) return `VK_ICD_FILENAMES=${vulkan.override}`;
  if (vulkan.icdFiles.length === 0) return 'no Vulkan driver (ICD) files found';
  const byDir = new Map<string, string[]>();
  for (const file of vulkan.icdFiles) {
    const names = byDir.get(path.dirname(file)) ?? [];
    names.push(path.basename(file).replace(/(_icd)?(\.x86_64|\.aarch64|\.i686)?\.json$/, ''));
    byDir.set(path.dirname(file), names);
  }
  return [...byDir].map(([dir, names]) => `${names.join(', ')} (${dir})`).join('; ');
}

/** Columns for the text report: the terminal's width, 100 when the output is not a terminal. */
export function reportWidth(stream: { isTTY?: boolean; columns?: number } = process.stdout): number {
  return stream.isTTY && stream.columns ? Math.max(60, stream.columns) : 100;
}

/** The human-readable report (`tradecore doctor` without --json), wrapped to `width` columns. */
export function formatReport(report: DoctorReport, width = 100): string {
  const e = report.environment;
  const out = new Lines(width);
  out.add('', `TradeCore doctor — ${report.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`);
  out.blank();
  out.add('Environment');
  out.add('  node      ', `${e.node} (${e.platform} ${e.arch}, ${e.os})`);
  out.add('  cpu       ', `${e.cpu.model} × ${e.cpu.cores}`);
  out.add('  memory    ', `${(e.memory.totalBytes / GiB).toFixed(1)} GiB (${(e.memory.freeBytes / GiB).toFixed(1)} GiB free)`);
  if ('gpus' in e.nvidia) {
    for (const g of e.nvidia.gpus) out.add('  gpu       ', `${g.name}, driver ${g.driver}, ${g.memory}`);
    if (e.nvidia.gpus.length === 0) out.add('  gpu       ', 'nvidia-smi lists no GPU');
  } else out.add('  gpu       ', e.nvidia.error);
  out.add('  vulkan    ', vulkanLine(e.vulkan));
  out.add('  packages  ', Object.entries(e.packages).map(([k, v]) => `${k} ${v}`).join(', '));
  out.blank();
  out.add('Backends');
  for (const b of report.backends) backendLines(b, out);
  out.blank();
  out.add('Semantics self-test');
  for (const c of report.checks) {
    const mark = c.status === 'pass' ? PASS : c.status === 'skip' ? INFO : FAIL;
    out.add(`  ${mark} `, `${c.group}: ${c.name}`);
    out.add('      ', c.detail);
    if (c.firstDifference) out.add('      first difference: ', c.firstDifference, '        ');
    if (c.fix) out.add('      fix: ', c.fix, '        ');
  }
  const failedChecks = report.checks.filter((c) => c.required && c.status !== 'pass').length;
  const failedBackends = report.backends.filter((b) => b.required && !backendPassed(b)).length;
  const optional = report.backends.filter((b) => !b.required && b.status === 'unavailable').map((b) => b.backend);
  out.blank();
  out.add(
    '',
    report.ok
      ? `PASS — every required check passed (${report.seconds.toFixed(1)} s)${optional.length ? `; not available here: ${optional.join(', ')}` : ''}`
      : `FAIL — ${failedChecks} semantic check${failedChecks === 1 ? '' : 's'} and ${failedBackends} required backend${failedBackends === 1 ? '' : 's'} failed`,
    '       ',
  );
  return out.toString();
}
