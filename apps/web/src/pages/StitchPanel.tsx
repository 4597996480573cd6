// A finished stitch run's stitches: the Pareto scatter, a budget slider whose chosen stitch comes from
// the API's frontier endpoint (the same rule the CLI and exports use), the table, and export.
import { useEffect, useMemo, useState } from 'react';
import type { FrontierView, ModelView, StitchListView, StitchView } from '@anchorage/sdk';
import { client } from '../api';
import { costOf, formatCost, ParetoChart, type CostAxis } from '../charts/ParetoChart';
import { ErrorBox, Loading, Section } from '../components/common';
import { useAsync, useDebounced } from '../hooks';
import { formatCompact, formatPercent, formatValue } from '../lib/format';
import { canExport } from '../lib/permissions';
import { useMe } from '../session';

export function StitchPanel({ runId, onExported }: { runId: string; onExported?: (model: ModelView) => void }) {
  const list = useAsync<StitchListView>(() => client().stitches(runId), [runId]);
  return (
    <Section title="Stitches">
      <ErrorBox error={list.error} />
      {list.data ? <StitchExplorer runId={runId} stitches={list.data.stitches} onExported={onExported} /> : list.error ? null : <Loading what="Loading stitches" />}
    </Section>
  );
}

function StitchExplorer({ runId, stitches, onExported }: { runId: string; stitches: StitchView[]; onExported?: (model: ModelView) => void }) {
  const mayExport = canExport(useMe());
  const latencyKnown = stitches.length > 0 && stitches.every((s) => s.latencyMs !== null);
  const [cost, setCost] = useState<CostAxis>('flops');
  const costs = useMemo(() => stitches.map((s) => costOf(s, cost)).filter((c): c is number => c !== null), [stitches, cost]);
  const lo = costs.length ? Math.min(...costs) : 0;
  const hi = costs.length ? Math.max(...costs) : 0;
  // The budget starts at the top of the range: everything fits and the best stitch overall is chosen.
  const [budgetByAxis, setBudgetByAxis] = useState<Partial<Record<CostAxis, number>>>({});
  const budget = budgetByAxis[cost] ?? hi;
  const asked = useDebounced(budget, 150);
  // Each answer carries the budget it was asked for, so the page (and a test) can tell whether the
  // chosen stitch belongs to the budget on screen or to an earlier one still being replaced.
  const frontier = useAsync<{ budget: number; cost: CostAxis; view: FrontierView }>(
    async () => ({ budget: asked, cost, view: await client().frontier(runId, cost === 'flops' ? { maxFlops: asked } : { maxLatencyMs: asked }) }),
    [runId, cost, asked],
  );
  const answer = frontier.data && frontier.data.cost === cost ? frontier.data : undefined;
  const best = answer ? answer.view.best : null;
  const settled = !!answer && answer.budget === budget;

  const [exported, setExported] = useState<ModelView>();
  const [exportError, setExportError] = useState<unknown>();
  const [exporting, setExporting] = useState(false);
  useEffect(() => {
    setExported(undefined);
    setExportError(undefined);
  }, [best?.stitchId]);

  const doExport = async () => {
    if (!best) return;
    setExporting(true);
    setExportError(undefined);
    try {
      const model = await client().exportStitch(runId, best.stitchId);
      setExported(model);
      onExported?.(model);
    } catch (error) {
      setExportError(error);
    } finally {
      setExporting(false);
    }
  };

  const step = hi > lo ? (hi - lo) / 1000 : 1;
  return (
    <div className="stitches">
      <div className="toolbar">
        <label className="inline">
          cost axis
          <select value={cost} onChange={(e) => setCost(e.target.value as CostAxis)} data-testid="cost-axis">
            <option value="flops">FLOPs</option>
            <option value="latencyMs" disabled={!latencyKnown}>
              latency (ms){latencyKnown ? '' : ' — not measured'}
            </option>
          </select>
        </label>
        <label className="inline grow">
          budget
          <input
            type="range"
            min={lo}
            max={hi}
            step={step}
            value={budget}
            onChange={(e) => setBudgetByAxis((b) => ({ ...b, [cost]: Number(e.target.value) }))}
            data-testid="budget-slider"
          />
          <span className="mono">≤ {formatCost(budget, cost)}</span>
        </label>
      </div>
      <ParetoChart stitches={stitches} cost={cost} chosenId={best?.stitchId ?? null} budget={budget} />
      <div className="chosen" data-testid="chosen-stitch" data-stitch-id={best?.stitchId ?? ''} data-budget={answer?.budget ?? ''} data-settled={settled ? 'true' : 'false'}>
        <ErrorBox error={frontier.error} />
        {best ? (
          <>
            Chosen within {formatCost(answer?.budget, cost)}: <strong>{best.label}</strong> <span className="mono">#{best.stitchId}</span> · {formatPercent(best.accuracy)} ·{' '}
            {formatCompact(best.flops)} FLOPs{best.latencyMs !== null ? ` · ${formatValue(best.latencyMs)} ms` : ''}
            {mayExport ? (
              <button className="primary" disabled={exporting} onClick={() => void doExport()} data-testid="export-button">
                {exporting ? 'Exporting…' : 'Export'}
              </button>
            ) : null}
          </>
        ) : answer ? (
          <span className="muted">No frontier stitch fits this budget.</span>
        ) : null}
      </div>
      <ErrorBox error={exportError} title="Export failed" />
      {exported ? (
        <div className="note" data-testid="exported-model">
          Exported as model <strong>{exported.name}</strong> <span className="mono">{exported.id}</span>: a standalone network you can evaluate or serve (artifact{' '}
          <span className="mono">{exported.artifactUri}</span>).
        </div>
      ) : null}
      <table className="table" data-testid="stitch-table">
        <thead>
          <tr>
            <th>id</th>
            <th>label</th>
            <th>kind</th>
            <th className="num">FLOPs</th>
            <th className="num">params</th>
            <th className="num">accuracy</th>
            <th className="num">latency</th>
            <th>frontier</th>
          </tr>
        </thead>
        <tbody>
          {[...stitches]
            .sort((a, b) => a.flops - b.flops || a.stitchId - b.stitchId)
            .map((s) => (
              <tr key={s.stitchId} className={s.stitchId === best?.stitchId ? 'chosen-row' : undefined} data-testid={`stitch-row-${s.stitchId}`}>
                <td className="mono">{s.stitchId}</td>
                <td>{s.label}</td>
                <td>{s.kind}</td>
                <td className="num">{formatCompact(s.flops)}</td>
                <td className="num">{formatCompact(s.params)}</td>
                <td className="num">{formatPercent(s.accuracy)}</td>
                <td className="num">{s.latencyMs === null ? '—' : `${formatValue(s.latencyMs)} ms`}</td>
                <td>{s.onFrontier ? '✓' : ''}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}
