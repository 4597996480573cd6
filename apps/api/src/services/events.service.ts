// Server-sent event streams of a run (status changes, metric points, log lines) and of all runs
// (status changes). Postgres is the event log: each stream polls it from a cursor, so a client that
// reconnects with Last-Event-ID resumes exactly where it stopped, whichever API process it reaches.
import { Inject, Injectable } from '@nestjs/common';
import { Observable } from 'rxjs';
import { isTerminal, type RunStatus, type WorkerView } from '@anchorage/contracts';
import { API_CONFIG, type ApiConfig } from '../config.js';
import { RunsRepository } from '../repositories/runs.repository.js';
import { InvalidRequestError, NotFoundError } from './errors.js';
import { runView } from './views.js';
import { WorkersService } from './workers.service.js';

export interface StreamEvent {
  id: string;
  type: 'snapshot' | 'status' | 'metrics' | 'logs' | 'worker' | 'ping' | 'end';
  data: unknown;
}

interface Cursor {
  status: bigint;
  metric: bigint;
  log: bigint;
}

const BATCH = 1000;
const PING_EVERY_MS = 15_000;

/** Event ids are cursors: `s<status event id>.m<metric id>.l<log id>`. */
export function formatCursor(c: Cursor): string {
  return `s${c.status}.m${c.metric}.l${c.log}`;
}

export function parseCursor(text: string): Cursor {
  const match = /^s(\d+)\.m(\d+)\.l(\d+)$/.exec(text.trim());
  if (!match) throw new InvalidRequestError('invalid Last-Event-ID', [{ path: 'Last-Event-ID', message: 'expected an event id this API sent (s<n>.m<n>.l<n>)' }]);
  return { status: BigInt(match[1]), metric: BigInt(match[2]), log: BigInt(match[3]) };
}

@Injectable()
export class EventsService {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly runs: RunsRepository,
    private readonly workers: WorkersService,
  ) {}

  /**
   * A run's events. Without `lastEventId` it starts with a `snapshot` of the run and then sends what
   * happens next; with it, it replays everything after that event first. Ends with `end` once the
   * run is finished and everything is sent.
   */
  async runStream(runId: string, lastEventId?: string): Promise<Observable<StreamEvent>> {
    const run = await this.runs.findById(runId);
    if (!run) throw new NotFoundError('run', runId);
    const resumed = lastEventId ? parseCursor(lastEventId) : null;
    const cursor = resumed ?? (await this.runs.latestIds(runId));
    return this.poll(cursor, async (emit) => {
      if (!resumed) emit('snapshot', runView(run));
      let status = run.status as RunStatus;
      return async () => {
        const [events, metrics, logs] = await Promise.all([
          this.runs.statusEventsAfter(runId, cursor.status, BATCH),
          this.runs.metricsAfter(runId, cursor.metric, BATCH),
          this.runs.logsAfter(runId, cursor.log, BATCH),
        ]);
        for (const e of events) {
          cursor.status = e.id;
          status = e.status as RunStatus;
          emit('status', { runId, status: e.status, reason: e.reason, time: e.time.toISOString() });
        }
        if (metrics.length) {
          cursor.metric = metrics[metrics.length - 1].id;
          emit('metrics', { runId, points: metrics.map((p) => ({ name: p.name, step: p.step, value: p.value, time: p.time.toISOString() })) });
        }
        if (logs.length) {
          cursor.log = logs[logs.length - 1].id;
          emit('logs', { runId, lines: logs.map((l) => ({ level: l.level, message: l.message, time: l.time.toISOString() })) });
        }
        const idle = events.length + metrics.length + logs.length === 0;
        if (idle && isTerminal(status)) {
          emit('end', { runId, status });
          return 'done';
        }
        return idle ? 'idle' : 'busy';
      };
    });
  }

  /**
   * Status changes of every run (for run lists), resumable the same way, and `worker` events when a
   * worker's status, current run or connection changes (not resumable: they describe the present).
   */
  async globalStream(lastEventId?: string): Promise<Observable<StreamEvent>> {
    const cursor = lastEventId ? parseCursor(lastEventId) : await this.runs.latestIds(null);
    return this.poll(cursor, async (emit) => {
      const seen = new Map((await this.workers.list()).workers.map((w) => [w.id, workerState(w)]));
      return async () => {
        const [events, { workers }] = await Promise.all([this.runs.statusEventsAfter(null, cursor.status, BATCH), this.workers.list()]);
        for (const e of events) {
          cursor.status = e.id;
          emit('status', { runId: e.runId, status: e.status, reason: e.reason, time: e.time.toISOString() });
        }
        let changed = 0;
        for (const worker of workers) {
          const state = workerState(worker);
          if (seen.get(worker.id) === state) continue;
          seen.set(worker.id, state);
          emit('worker', { worker });
          changed++;
        }
        return events.length + changed ? 'busy' : 'idle';
      };
    });
  }

  /** Runs `step` until it says done or the client goes away, sleeping while there is nothing new. */
  private poll(
    cursor: Cursor,
    setup: (emit: (type: StreamEvent['type'], data: unknown) => void) => Promise<() => Promise<'busy' | 'idle' | 'done'>>,
  ): Observable<StreamEvent> {
    return new Observable<StreamEvent>((subscriber) => {
      let closed = false;
      const emit = (type: StreamEvent['type'], data: unknown) => subscriber.next({ id: formatCursor(cursor), type, data });
      void (async () => {
        const step = await setup(emit);
        let quietSince = Date.now();
        while (!closed) {
          const state = await step();
          if (state === 'done') break;
          if (state === 'busy') quietSince = Date.now();
          else {
            if (Date.now() - quietSince > PING_EVERY_MS) {
              emit('ping', {});
              quietSince = Date.now();
            }
            await new Promise((r) => setTimeout(r, this.config.eventsPollMs));
          }
        }
        subscriber.complete();
      })().catch((error: unknown) => subscriber.error(error));
      return () => {
        closed = true;
      };
    });
  }
}

/** What a worker event reports; heartbeat ages move every second and are left out. */
function workerState(w: WorkerView): string {
  return `${w.status}|${w.currentRunId ?? ''}|${w.connected}`;
}
