import type { Bars } from '../features/types.ts';
import { esc, fmt, niceTicks, tickLabels } from './svg.ts';
import type { Trade } from './trades.ts';

const W = 880;
const PAD = { left: 72, right: 16, top: 28, bottom: 30 };
const COLORS = { up: '#16a34a', down: '#dc2626', long: '#16a34a', short: '#dc2626', exit: '#111827', stop: '#ea580c', band: '#94a3b8' };

const isoMinute = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');

export interface PriceChartInput {
  readonly bars: Bars;
  /** First and last bar of the test (inclusive). */
  readonly from: number;
  readonly to: number;
  readonly trades: readonly Trade[];
  /** Bar indices where a walk-forward fold starts. */
  readonly boundaries?: readonly number[];
  /** At most this many price columns; longer ranges are bucketed (each column shows its bars' low–high and open/close). */
  readonly maxColumns?: number;
}

/**
 * The test split's prices with the agent's trades: candles (bucketed for long ranges), the time in a
 * position shaded (green long, red short), entries as triangles at their fill price, exits as dots
 * and stop-outs as orange crosses at theirs. Markers carry `data-price`/`data-time` of their fill.
 */
export function priceSvg({ bars, from, to, trades, boundaries = [], maxColumns = 600 }: PriceChartInput): string {
  const height = 340;
  const plotW = W - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const n = to - from + 1;
  const columns = Math.max(1, Math.min(n, maxColumns));
  const perColumn = n / columns;
  const colOpen = new Float64Array(columns);
  const colClose = new Float64Array(columns);
  const colHigh = new Float64Array(columns).fill(-Infinity);
  const colLow = new Float64Array(columns).fill(Infinity);
  for (let c = 0; c < columns; c++) {
    const a = from + Math.floor(c * perColumn);
    const b = Math.min(to, from + Math.floor((c + 1) * perColumn) - 1);
    colOpen[c] = bars.open[a]!;
    colClose[c] = bars.close[Math.max(a, b)]!;
    for (let i = a; i <= Math.max(a, b); i++) {
      if (bars.high[i]! > colHigh[c]!) colHigh[c] = bars.high[i]!;
      if (bars.low[i]! < colLow[c]!) colLow[c] = bars.low[i]!;
    }
  }
  let lo = Math.min(...colLow);
  let hi = Math.max(...colHigh);
  for (const t of trades) {
    for (const p of [t.entryPrice, t.exitPrice]) {
      if (Number.isFinite(p)) {
        lo = Math.min(lo, p);
        hi = Math.max(hi, p);
      }
    }
  }
  const nice = niceTicks(lo, hi);
  const span = nice.hi - nice.lo || 1;
  const x = (index: number) => PAD.left + (n > 1 ? ((index - from) / (n - 1)) * plotW : plotW / 2);
  const y = (price: number) => PAD.top + (1 - (price - nice.lo) / span) * plotH;
  const colW = plotW / columns;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" id="price-chart" viewBox="0 0 ${W} ${height + 22}" width="${W}" height="${height + 22}" font-family="system-ui, sans-serif" role="img" aria-label="Prices of the test split with the agent's trades">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${PAD.left}" y="18" font-size="13" font-weight="600">Price and the agent's trades${perColumn > 1 ? ` (${fmt(perColumn)} bars per column)` : ''}</text>`,
  ];
  const priceLabels = tickLabels(nice.ticks);
  nice.ticks.forEach((v, k) => {
    const yy = y(v).toFixed(1);
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${yy}" y2="${yy}" stroke="#f1f5f9"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${yy}" font-size="10" text-anchor="end" dominant-baseline="middle">${priceLabels[k]}</text>`);
  });
  for (const t of trades) {
    const x0 = x(t.entryIndex);
    const x1 = Math.max(x0 + 1, x(t.exitIndex));
    parts.push(`<rect class="position ${t.side === 1 ? 'long' : 'short'}" x="${x0.toFixed(1)}" y="${PAD.top}" width="${(x1 - x0).toFixed(1)}" height="${plotH}" fill="${t.side === 1 ? COLORS.long : COLORS.short}" fill-opacity="0.08"/>`);
  }
  for (const b of boundaries) {
    const xx = x(b).toFixed(1);
    parts.push(`<line class="fold-boundary" x1="${xx}" x2="${xx}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#9ca3af" stroke-dasharray="4 3"/>`);
  }
  const body = Math.max(1, colW * 0.7);
  for (let c = 0; c < columns; c++) {
    const cx = PAD.left + (c + 0.5) * colW;
    const up = colClose[c]! >= colOpen[c]!;
    const color = columns > 200 ? COLORS.band : up ? COLORS.up : COLORS.down;
    parts.push(`<line x1="${cx.toFixed(1)}" x2="${cx.toFixed(1)}" y1="${y(colHigh[c]!).toFixed(1)}" y2="${y(colLow[c]!).toFixed(1)}" stroke="${color}"/>`);
    if (body >= 2) {
      const top = y(Math.max(colOpen[c]!, colClose[c]!));
      const h = Math.max(1, y(Math.min(colOpen[c]!, colClose[c]!)) - top);
      parts.push(`<rect x="${(cx - body / 2).toFixed(1)}" y="${top.toFixed(1)}" width="${body.toFixed(1)}" height="${h.toFixed(1)}" fill="${color}"/>`);
    }
  }
  if (columns > 200) {
    const pts = Array.from({ length: columns }, (_, c) => `${(PAD.left + (c + 0.5) * colW).toFixed(1)},${y(colClose[c]!).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="#334155" stroke-width="1" points="${pts}"/>`);
  }
  for (const t of trades) {
    const ex = x(t.entryIndex);
    const ey = y(t.entryPrice);
    const tri = t.side === 1 ? `M${ex - 5},${ey + 8} L${ex + 5},${ey + 8} L${ex},${ey} Z` : `M${ex - 5},${ey - 8} L${ex + 5},${ey - 8} L${ex},${ey} Z`;
    parts.push(
      `<path class="marker entry ${t.side === 1 ? 'long' : 'short'}" data-time="${t.entryTime}" data-price="${t.entryPrice}" d="${tri}" fill="${t.side === 1 ? COLORS.long : COLORS.short}"><title>${t.side === 1 ? 'long' : 'short'} ${t.entryType} entry ${fmt(t.entryPrice)} at ${isoMinute(t.entryTime)}</title></path>`,
    );
    const xx = x(t.exitIndex);
    const yy = y(t.exitPrice);
    const title = `<title>${t.exitReason} ${t.open ? 'mark' : 'exit'} ${fmt(t.exitPrice)} at ${isoMinute(t.exitTime)} · pnl ${fmt(t.pnl)}</title>`;
    if (t.exitReason === 'stop') {
      parts.push(`<path class="marker exit stop" data-time="${t.exitTime}" data-price="${t.exitPrice}" d="M${xx - 4},${yy - 4} L${xx + 4},${yy + 4} M${xx - 4},${yy + 4} L${xx + 4},${yy - 4}" stroke="${COLORS.stop}" stroke-width="2">${title}</path>`);
    } else {
      parts.push(`<circle class="marker exit ${t.exitReason}" data-time="${t.exitTime}" data-price="${t.exitPrice}" cx="${xx.toFixed(1)}" cy="${yy.toFixed(1)}" r="3.5" fill="${t.open ? '#ffffff' : COLORS.exit}" stroke="${COLORS.exit}">${title}</circle>`);
    }
  }
  for (const k of [from, Math.floor((from + to) / 2), to]) {
    const anchor = k === from ? 'start' : k === to ? 'end' : 'middle';
    parts.push(`<text x="${x(k).toFixed(1)}" y="${height - 10}" font-size="10" text-anchor="${anchor}">${isoMinute(bars.time[k]!)}</text>`);
  }
  const legend: [string, string][] = [
    ['▲ long entry', COLORS.long],
    ['▼ short entry', COLORS.short],
    ['● exit', COLORS.exit],
    ['✕ stop-out', COLORS.stop],
    ['○ open at the end', COLORS.exit],
  ];
  legend.forEach(([label, color], i) => parts.push(`<text x="${PAD.left + i * 140}" y="${height + 14}" font-size="11" fill="${color}">${esc(label)}</text>`));
  parts.push('</svg>');
  return parts.join('\n');
}

/** One learning curve: y against training steps, one line per fold. */
export interface Curve {
  readonly title: string;
  readonly folds: readonly { readonly fold: number; readonly steps: ArrayLike<number>; readonly values: ArrayLike<number> }[];
}

const FOLD_COLORS = ['#2563eb', '#7c3aed', '#db2777', '#ea580c', '#0d9488', '#65a30d'];

/** Small multiples of training curves (two per row), from `train.parquet`. */
export function learningCurvesSvg(curves: readonly Curve[]): string {
  const cellW = W / 2;
  const cellH = 170;
  const rows = Math.ceil(curves.length / 2);
  const pad = { left: 56, right: 14, top: 24, bottom: 22 };
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" id="learning-curves" viewBox="0 0 ${W} ${rows * cellH}" width="${W}" height="${rows * cellH}" font-family="system-ui, sans-serif" role="img" aria-label="Training curves">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  ];
  curves.forEach((curve, k) => {
    const ox = (k % 2) * cellW;
    const oy = Math.floor(k / 2) * cellH;
    const plotW = cellW - pad.left - pad.right;
    const plotH = cellH - pad.top - pad.bottom;
    let xMax = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (const f of curve.folds) {
      for (let i = 0; i < f.values.length; i++) {
        const v = f.values[i]!;
        xMax = Math.max(xMax, f.steps[i]!);
        if (Number.isFinite(v)) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
      }
    }
    if (!Number.isFinite(lo)) {
      lo = 0;
      hi = 1;
    }
    if (hi - lo < 1e-12) {
      hi += Math.abs(hi) * 0.1 || 0.5;
      lo -= Math.abs(lo) * 0.1 || 0.5;
    }
    const nice = niceTicks(lo, hi, 4);
    const x = (s: number) => ox + pad.left + (xMax > 0 ? (s / xMax) * plotW : 0);
    const y = (v: number) => oy + pad.top + (1 - (v - nice.lo) / (nice.hi - nice.lo)) * plotH;
    parts.push(`<text x="${ox + pad.left}" y="${oy + 15}" font-size="12" font-weight="600">${esc(curve.title)}</text>`);
    const labels = tickLabels(nice.ticks);
    nice.ticks.forEach((v, i) => {
      const yy = y(v).toFixed(1);
      parts.push(`<line x1="${ox + pad.left}" x2="${ox + cellW - pad.right}" y1="${yy}" y2="${yy}" stroke="#f1f5f9"/>`);
      parts.push(`<text x="${ox + pad.left - 5}" y="${yy}" font-size="9" text-anchor="end" dominant-baseline="middle">${labels[i]}</text>`);
    });
    const points = curve.folds.reduce((n, f) => n + Array.from(f.values).filter(Number.isFinite).length, 0);
    if (points === 0) parts.push(`<text x="${ox + pad.left + plotW / 2}" y="${oy + pad.top + plotH / 2}" font-size="11" fill="#6b7280" text-anchor="middle">no value yet (no training episode finished)</text>`);
    parts.push(`<text x="${ox + cellW - pad.right}" y="${oy + cellH - 6}" font-size="9" text-anchor="end">${Math.round(xMax).toLocaleString('en-US')} steps</text>`);
    for (const f of curve.folds) {
      const pts: string[] = [];
      for (let i = 0; i < f.values.length; i++) if (Number.isFinite(f.values[i]!)) pts.push(`${x(f.steps[i]!).toFixed(1)},${y(f.values[i]!).toFixed(1)}`);
      parts.push(`<polyline class="curve" data-curve="${esc(curve.title)}" data-fold="${f.fold}" data-points="${pts.length}" fill="none" stroke="${FOLD_COLORS[f.fold % FOLD_COLORS.length]}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    }
  });
  const folds = [...new Set(curves.flatMap((c) => c.folds.map((f) => f.fold)))];
  if (folds.length > 1) {
    folds.forEach((fold, i) => parts.push(`<text x="${W - 16 - (folds.length - 1 - i) * 60}" y="14" font-size="11" text-anchor="end" fill="${FOLD_COLORS[fold % FOLD_COLORS.length]}">fold ${fold}</text>`));
  }
  parts.push('</svg>');
  return parts.join('\n');
}
