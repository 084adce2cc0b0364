/** One curve of a chart: values aligned with the shared time axis. */
export interface Series {
  readonly name: string;
  readonly values: ArrayLike<number>;
  readonly color: string;
}

export const SERIES_COLORS: Readonly<Record<string, string>> = {
  agent: '#2563eb',
  'buy-and-hold': '#16a34a',
  'always-long': '#0d9488',
  flat: '#6b7280',
  random: '#d97706',
};

const W = 880;
const PAD = { left: 64, right: 16, top: 28, bottom: 28 };

export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round tick values (1, 2 or 5 × 10^k apart) covering [lo, hi], about `count` of them. */
export function niceTicks(lo: number, hi: number, count = 5): { ticks: number[]; lo: number; hi: number } {
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const first = Math.floor(lo / step) * step;
  const last = Math.ceil(hi / step) * step;
  const ticks: number[] = [];
  for (let v = first; v <= last + step / 2; v += step) ticks.push(Math.abs(v) < step / 1e6 ? 0 : v);
  return { ticks, lo: first, hi: last };
}

/** Tick labels with as many decimals as the tick spacing needs (exponent notation for tiny spacings). */
export function tickLabels(ticks: readonly number[]): string[] {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  if (step > 0 && step < 1e-3) return ticks.map((v) => (v === 0 ? '0' : v.toExponential(Math.max(0, Math.ceil(-Math.log10(step)) - Math.ceil(-Math.log10(Math.max(...ticks.map(Math.abs))))))));
  const digits = step >= 1 ? 0 : Math.ceil(-Math.log10(step) - 1e-9);
  return ticks.map((v) => (Math.abs(v) >= 1e5 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits)));
}

export function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const digits = Math.min(4, Math.max(1, -Math.floor(Math.log10(Math.abs(v))) + 1));
  return Number(v.toFixed(digits)).toString();
}

/** At most `max` evenly spaced indices of a series of length n (always keeps the last point). */
export function sampleIndices(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; k < max; k++) out.push(Math.round((k * (n - 1)) / (max - 1)));
  return out;
}

export interface PanelOptions {
  /** Series left out of the y range (drawn clipped to the panel), e.g. a random baseline far off the others. */
  readonly clipped?: ReadonlySet<string>;
  /** Indices on the time axis where a new walk-forward fold starts. */
  readonly boundaries?: readonly number[];
  /** Series name → indices where its account hit the ruin line (marked with a cross). */
  readonly ruins?: ReadonlyMap<string, readonly number[]>;
}

function panel(
  title: string,
  series: readonly Series[],
  time: ArrayLike<number>,
  y0: number,
  height: number,
  unit: string,
  { clipped, boundaries = [], ruins }: PanelOptions = {},
): string {
  const n = time.length;
  let lo = Infinity;
  let hi = -Infinity;
  const clipId = `clip-${y0}`;
  for (const s of series) {
    if (clipped?.has(s.name)) continue;
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i]!;
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  if (!Number.isFinite(lo)) {
    lo = 0;
    hi = 1;
  }
  if (hi - lo < 1e-9) {
    hi += 0.5;
    lo -= 0.5;
  }
  const nice = niceTicks(lo, hi);
  lo = nice.lo;
  hi = nice.hi;
  const plotW = W - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (n > 1 ? (i / (n - 1)) * plotW : 0);
  const y = (v: number) => y0 + PAD.top + (1 - (v - lo) / (hi - lo)) * plotH;
  const parts: string[] = [];
  parts.push(`<clipPath id="${clipId}"><rect x="${PAD.left}" y="${y0 + PAD.top}" width="${plotW}" height="${plotH}"/></clipPath>`);
  parts.push(`<text x="${PAD.left}" y="${y0 + 18}" font-size="13" font-weight="600">${esc(title)}</text>`);
  for (const b of boundaries) {
    const xx = x(b).toFixed(1);
    parts.push(`<line class="fold-boundary" x1="${xx}" x2="${xx}" y1="${y0 + PAD.top}" y2="${y0 + PAD.top + plotH}" stroke="#9ca3af" stroke-dasharray="4 3"/>`);
  }
  const labels = tickLabels(nice.ticks);
  nice.ticks.forEach((v, k) => {
    const yy = y(v).toFixed(1);
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${yy}" y2="${yy}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${yy}" font-size="10" text-anchor="end" dominant-baseline="middle">${labels[k]}${unit}</text>`);
  });
  if (n > 1) {
    for (const k of [0, Math.floor((n - 1) / 2), n - 1]) {
      const label = new Date(time[k]!).toISOString().slice(0, 16).replace('T', ' ');
      const anchor = k === 0 ? 'start' : k === n - 1 ? 'end' : 'middle';
      parts.push(`<text x="${x(k).toFixed(1)}" y="${y0 + height - 8}" font-size="10" text-anchor="${anchor}">${label}</text>`);
    }
  }
  const idx = sampleIndices(n, 1200);
  for (const s of series) {
    const pts = idx
      .filter((i) => i < s.values.length && Number.isFinite(s.values[i]!))
      .map((i) => `${x(i).toFixed(1)},${y(s.values[i]!).toFixed(1)}`)
      .join(' ');
    const clip = clipped?.has(s.name) ? ` clip-path="url(#${clipId})" stroke-dasharray="3 2"` : '';
    parts.push(`<polyline class="series" data-series="${esc(s.name)}" fill="none" stroke="${s.color}" stroke-width="1.5"${clip} points="${pts}"/>`);
    for (const ruin of ruins?.get(s.name) ?? []) {
      if (ruin >= s.values.length || !Number.isFinite(s.values[ruin]!)) continue;
      const rx = x(ruin);
      const ry = Math.min(y0 + PAD.top + plotH, Math.max(y0 + PAD.top, y(s.values[ruin]!)));
      parts.push(`<g class="ruin" data-series="${esc(s.name)}" stroke="#b91c1c" stroke-width="2"><line x1="${(rx - 5).toFixed(1)}" y1="${(ry - 5).toFixed(1)}" x2="${(rx + 5).toFixed(1)}" y2="${(ry + 5).toFixed(1)}"/><line x1="${(rx - 5).toFixed(1)}" y1="${(ry + 5).toFixed(1)}" x2="${(rx + 5).toFixed(1)}" y2="${(ry - 5).toFixed(1)}"/></g>`);
    }
  }
  return parts.join('\n');
}

/**
 * A standalone SVG with two panels: cumulative return (%) of each policy and its drawdown (%),
 * over the shared test-bar time axis. Deterministic output for identical inputs.
 */
export function equitySvg(time: ArrayLike<number>, returnsPct: readonly Series[], drawdownsPct: readonly Series[], options: PanelOptions = {}): string {
  const top = 300;
  const bottom = 200;
  const legend = returnsPct
    .map((s, i) => `<g transform="translate(${PAD.left + 8 + i * 150},${top + bottom + 14})"><rect width="14" height="4" y="-4" fill="${s.color}"/><text x="20" font-size="12">${esc(s.name)}${options.clipped?.has(s.name) ? ' (clipped)' : ''}</text></g>`)
    .join('\n');
  const ruinLegend = options.ruins && options.ruins.size > 0 ? `<text x="${W - PAD.right}" y="${top + bottom + 14}" font-size="12" fill="#b91c1c" text-anchor="end">× ruin</text>` : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" id="equity-plot" viewBox="0 0 ${W} ${top + bottom + 24}" width="${W}" height="${top + bottom + 24}" font-family="system-ui, sans-serif" role="img" aria-label="Equity and drawdown of the agent and baselines on the test split">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    panel('Cumulative return (%)', returnsPct, time, 0, top, '%', options),
    panel('Drawdown (%)', drawdownsPct, time, top, bottom, '%', options),
    legend,
    ruinLegend,
    '</svg>',
  ].join('\n');
}
