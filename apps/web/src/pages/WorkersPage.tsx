// Workers and queue depths. Rows update from the global stream's worker events and a 5 s refetch;
// heartbeat ages tick client-side from the age the API reported when the row arrived.
import { useEffect, useState } from 'react';
import type { QueueListView, WorkerView } from '@anchorage/sdk';
import { client, errorMessage, isAbort } from '../api';
import { ErrorBox, Loading, PageLoaded, Section, StatusPill } from '../components/common';
import { useAsync, useNow } from '../hooks';
import { formatTime, summariseAccelerators } from '../lib/format';
import { canDrain, canManageKeys } from '../lib/permissions';
import { runHref } from '../lib/route';
import { useMe } from '../session';

interface Row {
  worker: WorkerView;
  /** When this row's data arrived (its heartbeatAgeMs was true then). */
  receivedAt: number;
}

export function WorkersPage() {
  const [rows, setRows] = useState<Row[]>();
  const [error, setError] = useState<unknown>();
  const [token, setToken] = useState(0);
  const now = useNow(1000);
  const me = useMe();
  const queues = useAsync<QueueListView>(() => client().listQueues(), [token]);

  useEffect(() => {
    let current = true;
    client().listWorkers().then(
      ({ workers }) => {
        if (!current) return;
        const at = Date.now();
        setRows(workers.map((worker) => ({ worker, receivedAt: at })));
        setError(undefined);
      },
      (e: unknown) => current && setError(e),
    );
    return () => {
      current = false;
    };
  }, [token]);

  useEffect(() => {
    const timer = setInterval(() => setToken((t) => t + 1), 5000);
    return () => clearInterval(timer);
  }, []);

  // Live: a worker event replaces (or adds) that worker's row.
  useEffect(() => {
    const controller = new AbortController();
    void (async () => {
      try {
        for await (const event of client().events({ signal: controller.signal })) {
          if (event.type !== 'worker') continue;
          const worker = event.data.worker;
          const row = { worker, receivedAt: Date.now() };
          setRows((rs) => (rs ? (rs.some((r) => r.worker.id === worker.id) ? rs.map((r) => (r.worker.id === worker.id ? row : r)) : [...rs, row]) : rs));
        }
      } catch (e) {
        if (!isAbort(e)) console.warn('event stream ended', e);
      }
    })();
    return () => controller.abort();
  }, []);

  return (
    <div className="page">
      <div className="toolbar">
        <h1>Workers</h1>
        <span className="spacer" />
        {canManageKeys(me) ? (
          <a href="/admin/queues" target="_blank" rel="noreferrer" title="give an admin key as the password">
            Queue jobs (bull-board) ↗
          </a>
        ) : null}
      </div>
      <ErrorBox error={error} />
      {!rows && !error ? <Loading what="Loading workers" /> : null}
      {rows ? (
        <>
          <PageLoaded />
          <WorkersTable rows={rows} now={now} mayDrain={canDrain(me)} onChanged={() => setToken((t) => t + 1)} />
        </>
      ) : null}
      <Section title="Queues">
        <ErrorBox error={queues.error} />
        {queues.data ? <QueuesTable queues={queues.data.queues} /> : queues.error ? null : <Loading what="Loading queues" />}
      </Section>
    </div>
  );
}

function WorkersTable({ rows, now, mayDrain, onChanged }: { rows: Row[]; now: number; mayDrain: boolean; onChanged: () => void }) {
  const [drainError, setDrainError] = useState<string>();
  const [draining, setDraining] = useState<string>();
  if (rows.length === 0) return <p className="muted">No worker has registered yet.</p>;

  const drain = async (w: WorkerView) => {
    if (!window.confirm(`Drain worker ${w.name}? It finishes or hands back its run and stops taking jobs.`)) return;
    setDraining(w.id);
    setDrainError(undefined);
    try {
      await client().drainWorker(w.id);
      onChanged();
    } catch (e) {
      setDrainError(`${w.name}: ${errorMessage(e)}`);
    } finally {
      setDraining(undefined);
    }
  };

  const sorted = [...rows].sort((a, b) => rank(a.worker.status) - rank(b.worker.status) || a.worker.name.localeCompare(b.worker.name));
  return (
    <>
      {drainError ? <div className="error-box">Drain failed: {drainError}</div> : null}
      <table className="table" data-testid="workers-table">
        <thead>
          <tr>
            <th>name</th>
            <th>status</th>
            <th>backend</th>
            <th>accelerators</th>
            <th className="num">capacity</th>
            <th>classes</th>
            <th>current run</th>
            <th>heartbeat</th>
            <th>host</th>
            <th>version</th>
            <th>registered</th>
            {mayDrain ? <th /> : null}
          </tr>
        </thead>
        <tbody>
          {sorted.map(({ worker: w, receivedAt }) => {
            const age = w.heartbeatAgeMs + (now - receivedAt);
            const drainable = w.status === 'online' || w.status === 'busy';
            return (
              <tr key={w.id} data-testid={`worker-row-${w.id}`} className={w.status === 'dead' || w.status === 'offline' ? 'dim' : undefined}>
                <td>
                  <span title={w.id}>{w.name}</span>
                  {w.connected ? null : <span className="muted small"> (not connected here)</span>}
                </td>
                <td>
                  <StatusPill status={w.status} testId="worker-status" />
                </td>
                <td>{w.backend}</td>
                <td className="small">{summariseAccelerators(w.accelerators)}</td>
                <td className="num">{w.capacity}</td>
                <td className="small">{w.resourceClasses.join(', ')}</td>
                <td className="mono small">{w.currentRunId ? <a href={runHref(w.currentRunId)}>{w.currentRunId.slice(0, 8)}…</a> : '—'}</td>
                <td className={age > 30_000 ? 'error-text' : undefined}>{Math.max(0, Math.floor(age / 1000))} s ago</td>
                <td className="small">{w.host}</td>
                <td className="small">{w.version ?? '—'}</td>
                <td className="small">{formatTime(w.registeredAt)}</td>
                {mayDrain ? (
                  <td>
                    <button disabled={!drainable || draining === w.id} onClick={() => void drain(w)} data-testid={`drain-${w.id}`}>
                      {draining === w.id ? 'Draining…' : 'Drain'}
                    </button>
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

function QueuesTable({ queues }: { queues: QueueListView['queues'] }) {
  if (queues.length === 0) return <p className="muted">No queues.</p>;
  return (
    <table className="table compact" data-testid="queues-table">
      <thead>
        <tr>
          <th>class</th>
          <th>device</th>
          <th>queue</th>
          <th className="num">workers</th>
          <th className="num">depth</th>
          <th className="num">waiting</th>
          <th className="num">prioritized</th>
          <th className="num">delayed</th>
          <th className="num">active</th>
        </tr>
      </thead>
      <tbody>
        {queues.map((q) => (
          <tr key={q.name}>
            <td>{q.resourceClass}</td>
            <td>{q.minDeviceMemoryGb > 0 ? `${q.accelerator} ≥${q.minDeviceMemoryGb} GB` : q.accelerator}</td>
            <td className="mono small">{q.name}</td>
            <td className="num">{q.workers}</td>
            <td className="num">
              <strong>{q.depth}</strong>
            </td>
            <td className="num">{q.waiting}</td>
            <td className="num">{q.prioritized}</td>
            <td className="num">{q.delayed}</td>
            <td className="num">{q.active}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const rank = (status: string) => ['busy', 'online', 'draining', 'offline', 'dead'].indexOf(status);
