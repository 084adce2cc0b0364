/**
 * Test-only crash injection for the run archive. Inert unless the environment variable
 * `TRADECORE_FAULT_KILL` is set (nothing else reads it): `TRADECORE_FAULT_KILL=checkpoint:3` makes the
 * process SIGKILL itself at the third `checkpoint` write point it reaches, in the middle of that write
 * (temp data written, not yet renamed into place). The kill-and-resume tests use it to prove that a crash
 * at any write of a run loses no completed work and that resuming gives the same metrics.
 */
export const FAULT_ENV = 'TRADECORE_FAULT_KILL';

/** Every place a run writes to its folder, in the order a run reaches them. */
export const WRITE_POINTS = ['run-json', 'checkpoint', 'model', 'metrics', 'ledger', 'report', 'run-json-complete'] as const;
export type WritePoint = (typeof WRITE_POINTS)[number];

let plan: { point: string; at: number } | null | undefined;
const seen = new Map<string, number>();

function parsePlan(): { point: string; at: number } | null {
  const value = process.env[FAULT_ENV];
  if (!value) return null;
  const match = /^([a-z-]+):(\d+)$/.exec(value);
  if (!match || !(WRITE_POINTS as readonly string[]).includes(match[1]!)) {
    throw new Error(`${FAULT_ENV}=${JSON.stringify(value)}: expected <point>:<n> with point one of ${WRITE_POINTS.join(', ')}`);
  }
  return { point: match[1]!, at: Number(match[2]) };
}

/** Marks a write point; kills the process there when {@link FAULT_ENV} asks for it. */
export function faultPoint(point: WritePoint): void {
  if (plan === undefined) plan = parsePlan();
  if (plan === null || plan.point !== point) return;
  const count = (seen.get(point) ?? 0) + 1;
  seen.set(point, count);
  if (count !== plan.at) return;
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL to oneself is delivered before the call returns; never continue past a requested crash.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10_000);
}
