// A run: header and actions, spec, attempts, curves, logs, produced models, result, and for a
// finished stitch run the stitch panel.
import { useState } from 'react';
import { client, errorMessage, isTerminal } from '../api';
import { ErrorBox, Fact, JsonBlock, Loading, PageLoaded, ProgressBar, Section, StatusPill } from '../components/common';
import { useNow } from '../hooks';
import { canChangeRun } from '../lib/permissions';
import { useMe } from '../session';
import { formatKeyMetric, formatTime, runDuration } from '../lib/format';
import { AttemptsTimeline } from './AttemptsTimeline';
import { RunArtifacts } from './RunArtifacts';
import { RunCurves } from './RunCurves';
import { RunLogs } from './RunLogs';
import { StitchPanel } from './StitchPanel';
import { useRunData } from './useRunData';

export function RunPage({ id }: { id: string }) {
  const data = useRunData(id);
  const me = useMe();
  const now = useNow(1000);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const [exports, setExports] = useState(0);
  const { run } = data;

  if (!run) {
    return (
      <div className="page">
        <h1 className="mono">{id}</h1>
        {data.error ? <ErrorBox error={data.error} /> : <Loading what="Loading run" />}
      </div>
    );
  }

  const act = async (what: 'cancel' | 'retry') => {
    setBusy(true);
    setActionError(undefined);
    try {
      if (what === 'cancel') {
        await client().cancelRun(id);
        data.refresh();
      } else {
        await client().retryRun(id);
        data.restart(); // live again: reopen the event stream
      }
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  };

  const terminal = isTerminal(run.status);
  // Admins change any run, submitters their own; the API refuses the rest (403) anyway.
  const mayChange = canChangeRun(me, run);
  const resources = run.resources as { accelerator?: string; minDeviceMemoryGb?: number } | null;
  const wanted = resources?.accelerator ? `${resources.accelerator}${resources.minDeviceMemoryGb ? ` ≥${resources.minDeviceMemoryGb} GB` : ''}` : JSON.stringify(run.resources);

  return (
    <div className="page">
      <PageLoaded />
      <div className="run-head">
        <div>
          <h1>
            {run.name ?? run.kind} <StatusPill status={run.status} testId="run-status" />
            {data.live ? (
              <span className="live" title="receiving live updates">
                ● live
              </span>
            ) : null}
          </h1>
          <div className="muted mono small">{run.id}</div>
        </div>
        <span className="spacer" />
        <div className="actions">
          {mayChange && !terminal ? (
            <button className="danger" disabled={busy} onClick={() => void act('cancel')} data-testid="cancel-button">
              Cancel
            </button>
          ) : null}
          {mayChange && run.status === 'failed' ? (
            <button disabled={busy} onClick={() => void act('retry')} data-testid="retry-button">
              Retry
            </button>
          ) : null}
        </div>
      </div>
      <ErrorBox error={actionError} title="Action failed" />
      <ErrorBox error={data.error} title="Refresh failed" />
      {data.streamError ? <div className="warning">Live updates stopped: {errorMessage(data.streamError)}</div> : null}

      <dl className="facts">
        <Fact label="kind">{run.kind}</Fact>
        <Fact label="priority">{run.priority}</Fact>
        <Fact label="resources">
          {wanted} → class {run.resourceClass}
        </Fact>
        <Fact label="owner" testId="run-owner">
          {run.owner}
          {run.owner === me.id ? <span className="muted"> (you)</span> : null}
        </Fact>
        <Fact label="attempts">
          {run.attempts.length} / {run.maxAttempts}
        </Fact>
        <Fact label="progress">
          <ProgressBar value={run.progress} />
        </Fact>
        <Fact label="backend">{run.backend ?? '—'}</Fact>
        <Fact label="key metric">{formatKeyMetric(run.keyMetric)}</Fact>
        <Fact label="created">{formatTime(run.createdAt)}</Fact>
        <Fact label="started">{formatTime(run.startedAt)}</Fact>
        <Fact label="ended">{formatTime(run.endedAt)}</Fact>
        <Fact label="duration">{runDuration(run, now).text}</Fact>
        {run.statusReason ? <Fact label="reason">{run.statusReason}</Fact> : null}
      </dl>
      {run.error ? (
        <div className="error-box" data-testid="run-error">
          <strong>Error: </strong>
          {run.error}
        </div>
      ) : null}

      {run.kind === 'stitch' && run.status === 'succeeded' ? <StitchPanel runId={run.id} onExported={() => setExports((n) => n + 1)} /> : null}

      <JsonBlock value={run.spec} summary="Spec" />
      {/* A stitch run's result is long and the panel above shows it better: keep it folded there. */}
      {run.status === 'succeeded' && run.result !== undefined && run.result !== null ? <JsonBlock value={run.result} summary="Result" open={run.kind !== 'stitch'} /> : null}

      <Section title="Attempts">
        <AttemptsTimeline attempts={run.attempts} now={now} />
      </Section>

      <Section title="Curves">
        <ErrorBox error={data.seriesError} />
        {data.series ? <RunCurves series={data.series} /> : data.seriesError ? null : <Loading what="Loading metrics" />}
      </Section>

      <Section title="Logs">
        <ErrorBox error={data.logsError} />
        {data.logs ? <RunLogs lines={data.logs} /> : data.logsError ? null : <Loading what="Loading logs" />}
      </Section>

      <Section title="Models">
        <RunArtifacts runId={run.id} refreshKey={`${run.status}|${exports}`} />
      </Section>
    </div>
  );
}
