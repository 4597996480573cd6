// The sweeps table: newest first, refetched every 2 s while any of them is still running.
import type { SweepView } from '@anchorage/sdk';
import { client } from '../api';
import { ErrorBox, Loading, PageLoaded, StatusPill } from '../components/common';
import { useAsync, useInterval } from '../hooks';
import { formatTime, formatValue } from '../lib/format';
import { sweepHref } from '../lib/route';

const LIMIT = 100;

export function SweepsPage() {
  const sweeps = useAsync<{ sweeps: SweepView[] }>(() => client().listSweeps({ limit: LIMIT }), []);
  const list = sweeps.data?.sweeps;
  useInterval(sweeps.reload, 2000, list?.some((s) => s.status === 'running') ?? false);

  return (
    <div className="page">
      <div className="toolbar">
        <h1>Sweeps</h1>
        <span className="spacer" />
        {list ? <span className="muted">{list.length === LIMIT ? `newest ${LIMIT}` : `${list.length} sweeps`}</span> : null}
      </div>
      <ErrorBox error={sweeps.error} />
      {!list && sweeps.loading ? <Loading what="Loading sweeps" /> : null}
      {list ? (
        <>
          <PageLoaded />
          <table className="table" data-testid="sweeps-table">
            <thead>
              <tr>
                <th>name</th>
                <th>status</th>
                <th>strategy</th>
                <th className="num">progress</th>
                <th className="num">active</th>
                <th>objective</th>
                <th className="num">best</th>
                <th>created</th>
              </tr>
            </thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.id} data-testid={`sweep-row-${s.id}`}>
                  <td>
                    <a href={sweepHref(s.id)}>{s.name ?? <span className="mono">{s.id}</span>}</a>
                  </td>
                  <td>
                    <StatusPill status={s.status} testId="sweep-status" />
                  </td>
                  <td>{s.strategy}</td>
                  <td className="num" data-testid="sweep-progress" title="trials succeeded / trials">
                    {s.counts.succeeded}/{s.trials.length}
                  </td>
                  <td className="num">{s.counts.active || '—'}</td>
                  <td>
                    <ObjectiveLabel objective={s.objective} />
                  </td>
                  <td className="num" data-testid="sweep-best-objective">
                    {formatValue(s.best?.objective)}
                  </td>
                  <td className="small">{formatTime(s.createdAt)}</td>
                </tr>
              ))}
              {list.length === 0 ? (
                <tr>
                  <td colSpan={8} className="empty">
                    No sweeps yet. Start one with <code>POST /v1/sweeps</code>.
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
        </>
      ) : null}
    </div>
  );
}

/** `durationMs ↓ min`: the result field a sweep ranks its trials by, and which way is better. */
export function ObjectiveLabel({ objective }: { objective: SweepView['objective'] }) {
  return (
    <span title={`${objective.goal === 'min' ? 'lower' : 'higher'} is better`}>
      <code>{objective.field}</code> <span className="muted small">{objective.goal === 'min' ? '↓ min' : '↑ max'}</span>
    </span>
  );
}
