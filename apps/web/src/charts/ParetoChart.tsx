// The stitches' accuracy against cost as a uPlot scatter (mode 1: x = every stitch's cost in order,
// one series per marker style, null where a stitch is not in that series). The frontier series is
// also joined by a line; the chosen stitch gets a ring; a dashed line marks the budget.
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatCompact, formatPercent, formatValue } from '../lib/format';

export interface StitchPoint {
  stitchId: number;
  label: string;
  kind: 'anchor' | 'stitch';
  configuration?: unknown;
  flops: number;
  params: number;
  accuracy: number;
  latencyMs: number | null;
  onFrontier: boolean;
}

export type CostAxis = 'flops' | 'latencyMs';

interface Props {
  stitches: readonly StitchPoint[];
  cost: CostAxis;
  chosenId: number | null;
  budget: number | null;
  height?: number;
}

const noPath = () => null;

export function costOf(s: StitchPoint, cost: CostAxis): number | null {
  return cost === 'flops' ? s.flops : s.latencyMs;
}

export function formatCost(value: number | null | undefined, cost: CostAxis): string {
  if (value === null || value === undefined) return '—';
  return cost === 'flops' ? `${formatCompact(value)} FLOPs` : `${formatValue(value)} ms`;
}

export function ParetoChart({ stitches, cost, chosenId, budget, height = 320 }: Props) {
  const wrapper = useRef<HTMLDivElement>(null);
  const container = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const budgetRef = useRef(budget);
  budgetRef.current = budget;
  const [hover, setHover] = useState<{ stitch: StitchPoint; left: number; top: number } | null>(null);

  const sorted = useMemo(
    () => stitches.filter((s) => costOf(s, cost) !== null).sort((a, b) => costOf(a, cost)! - costOf(b, cost)! || a.stitchId - b.stitchId),
    [stitches, cost],
  );
  const sortedRef = useRef(sorted);
  sortedRef.current = sorted;

  const data = useMemo<uPlot.AlignedData>(() => {
    const pct = (s: StitchPoint) => s.accuracy * 100;
    return [
      sorted.map((s) => costOf(s, cost)!),
      sorted.map((s) => (s.kind === 'stitch' ? pct(s) : null)),
      sorted.map((s) => (s.kind === 'anchor' ? pct(s) : null)),
      sorted.map((s) => (s.onFrontier ? pct(s) : null)),
      sorted.map((s) => (s.stitchId === chosenId ? pct(s) : null)),
    ];
  }, [sorted, cost, chosenId]);
  const dataRef = useRef(data);
  dataRef.current = data;

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(el.clientWidth, 240),
      height,
      scales: { x: { time: false } },
      series: [
        { label: cost === 'flops' ? 'FLOPs' : 'latency (ms)' },
        { label: 'stitches', stroke: '#64748b', paths: noPath, points: { show: true, size: 7, fill: '#94a3b8', stroke: '#64748b' } },
        { label: 'anchors', stroke: '#ea580c', paths: noPath, points: { show: true, size: 15, width: 2, fill: '#fb923c', stroke: '#c2410c' } },
        { label: 'frontier', stroke: '#16a34a', width: 1.5, spanGaps: true, points: { show: true, size: 8, fill: '#22c55e', stroke: '#15803d' } },
        { label: 'chosen', stroke: '#dc2626', paths: noPath, points: { show: true, size: 20, width: 3, fill: 'rgba(0,0,0,0)', stroke: '#dc2626' } },
      ],
      axes: [
        {
          label: cost === 'flops' ? 'FLOPs (multiply-adds per image)' : 'latency (ms)',
          stroke: '#475569',
          grid: { stroke: '#e2e8f0' },
          values: (_u, splits) => splits.map((v) => (cost === 'flops' ? formatCompact(v) : formatValue(v))),
        },
        { label: 'accuracy (%)', stroke: '#475569', grid: { stroke: '#e2e8f0' }, size: 52, values: (_u, splits) => splits.map((v) => formatValue(v)) },
      ],
      legend: { live: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      hooks: {
        draw: [
          (u) => {
            // The budget as a dashed vertical line.
            const b = budgetRef.current;
            if (b === null) return;
            const x = u.valToPos(b, 'x', true);
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            const ctx = u.ctx;
            ctx.save();
            ctx.strokeStyle = '#dc2626';
            ctx.setLineDash([6, 4]);
            ctx.lineWidth = 1.5;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
            ctx.restore();
          },
        ],
        setCursor: [
          (u) => {
            // The nearest stitch in screen space (uPlot's own cursor only snaps along x).
            const { left, top } = u.cursor;
            if (left === undefined || top === undefined || left < 0) return setHover(null);
            const points = sortedRef.current;
            let best: { s: StitchPoint; d: number; x: number; y: number } | null = null;
            for (const s of points) {
              const x = u.valToPos(costOf(s, cost)!, 'x');
              const y = u.valToPos(s.accuracy * 100, 'y');
              const d = (x - left) ** 2 + (y - top) ** 2;
              if (!best || d < best.d) best = { s, d, x, y };
            }
            if (!best || best.d > 40 ** 2) return setHover(null);
            const over = u.over.getBoundingClientRect();
            const outer = wrapper.current!.getBoundingClientRect();
            setHover({ stitch: best.s, left: over.left - outer.left + best.x, top: over.top - outer.top + best.y });
          },
        ],
      },
    };
    const chart = new uPlot(opts, dataRef.current, el);
    plot.current = chart;
    const observer = new ResizeObserver(() => {
      const width = Math.max(el.clientWidth, 240);
      if (width !== chart.width) chart.setSize({ width, height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [cost, height]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  useEffect(() => {
    plot.current?.redraw(false);
  }, [budget]);

  return (
    <div className="pareto" ref={wrapper} data-testid="pareto-chart" data-points={sorted.length}>
      <div ref={container} />
      {hover ? (
        <div className="tooltip" style={{ left: hover.left + 12, top: hover.top + 12 }} data-testid="pareto-tooltip">
          <strong>{hover.stitch.label}</strong> <span className="muted">#{hover.stitch.stitchId} · {hover.stitch.kind}{hover.stitch.onFrontier ? ' · frontier' : ''}</span>
          <div>FLOPs {formatCompact(hover.stitch.flops)} · params {formatCompact(hover.stitch.params)}</div>
          <div>accuracy {formatPercent(hover.stitch.accuracy)} · latency {hover.stitch.latencyMs === null ? '—' : `${formatValue(hover.stitch.latencyMs)} ms`}</div>
          {hover.stitch.configuration !== undefined ? <code className="small">{JSON.stringify(hover.stitch.configuration)}</code> : null}
        </div>
      ) : null}
    </div>
  );
}
