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
    // The report keeps a few findings of each kind but counts them all: say how many there really are.
    const kinds = [...new Set(report.errors.map((e) => e.kind))].map((kind) => [kind, report.counts?.[kind] ?? 0] as const);
    const total = Math.max(report.errors.length, kinds.reduce((sum, [, n]) => sum + n, 0));
    const byKind = kinds.map(([kind, n]) => `${kind} ×${n.toLocaleString('en-US')}`).join(', ');
    const more = total > shown.length ? [`  … and ${(total - shown.length).toLocaleString('en-US')} more (${byKind})`] : [];
    super(`${source} failed validation:\n${[...shown, ...more].join('\n')}`);
  }
}

/** A dataset ref names no manifest file. */
export class DatasetNotFoundError extends DataError {
  override name = 'DatasetNotFoundError';
}
