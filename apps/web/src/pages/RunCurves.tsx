// One chart per metric: the raw line faint behind the smoothed one (TensorBoard's EMA), and for
// downsampled series a shaded min/max band so single-step spikes survive the downsampling.
import { useMemo, useState } from 'react';
import type uPlot from 'uplot';
import { LineChart } from '../charts/LineChart';
import { emaSmooth } from '../lib/ema';
import type { Series } from '../lib/series';

export function RunCurves({ series }: { series: readonly Series[] }) {
  const [smoothing, setSmoothing] = useState(0.6);
  if (series.length === 0) return <p className="muted">No metrics yet.</p>;
  return (
    <>
      <label className="inline">
        smoothing
        <input type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} data-testid="smoothing" />
        <span className="mono">{smoothing.toFixed(2)}</span>
      </label>
      <div className="chart-grid">
        {series.map((s) => (
          <MetricChart key={s.name} series={s} smoothing={smoothing} />
        ))}
      </div>
    </>
  );
}

function MetricChart({ series, smoothing }: { series: Series; smoothing: number }) {
  const color = /loss/.test(series.name) ? '#dc2626' : /acc/.test(series.name) ? '#2563eb' : '#7c3aed';
  const banded = series.downsampled;
  const data = useMemo<uPlot.AlignedData>(() => {
    const steps = series.points.map((p) => p.step);
    const raw = series.points.map((p) => p.value);
    const smooth = emaSmooth(raw, smoothing);
    if (!banded) return [steps, raw, smooth];
    return [steps, raw, smooth, series.points.map((p) => p.max ?? p.value), series.points.map((p) => p.min ?? p.value)];
  }, [series, smoothing, banded]);
  const ys = useMemo<uPlot.Series[]>(() => {
    const list: uPlot.Series[] = [
      { label: banded ? 'mean' : 'raw', stroke: withAlpha(color, 0.3), width: 1, points: { show: false } },
      // Default points: uPlot shows them only where they are sparse (a lone point stays visible).
      { label: 'smoothed', stroke: color, width: 2 },
    ];
    if (banded) {
      list.push({ label: 'max', stroke: withAlpha(color, 0.15), width: 0.5, points: { show: false } });
      list.push({ label: 'min', stroke: withAlpha(color, 0.15), width: 0.5, points: { show: false } });
    }
    return list;
  }, [color, banded]);
  const bands = useMemo<uPlot.Band[] | undefined>(() => (banded ? [{ series: [3, 4], fill: withAlpha(color, 0.15) }] : undefined), [banded, color]);

  return (
    <div className="chart-card" data-testid={`chart-${series.name}`}>
      <div className="chart-title">
        <strong>{series.name}</strong>
        <span className="muted small">
          <span data-testid={`chart-point-count-${series.name}`}>{series.points.length}</span> points{banded ? ' (downsampled: mean, min–max band)' : ''}
        </span>
      </div>
      <LineChart data={data} series={ys} bands={bands} configKey={`${series.name}|${banded}`} />
    </div>
  );
}

function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}
