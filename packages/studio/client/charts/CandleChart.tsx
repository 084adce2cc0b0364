import { useEffect, useRef } from 'preact/hooks';
import { CandlestickSeries, createChart, HistogramSeries, type IChartApi, type UTCTimestamp } from 'lightweight-charts';
import type { CandleData } from '../../src/api.ts';

export const CHART_COLORS = {
  up: '#16a34a',
  down: '#dc2626',
  upSoft: 'rgba(22, 163, 74, 0.35)',
  downSoft: 'rgba(220, 38, 38, 0.35)',
  grid: '#f1f3f6',
  text: '#4b5563',
  border: '#e5e7eb',
};

/** Options every lightweight-charts chart of the panel shares (the TradingView attribution stays on). */
export function baseChartOptions(height: number) {
  return {
    height,
    autoSize: true,
    layout: { background: { color: '#ffffff' }, textColor: CHART_COLORS.text, fontSize: 11, fontFamily: 'system-ui, sans-serif', attributionLogo: true },
    grid: { vertLines: { color: CHART_COLORS.grid }, horzLines: { color: CHART_COLORS.grid } },
    rightPriceScale: { borderColor: CHART_COLORS.border },
    timeScale: { borderColor: CHART_COLORS.border, timeVisible: true, secondsVisible: false },
    crosshair: { mode: 0 },
  } as const;
}

/** Candles with a volume pane: the Data page's preview. */
export function CandleChart({ data, height = 380 }: { data: CandleData; height?: number }) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<IChartApi | null>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const c = createChart(el, baseChartOptions(height));
    chart.current = c;
    const candles = c.addSeries(CandlestickSeries, {
      upColor: CHART_COLORS.up,
      downColor: CHART_COLORS.down,
      borderVisible: false,
      wickUpColor: CHART_COLORS.up,
      wickDownColor: CHART_COLORS.down,
    });
    const volume = c.addSeries(HistogramSeries, { priceFormat: { type: 'volume' }, lastValueVisible: false, priceLineVisible: false }, 1);
    c.panes()[1]?.setStretchFactor(0.25);
    const n = data.time.length;
    const bars = new Array(n);
    const vols = new Array(n);
    for (let i = 0; i < n; i++) {
      const time = (data.time[i]! / 1000) as UTCTimestamp;
      bars[i] = { time, open: data.open[i], high: data.high[i], low: data.low[i], close: data.close[i] };
      vols[i] = { time, value: data.volume[i], color: data.close[i]! >= data.open[i]! ? CHART_COLORS.upSoft : CHART_COLORS.downSoft };
    }
    candles.setData(bars);
    volume.setData(vols);
    c.timeScale().fitContent();
    return () => {
      c.remove();
      chart.current = null;
    };
  }, [data, height]);
  return <div class="chart" ref={host} style={{ height: `${height}px` }} data-testid="candle-chart" />;
}
