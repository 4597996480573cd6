// The last lines of a run's log, following new lines unless the reader scrolled up.
import { useEffect, useRef } from 'react';
import { formatTime } from '../lib/format';
import type { LogEntry } from './useRunData';

export function RunLogs({ lines }: { lines: readonly LogEntry[] }) {
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [lines]);
  return (
    <div
      className="logs"
      ref={box}
      data-testid="logs"
      onScroll={(e) => {
        const el = e.currentTarget;
        stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
    >
      {lines.length === 0 ? <span className="muted">No log lines.</span> : null}
      {lines.map((l) => (
        <div key={l.key} className={`log-line log-${l.level}`}>
          <span className="log-time">{formatTime(l.time).slice(11)}</span>
          <span className="log-level">{l.level}</span>
          <span className="log-message">{l.message}</span>
        </div>
      ))}
    </div>
  );
}
