// Everything the run page shows that changes while a run is live: the run, its metric series and its
// log tail. For a live run the event stream is opened first and the history fetched after its first
// event, so nothing falls between the two; overlapping points are dropped by step.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunEvent, RunView } from '@anchorage/sdk';
import { client, isTerminal } from '../api';
import { appendPoints, fromFetched, type Series } from '../lib/series';

export interface LogEntry {
  key: string;
  level: string;
  message: string;
  time: string;
  attempt?: number | null;
}

const LOG_TAIL = 200;
const LOG_PAGE = 5000;

export interface RunData {
  run: RunView | undefined;
  error: unknown;
  series: Series[] | undefined;
  seriesError: unknown;
  logs: LogEntry[] | undefined;
  logsError: unknown;
  /** Whether the event stream is open. */
  live: boolean;
  streamError: unknown;
  /** Fetches the run again (after cancel/retry or a status event). */
  refresh: () => void;
  /** Starts over (after a retry the run is live again). */
  restart: () => void;
}

export function useRunData(id: string): RunData {
  const [run, setRun] = useState<RunView>();
  const [error, setError] = useState<unknown>();
  const [series, setSeries] = useState<Series[]>();
  const [seriesError, setSeriesError] = useState<unknown>();
  const [logs, setLogs] = useState<LogEntry[]>();
  const [logsError, setLogsError] = useState<unknown>();
  const [live, setLive] = useState(false);
  const [streamError, setStreamError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);
  const current = useRef({ id, generation });
  current.current = { id, generation };

  const refresh = useCallback(() => {
    const want = current.current;
    client().getRun(id).then(
      (r) => {
        if (current.current.id === want.id && current.current.generation === want.generation) {
          setRun(r);
          setError(undefined);
        }
      },
      (e: unknown) => setError(e),
    );
  }, [id]);

  useEffect(() => {
    const controller = new AbortController();
    const alive = () => !controller.signal.aborted;
    setRun(undefined);
    setError(undefined);
    setSeries(undefined);
    setLogs(undefined);
    setLive(false);
    setStreamError(undefined);

    let historyLoaded = false;
    const pending: RunEvent[] = [];
    let lineNo = 0;
    let lastRunRefresh = Date.now();

    const apply = (event: RunEvent) => {
      switch (event.type) {
        case 'snapshot':
          setRun(event.data);
          break;
        case 'status':
        case 'end':
          refresh();
          break;
        case 'metrics':
          setSeries((s) => appendPoints(s ?? [], event.data.points));
          // Progress and the key metric move with the points; refetch the run now and then.
          if (Date.now() - lastRunRefresh > 2000) {
            lastRunRefresh = Date.now();
            refresh();
          }
          break;
        case 'logs':
          setLogs((l) => appendLogs(l ?? [], event.data.lines.map((line) => ({ ...line, key: `live-${lineNo++}` }))));
          break;
      }
    };

    const loadHistory = async () => {
      await Promise.all([
        client().runMetrics(id, { maxPoints: 1000 }).then(
          (m) => alive() && setSeries((s) => appendPoints(fromFetched(m.metrics), (s ?? []).flatMap((x) => x.points.map((p) => ({ name: x.name, ...p }))))),
          (e: unknown) => alive() && setSeriesError(e),
        ),
        loadLogTail(id).then(
          (lines) => alive() && setLogs((l) => appendLogs(lines, l ?? [])),
          (e: unknown) => alive() && setLogsError(e),
        ),
      ]);
      historyLoaded = true;
      for (const event of pending.splice(0)) apply(event);
    };

    void (async () => {
      let first: RunView;
      try {
        first = await client().getRun(id);
      } catch (e) {
        if (alive()) setError(e);
        return;
      }
      if (!alive()) return;
      setRun(first);
      if (isTerminal(first.status)) return loadHistory();

      // Live: open the stream, fetch the history once it is open (its first event), then play the
      // events that came meanwhile.
      let opened: () => void = () => {};
      const open = new Promise<void>((resolve) => (opened = resolve));
      const historyDone = open.then(loadHistory);
      setLive(true);
      try {
        for await (const event of client().runEvents(id, { signal: controller.signal })) {
          opened();
          if (!alive()) return;
          if (historyLoaded) apply(event);
          else pending.push(event);
        }
      } catch (e) {
        if (alive()) setStreamError(e);
      } finally {
        opened();
        if (alive()) setLive(false);
      }
      await historyDone;
    })();
    return () => controller.abort();
  }, [id, generation, refresh]);

  const restart = useCallback(() => setGeneration((g) => g + 1), []);
  return { run, error, series, seriesError, logs, logsError, live, streamError, refresh, restart };
}

/** Reads the whole log from the start in large pages and keeps the last LOG_TAIL lines. */
async function loadLogTail(id: string): Promise<LogEntry[]> {
  let tail: LogEntry[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await client().runLogs(id, after ? { after, limit: LOG_PAGE } : { limit: LOG_PAGE });
    tail = tail.concat(page.lines.map((l) => ({ key: l.id, level: l.level, message: l.message, time: l.time, attempt: l.attempt }))).slice(-LOG_TAIL);
    if (!page.nextCursor || page.lines.length === 0) return tail;
    after = page.nextCursor;
  }
}

/** Appends lines, skipping ones already there (the fetched history and the stream overlap). */
function appendLogs(existing: LogEntry[], added: LogEntry[]): LogEntry[] {
  if (added.length === 0) return existing;
  const seen = new Set(existing.slice(-LOG_TAIL * 2).map((l) => `${l.time}|${l.message}`));
  const fresh = added.filter((l) => !seen.has(`${l.time}|${l.message}`));
  return fresh.length ? existing.concat(fresh).slice(-LOG_TAIL * 2) : existing;
}
