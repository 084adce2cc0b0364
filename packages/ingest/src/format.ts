import type { PullProgress } from './pull/types.ts';
import type { StreamBar } from './stream/stream.ts';

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `3h 05m`, `4m 12s`, `9s`. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s >= 86_400) return `${Math.floor(s / 86_400)}d ${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
  if (s >= 3600) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/**
 * One line for a terminal `columns` wide: a bar, the share done, how far the exchange's data has been read,
 * trades (and per second), bars written and the ETA. Parts are dropped from the right to fit.
 */
export function formatProgress(p: PullProgress, columns = 100): string {
  const pct = `${(p.fraction * 100).toFixed(1).padStart(5)}%`;
  const parts = [
    p.position.slice(0, 16).replace('T', ' '),
    `${int.format(p.trades)} trades${p.tradesPerSecond > 0 ? ` (${int.format(p.tradesPerSecond)}/s)` : ''}`,
    `${int.format(p.barsWritten)} bars`,
    p.etaSeconds === null ? '' : `ETA ${formatSeconds(p.etaSeconds)}`,
    p.retries > 0 ? `${p.retries} retries` : '',
  ].filter(Boolean);
  const width = Math.max(10, Math.min(30, columns - 60));
  const filled = Math.round(p.fraction * width);
  let line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}`;
  for (const part of parts) {
    if (line.length + 2 + part.length > columns - 1) break;
    line += `  ${part}`;
  }
  return line;
}

/** A closed bar as one line: time, OHLC, volume, trades, buy/sell volume, then indicator values. */
export function formatBar(bar: StreamBar): string {
  const num = (x: number) => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(10))));
  const values = Object.entries(bar.features ?? {}).map(([k, v]) => `${k}=${Number.isNaN(v) ? 'NaN' : num(v)}`);
  return [
    new Date(bar.time).toISOString().slice(0, 16).replace('T', ' '),
    `O ${num(bar.open)}`,
    `H ${num(bar.high)}`,
    `L ${num(bar.low)}`,
    `C ${num(bar.close)}`,
    `V ${bar.volume.toFixed(8)}`,
    `n ${bar.trades}`,
    `buy ${bar.buy_volume.toFixed(8)}`,
    `sell ${bar.sell_volume.toFixed(8)}`,
    ...values,
  ].join('  ');
}
