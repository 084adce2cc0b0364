import { type Bars, type ColumnName, OPTIONAL_COLUMNS, REQUIRED_COLUMNS } from '../features/types.ts';
import { quote } from '../paths/index.ts';
import { columnsOf } from './bars.ts';
import { DataError } from './errors.ts';
import { countLines, fileChunks, forEachLine } from './_lines.ts';
import { type NumericTimeUnit, isBarTime, timeOutOfRange, toEpochMs } from './timeBounds.ts';
import { writeFileAtomic } from './_fs.ts';

export type TimeUnit = 'auto' | 'iso' | NumericTimeUnit;

export interface ImportCsvOptions {
  /** Bar column → CSV header name, for headers the auto-detection does not know. */
  mapping?: Partial<Record<ColumnName, string>>;
  /**
   * How the time column is written: `iso` (ISO 8601), `s`, `ms`, `us` or `ns` since the epoch, or `auto`
   * (default): text is ISO 8601, numbers are taken by magnitude (below 1e11 seconds, below 1e14 ms, below 1e17
   * µs, else ns). Times must fall in 2009-01-01 … 2100-01-01; outside it the error names the unit that fits.
   */
  timeUnit?: TimeUnit;
}

/** Header names recognised without a mapping (compared case-insensitively). */
const HEADER_ALIASES: Record<ColumnName, readonly string[]> = {
  time: ['time', 'open_time', 'opentime', 'timestamp', 'date', 'datetime', 'ts', 'unix'],
  open: ['open', 'o'],
  high: ['high', 'h'],
  low: ['low', 'l'],
  close: ['close', 'c'],
  volume: ['volume', 'vol', 'v', 'base_volume'],
  trades: ['trades', 'count', 'num_trades', 'number_of_trades', 'trade_count'],
  buy_volume: ['buy_volume', 'taker_buy_volume', 'taker_buy_base_volume'],
  sell_volume: ['sell_volume', 'taker_sell_volume', 'taker_sell_base_volume'],
};

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** ISO 8601 → epoch ms. A time without a zone is UTC (never the machine's local zone). NaN if malformed. */
export function parseIsoTime(text: string): number {
  const m = ISO_RE.exec(text);
  if (!m) return Number.NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone = 'Z'] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return Number.NaN;
  let ms = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0').slice(0, 3)));
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
  }
  return ms;
}

/** A plain JSON-style number (no sign but `-`, no hex, no spaces): what a numeric CSV cell may be. */
export const NUMERIC = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** The numeric unit `auto` assumes: by magnitude, so that times from 2009 to 2100 are read right in any unit. */
function autoUnit(x: number): NumericTimeUnit {
  const size = Math.abs(x);
  return size < 1e11 ? 's' : size < 1e14 ? 'ms' : size < 1e17 ? 'us' : 'ns';
}

/** Epoch ms of a time cell, NaN when malformed; throws when it parses but lies outside the accepted range. */
function parseTime(text: string, unit: TimeUnit, where: string): number {
  let ms: number;
  if (unit === 'iso' || (unit === 'auto' && !NUMERIC.test(text))) {
    ms = parseIsoTime(text);
    if (Number.isFinite(ms) && !isBarTime(ms)) throw new DataError(`${where}: column "time" is ${quote(text)}: ${timeOutOfRange(ms)}`);
    return ms;
  }
  if (!NUMERIC.test(text)) return Number.NaN;
  const value = Number(text);
  const numericUnit = unit === 'auto' ? autoUnit(value) : unit;
  ms = toEpochMs(value, numericUnit);
  if (!isBarTime(ms)) throw new DataError(`${where}: column "time" is ${quote(text)}: ${timeOutOfRange(ms, { value, unit: numericUnit })}`);
  return ms;
}

function parseNumber(text: string): number {
  // Number('') is 0; an empty cell must be an error, not a zero.
  return text.trim() === '' ? Number.NaN : Number(text);
}

interface ColumnPlan {
  name: ColumnName;
  index: number;
}

function planColumns(file: string, header: string[], mapping: Partial<Record<ColumnName, string>>): ColumnPlan[] {
  const lower = header.map((h) => h.trim().toLowerCase());
  const shown = quote(header.join(', '));
  const plan: ColumnPlan[] = [];
  for (const name of [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]) {
    const wanted = mapping[name];
    const index = wanted !== undefined ? lower.indexOf(wanted.trim().toLowerCase()) : lower.findIndex((h) => HEADER_ALIASES[name].includes(h));
    if (wanted !== undefined && index < 0) {
      throw new DataError(`${file}:1: mapping ${name}=${wanted} names no column; the header has ${shown.slice(1, -1)}`);
    }
    if (index >= 0) plan.push({ name, index });
    else if ((REQUIRED_COLUMNS as readonly string[]).includes(name)) {
      throw new DataError(`${file}:1: no column for "${name}" in header (${shown.slice(1, -1)}); pass a mapping such as ${name}=<header name>`);
    }
  }
  return plan;
}

const EMPTY = new Float64Array(0);

/**
 * A growing Float64Array. With a `capacity` (the file's line count, when it could be counted) it is one array
 * from the start and `finish` hands it out without a copy; past that, or without one, it grows in fixed blocks
 * that `finish` joins, releasing each block as it is copied.
 */
class ColumnBuilder {
  static readonly BLOCK = 1 << 16;
  #blocks: Float64Array[] = [];
  #current: Float64Array;
  #fill = 0;
  constructor(capacity?: number) {
    this.#current = new Float64Array(capacity !== undefined && capacity > 0 ? capacity : ColumnBuilder.BLOCK);
  }
  push(value: number): void {
    if (this.#fill === this.#current.length) {
      this.#blocks.push(this.#current);
      this.#current = new Float64Array(ColumnBuilder.BLOCK);
      this.#fill = 0;
    }
    this.#current[this.#fill++] = value;
  }
  finish(): Float64Array {
    if (this.#blocks.length === 0) {
      // A view when a few counted lines were blank: no copy of the column for the sake of a few slots.
      const out = this.#fill === this.#current.length ? this.#current : this.#current.subarray(0, this.#fill);
      this.#current = EMPTY;
      return out;
    }
    const total = this.#blocks.reduce((sum, b) => sum + b.length, 0) + this.#fill;
    const out = new Float64Array(total);
    let at = 0;
    for (let k = 0; k < this.#blocks.length; k++) {
      const block = this.#blocks[k] as Float64Array;
      out.set(block, at);
      at += block.length;
      this.#blocks[k] = EMPTY;
    }
    out.set(this.#current.subarray(0, this.#fill), at);
    this.#blocks = [];
    this.#current = EMPTY;
    return out;
  }
}

interface RowParser {
  (line: string, lineNumber: number): void;
  finish(): Bars;
}

function rowParser(file: string, plan: readonly ColumnPlan[], timeUnit: TimeUnit, width: number, capacity?: number): RowParser {
  const builders = plan.map(({ name, index }) => ({ name, index, column: new ColumnBuilder(capacity) }));
  let rows = 0;
  const parse = ((line: string, lineNumber: number) => {
    if (line.trim() === '') return;
    const cells = line.split(',');
    if (cells.length !== width) throw new DataError(`${file}:${lineNumber}: expected ${width} fields, found ${cells.length}`);
    for (const { name, index, column } of builders) {
      const raw = (cells[index] ?? '').trim();
      const value = name === 'time' ? parseTime(raw, timeUnit, `${file}:${lineNumber}`) : parseNumber(raw);
      if (!Number.isFinite(value)) {
        const expected = name === 'time' ? (timeUnit === 'auto' ? 'an ISO 8601 time or unix seconds/ms/us/ns' : `a time (${timeUnit})`) : 'a number';
        throw new DataError(`${file}:${lineNumber}: column "${name}" is ${quote(raw)}, expected ${expected}`);
      }
      column.push(value);
    }
    rows++;
  }) as RowParser;
  // One column at a time, so at most one column is held twice while the blocks are joined.
  parse.finish = () => {
    const columns: Partial<Record<ColumnName, Float64Array>> = {};
    for (const { name, column } of builders) columns[name] = column.finish();
    return { length: rows, ...columns } as Bars;
  };
  return parse;
}

/**
 * Reads a CSV with a header row into bars, streaming: memory is the bars plus about 1 MiB, whatever the
 * file's size. Columns are found by header name (see the aliases, or pass `mapping`); extra columns are
 * ignored. A malformed row throws a {@link DataError} naming the file and line (quoting at most a short
 * excerpt); so does a time outside 2009-01-01 … 2100-01-01, naming the `timeUnit` that fits. Rows are kept in
 * file order: the lake's validation rejects unsorted times.
 */
export async function importCsv(file: string, options: ImportCsvOptions = {}): Promise<Bars> {
  const lines = await countLines(file);
  return readCsv(fileChunks(file), file, options, lines === undefined ? undefined : lines - 1);
}

/** {@link importCsv} over any byte or text stream; `label` names the source in errors. */
export async function parseCsv(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, label: string, options: ImportCsvOptions = {}): Promise<Bars> {
  return readCsv(chunks, label, options);
}

async function readCsv(chunks: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, label: string, options: ImportCsvOptions, capacity?: number): Promise<Bars> {
  let parser: RowParser | undefined;
  await forEachLine(chunks, label, (line, lineNumber) => {
    if (parser) return parser(line, lineNumber);
    if (line.trim() === '') return;
    const header = line.split(',');
    parser = rowParser(label, planColumns(label, header, options.mapping ?? {}), options.timeUnit ?? 'auto', header.length, capacity);
  });
  if (!parser) throw new DataError(`${label}: empty file, expected a header row and bars`);
  return parser.finish();
}

/**
 * Reads a Kraken OHLCVT archive file (`<PAIR>_<minutes>.csv`): no header,
 * `unix_s,open,high,low,close,volume,trades`; minutes without trades are absent (sparse). Streamed like
 * {@link importCsv}.
 */
export async function importKrakenOhlcvt(file: string): Promise<Bars> {
  const names = ['time', 'open', 'high', 'low', 'close', 'volume', 'trades'] as const;
  const parser = rowParser(
    file,
    names.map((name, index) => ({ name, index })),
    's',
    names.length,
    await countLines(file),
  );
  await forEachLine(fileChunks(file), file, parser);
  return parser.finish();
}

/**
 * Reads Binance's kline files (data.binance.vision, `<SYMBOL>-<interval>-<date>.csv`): 12 fields,
 * `open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore`,
 * with or without that header line. Open times are milliseconds (microseconds in spot files from 2025), read by
 * magnitude. `taker_buy_volume` is the bar's buy volume and `volume − taker_buy_volume` its sell volume.
 * Streamed like {@link importCsv}.
 */
export async function importBinanceKlines(file: string): Promise<Bars> {
  const plan: ColumnPlan[] = [
    { name: 'time', index: 0 },
    { name: 'open', index: 1 },
    { name: 'high', index: 2 },
    { name: 'low', index: 3 },
    { name: 'close', index: 4 },
    { name: 'volume', index: 5 },
    { name: 'trades', index: 8 },
    { name: 'buy_volume', index: 9 },
  ];
  const parser = rowParser(file, plan, 'auto', 12, await countLines(file));
  let first = true;
  await forEachLine(fileChunks(file), file, (line, lineNumber) => {
    if (first && line.trim() !== '') {
      first = false;
      if ((line.split(',')[0] ?? '').trim().toLowerCase() === 'open_time') return; // the header line of newer files
    }
    parser(line, lineNumber);
  });
  const bars = parser.finish();
  const volume = bars.volume;
  const buy = bars.buy_volume as Float64Array;
  const sell = new Float64Array(bars.length);
  for (let i = 0; i < bars.length; i++) sell[i] = (volume[i] as number) - (buy[i] as number);
  return { ...bars, sell_volume: sell };
}

export interface ExportCsvOptions {
  /** `iso` (default, e.g. 2024-01-01T00:00:00.000Z), `ms` or `s`. */
  timeFormat?: 'iso' | 'ms' | 's';
}

/**
 * Bars → CSV text in pieces of about `chunkRows` rows, header first
 * (`time,open,high,low,close,volume[,trades,buy_volume,sell_volume]`), so any number of rows can be written
 * without building one string (V8 caps a string near 512 MiB).
 */
export function* csvChunks(bars: Bars, { timeFormat = 'iso' }: ExportCsvOptions = {}, chunkRows = 16_384): Generator<string> {
  const names = columnsOf(bars);
  const cols = names.map((n) => bars[n] as Float64Array);
  let out = `${names.join(',')}\n`;
  for (let i = 0; i < bars.length; i++) {
    const t = bars.time[i] as number;
    out += timeFormat === 'iso' ? new Date(t).toISOString() : timeFormat === 's' ? String(t / 1000) : String(t);
    for (let c = 1; c < cols.length; c++) out += `,${(cols[c] as Float64Array)[i]}`;
    out += '\n';
    if ((i + 1) % chunkRows === 0) {
      yield out;
      out = '';
    }
  }
  if (out) yield out;
}

/** Bars → one CSV string (see {@link csvChunks}; for large series write the chunks instead). */
export function barsToCsv(bars: Bars, options: ExportCsvOptions = {}): string {
  return [...csvChunks(bars, options)].join('');
}

/**
 * Writes bars as CSV, streamed to a temp file that is renamed over `file` at the end (atomic). Numbers use
 * JavaScript's shortest round-trip form, so a re-import is exact.
 */
export async function exportCsv(bars: Bars, file: string, options: ExportCsvOptions = {}): Promise<void> {
  await writeFileAtomic(file, csvChunks(bars, options));
}
