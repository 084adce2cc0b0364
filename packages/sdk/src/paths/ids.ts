import { TradecoreError } from '../errors.ts';

/**
 * The one pattern every id that becomes part of a path must match: dataset ids, sources, symbols,
 * timeframes, run ids, manifest names, sweep and trial ids. 1–128 ASCII letters, digits, `.`, `_` or `-`,
 * starting with a letter or digit (so never `.`, `..` or a hidden file), no separators, no NUL.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The pattern in words, for error messages and docs. */
export const ID_RULE = "1–128 characters of A–Z, a–z, 0–9, '.', '_' or '-', starting with a letter or digit";

/** An id (or an id-like path component) that does not match {@link ID_PATTERN}. */
export class InvalidIdError extends TradecoreError {
  override name = 'InvalidIdError';
  constructor(
    /** What the value names, e.g. `dataset id`, `--symbol`, `run id in trainer-state.json`. */
    readonly what: string,
    readonly value: unknown,
    hint?: string,
    /** The rule in words; {@link ID_RULE} unless the id has a narrower one (dataset ids are lower-case). */
    rule = ID_RULE,
  ) {
    super(`${what} ${quote(value)} is not a valid id: use ${rule}${hint ? ` (${hint})` : ''}`);
  }
}

const MAX_QUOTED = 80;

/** A value shown in an error message: JSON-quoted (so NUL, newlines and unicode are visible) and capped. */
export function quote(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}… (${text.length} characters)` : text;
}

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** Returns `value` when it is a valid id, else throws {@link InvalidIdError} naming `what`. */
export function assertId(value: unknown, what: string): string {
  if (!isValidId(value)) throw new InvalidIdError(what, value);
  return value;
}

/**
 * A market symbol as stored in the lake: upper-case, `/` and `:` between base and quote become `-`
 * (`btc/usd` → `BTC-USD`). Anything else outside {@link ID_PATTERN} is refused, naming the allowed form.
 */
export function normalizeSymbol(value: unknown, what = 'symbol'): string {
  if (typeof value !== 'string') throw new InvalidIdError(what, value, 'e.g. BTC-USD');
  const parts = value.split(/[/:]/);
  const candidate = parts.every((p) => p.length > 0) && parts.length <= 3 ? parts.join('-').toUpperCase() : value;
  if (!isValidId(candidate) || candidate.includes('..')) throw new InvalidIdError(what, value, 'e.g. BTC-USD or BTC/USD');
  return candidate;
}
