// Runs side by side: one chart per metric with a line per run, and a table of spec fields, final
// metric values and result fields with the differing rows highlighted.
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { RunView } from '@anchorage/sdk';
import { client, errorMessage } from '../api';
import { LineChart, PALETTE } from '../charts/LineChart';
import { ErrorBox, Loading, PageLoaded, Section, StatusPill } from '../components/common';
import { useAsync } from '../hooks';
import { cellText, differs, flatten } from '../lib/flatten';
import { alignSeries, compareMetricNames, finalValue, fromFetched, type Series } from '../lib/series';
import { runHref } from '../lib/route';

interface Loaded {
  id: string;
  run?: RunView;
  series?: Series[];
  error?: unknown;
}

export function ComparePage({ ids }: { ids: string[] }) {
  const loaded = useAsync<Loaded[]>(
    () =>
      Promise.all(
        ids.map(async (id): Promise<Loaded> => {
          try {
            const [run, metrics] = await Promise.all([client().getRun(id), client().runMetrics(id, { maxPoints: 1000 })]);
            return { id, run, series: fromFetched(metrics.metrics) };
          } catch (error) {
            return { id, error };
          }
        }),
      ),
    [ids.join(',')],
  );

  if (ids.length === 0) {
    return (
      <div className="page">
        <h1>Compare</h1>
        <p className="muted">
          Select runs on the <a href="#/runs">runs page</a> and press “Compare selected”, or open <code>#/compare?ids=a,b</code>.
        </p>
      </div>
    );
  }
  return (
    <div className="page">
      <h1>Compare {ids.length} runs</h1>
      <ErrorBox error={loaded.error} />
      {!loaded.data ? <Loading what="Loading runs" /> : <CompareView items={loaded.data} />}
    </div>
  );
}

function CompareView({ items }: { items: Loaded[] }) {
  const ok = useMemo(() => items.flatMap((i) => (i.run && i.series ? [{ id: i.id, run: i.run, series: i.series }] : [])), [items]);
  const names = useMemo(() => [...new Set(ok.flatMap((i) => i.series.map((s) => s.name)))].sort(compareMetricNames), [ok]);
  const labels = ok.map((i) => i.run.name ?? i.id.slice(0, 8));

  const rows = useMemo(() => {
    const spec = ok.map((i) => flatten(i.run.spec, 'spec'));
    const result = ok.map((i) => (i.run.result && typeof i.run.result === 'object' ? flatten(i.run.result, 'result') : {}));
    const keys = (maps: Record<string, unknown>[]) => [...new Set(maps.flatMap((m) => Object.keys(m)))].sort();
    const out: { key: string; values: unknown[] }[] = [];
    out.push({ key: 'kind', values: ok.map((i) => i.run.kind) });
    out.push({ key: 'status', values: ok.map((i) => i.run.status) });
    for (const key of keys(spec)) out.push({ key, values: spec.map((m) => m[key]) });
    for (const name of names) out.push({ key: `final ${name}`, values: ok.map((i) => finalValue(i.series.find((s) => s.name === name)?.points ?? [])) });
    for (const key of keys(result)) out.push({ key, values: result.map((m) => m[key]) });
    return out;
  }, [ok, names]);

  return (
    <>
      <PageLoaded />
      {items
        .filter((i) => i.error)
        .map((i) => (
          <div key={i.id} className="error-box">
            <span className="mono">{i.id}</span>: {errorMessage(i.error)}
          </div>
        ))}
      <div className="legend-row">
        {ok.map((i, k) => (
          <span key={i.id} className="legend-item">
            <span className="swatch" style={{ background: PALETTE[k % PALETTE.length] }} />
            <a href={runHref(i.id)}>{labels[k]}</a> <span className="muted mono small">{i.id.slice(0, 8)}</span> <StatusPill status={i.run.status} />
          </span>
        ))}
      </div>
      <Section title="Curves">
        {names.length === 0 ? <p className="muted">None of these runs has metrics.</p> : null}
        <div className="chart-grid">
          {names.map((name) => (
            <CompareChart key={name} name={name} runs={ok.map((i, k) => ({ label: labels[k], points: i.series.find((s) => s.name === name)?.points ?? [] }))} />
          ))}
        </div>
      </Section>
      <Section title="Side by side">
        <table className="table compare-table" data-testid="compare-table">
          <thead>
            <tr>
              <th>field</th>
              {ok.map((i, k) => (
                <th key={i.id}>
                  <span className="swatch" style={{ background: PALETTE[k % PALETTE.length] }} /> {labels[k]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const diff = differs(row.values);
              return (
                <tr key={row.key} className={diff ? 'differs' : undefined}>
                  <td className="mono small">{row.key}</td>
                  {row.values.map((v, k) => (
                    <td key={k} className="mono small">
                      {cellText(v)}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </Section>
    </>
  );
}

function CompareChart({ name, runs }: { name: string; runs: { label: string; points: Series['points'] }[] }) {
  const data = useMemo<uPlot.AlignedData>(() => {
    const { steps, values } = alignSeries(runs.map((r) => r.points));
    return [steps, ...values];
  }, [runs]);
  const series = useMemo<uPlot.Series[]>(
    () => runs.map((r, k) => ({ label: r.label, stroke: PALETTE[k % PALETTE.length], width: 1.5, spanGaps: true })),
    [runs],
  );
  const count = runs.reduce((n, r) => n + r.points.length, 0);
  return (
    <div className="chart-card" data-testid={`chart-${name}`}>
      <div className="chart-title">
        <strong>{name}</strong>
        <span className="muted small">
          <span data-testid={`chart-point-count-${name}`}>{count}</span> points
        </span>
      </div>
      <LineChart data={data} series={series} configKey={runs.map((r) => r.label).join('|')} />
    </div>
  );
}
