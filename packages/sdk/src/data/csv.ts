import { readFile } from 'node:fs/promises';
import { type Bars, type ColumnName, OPTIONAL_COLUMNS, REQUIRED_COLUMNS } from '../features/types.ts';
import { columnsOf } from './bars.ts';
import { DataError } from './errors.ts';
import { writeFileAtomic } from './_fs.ts';

export type TimeUnit = 'auto' | 'iso' | 's' | 'ms';

export interface ImportCsvOptions {
  /** Bar column → CSV header name, for headers the auto-detection does not know. */
  mapping?: Partial<Record<ColumnName, string>>;
  /** How the time column is written. `auto`: numbers below 1e11 are seconds, larger ones ms, text is ISO 8601. */
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

function parseTime(text: string, unit: TimeUnit): number {
  if (unit === 'iso') return parseIsoTime(text);
  const numeric = text !== '' && /^-?\d+(\.\d+)?$/.test(text);
  if (unit === 's') return numeric ? Math.round(Number(text) * 1000) : Number.NaN;
  if (unit === 'ms') return numeric ? Number(text) : Number.NaN;
  if (numeric) {
    const x = Number(text);
    return Math.abs(x) < 1e11 ? Math.round(x * 1000) : x;
  }
  return parseIsoTime(text);
}

function parseNumber(text: string): number {
  // Number('') is 0; an empty cell must be an error, not a zero.
  return text.trim() === '' ? Number.NaN : Number(text);
}

async function readLines(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new DataError(`cannot read ${file}: ${(error as Error).message}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.split(/\r?\n/);
}

interface ColumnPlan {
  name: ColumnName;
  index: number;
}

function planColumns(file: string, header: string[], mapping: Partial<Record<ColumnName, string>>): ColumnPlan[] {
  const lower = header.map((h) => h.trim().toLowerCase());
  const plan: ColumnPlan[] = [];
  for (const name of [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS]) {
    const wanted = mapping[name];
    const index = wanted !== undefined ? lower.indexOf(wanted.trim().toLowerCase()) : lower.findIndex((h) => HEADER_ALIASES[name].includes(h));
    if (wanted !== undefined && index < 0) {
      throw new DataError(`${file}:1: mapping ${name}=${wanted} names no column; the header has ${header.join(', ')}`);
    }
    if (index >= 0) plan.push({ name, index });
    else if ((REQUIRED_COLUMNS as readonly string[]).includes(name)) {
      throw new DataError(
        `${file}:1: no column for "${name}" in header (${header.join(', ')}); pass a mapping such as ${name}=<header name>`,
      );
    }
  }
  return plan;
}

function parseRows(file: string, lines: string[], firstLine: number, plan: readonly ColumnPlan[], timeUnit: TimeUnit, width: number | null): Bars {
  const dataLines: number[] = [];
  for (let i = firstLine; i < lines.length; i++) if ((lines[i] as string).trim() !== '') dataLines.push(i);
  const n = dataLines.length;
  const columns = Object.fromEntries(plan.map(({ name }) => [name, new Float64Array(n)])) as Record<ColumnName, Float64Array>;
  for (let r = 0; r < n; r++) {
    const lineNo = (dataLines[r] as number) + 1;
    const cells = (lines[dataLines[r] as number] as string).split(',');
    if (width !== null && cells.length !== width) {
      throw new DataError(`${file}:${lineNo}: expected ${width} fields, found ${cells.length}`);
    }
    for (const { name, index } of plan) {
      const raw = (cells[index] ?? '').trim();
      const value = name === 'time' ? parseTime(raw, timeUnit) : parseNumber(raw);
      if (!Number.isFinite(value)) {
        const expected = name === 'time' ? (timeUnit === 'auto' ? 'an ISO 8601 time or unix seconds/ms' : `a time (${timeUnit})`) : 'a number';
        throw new DataError(`${file}:${lineNo}: column "${name}" is "${raw}", expected ${expected}`);
      }
      (columns[name] as Float64Array)[r] = value;
    }
  }
  return { length: n, ...columns } as Bars;
}

/**
 * Reads a CSV with a header row into bars. Columns are found by header name (see the aliases, or
 * pass `mapping`); extra columns are ignored. A malformed row throws a {@link DataError} naming the
 * file and line. Rows are kept in file order: the lake's validation rejects unsorted times.
 */
export async function importCsv(file: string, options: ImportCsvOptions = {}): Promise<Bars> {
  const lines = await readLines(file);
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt < 0) throw new DataError(`${file}: empty file, expected a header row and bars`);
  const header = (lines[headerAt] as string).split(',');
  const plan = planColumns(file, header, options.mapping ?? {});
  return parseRows(file, lines, headerAt + 1, plan, options.timeUnit ?? 'auto', header.length);
}

/**
 * Reads a Kraken OHLCVT archive file (`<PAIR>_<minutes>.csv`): no header,
 * `unix_s,open,high,low,close,volume,trades`; minutes without trades are absent (sparse).
 */
export async function importKrakenOhlcvt(file: string): Promise<Bars> {
  const lines = await readLines(file);
  const names = ['time', 'open', 'high', 'low', 'close', 'volume', 'trades'] as const;
  return parseRows(
    file,
    lines,
    0,
    names.map((name, index) => ({ name, index })),
    's',
    names.length,
  );
}

export interface ExportCsvOptions {
  /** `iso` (default, e.g. 2024-01-01T00:00:00.000Z), `ms` or `s`. */
  timeFormat?: 'iso' | 'ms' | 's';
}

/** Bars → CSV text with a header (`time,open,high,low,close,volume[,trades,buy_volume,sell_volume]`). */
export function barsToCsv(bars: Bars, { timeFormat = 'iso' }: ExportCsvOptions = {}): string {
  const names = columnsOf(bars);
  const cols = names.map((n) => bars[n] as Float64Array);
  const out: string[] = [names.join(',')];
  for (let i = 0; i < bars.length; i++) {
    const t = bars.time[i] as number;
    const time = timeFormat === 'iso' ? new Date(t).toISOString() : timeFormat === 's' ? String(t / 1000) : String(t);
    let row = time;
    for (let c = 1; c < cols.length; c++) row += `,${(cols[c] as Float64Array)[i]}`;
    out.push(row);
  }
  return `${out.join('\n')}\n`;
}

/** Writes bars as CSV (atomically). Numbers use JavaScript's shortest round-trip form, so a re-import is exact. */
export async function exportCsv(bars: Bars, file: string, options: ExportCsvOptions = {}): Promise<void> {
  await writeFileAtomic(file, barsToCsv(bars, options));
}
