import { open, stat } from 'node:fs/promises';
import type { Bars } from '../features/types.ts';
import { quote } from '../paths/index.ts';
import { type ImportCsvOptions, NUMERIC, importBinanceKlines, importCsv, importKrakenOhlcvt } from './csv.ts';
import { DataError } from './errors.ts';

/** File formats `importBars` reads; `auto` tells them apart by the first line. */
export const IMPORT_FORMATS = ['auto', 'csv', 'kraken-ohlcvt', 'binance-klines'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** How many bytes of a file {@link detectImportFormat} reads to find its first line. */
const SNIFF_BYTES = 64 * 1024;

/**
 * Which format a file is in, from its first non-empty line: a header (a first field that is not a number) is a
 * CSV with a header; a headerless line of 7 numbers is Kraken's OHLCVT archive format, of 12 Binance's klines.
 * Anything else is refused naming the file and what its first line holds; so is anything but a regular file.
 */
export async function detectImportFormat(file: string): Promise<Exclude<ImportFormat, 'auto'>> {
  // A pipe (`<(zcat bars.csv.gz)`) can be read once: looking at its first line would take it from the importer.
  if (!(await stat(file)).isFile()) {
    throw new DataError(`${file} is not a regular file (a pipe can only be read once), so its format is not guessed: pass the format (--format ${IMPORT_FORMATS.slice(1).join('|')})`);
  }
  const handle = await open(file, 'r');
  let text: string;
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    text = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '');
  } finally {
    await handle.close();
  }
  const line = text.split('\n').map((l) => l.replace(/\r$/, '')).find((l) => l.trim() !== '');
  if (line === undefined) throw new DataError(`${file}: empty file, expected bars`);
  const cells = line.split(',').map((c) => c.trim());
  if (!NUMERIC.test(cells[0] ?? '')) return 'csv';
  if (cells.every((c) => NUMERIC.test(c))) {
    if (cells.length === 7) return 'kraken-ohlcvt';
    if (cells.length === 12) return 'binance-klines';
  }
  const looksLike = cells.length === 3 ? ' (time,price,volume looks like trades, not bars)' : '';
  throw new DataError(
    `${file}:1: cannot tell the format of a line of ${cells.length} fields without a header${looksLike}: expected a header row (csv), 7 numbers (kraken-ohlcvt) or 12 (binance-klines); it starts ${quote(line.slice(0, 60))}`,
  );
}

export interface ImportBarsOptions extends ImportCsvOptions {
  /** Default `auto`: see {@link detectImportFormat}. `mapping` and `timeUnit` apply to `csv` only. */
  format?: ImportFormat;
}

/** Reads a bar file in any {@link IMPORT_FORMATS}; returns the bars and the format they were read as. */
export async function importBars(file: string, options: ImportBarsOptions = {}): Promise<{ bars: Bars; format: Exclude<ImportFormat, 'auto'> }> {
  const format = !options.format || options.format === 'auto' ? await detectImportFormat(file) : options.format;
  switch (format) {
    case 'csv':
      return { bars: await importCsv(file, options), format };
    case 'kraken-ohlcvt':
      return { bars: await importKrakenOhlcvt(file), format };
    case 'binance-klines':
      return { bars: await importBinanceKlines(file), format };
  }
}
