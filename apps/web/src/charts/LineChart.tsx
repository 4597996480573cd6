// A thin React wrapper around uPlot: builds the chart when its configuration changes, feeds new data
// with setData (cheap, so live points can stream in), and follows the container's width.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatValue } from '../lib/format';

export interface LineChartProps {
  data: uPlot.AlignedData;
  /** The y series (the x series is added here). */
  series: uPlot.Series[];
  bands?: uPlot.Band[];
  height?: number;
  xLabel?: string;
  /** The chart is rebuilt only when this changes (series count, labels, styles); data alone is fed in. */
  configKey: string;
}

export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#ca8a04', '#db2777', '#4b5563', '#65a30d'];

export function LineChart({ data, series, bands, height = 220, xLabel = 'step', configKey }: LineChartProps) {
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef({ data, series, bands });
  latest.current = { data, series, bands };

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const { data: initial, series: ys, bands: b } = latest.current;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 200),
      height,
      scales: { x: { time: false } },
      series: [{ label: xLabel, value: (_u, v) => (v === null || v === undefined ? '—' : String(v)) }, ...ys],
      bands: b,
      axes: [
        { label: xLabel, labelSize: 20, stroke: '#475569', grid: { stroke: '#e2e8f0' }, ticks: { stroke: '#cbd5e1' } },
        { stroke: '#475569', grid: { stroke: '#e2e8f0' }, ticks: { stroke: '#cbd5e1' }, size: 56, values: (_u, splits) => splits.map((v) => formatValue(v)) },
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
    };
    const chart = new uPlot(opts, initial, el);
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      const width = Math.max(el.clientWidth, 200);
      if (width !== chart.width) chart.setSize({ width, height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [configKey, height, xLabel]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div className="chart" ref={container} />;
}
