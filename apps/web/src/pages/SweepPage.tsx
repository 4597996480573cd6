// A sweep: header with its objective and trial counts, the best trial, and the results table in the
// API's order (best objective first), with a link comparing the runs of the best three trials.
// Refetched every 2 s while it runs.
import { useState } from 'react';
import type { SweepView } from '@anchorage/sdk';
import { client } from '../api';
import { ErrorBox, Fact, Loading, PageLoaded, Section, StatusPill } from '../components/common';
import { useAsync, useInterval, useNow } from '../hooks';
import { canCancelGroup } from '../lib/permissions';
import { useMe } from '../session';
import { cellText } from '../lib/flatten';
import { formatTime, formatValue, runDuration, tailId } from '../lib/format';
import { compareHref, runHref } from '../lib/route';
import { ObjectiveLabel } from './SweepsPage';

type Trial = SweepView['trials'][number];

const COUNT_KEYS = ['pending', 'active', 'succeeded', 'failed', 'cancelled', 'stopped'] as const;

export function SweepPage({ id }: { id: string }) {
  const sweep = useAsync<SweepView>(() => client().getSweep(id), [id]);
  const s = sweep.data;
  const running = s?.status === 'running';
  useInterval(sweep.reload, 2000, running);
  const now = useNow(1000);
  const me = useMe();
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<unknown>();

  if (!s) {
    return (
      <div className="page">
        <h1 className="mono">{id}</h1>
        {sweep.error ? <ErrorBox error={sweep.error} /> : <Loading what="Loading sweep" />}
      </div>
    );
  }

  const cancel = async () => {
    setBusy(true);
    setActionError(undefined);
    try {
      await client().cancelSweep(id);
      sweep.reload();
    } catch (error) {
      setActionError(error);
    } finally {
      setBusy(false);
    }
  };

  const top = s.trials.filter((t) => t.runId && t.objective !== null).slice(0, 3);
  const topRuns = top.map((t) => t.runId!);

  return (
    <div className="page">
      <PageLoaded />
      <div className="run-head">
        <div>
          <h1>
            {s.name ?? 'sweep'} <StatusPill status={s.status} testId="sweep-status" />
            {running ? (
              <span className="live" title="refreshing every 2 s">
                ● live
              </span>
            ) : null}
          </h1>
          <div className="muted mono small">{s.id}</div>
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
      <ErrorBox error={sweep.error} title="Refresh failed" />

      <dl className="facts">
        <Fact label="objective">
          <ObjectiveLabel objective={s.objective} />
        </Fact>
        <Fact label="strategy">{s.strategy}</Fact>
        <Fact label="concurrency">{s.concurrency}</Fact>
        <Fact label="trials">
          {s.counts.succeeded}/{s.trials.length} succeeded
        </Fact>
        <Fact label="early stopping">{describeEarlyStopping(s.earlyStopping)}</Fact>
        <Fact label="created">{formatTime(s.createdAt)}</Fact>
        <Fact label="ended">{formatTime(s.endedAt)}</Fact>
        <Fact label="duration">{runDuration({ status: s.status, startedAt: s.createdAt, endedAt: s.endedAt }, now).text}</Fact>
      </dl>
      <div className="counts" data-testid="sweep-counts">
        {COUNT_KEYS.map((key) => (
          <span key={key} className={`count${s.counts[key] ? '' : ' dim'}`} data-count={key}>
            <StatusPill status={key} /> <strong>{s.counts[key]}</strong>
          </span>
        ))}
      </div>

      {s.best ? <BestTrial trial={s.best} objective={s.objective} /> : null}

      <Section
        title="Results"
        actions={
          <a
            className={`button${topRuns.length < 2 ? ' disabled' : ''}`}
            href={topRuns.length >= 2 ? compareHref(topRuns) : undefined}
            aria-disabled={topRuns.length < 2}
            title={topRuns.length < 2 ? 'needs two trials with an objective' : 'the runs of the best three trials side by side'}
            data-testid="compare-top"
          >
            Compare top 3
          </a>
        }
      >
        <ResultsTable sweep={s} />
      </Section>
    </div>
  );
}

function BestTrial({ trial, objective }: { trial: Trial; objective: SweepView['objective'] }) {
  return (
    <div className="best-trial" data-testid="sweep-best" data-trial-index={trial.index}>
      <span className="best-label">★ best trial #{trial.index}</span>
      {Object.entries(trial.params).map(([path, value]) => (
        <span key={path} className="param">
          <code>{path}</code> = <strong data-param={path}>{cellText(value)}</strong>
        </span>
      ))}
      <span className="param">
        <code>{objective.field}</code> <strong data-testid="sweep-best-objective">{formatValue(trial.objective)}</strong>
      </span>
      {trial.runId ? (
        <a href={runHref(trial.runId)} className="mono small">
          run {tailId(trial.runId)}
        </a>
      ) : null}
    </div>
  );
}

function ResultsTable({ sweep }: { sweep: SweepView }) {
  // One column per parameter path, in the order they first appear.
  const paths = [...new Set(sweep.trials.flatMap((t) => Object.keys(t.params)))];
  const bestIndex = sweep.best?.index;
  return (
    <table className="table" data-testid="sweep-results">
      <thead>
        <tr>
          <th className="num">rank</th>
          <th className="num">trial</th>
          {paths.map((p) => (
            <th key={p} className="mono">
              {p}
            </th>
          ))}
          <th>status</th>
          <th className="num">
            {sweep.objective.field} {sweep.objective.goal === 'min' ? '↓' : '↑'}
          </th>
          <th>run</th>
        </tr>
      </thead>
      <tbody>
        {sweep.trials.map((t, i) => {
          const best = t.index === bestIndex;
          return (
            <tr key={t.index} data-testid={`sweep-trial-${t.index}`} data-best={best || undefined} className={best ? 'best-row' : undefined}>
              <td className="num">{t.objective !== null ? i + 1 : '—'}</td>
              <td className="num muted">#{t.index}</td>
              {paths.map((p) => (
                <td key={p} className="mono" data-param={p}>
                  {cellText(t.params[p])}
                </td>
              ))}
              <td>
                <StatusPill status={t.status} testId="trial-status" />
              </td>
              <td className="num" data-testid="trial-objective">
                {best ? <strong>{formatValue(t.objective)}</strong> : formatValue(t.objective)}
              </td>
              <td className="mono small">{t.runId ? <a href={runHref(t.runId)}>{tailId(t.runId)}</a> : <span className="muted">not submitted</span>}</td>
            </tr>
          );
        })}
        {sweep.trials.length === 0 ? (
          <tr>
            <td colSpan={paths.length + 5} className="empty">
              No trials.
            </td>
          </tr>
        ) : null}
      </tbody>
    </table>
  );
}

/** The median stopping rule's settings in a line, or "off". */
function describeEarlyStopping(value: unknown): string {
  if (!value || typeof value !== 'object') return 'off';
  const v = value as { metric?: unknown; goal?: unknown; minSteps?: unknown; minTrials?: unknown };
  if (typeof v.metric !== 'string') return JSON.stringify(value);
  const parts = [`median rule on ${v.metric}`];
  if (v.goal === 'min' || v.goal === 'max') parts.push(v.goal);
  if (typeof v.minSteps === 'number') parts.push(`after ${v.minSteps} steps`);
  if (typeof v.minTrials === 'number') parts.push(`${v.minTrials} trials`);
  return parts.join(', ');
}
