// The runs table: server-side filters and cursor pagination (never all runs), live refresh on status
// events, and row selection for the compare page.
import { useEffect, useState } from 'react';
import type { ListRunsOptions, RunListView, RunStatus } from '@anchorage/sdk';
import { client, isAbort, JOB_KINDS, RUN_STATUSES } from '../api';
import { ErrorBox, Loading, PageLoaded, ProgressBar, StatusPill } from '../components/common';
import { useAsync, useDebounced, useNow, useThrottled } from '../hooks';
import { formatCount, formatKeyMetric, formatTime, runDuration, shortId } from '../lib/format';
import { compareHref, runHref } from '../lib/route';

const PAGE_SIZE = 50;

export function RunsPage() {
  const [kind, setKind] = useState('');
  const [status, setStatus] = useState('');
  const [text, setText] = useState('');
  const q = useDebounced(text.trim(), 250);
  // cursors[i] is the cursor of page i (page 0 has none); Previous pops, Next pushes nextCursor.
  // They belong to one filter: a new filter starts again at the first page.
  const filterKey = `${kind}|${status}|${q}`;
  const [paging, setPaging] = useState<{ key: string; cursors: (string | undefined)[] }>({ key: filterKey, cursors: [undefined] });
  const cursors = paging.key === filterKey ? paging.cursors : [undefined];
  const setCursors = (update: (c: (string | undefined)[]) => (string | undefined)[]) => setPaging({ key: filterKey, cursors: update(cursors) });
  const cursor = cursors[cursors.length - 1];
  const [selected, setSelected] = useState<string[]>([]);
  const now = useNow(1000);

  const runs = useAsync<RunListView>(() => {
    const query: ListRunsOptions = { limit: PAGE_SIZE };
    if (kind) query.kind = kind as ListRunsOptions['kind'];
    if (status) query.status = status as RunStatus;
    if (q) query.q = q;
    if (cursor) query.cursor = cursor;
    return client().listRuns(query);
  }, [kind, status, q, cursor]);

  // Live: any run changing status may change this page; refetch at most once a second.
  const refetch = useThrottled(runs.reload, 1000);
  useEffect(() => {
    const controller = new AbortController();
    void (async () => {
      try {
        for await (const event of client().events({ signal: controller.signal })) {
          if (event.type === 'status') refetch();
        }
      } catch (error) {
        if (!isAbort(error)) console.warn('event stream ended', error);
      }
    })();
    return () => controller.abort();
  }, [refetch]);

  const toggle = (id: string) => setSelected((s) => (s.includes(id) ? s.filter((x) => x !== id) : [...s, id]));
  const page = runs.data;

  return (
    <div className="page">
      <div className="toolbar">
        <h1>Runs</h1>
        <select value={kind} onChange={(e) => setKind(e.target.value)} aria-label="kind" data-testid="filter-kind">
          <option value="">all kinds</option>
          {JOB_KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        <select value={status} onChange={(e) => setStatus(e.target.value)} aria-label="status" data-testid="filter-status">
          <option value="">all statuses</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <input type="search" placeholder="Search name or id…" value={text} onChange={(e) => setText(e.target.value)} data-testid="filter-text" />
        <span className="spacer" />
        {page ? <span className="muted" data-testid="runs-total">{formatCount(page.total)} runs</span> : null}
        <a
          className={`button${selected.length === 0 ? ' disabled' : ''}`}
          href={selected.length ? compareHref(selected) : undefined}
          aria-disabled={selected.length === 0}
          data-testid="compare-selected"
        >
          Compare selected{selected.length ? ` (${selected.length})` : ''}
        </a>
      </div>
      <ErrorBox error={runs.error} />
      {!page && runs.loading ? <Loading what="Loading runs" /> : null}
      {page ? (
        <>
          <PageLoaded />
          <table className="table" data-testid="runs-table">
            <thead>
              <tr>
                <th className="narrow" />
                <th>kind</th>
                <th>name</th>
                <th>status</th>
                <th className="w-progress">progress</th>
                <th>backend</th>
                <th>worker</th>
                <th>created</th>
                <th>duration</th>
                <th>key metric</th>
              </tr>
            </thead>
            <tbody>
              {page.runs.map((run) => {
                const duration = runDuration(run, now);
                return (
                  <tr key={run.id} data-testid={`run-row-${run.id}`} className={selected.includes(run.id) ? 'selected' : undefined}>
                    <td className="narrow">
                      <input type="checkbox" checked={selected.includes(run.id)} onChange={() => toggle(run.id)} aria-label={`select ${run.id}`} />
                    </td>
                    <td>{run.kind}</td>
                    <td>
                      <a href={runHref(run.id)}>{run.name ?? <span className="mono">{run.id}</span>}</a>
                    </td>
                    <td>
                      <StatusPill status={run.status} testId="run-status" />
                    </td>
                    <td>
                      <ProgressBar value={run.progress} />
                    </td>
                    <td>{run.backend ?? '—'}</td>
                    <td className="mono small" title={run.workerId ?? undefined}>
                      {run.workerId ? shortId(run.workerId) : '—'}
                    </td>
                    <td className="small">{formatTime(run.createdAt)}</td>
                    <td className={duration.waiting ? 'muted' : undefined}>{duration.text}</td>
                    <td>{formatKeyMetric(run.keyMetric)}</td>
                  </tr>
                );
              })}
              {page.runs.length === 0 ? (
                <tr>
                  <td colSpan={10} className="empty">
                    No runs match.
                  </td>
                </tr>
              ) : null}
            </tbody>
          </table>
          <div className="pager">
            <button disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))} data-testid="page-prev">
              ← Previous
            </button>
            <span className="muted">page {cursors.length}</span>
            <button disabled={!page.nextCursor} onClick={() => page.nextCursor && setCursors((c) => [...c, page.nextCursor!])} data-testid="page-next">
              Next →
            </button>
            {runs.loading ? <span className="muted">refreshing…</span> : null}
          </div>
        </>
      ) : null}
    </div>
  );
}
