import type { Command } from 'commander';
import { UsageError, type RegisterCommand } from '../_cli.ts';

/** Same list as @tradecore/trainer-gpu's BACKEND_NAMES (not imported: the command module stays light). */
const BACKENDS = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
type Backend = (typeof BACKENDS)[number];

interface DoctorOptions {
  json?: boolean;
  backend?: Backend;
}

function backendOption(value: string): Backend {
  if (!(BACKENDS as readonly string[]).includes(value)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got "${value}"`);
  return value as Backend;
}

/**
 * `tradecore doctor [--json] [--backend X]`: is this machine ready? Environment, compute backends (with
 * the GPU and driver, or why not and the fix), a short timed training run and an inference agreement
 * check per backend, and the semantics self-test. Exit 1 unless every required check passed.
 */
const register: RegisterCommand = (program) => {
  program
    .command('doctor')
    .description(
      'check this machine: environment, trainer backends (GPU adapter and driver, or why not and the fix; a timed training step and an inference agreement check each) and the semantics self-test (indicators vs TA-Lib, a worked ledger, the risk budget); exit 1 unless everything required passed',
    )
    .option('--json', 'print one JSON report (for pod logs) instead of text')
    .option('--backend <name>', `check this backend (it must load) besides cpu: ${BACKENDS.join(', ')}`, backendOption)
    .action(async (options: DoctorOptions, _command: Command) => {
      const { runDoctor, formatReport, reportWidth } = await import('../actions/doctor/index.ts');
      const progress = options.json || !process.stderr.isTTY ? undefined : (line: string) => process.stderr.write(`\r\x1b[2K… ${line}`);
      const report = await runDoctor({ cwd: process.cwd(), ...(options.backend ? { backend: options.backend } : {}), ...(progress ? { onProgress: progress } : {}) });
      if (progress) process.stderr.write('\r\x1b[2K');
      process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, reportWidth()));
      if (!report.ok) process.exitCode = 1;
    });
};

export default register;
