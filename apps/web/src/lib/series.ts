// Metric series as the charts hold them, and the pure operations on them: merging live points into
// fetched (possibly downsampled) series, and aligning several runs' series on one step axis.

export interface SeriesPoint {
  step: number;
  value: number;
  /** Set on downsampled buckets: the bucket's extremes, so single-step spikes stay visible. */
  min?: number;
  max?: number;
}

export interface Series {
  name: string;
  downsampled: boolean;
  points: SeriesPoint[];
}

interface FetchedMetric {
  name: string;
  downsampled: boolean;
  points: { step: number; value: number; min?: number; max?: number }[];
}

export function fromFetched(metrics: readonly FetchedMetric[]): Series[] {
  return metrics
    .map((m) => ({
      name: m.name,
      downsampled: m.downsampled,
      points: m.points.map((p) => (m.downsampled ? { step: p.step, value: p.value, min: p.min ?? p.value, max: p.max ?? p.value } : { step: p.step, value: p.value })),
    }))
    .sort((a, b) => compareMetricNames(a.name, b.name));
}

/**
 * Appends live points to the series. A point at or before a series' last step is already there (the
 * fetch and the event stream overlap by design), so it is skipped. Returns the same array when
 * nothing changed, so React can skip the render.
 */
export function appendPoints(series: readonly Series[], points: readonly { name: string; step: number; value: number }[]): Series[] {
  if (points.length === 0) return series as Series[];
  const byName = new Map(series.map((s) => [s.name, s]));
  const changed = new Map<string, SeriesPoint[]>();
  for (const p of points) {
    const existing = byName.get(p.name);
    let list = changed.get(p.name);
    const last = list ? list[list.length - 1] : existing?.points[existing.points.length - 1];
    if (last && p.step <= last.step) continue;
    if (!list) {
      list = existing ? existing.points.slice() : [];
      changed.set(p.name, list);
    }
    list.push(existing?.downsampled ? { step: p.step, value: p.value, min: p.value, max: p.value } : { step: p.step, value: p.value });
  }
  if (changed.size === 0) return series as Series[];
  const next = series.map((s) => (changed.has(s.name) ? { ...s, points: changed.get(s.name)! } : s));
  for (const [name, list] of changed) if (!byName.has(name)) next.push({ name, downsampled: false, points: list });
  return next.sort((a, b) => compareMetricNames(a.name, b.name));
}

/** loss first, then accuracy, then the rest: the curves people look for first lead the page. */
export function compareMetricNames(a: string, b: string): number {
  const rank = (n: string) => (/loss/.test(n) ? 0 : /acc/.test(n) ? 1 : 2);
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** Several runs' series of one metric on the union of their steps (null where a run has no point). */
export function alignSeries(lines: readonly (readonly SeriesPoint[])[]): { steps: number[]; values: (number | null)[][] } {
  const steps = [...new Set(lines.flatMap((points) => points.map((p) => p.step)))].sort((a, b) => a - b);
  const index = new Map(steps.map((s, i) => [s, i]));
  const values = lines.map((points) => {
    const row: (number | null)[] = new Array(steps.length).fill(null);
    for (const p of points) row[index.get(p.step)!] = p.value;
    return row;
  });
  return { steps, values };
}

/** The metric's value at its last step. */
export function finalValue(points: readonly SeriesPoint[]): number | undefined {
  return points.length ? points[points.length - 1].value : undefined;
}
