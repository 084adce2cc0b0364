import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface LineSeries {
  readonly label: string;
  readonly color: string;
  readonly values: readonly (number | null)[];
  readonly dash?: readonly number[];
  readonly fill?: string;
  /** Which y axis: 'y' (left, default) or 'y2' (right). */
  readonly scale?: 'y' | 'y2';
}

export interface LineChartProps {
  readonly x: readonly number[];
  readonly series: readonly LineSeries[];
  readonly height?: number;
  /** x values are epoch ms (shown as UTC dates). */
  readonly time?: boolean;
  readonly xLabel?: string;
  readonly yLabel?: string;
  readonly y2Label?: string;
  readonly yFormat?: (v: number) => string;
  readonly id?: string;
}

const axisFont = '11px system-ui, sans-serif';

/** Time ticks in UTC, 24-hour: `05-03 14:00` over days, `14:05` within a day. */
function utcTicks(u: uPlot, splits: number[]): string[] {
  const span = (u.scales.x?.max ?? 0) - (u.scales.x?.min ?? 0);
  return splits.map((s) => {
    const iso = new Date(s * 1000).toISOString();
    if (span > 20 * 86_400) return iso.slice(0, 10);
    if (span > 2 * 86_400) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
    return iso.slice(11, 16);
  });
}
/** `12,345`, `0.5`, `-5.25e-5`: thousands grouped, small magnitudes in exponent form rather than a run of zeros. */
function formatValue(v: number): string {
  if (Math.abs(v) >= 1000) return v.toLocaleString('en-US', { maximumFractionDigits: 0 });
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(2).replace(/\.?0+e/, 'e');
  return String(+v.toPrecision(4));
}

/** Width of a y axis from its longest tick label, so small values (`-0.00046`) are not cut off. */
function axisSize(_u: uPlot, values: string[] | null): number {
  const longest = (values ?? []).reduce((n, v) => Math.max(n, v.length), 0);
  return Math.max(40, Math.ceil(longest * 6.6) + 16);
}
const grid = { stroke: '#eef0f3', width: 1 };
const ticks = { stroke: '#e5e7eb', width: 1 };

/** A uPlot line chart that follows its container's width. */
export function LineChart(props: LineChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const fmt = props.yFormat ?? formatValue;
    const scales: uPlot.Scales = { x: { time: Boolean(props.time) } };
    const axes: uPlot.Axis[] = [
      {
        stroke: '#6b7280',
        font: axisFont,
        grid,
        ticks,
        ...(props.time ? { values: utcTicks } : {}),
        ...(props.xLabel ? { label: props.xLabel, labelFont: axisFont, labelSize: 18 } : {}),
      },
      { stroke: '#6b7280', font: axisFont, grid, ticks, size: axisSize, values: (_u, vals) => vals.map(fmt), ...(props.yLabel ? { label: props.yLabel, labelFont: axisFont, labelSize: 16 } : {}) },
    ];
    if (props.series.some((s) => s.scale === 'y2')) {
      axes.push({ scale: 'y2', side: 1, stroke: '#6b7280', font: axisFont, grid: { show: false }, ticks, size: axisSize, values: (_u, vals) => vals.map(fmt), ...(props.y2Label ? { label: props.y2Label, labelFont: axisFont, labelSize: 16 } : {}) });
    }
    const options: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: props.height ?? 240,
      scales,
      axes,
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      legend: { show: true, live: true },
      series: [
        props.time
          ? { label: 'time', value: (_u, v) => (v === null || v === undefined ? '–' : new Date(v * 1000).toISOString().slice(0, 16).replace('T', ' ')) }
          : { label: props.xLabel ?? 'x', value: (_u, v) => (v === null || v === undefined ? '–' : v.toLocaleString('en-US')) },
        ...props.series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.6,
          scale: s.scale ?? 'y',
          spanGaps: true,
          ...(s.dash ? { dash: [...s.dash] } : {}),
          ...(s.fill ? { fill: s.fill } : {}),
          value: (_u: uPlot, v: number | null) => (v === null || v === undefined ? '–' : fmt(v)),
        })),
      ],
    };
    const xs = props.time ? props.x.map((t) => t / 1000) : [...props.x];
    const data = [xs, ...props.series.map((s) => [...s.values])] as uPlot.AlignedData;
    const chart = new uPlot(options, data, el);
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (Math.abs(width - chart.width) > 2) chart.setSize({ width, height: props.height ?? 240 });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [props.x, props.series, props.height, props.time]);

  return <div class="chart" ref={host} id={props.id} />;
}
