// One row per attempt with a bar on a time axis shared by all attempts, so retries, gaps and a lost
// worker are visible at a glance.
import type { AttemptView } from '@anchorage/sdk';
import { StatusPill } from '../components/common';
import { formatDuration, formatTime, parseTime, shortId } from '../lib/format';

export function AttemptsTimeline({ attempts, now }: { attempts: readonly AttemptView[]; now: number }) {
  if (attempts.length === 0) return <p className="muted">No attempts yet.</p>;
  const spans = attempts.map((a) => {
    const start = parseTime(a.startedAt);
    const end = parseTime(a.endedAt) ?? (a.status === 'running' ? now : start);
    return { start, end };
  });
  const starts = spans.map((s) => s.start).filter((t): t is number => t !== null);
  const t0 = starts.length ? Math.min(...starts) : now;
  const t1 = Math.max(t0 + 1, ...spans.map((s) => s.end ?? t0));
  const pos = (t: number) => ((t - t0) / (t1 - t0)) * 100;

  return (
    <table className="table attempts" data-testid="attempts">
      <thead>
        <tr>
          <th>#</th>
          <th>status</th>
          <th>worker</th>
          <th>backend</th>
          <th>fencing</th>
          <th>started</th>
          <th>ended</th>
          <th>duration</th>
          <th>end reason / error</th>
          <th className="w-timeline">
            timeline <span className="muted small">({formatDuration(t1 - t0)})</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((a, i) => {
          const { start, end } = spans[i];
          return (
            <tr key={a.number} data-testid={`attempt-${a.number}`}>
              <td>{a.number}</td>
              <td>
                <StatusPill status={a.status} />
              </td>
              <td className="mono small" title={a.workerId ?? undefined}>
                {a.workerId ? shortId(a.workerId) : '—'}
              </td>
              <td>{a.backend ?? '—'}</td>
              <td className="mono small">{a.fencingToken}</td>
              <td className="small">{formatTime(a.startedAt)}</td>
              <td className="small">{formatTime(a.endedAt)}</td>
              <td>{start !== null && end !== null ? formatDuration(end - start) : '—'}</td>
              <td className="small wrap">
                {a.endReason ?? ''}
                {a.error ? <div className="error-text">{a.error}</div> : null}
              </td>
              <td className="w-timeline">
                <div className="timeline">
                  {start !== null && end !== null ? (
                    <div
                      className={`timeline-bar bar-${a.status}`}
                      style={{ left: `${pos(start)}%`, width: `${Math.max(pos(end) - pos(start), 0.5)}%` }}
                      title={`${formatTime(a.startedAt)} → ${formatTime(a.endedAt)}`}
                    />
                  ) : null}
                </div>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
