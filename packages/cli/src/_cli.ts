import type { Command } from 'commander';

/** Exit codes of every `tradecore` command. */
export const EXIT = { ok: 0, validationFailure: 1, usage: 2 } as const;

/** Bad flags or arguments: exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What a command module default-exports: declares its commands on `program`. */
export type RegisterCommand = (program: Command) => void;

/** Options every command inherits from the root program. */
export interface GlobalOptions {
  /** Folder holding `lake/` and `manifests/`. */
  data: string;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** Commander argParser for whole numbers. */
export function integerOption(name: string, min = 0): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${name} must be a whole number ≥ ${min}, got "${value}"`);
    return n;
  };
}

/** Commander argParser for positive numbers. */
export function positiveNumberOption(name: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${name} must be a positive number, got "${value}"`);
    return n;
  };
}

/** A count or rate as people read it: `1,234,567` (the CLI's output is English whatever the locale). */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Left-aligned text table. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
