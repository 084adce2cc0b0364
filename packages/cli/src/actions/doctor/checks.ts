/** One line of the doctor's report. */
export interface CheckResult {
  readonly group: 'indicators' | 'execution' | 'risk-guard' | 'backends';
  readonly name: string;
  readonly status: 'pass' | 'fail' | 'skip';
  /** A failed required check makes `tradecore doctor` exit 1; optional ones only inform. */
  readonly required: boolean;
  /** What was checked, or why it did not run. */
  readonly detail: string;
  /** The first value that differs from the reference: where, expected, got. */
  readonly firstDifference?: string;
  /** What to do about a failure or a skip. */
  readonly fix?: string;
}

/** `|got − expected| ≤ tolerance`, NaN only equal to NaN. */
export function close(got: number, expected: number, tolerance: number): boolean {
  if (Number.isNaN(expected) || Number.isNaN(got)) return Number.isNaN(expected) && Number.isNaN(got);
  return Math.abs(got - expected) <= tolerance;
}

/** Short number for messages: full precision, no trailing noise. */
export function num(value: number): string {
  return Number.isNaN(value) ? 'NaN' : String(Number(value.toPrecision(12)));
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
