import { readFileSync } from 'node:fs';
import { allocateBars, type MutableBars } from '../data/bars.ts';
import type { Bars } from '../features/types.ts';

/** A small seeded PRNG (mulberry32), so generated bars are the same on every machine. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface ContractBarsOptions {
  length?: number;
  seed?: number;
  /** Starting price; BTC-like by default, so cancellation problems show up. */
  startPrice?: number;
  /** Include `trades`, `buy_volume` and `sell_volume`. Default true. */
  orderFlow?: boolean;
}

/**
 * Deterministic 1-minute bars for conformance tests: a random walk at BTC-like prices with a
 * 40-bar flat, zero-volume stretch in the middle (to probe flat windows and Σvolume = 0) and
 * prices on a 0.01 tick.
 */
export function contractBars({ length = 2000, seed = 1, startPrice = 25_000, orderFlow = true }: ContractBarsOptions = {}): Bars {
  const rand = mulberry32(seed);
  const cols = allocateBars(length, ['trades', 'buy_volume', 'sell_volume']) as MutableBars & Required<Pick<Bars, 'trades' | 'buy_volume' | 'sell_volume'>>;
  const tick = (x: number) => Math.round(x * 100) / 100;
  const flatFrom = Math.floor(length / 2);
  const flatTo = flatFrom + 40;
  let price = startPrice;
  const t0 = Date.UTC(2024, 0, 1, 22, 0); // crosses midnight UTC early on
  for (let i = 0; i < length; i++) {
    cols.time[i] = t0 + i * 60_000;
    const open = tick(price);
    if (i >= flatFrom && i < flatTo) {
      cols.open[i] = cols.high[i] = cols.low[i] = cols.close[i] = open;
      continue; // volume, trades, buy and sell volume stay 0
    }
    const close = tick(open * (1 + (rand() - 0.5) * 0.004));
    cols.open[i] = open;
    cols.close[i] = close;
    cols.high[i] = tick(Math.max(open, close) * (1 + rand() * 0.001));
    cols.low[i] = tick(Math.min(open, close) * (1 - rand() * 0.001));
    const volume = 0.05 + rand() * 5;
    const buyShare = rand();
    cols.volume[i] = volume;
    cols.buy_volume[i] = volume * buyShare;
    cols.sell_volume[i] = volume - volume * buyShare;
    cols.trades[i] = 1 + Math.floor(rand() * 200);
    price = close;
  }
  if (orderFlow) return cols;
  const { trades: _t, buy_volume: _b, sell_volume: _s, ...ohlcv } = cols;
  return ohlcv;
}

/** A numeric CSV as columns of Float64Array; empty or non-numeric cells become NaN. */
export interface CsvColumns {
  readonly length: number;
  readonly header: readonly string[];
  column(name: string): Float64Array;
}

/** Reads a numeric CSV (reference vectors and the like) into Float64Array columns. */
export function readCsvColumns(file: string): CsvColumns {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((line) => line.length > 0);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const rows = lines.length - 1;
  const data = header.map(() => new Float64Array(rows));
  for (let r = 0; r < rows; r++) {
    const cells = lines[r + 1]!.split(',');
    for (let c = 0; c < header.length; c++) {
      const cell = cells[c]?.trim() ?? '';
      data[c]![r] = cell === '' ? Number.NaN : Number(cell);
    }
  }
  return {
    length: rows,
    header,
    column(name) {
      const index = header.indexOf(name);
      if (index < 0) throw new Error(`${file}: no column "${name}" (has ${header.join(', ')})`);
      return data[index]!;
    },
  };
}

/** Bars from a CSV with `open,high,low,close,volume` columns (any case) and optional `ts_unix` seconds. */
export function barsFromCsv(csv: CsvColumns): Bars {
  const find = (name: string) => {
    const match = csv.header.find((h) => h.toLowerCase() === name);
    return match === undefined ? undefined : csv.column(match);
  };
  const require = (name: string) => {
    const column = find(name);
    if (!column) throw new Error(`CSV has no "${name}" column (has ${csv.header.join(', ')})`);
    return column;
  };
  const seconds = find('ts_unix');
  const time = new Float64Array(csv.length);
  for (let i = 0; i < csv.length; i++) time[i] = seconds ? seconds[i]! * 1000 : i * 60_000;
  const volume = find('volume') ?? new Float64Array(csv.length).fill(1);
  const close = require('close');
  return {
    length: csv.length,
    time,
    open: find('open') ?? close,
    high: find('high') ?? close,
    low: find('low') ?? close,
    close,
    volume,
  };
}
