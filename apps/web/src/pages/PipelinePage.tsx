// A pipeline: header with step counts, the dependency graph of its steps and a table of the steps with
// their outputs. Refetched every 2 s while it runs.
import { useState } from 'react';
import type { PipelineView } from '@anchorage/sdk';
import { client } from '../api';
import { ErrorBox, Fact, JsonBlock, Loading, PageLoaded, Section, StatusPill } from '../components/common';
import { useAsync, useInterval, useNow } from '../hooks';
import { canCancelGroup } from '../lib/permissions';
import { useMe } from '../session';
import { formatTime, runDuration } from '../lib/format';
import { PipelineGraph, StepTarget } from './PipelineGraph';

const STEP_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled'] as const;

export function PipelinePage({ id }: { id: string }) {
  const pipeline = useAsync<PipelineView>(() => client().getPipeline(id), [id]);
  const p = pipeline.data;
  const running = p?.status === 'running';
  useInterval(pipeline.reload, 2000, running);
  const now = useNow(1000);
  const me = useMe();
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>();

  if (!p) {
    return (
      <div className="page">
        <h1 className="mono">{id}</h1>
        {pipeline.error ? <ErrorBox error={pipeline.error} /> : <Loading what="Loading pipeline" />}
      </div>
    );
  }

  const cancel = async () => {
    setBusy(true);
    setActionError(undefined);
    try {
      await client().cancelPipeline(id);
      pipeline.reload();
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  };

  const counts = Object.fromEntries(STEP_STATUSES.map((s) => [s, p.steps.filter((step) => step.status === s).length]));

  return (
    <div className="page">
      <PageLoaded />
      <div className="run-head">
        <div>
          <h1>
            {p.name ?? 'pipeline'} <StatusPill status={p.status} testId="pipeline-status" />
            {running ? (
              <span className="live" title="refreshing every 2 s">
                ● live
              </span>
            ) : null}
          </h1>
          <div className="muted mono small">{p.id}</div>
        </div>
        <span className="spacer" />
        <div className="actions">
          {running && canCancelGroup(me) ? (
            <button className="danger" disabled={busy} onClick={() => void cancel()} data-testid="cancel-button">
              Cancel
            </button>
          ) : null}
        </div>
      </div>
      <ErrorBox error={actionError} title="Cancel failed" />
      <ErrorBox error={pipeline.error} title="Refresh failed" />

      <dl className="facts">
        <Fact label="steps">
          {counts.succeeded}/{p.steps.length} succeeded
        </Fact>
        <Fact label="created">{formatTime(p.createdAt)}</Fact>
        <Fact label="ended">{formatTime(p.endedAt)}</Fact>
        <Fact label="duration">{runDuration({ status: p.status, startedAt: p.createdAt, endedAt: p.endedAt }, now).text}</Fact>
      </dl>
      <div className="counts" data-testid="pipeline-counts">
        {STEP_STATUSES.map((key) => (
          <span key={key} className={`count${counts[key] ? '' : ' dim'}`} data-count={key}>
            <StatusPill status={key} /> <strong>{counts[key]}</strong>
          </span>
        ))}
      </div>

      <Section title="Graph">
        <PipelineGraph steps={p.steps} />
      </Section>

      <Section title="Steps">
        <table className="table steps-table" data-testid="pipeline-steps">
          <thead>
            <tr>
              <th>step</th>
              <th>type</th>
              <th>depends on</th>
              <th>status</th>
              <th>made</th>
              <th>error</th>
              <th>outputs</th>
            </tr>
          </thead>
          <tbody>
            {p.steps.map((step) => (
              <tr key={step.id} data-testid={`pipeline-step-row-${step.id}`}>
                <td className="mono">{step.id}</td>
                <td>{step.type}</td>
                <td className="mono small">{step.dependsOn.length ? step.dependsOn.join(', ') : '—'}</td>
                <td>
                  <StatusPill status={step.status} testId="step-status" />
                </td>
                <td>
                  <StepTarget step={step} />
                </td>
                <td className="wrap error-text small">{step.error ?? ''}</td>
                <td className="outputs">
                  {step.outputs === null || step.outputs === undefined ? <span className="muted">—</span> : <JsonBlock value={step.outputs} summary={summarise(step.outputs)} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Section>
    </div>
  );
}

/** The summary line of a step's folded outputs: its keys. */
function summarise(outputs: unknown): string {
  if (outputs && typeof outputs === 'object' && !Array.isArray(outputs)) {
    const keys = Object.keys(outputs);
    return keys.length ? keys.join(', ') : '{}';
  }
  return typeof outputs;
}
