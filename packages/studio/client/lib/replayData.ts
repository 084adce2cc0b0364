import type { ReplayHeader } from '../../src/api.ts';

export type { ReplayHeader };

/** One evaluation episode: the header and every column as a typed array. */
export interface ReplayData {
  readonly header: ReplayHeader;
  readonly rows: number;
  readonly col: Readonly<Record<string, Float64Array | Int32Array | Uint8Array>>;
}

/** Parses the binary replay payload (u32 LE header length, header JSON, columns at 8-byte aligned offsets). */
export function parseReplay(buffer: ArrayBuffer): ReplayData {
  const view = new DataView(buffer);
  const length = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length))) as ReplayHeader;
  const start = Math.ceil((4 + length) / 8) * 8;
  const col: Record<string, Float64Array | Int32Array | Uint8Array> = {};
  for (const c of header.columns) {
    const at = start + c.offset;
    col[c.name] = c.dtype === 'f64' ? new Float64Array(buffer, at, header.rows) : c.dtype === 'i32' ? new Int32Array(buffer, at, header.rows) : new Uint8Array(buffer, at, header.rows);
  }
  return { header, rows: header.rows, col };
}

export type MarkerKind = 'long' | 'short' | 'exit' | 'stop' | 'reverse' | 'fill';

export interface FillMarker {
  readonly step: number;
  readonly time: number;
  readonly price: number;
  readonly kind: MarkerKind;
}

/**
 * Markers of an episode, one per fill step: entries (long/short), exits, stop-outs and reversals, each at the
 * ledger's fill price (a stop-out followed by a new entry in the same bar also marks the stop at its level).
 */
export function fillMarkers(data: ReplayData): FillMarker[] {
  const { col, rows } = data;
  const time = col.time as Float64Array;
  const filled = col.filled!;
  const stopTriggered = col.stopTriggered!;
  const position = col.position as Float64Array;
  const fillPrice = col.fillPrice as Float64Array;
  const stop = col.stop as Float64Array;
  const out: FillMarker[] = [];
  for (let r = 0; r < rows; r++) {
    if (filled[r]! === 0 && stopTriggered[r]! === 0) continue;
    const price = fillPrice[r]!;
    if (!Number.isFinite(price)) continue;
    const p0 = r > 0 ? position[r - 1]! : 0;
    const p1 = position[r]!;
    const t = time[r]!;
    if (stopTriggered[r]) {
      if (p1 === 0) {
        out.push({ step: r, time: t, price, kind: 'stop' });
        continue;
      }
      const level = r > 0 ? stop[r - 1]! : Number.NaN;
      if (Number.isFinite(level)) out.push({ step: r, time: t, price: level, kind: 'stop' });
    }
    let kind: MarkerKind;
    if (p1 === 0) kind = 'exit';
    else if (p0 === 0 || stopTriggered[r]) kind = p1 > 0 ? 'long' : 'short';
    else if (Math.sign(p0) !== Math.sign(p1)) kind = 'reverse';
    else kind = 'fill';
    out.push({ step: r, time: t, price, kind });
  }
  return out;
}

/** Index of the step whose time is `t` or the last one before it. */
export function stepAt(time: Float64Array, t: number): number {
  let lo = 0;
  let hi = time.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (time[mid]! <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
