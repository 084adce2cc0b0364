import { TradecoreError } from '../errors.ts';
import type { ValidationReport } from './validateBars.ts';

/** A data file could not be read, parsed or written (the message names the file and the line or row). */
export class DataError extends TradecoreError {
  override name = 'DataError';
}

/** A partition's bytes do not hash to the sha256 its manifest records. */
export class ChecksumMismatchError extends DataError {
  override name = 'ChecksumMismatchError';
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`checksum mismatch for ${file}: manifest says sha256 ${expected}, file has ${actual}`);
  }
}

/** Bars failed validation (errors, not warnings). `report` holds every finding. */
export class BarsValidationError extends DataError {
  override name = 'BarsValidationError';
  constructor(
    readonly source: string,
    readonly report: ValidationReport,
  ) {
    const shown = report.errors.slice(0, 10).map((e) => `  ${e.message}`);
    const total = Object.entries(report.counts ?? {}).reduce((sum, [kind, n]) => (report.errors.some((e) => e.kind === kind) ? sum + (n ?? 0) : sum), 0);
    const hidden = Math.max(total, report.errors.length) - shown.length;
    const more = hidden > 0 ? [`  … and ${hidden.toLocaleString('en-US')} more`] : [];
    super(`${source} failed validation:\n${[...shown, ...more].join('\n')}`);
  }
}

/** A dataset ref names no manifest file. */
export class DatasetNotFoundError extends DataError {
  override name = 'DatasetNotFoundError';
}
