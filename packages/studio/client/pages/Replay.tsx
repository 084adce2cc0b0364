import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  CandlestickSeries,
  createChart,
  createSeriesMarkers,
  HistogramSeries,
  LineSeries,
  LineType,
  type IChartApi,
  type ISeriesApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';
import type { RunList, TradeList, TradeRow } from '../../src/api.ts';
import { api } from '../api.ts';
import { baseChartOptions, CHART_COLORS } from '../charts/CandleChart.tsx';
import { Card, Empty, ErrorNotice, Loading, PageHead } from '../components/ui.tsx';
import { fixed, int, pct, price, signClass, utc } from '../lib/format.ts';
import { fillMarkers, parseReplay, stepAt, type FillMarker, type ReplayData } from '../lib/replayData.ts';
import { href, navigate } from '../lib/router.ts';
import { useAsync } from '../lib/useAsync.ts';

const MARKER_STYLE: Record<FillMarker['kind'], { color: string; shape: SeriesMarker<Time>['shape']; text: string }> = {
  long: { color: '#16a34a', shape: 'arrowUp', text: 'L' },
  short: { color: '#dc2626', shape: 'arrowDown', text: 'S' },
  exit: { color: '#2563eb', shape: 'circle', text: 'X' },
  stop: { color: '#ea580c', shape: 'square', text: 'stop' },
  reverse: { color: '#7c3aed', shape: 'circle', text: 'R' },
  fill: { color: '#64748b', shape: 'circle', text: '' },
};

declare global {
  interface Window {
    /** Read by the end-to-end test and the benchmark: what the Replay page drew. */
    __tradecoreReplay?: { runId: string; fold: number; rows: number; markers: readonly FillMarker[]; firstPaintMs: number; loadedMs?: number; step: number };
  }
}

const ts = (ms: number) => (ms / 1000) as UTCTimestamp;

/** Bars drawn for the first paint; the rest of a long episode follows a frame later. */
const FIRST_WINDOW = 4000;

/** The three-pane replay chart: candles with fills and the stop, position, equity. */
class ReplayChart {
  readonly chart: IChartApi;
  readonly candles: ISeriesApi<'Candlestick'>;
  readonly selection: ISeriesApi<'Histogram'>;
  readonly times: Float64Array;
  /** Resolves once the whole episode is in the chart. */
  readonly complete: Promise<void>;

  constructor(el: HTMLElement, data: ReplayData, markers: readonly FillMarker[], firstStep: number, onPick: (step: number) => void) {
    const c = data.col;
    const time = c.time as Float64Array;
    this.times = time;
    const chart = createChart(el, { ...baseChartOptions(el.clientHeight), crosshair: { mode: 0 } });
    this.chart = chart;
    // A full-height band behind the selected bar, on its own invisible scale.
    this.selection = chart.addSeries(HistogramSeries, { priceScaleId: 'selection', color: 'rgba(79, 70, 229, 0.13)', lastValueVisible: false, priceLineVisible: false });
    chart.priceScale('selection').applyOptions({ scaleMargins: { top: 0, bottom: 0 }, visible: false });
    this.candles = chart.addSeries(CandlestickSeries, {
      upColor: CHART_COLORS.up,
      downColor: CHART_COLORS.down,
      borderVisible: false,
      wickUpColor: CHART_COLORS.up,
      wickDownColor: CHART_COLORS.down,
      priceLineVisible: false,
    });
    const stopLine = chart.addSeries(LineSeries, { color: '#ea580c', lineWidth: 1, lineStyle: 2, lineType: LineType.WithSteps, lastValueVisible: false, priceLineVisible: false, crosshairMarkerVisible: false, title: 'stop' });
    const position = chart.addSeries(LineSeries, { color: '#0f766e', lineWidth: 1, lineType: LineType.WithSteps, priceLineVisible: false, title: 'position' }, 1);
    const equity = chart.addSeries(LineSeries, { color: '#4f46e5', lineWidth: 2, priceLineVisible: false, title: 'equity' }, 2);
    const panes = chart.panes();
    panes[0]?.setStretchFactor(0.62);
    panes[1]?.setStretchFactor(0.16);
    panes[2]?.setStretchFactor(0.22);

    const n = data.rows;
    const bars = new Array(n);
    const stops = new Array(n);
    const pos = new Array(n);
    const eq = new Array(n);
    const open = c.open as Float64Array;
    const high = c.high as Float64Array;
    const low = c.low as Float64Array;
    const close = c.close as Float64Array;
    const stop = c.stop as Float64Array;
    const position0 = c.position as Float64Array;
    const equity0 = c.equity as Float64Array;
    for (let i = 0; i < n; i++) {
      const t = ts(time[i]!);
      bars[i] = { time: t, open: open[i], high: high[i], low: low[i], close: close[i] };
      stops[i] = Number.isFinite(stop[i]!) ? { time: t, value: stop[i] } : { time: t };
      pos[i] = { time: t, value: position0[i] };
      eq[i] = { time: t, value: equity0[i] };
    }
    const marks = markers.map((m) => ({ time: ts(m.time), position: 'atPriceMiddle' as const, price: m.price, color: MARKER_STYLE[m.kind].color, shape: MARKER_STYLE[m.kind].shape, size: 0.9 }));
    // The bars around the first step are drawn first; the whole episode follows a frame later (the bars before
    // the window keep their positions: the window starts at the episode's first bar).
    const end = Math.min(n, Math.max(FIRST_WINDOW, firstStep + FIRST_WINDOW / 2));
    const lastTime = n > 0 ? time[end - 1]! : 0;
    const load = (count: number) => {
      this.candles.setData(count === n ? bars : bars.slice(0, count));
      stopLine.setData(count === n ? stops : stops.slice(0, count));
      position.setData(count === n ? pos : pos.slice(0, count));
      equity.setData(count === n ? eq : eq.slice(0, count));
    };
    load(end);
    const markerApi = createSeriesMarkers(this.candles, end === n ? marks : marks.filter((m) => m.time * 1000 <= lastTime), { zOrder: 'top' });
    this.complete =
      end === n
        ? Promise.resolve()
        : new Promise((resolve) =>
            setTimeout(() => {
              const range = chart.timeScale().getVisibleLogicalRange();
              load(n);
              markerApi.setMarkers(marks);
              if (range) chart.timeScale().setVisibleLogicalRange(range);
              resolve();
            }, 0),
          );
    chart.subscribeClick((param) => {
      if (param.time === undefined) return;
      onPick(stepAt(time, (param.time as number) * 1000));
    });
  }

  select(step: number): void {
    const t = this.times[step];
    if (t === undefined) return;
    this.selection.setData([{ time: ts(t), value: 1 }]);
    const range = this.chart.timeScale().getVisibleLogicalRange();
    if (!range || step < range.from + 2 || step > range.to - 2) {
      const width = range ? Math.max(40, range.to - range.from) : 240;
      // Keep the selected bar in view, a third from the right edge, without scrolling before the first bar.
      const from = Math.max(-2, Math.min(step - width * 0.66, this.times.length + 2 - width));
      this.chart.timeScale().setVisibleLogicalRange({ from, to: from + width });
    }
  }

  showRange(from: number, to: number): void {
    this.chart.timeScale().setVisibleLogicalRange({ from, to });
  }

  remove(): void {
    this.chart.remove();
  }
}

/**
 * The round trip (from trades.parquet, in time order) at bar time `t`: the latest one entered at or before it that
 * had not ended before it (on a reversal bar, the trade it opened rather than the one it closed).
 */
function tradeAt(trades: readonly TradeRow[], t: number): TradeRow | undefined {
  let latest: TradeRow | undefined;
  for (const trade of trades) {
    if (trade.entryTime > t) break;
    latest = trade;
  }
  return latest && t <= latest.exitTime ? latest : undefined;
}

function Inspector({ data, step, setStep, markers, trades }: { data: ReplayData; step: number; setStep: (s: number) => void; markers: readonly FillMarker[]; trades: readonly TradeRow[] }) {
  const c = data.col;
  const v = (name: string) => c[name]![step]!;
  const action = data.header.actions[v('action')] ?? `#${v('action')}`;
  const prevEquity = step > 0 ? (c.equity as Float64Array)[step - 1]! : data.header.initialEquity;
  const fillSteps = markers.map((m) => m.step);
  const nextFill = fillSteps.find((s) => s > step);
  const prevFill = [...fillSteps].reverse().find((s) => s < step);
  const rows: [string, preact.ComponentChildren][] = [
    ['time (UTC)', utc(v('time'), false)],
    ['open / high', <span class="mono">{`${price(v('open'))} / ${price(v('high'))}`}</span>],
    ['low / close', <span class="mono">{`${price(v('low'))} / ${price(v('close'))}`}</span>],
    ['action', <span class="mono" data-testid="inspector-action">{action}</span>],
    ['submitted / filled', `${v('submitted')} / ${v('filled')}`],
    ['rejected / expired', `${v('rejected')} / ${v('expired')}`],
    ['fill price', <span class="mono" data-testid="inspector-fill-price">{Number.isFinite(v('fillPrice')) ? price(v('fillPrice')) : '–'}</span>],
    ['qty traded', <span class="mono">{fixed(v('qty'), 5)}</span>],
    ['fee', <span class="mono">{fixed(v('fee'), 4)}</span>],
    ['cash delta', <span class={`mono ${v('cashDelta') > 0 ? 'pos' : v('cashDelta') < 0 ? 'neg' : ''}`}>{fixed(v('cashDelta'), 2)}</span>],
    ['position after', <span class="mono">{fixed(v('position'), 5)}</span>],
    ['stop', <span class="mono">{Number.isFinite(v('stop')) ? price(v('stop')) : '–'}</span>],
    ['stop triggered', v('stopTriggered') ? (v('stopGapped') ? <span class="neg">yes, gapped through</span> : <span class="neg">yes</span>) : 'no'],
    ['equity', <span class="mono">{fixed(v('equity'), 2)} <span class="muted">({pct(v('equity') / prevEquity - 1, 3)})</span></span>],
    ['reward', <span class="mono">{Number(v('reward')).toExponential(3)}</span>],
  ];
  const trade = tradeAt(trades, v('time'));
  if (trade) {
    rows.push([
      'round trip',
      <span class="mono" data-testid="inspector-trade" style={{ whiteSpace: 'normal' }}>
        #{trade.trade + 1} <span class={trade.side === 'long' ? 'pos' : 'neg'}>{trade.side}</span> {price(trade.entryPrice)} → {price(trade.exitPrice)} {trade.open ? 'open at the end' : trade.exitReason} ·{' '}
        <span class={signClass(trade.pnl)}>
          {fixed(trade.pnl, 2)} ({pct(trade.returnPct)})
        </span>
      </span>,
    ]);
  }
  return (
    <Card
      title={
        <span>
          Step <span class="mono" data-testid="inspector-step">{int(step)}</span> <span class="muted" style={{ fontWeight: 400 }}>of {int(data.rows - 1)}</span>
        </span>
      }
      class="inspector"
      flush
    >
      <div class="card-body" style={{ paddingBottom: '6px' }}>
        <div class="step-nav">
          <button class="small" onClick={() => setStep(0)} title="first step (Home)">
            first
          </button>
          <button class="small" onClick={() => setStep(step - 1)} title="previous step (←)">
            ◀
          </button>
          <button class="small" onClick={() => setStep(step + 1)} title="next step (→)">
            ▶
          </button>
          <button class="small" disabled={prevFill === undefined} onClick={() => prevFill !== undefined && setStep(prevFill)} title="previous fill (P)">
            ◀ fill
          </button>
          <button class="small" disabled={nextFill === undefined} onClick={() => nextFill !== undefined && setStep(nextFill)} title="next fill (N)">
            fill ▶
          </button>
        </div>
      </div>
      <table class="kv compact">
        <tbody>
          {rows.map(([k, value]) => (
            <tr key={k}>
              <td>{k}</td>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="card-body muted" style={{ fontSize: '12px' }}>
        <div>
          <span class="kbd">←</span> <span class="kbd">→</span> step &nbsp;<span class="kbd">Shift</span> ×10 &nbsp;<span class="kbd">PgUp</span> <span class="kbd">PgDn</span> ×100
        </div>
        <div style={{ marginTop: '6px' }}>
          <span class="kbd">N</span> <span class="kbd">P</span> next / previous fill &nbsp;<span class="kbd">Home</span> <span class="kbd">End</span> &nbsp;click a bar
        </div>
      </div>
    </Card>
  );
}

function RunPicker() {
  const list = useAsync(() => api.get<RunList>('/api/runs'), []);
  if (list.error) return <ErrorNotice error={list.error} />;
  if (!list.data) return <Loading />;
  const runs = list.data.runs.filter((r) => r.status === 'complete');
  return (
    <Card title="Choose a run to replay" sub="complete runs have a ledger of their evaluation episode" flush>
      {runs.length === 0 ? (
        <Empty>No complete runs yet.</Empty>
      ) : (
        <ul class="list">
          {runs.slice(0, 100).map((r) => (
            <li key={r.id} onClick={() => navigate(['replay', r.id])}>
              <div class="title mono">{r.id}</div>
              <div class="meta">
                {r.dataset} · seed {r.seed} · return {pct(r.metrics?.totalReturn)} · {int(r.metrics?.trades)} trades
              </div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

/** `step`: the step to open at; `time` (ms): the step of that bar time instead (links from the trades of a run). */
export function ReplayPage({ id, fold, step: stepParam, time }: { id: string | undefined; fold: number | undefined; step: number | undefined; time?: number | undefined }) {
  const started = useRef(performance.now());
  const payload = useAsync(async () => (id ? parseReplay(await api.bytes(`/api/runs/${encodeURIComponent(id)}/replay${fold !== undefined ? `?fold=${fold}` : ''}`)) : null), [id, fold]);
  const data = payload.data ?? null;
  const markers = useMemo(() => (data ? fillMarkers(data) : []), [data]);
  // Round trips from trades.parquet (archives of older versions have none: the inspector then shows fills only).
  const trades = useAsync(() => (id ? api.get<TradeList>(`/api/runs/${encodeURIComponent(id)}/trades`).catch(() => null) : Promise.resolve(null)), [id]);
  const foldTrades = useMemo(() => (trades.data && data ? trades.data.trades.filter((t) => t.fold === data.header.fold) : []), [trades.data, data]);
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<ReplayChart | null>(null);
  const [step, setStepRaw] = useState(0);
  const setStep = (s: number) => {
    if (!data) return;
    setStepRaw(Math.max(0, Math.min(data.rows - 1, Math.round(s))));
  };

  useEffect(() => {
    if (!data || !host.current) return;
    const initialStep = stepParam ?? (time !== undefined && Number.isFinite(time) ? stepAt(data.col.time as Float64Array, time) : undefined);
    const first = Math.max(0, Math.min(data.rows - 1, initialStep ?? markers[0]?.step ?? 0));
    const c = new ReplayChart(host.current, data, markers, first, (s) => setStep(s));
    chart.current = c;
    setStepRaw(Math.max(0, Math.min(data.rows - 1, first)));
    requestAnimationFrame(() => {
      const from = Math.max(-2, first - 160);
      c.showRange(from, from + 240);
      c.select(first);
      window.__tradecoreReplay = { runId: data.header.runId, fold: data.header.fold, rows: data.rows, markers, firstPaintMs: performance.now() - started.current, step: first };
      void c.complete.then(() =>
        requestAnimationFrame(() => {
          if (window.__tradecoreReplay) window.__tradecoreReplay.loadedMs = performance.now() - started.current;
        }),
      );
    });
    return () => {
      c.remove();
      chart.current = null;
    };
  }, [data, markers]);

  useEffect(() => {
    chart.current?.select(step);
    if (window.__tradecoreReplay) window.__tradecoreReplay.step = step;
  }, [step, data]);

  useEffect(() => {
    if (!data) return;
    const fills = markers.map((m) => m.step);
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
      const big = e.shiftKey ? 10 : 1;
      let next: number | undefined;
      if (e.key === 'ArrowRight') next = step + big;
      else if (e.key === 'ArrowLeft') next = step - big;
      else if (e.key === 'PageDown') next = step + 100;
      else if (e.key === 'PageUp') next = step - 100;
      else if (e.key === 'Home') next = 0;
      else if (e.key === 'End') next = data.rows - 1;
      else if (e.key === 'n' || e.key === 'N') next = fills.find((s) => s > step);
      else if (e.key === 'p' || e.key === 'P') next = [...fills].reverse().find((s) => s < step);
      if (next === undefined) return;
      e.preventDefault();
      setStep(next);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [data, markers, step]);

  if (!id) {
    return (
      <>
        <PageHead title="Replay" sub="The evaluation episode of a run, bar by bar: every fill, stop and fee on the chart." />
        <RunPicker />
      </>
    );
  }
  const h = data?.header;
  const counts = markers.reduce<Record<string, number>>((acc, m) => ((acc[m.kind] = (acc[m.kind] ?? 0) + 1), acc), {});
  return (
    <>
      <PageHead
        title="Replay"
        sub={
          h ? (
            <>
              <a href={href(['runs', h.runId])} class="mono">
                {h.runId}
              </a>{' '}
              · {h.dataset.symbol} {h.dataset.timeframe} · {int(h.rows)} steps
              {h.folds.length > 1 ? ` · fold ${h.fold}` : ''}
            </>
          ) : (
            id
          )
        }
        actions={
          h &&
          h.folds.length > 1 && (
            <select value={String(h.fold)} onChange={(e) => navigate(['replay', h.runId], { fold: (e.currentTarget as HTMLSelectElement).value })} style={{ width: 'auto' }}>
              {h.folds.map((f) => (
                <option key={f} value={String(f)}>
                  fold {f}
                </option>
              ))}
            </select>
          )
        }
      />
      {payload.error && <ErrorNotice error={payload.error} />}
      {h?.warning && <div class="notice warn" style={{ marginBottom: '12px' }}>{h.warning}</div>}
      {!data && !payload.error && <Loading what="Loading the episode" />}
      {data && (
        <div class="replay-layout">
          <Card
            flush
            title={
              <div class="legend-row">
                <span>
                  <span class="mk" style={{ color: MARKER_STYLE.long.color }}>▲</span>long {int(counts.long ?? 0)}
                </span>
                <span>
                  <span class="mk" style={{ color: MARKER_STYLE.short.color }}>▼</span>short {int(counts.short ?? 0)}
                </span>
                <span>
                  <span class="mk" style={{ color: MARKER_STYLE.exit.color }}>●</span>exit {int(counts.exit ?? 0)}
                </span>
                <span>
                  <span class="mk" style={{ color: MARKER_STYLE.stop.color }}>■</span>stop-out {int(counts.stop ?? 0)}
                </span>
                <span>
                  <span class="mk" style={{ color: MARKER_STYLE.reverse.color }}>●</span>reversal {int(counts.reverse ?? 0)}
                </span>
                <span>
                  <span class="mk" style={{ color: '#ea580c' }}>┄</span>stop level
                </span>
                <span class="faint">panes: price · position · equity</span>
              </div>
            }
          >
            <div ref={host} style={{ height: 'calc(100vh - 190px)', minHeight: '560px' }} id="replay-chart" />
          </Card>
          <Inspector data={data} step={step} setStep={setStep} markers={markers} trades={foldTrades} />
        </div>
      )}
    </>
  );
}
