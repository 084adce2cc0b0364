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
 * trades (and per second), bars complete (and written) and the ETA. On a narrow terminal the parts that matter
 * least go first: the position, then retries, bars and the ETA; trades stay.
 */
export function formatProgress(p: PullProgress, columns = 100): string {
  const pct = `${(p.fraction * 100).toFixed(1).padStart(5)}%`;
  const written = p.barsWritten < p.barsComplete ? ` (${int.format(p.barsWritten)} written)` : '';
  // In display order, each with its rank: the lower, the longer it stays.
  const parts = [
    { rank: 4, text: p.position.slice(0, 16).replace('T', ' ') },
    { rank: 0, text: `${int.format(p.trades)} trades${p.tradesPerSecond > 0 ? ` (${int.format(p.tradesPerSecond)}/s)` : ''}` },
    { rank: 2, text: `${int.format(p.barsComplete)} bars${written}` },
    { rank: 1, text: p.etaSeconds === null ? '' : `ETA ${formatSeconds(p.etaSeconds)}` },
    { rank: 3, text: p.retries > 0 ? `${p.retries} retries` : '' },
  ].filter((part) => part.text !== '');
  const width = Math.max(10, Math.min(30, columns - 90));
  const filled = Math.round(p.fraction * width);
  const head = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${pct}`;
  const shown = [...parts].sort((x, y) => x.rank - y.rank);
  const length = () => shown.reduce((n, part) => n + 2 + part.text.length, head.length);
  while (shown.length > 0 && length() > columns - 1) shown.pop();
  return [head, ...parts.filter((part) => shown.includes(part)).map((part) => part.text)].join('  ');
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
