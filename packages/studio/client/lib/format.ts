const nf = (digits: number) => new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const intFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** 0.0123 → "1.23 %". */
export function pct(v: number | null | undefined, digits = 2): string {
  return isNum(v) ? `${nf(digits).format(v * 100)} %` : '–';
}

export function fixed(v: number | null | undefined, digits = 2): string {
  return isNum(v) ? nf(digits).format(v) : '–';
}

export function int(v: number | null | undefined): string {
  return isNum(v) ? intFormat.format(v) : '–';
}

/** Compact counts: 43200 → "43.2 k", 1.5e6 → "1.5 M". */
export function compact(v: number | null | undefined): string {
  if (!isNum(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e6) return `${nf(a >= 1e7 ? 0 : 1).format(v / 1e6)} M`;
  if (a >= 1e4) return `${nf(a >= 1e5 ? 0 : 1).format(v / 1e3)} k`;
  return intFormat.format(v);
}

/** A price with enough digits for its size. */
export function price(v: number | null | undefined): string {
  if (!isNum(v)) return '–';
  const a = Math.abs(v);
  return nf(a >= 1000 ? 2 : a >= 1 ? 4 : 6).format(v);
}

export function duration(seconds: number | null | undefined): string {
  if (!isNum(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

/** ISO or ms → "2024-03-01 14:05" (UTC). */
export function utc(t: string | number | null | undefined, seconds = false): string {
  if (t === null || t === undefined) return '–';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return '–';
  return d.toISOString().slice(0, seconds ? 19 : 16).replace('T', ' ');
}

/** "3 min ago" style age of an ISO time. */
export function ago(iso: string | null | undefined): string {
  if (!iso) return '–';
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (!Number.isFinite(s)) return '–';
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function bytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

export const signClass = (v: number | null | undefined) => (isNum(v) ? (v > 0 ? 'pos' : v < 0 ? 'neg' : '') : '');
