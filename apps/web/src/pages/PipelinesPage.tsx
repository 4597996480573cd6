// The pipelines table: newest first, refetched every 2 s while any of them is still running.
import type { PipelineView } from '@anchorage/sdk';
import { client } from '../api';
import { ErrorBox, Loading, PageLoaded, StatusPill } from '../components/common';
import { useAsync, useInterval, useNow } from '../hooks';
import { formatTime, runDuration } from '../lib/format';
import { pipelineHref } from '../lib/route';

const LIMIT = 100;

export function PipelinesPage() {
  const pipelines = useAsync<{ pipelines: PipelineView[] }>(() => client().listPipelines({ limit: LIMIT }), []);
  const list = pipelines.data?.pipelines;
  useInterval(pipelines.reload, 2000, list?.some((p) => p.status === 'running') ?? false);
  const now = useNow(1000);

  return (
    <div className="page">
      <div className="toolbar">
        <h1>Pipelines</h1>
        <span className="spacer" />
        {list ? <span className="muted">{list.length === LIMIT ? `newest ${LIMIT}` : `${list.length} pipelines`}</span> : null}
      </div>
      <ErrorBox error={pipelines.error} />
      {!list && pipelines.loading ? <Loading what="Loading pipelines" /> : null}
      {list ? (
        <>
          <PageLoaded />
          <table className="table" data-testid="pipelines-table">
            <thead>
              <tr>
                <th>name</th>
                <th>status</th>
                <th className="num">steps</th>
                <th>step statuses</th>
                <th>created</th>
                <th>duration</th>
              </tr>
            </thead>
            <tbody>
              {list.map((p) => (
                <tr key={p.id} data-testid={`pipeline-row-${p.id}`}>
                  <td>
                    <a href={pipelineHref(p.id)}>{p.name ?? <span className="mono">{p.id}</span>}</a>
                  </td>
                  <td>
                    <StatusPill status={p.status} testId="pipeline-status" />
                  </td>
                  <td className="num" title="steps succeeded / steps">
                    {p.steps.filter((s) => s.status === 'succeeded').length}/{p.steps.length}
                  </td>
                  <td>
                    <StepDots steps={p.steps} />
                  </td>
                  <td className="small">{formatTime(p.createdAt)}</td>
                  <td>{runDuration({ status: p.status, startedAt: p.createdAt, endedAt: p.endedAt }, now).text}</td>
                </tr>
              ))}
              {list.length === 0 ? (
                <tr>
                  <td colSpan={6} className="empty">
                    No pipelines yet. Start one with <code>POST /v1/pipelines</code>.
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

/** One small coloured square per step, in request order; the step's id and status in its title. */
function StepDots({ steps }: { steps: PipelineView['steps'] }) {
  return (
    <span className="step-dots">
      {steps.map((s) => (
        <span key={s.id} className={`step-dot dot-${s.status}`} title={`${s.id}: ${s.status}`} />
      ))}
    </span>
  );
}
