import { InvalidIdError, assertId, isValidId, normalizeSymbol, quote } from '../paths/index.ts';
import { DataError } from './errors.ts';
import { parseTimeframe } from './timeframe.ts';

/**
 * Dataset ids and sources: the shared id pattern, lower-case (a manifest's file name is its id, and
 * `BTC.json` and `btc.json` are one file on macOS and Windows).
 */
export const LOWER_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,127}$/;
const LOWER_ID_RULE = "1–128 characters of a–z, 0–9, '.', '_' or '-', starting with a letter or digit";

function lowerId(value: unknown, what: string, example: string): string {
  if (typeof value === 'string' && LOWER_ID_PATTERN.test(value)) return value;
  const lower = typeof value === 'string' ? value.toLowerCase() : undefined;
  const hint = lower !== undefined && LOWER_ID_PATTERN.test(lower) ? `did you mean ${quote(lower)}?` : `e.g. ${example}`;
  throw new InvalidIdError(what, value, hint, LOWER_ID_RULE);
}

/**
 * A reference to an existing dataset, as a user may type it: ids are lower-case, so `kraken-BTC-USD-1m`
 * names `kraken-btc-usd-1m`. Anything that is not an id in any case is refused like {@link assertDatasetId}.
 */
export function datasetRefId(value: unknown, what = 'dataset id'): string {
  return assertDatasetId(isValidId(value) ? value.toLowerCase() : value, what);
}

/** A dataset id (= its manifest's file name without `.json`), e.g. `kraken-btc-usd-1m`. */
export function assertDatasetId(value: unknown, what = 'dataset id'): string {
  return lowerId(value, what, 'kraken-btc-usd-1m');
}

/** A source name, e.g. `kraken`, `binanceus`, `synthetic`. */
export function assertSource(value: unknown, what = 'source'): string {
  return lowerId(value, what, 'kraken');
}

/** The canonical timeframe label (`1m`, `1h`, …); anything else is refused naming `what`. */
export function timeframeLabel(value: unknown, what = 'timeframe'): string {
  if (typeof value !== 'string') throw new InvalidIdError(what, value, 'e.g. 1m, 1h, 1d');
  let label: string;
  try {
    label = parseTimeframe(value).label;
  } catch (error) {
    throw new DataError(`${what}: ${(error as Error).message}`);
  }
  return assertId(label, what);
}

/** The default id of a dataset: `<source>-<symbol>-<timeframe>`, lower-cased. */
export function defaultDatasetId(source: string, symbol: string, timeframe: string): string {
  return assertDatasetId(`${source}-${symbol}-${timeframe}`.toLowerCase(), 'default dataset id');
}

/** Where a dataset is filed: its validated, normalised source, symbol and timeframe. */
export interface DatasetAddress {
  source: string;
  symbol: string;
  timeframe: string;
}

/** Validates and normalises the components of a dataset's folder (`BTC/USD` → `BTC-USD`, `60m` → `60m`). */
export function datasetAddress(input: { source: unknown; symbol: unknown; timeframe: unknown }): DatasetAddress {
  return { source: assertSource(input.source), symbol: normalizeSymbol(input.symbol), timeframe: timeframeLabel(input.timeframe) };
}

/** A dataset's folder relative to the data folder, always with `/`: `lake/<source>/<SYMBOL>/<timeframe>`. */
export function datasetFolder({ source, symbol, timeframe }: DatasetAddress): string {
  return ['lake', assertSource(source), normalizeSymbol(symbol), timeframeLabel(timeframe)].join('/');
}
