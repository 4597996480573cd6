// Batching progress reporter of one attempt: metric points, log lines and the progress fraction go to
// the coordinator in ReportMetrics calls at most every `intervalMs` or every `maxPoints` points, one
// call in flight at a time, with a final flush before the result.
// The answers steer the attempt: `cancelRequested` aborts it as cancelled; FAILED_PRECONDITION (the
// fencing token is stale) aborts it as stale and nothing more is sent; transient errors keep the
// batch for the next call, and if they last longer than `lostAfterMs` the attempt is aborted as
// coordinator-lost.
import type { LogEntry, MetricPoint } from '@anchorage/proto';
import type { CoordinatorApi } from './coordinator-client.js';
import { backoffDelay, sleep } from './backoff.js';
import { isStaleToken, isUnavailable } from './coordinator-client.js';
import { AttemptAbortedError } from './errors.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What a handler uses to report progress; all calls are cheap and synchronous. */
export interface ProgressReport {
  metric(name: string, step: number, value: number): void;
  log(level: LogLevel, msg: string): void;
  /** Fraction of the work done, 0 to 1. */
  progress(fraction: number): void;
}

export interface MetricsReporterOptions {
  api: Pick<CoordinatorApi, 'reportMetrics'>;
  fencingToken: string;
  /** Aborted with an {@link AttemptAbortedError} when the coordinator asks to stop. */
  controller: AbortController;
  intervalMs?: number;
  maxPoints?: number;
  /** Points kept while the coordinator is unreachable; older ones are dropped beyond this. */
  maxBuffered?: number;
  /** Abort as coordinator-lost after reports fail this long (ms). */
  lostAfterMs?: number;
  /** Called for reporter problems (dropped points, errors), for the worker's own log. */
  onWarn?: (msg: string, err?: unknown) => void;
  /** Sees every point as it is reported (the worker's own Prometheus counters). */
  onPoint?: (name: string, step: number) => void;
}

export class MetricsReporter implements ProgressReport {
  private points: MetricPoint[] = [];
  private logs: LogEntry[] = [];
  private progressValue = -1;
  private progressDirty = false;
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private lastSentAt = 0;
  private failingSince?: number;
  private closed = false;
  private stale = false;
  private dropped = 0;
  /** ReportMetrics calls that succeeded. */
  calls = 0;
  /** Points the coordinator acknowledged as stored. */
  acceptedPoints = 0;

  private readonly intervalMs: number;
  private readonly maxPoints: number;
  private readonly maxBuffered: number;
  private readonly lostAfterMs: number;

  constructor(private readonly options: MetricsReporterOptions) {
    this.intervalMs = options.intervalMs ?? 500;
    this.maxPoints = options.maxPoints ?? 200;
    this.maxBuffered = options.maxBuffered ?? 50_000;
    this.lostAfterMs = options.lostAfterMs ?? 30_000;
  }

  /** True once the coordinator refused the token; the attempt must not report anything more. */
  get isStale(): boolean {
    return this.stale;
  }

  metric(name: string, step: number, value: number): void {
    if (this.closed || this.stale) return;
    this.options.onPoint?.(name, step);
    this.points.push({ name, step: Math.trunc(step), value, timeMs: Date.now() });
    if (this.points.length > this.maxBuffered) {
      const excess = this.points.length - this.maxBuffered;
      this.points.splice(0, excess);
      this.dropped += excess;
    }
    if (this.points.length >= this.maxPoints) this.kick();
    else this.schedule();
  }

  log(level: LogLevel, msg: string): void {
    if (this.closed || this.stale) return;
    this.logs.push({ level, message: msg, timeMs: Date.now() });
    if (this.logs.length > this.maxBuffered) {
      this.logs.splice(0, this.logs.length - this.maxBuffered);
    }
    this.schedule();
  }

  progress(fraction: number): void {
    if (this.closed || this.stale) return;
    const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : -1;
    if (f === this.progressValue) return;
    this.progressValue = f;
    this.progressDirty = true;
    this.schedule();
  }

  /** True while some points or lines have not been stored by the coordinator yet. */
  hasPending(): boolean {
    return this.points.length > 0 || this.logs.length > 0 || this.progressDirty;
  }

  /** Arms the timer so a send happens no sooner than `intervalMs` after the previous one. */
  private schedule(): void {
    if (this.timer || this.inFlight || this.stale) return;
    const wait = Math.max(0, this.lastSentAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sendLoop(false);
    }, wait);
  }

  /** Sends now (the batch is full). */
  private kick(): void {
    if (this.inFlight) return; // the running loop sends what accumulated when it is done
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    void this.sendLoop(false);
  }

  /**
   * The only place calls start, so at most one is in flight. Sends one batch, and more while full
   * batches wait (`untilEmpty`: until nothing is buffered). Stops at the first failed call.
   */
  private sendLoop(untilEmpty: boolean): Promise<void> {
    if (this.inFlight) return this.inFlight;
    const run = async () => {
      while (this.hasPending() && !this.stale) {
        const ok = await this.sendOnce();
        if (!ok) break;
        if (!untilEmpty && this.points.length < this.maxPoints) break;
      }
    };
    // `.finally` runs after the assignment even when `run` finishes synchronously.
    this.inFlight = run().finally(() => {
      this.inFlight = undefined;
      if (this.hasPending() && !this.stale && !this.closed) this.schedule();
    });
    return this.inFlight;
  }

  /** One ReportMetrics call with what is buffered (at most maxPoints points). Returns false on error. */
  private async sendOnce(): Promise<boolean> {
    const points = this.points.splice(0, this.maxPoints);
    const logs = this.logs.splice(0, this.logs.length);
    const progressDirty = this.progressDirty;
    this.progressDirty = false;
    this.lastSentAt = Date.now();
    if (this.dropped > 0) {
      this.options.onWarn?.(`dropped ${this.dropped} metric points while the coordinator was unreachable`);
      this.dropped = 0;
    }
    try {
      const res = await this.options.api.reportMetrics({
        fencingToken: this.options.fencingToken,
        points,
        logs,
        progress: this.progressValue,
      });
      this.calls++;
      this.acceptedPoints += res.acceptedPoints;
      this.failingSince = undefined;
      if (res.cancelRequested) {
        this.abort(new AttemptAbortedError('cancelled', 'the run was cancelled'));
      }
      return true;
    } catch (err) {
      if (isStaleToken(err)) {
        this.stale = true;
        this.points = [];
        this.logs = [];
        this.abort(new AttemptAbortedError('stale', `the coordinator refused the fencing token: ${(err as Error).message}`));
        return false;
      }
      const message = (err as Error).message;
      if (!isUnavailable(err)) {
        // Refused for another reason (bad request, auth): resending the same batch cannot help.
        this.options.onWarn?.(`ReportMetrics refused, ${points.length} points dropped: ${message}`, err);
        return false;
      }
      // Transient: keep the batch for the next call (front of the queue, order preserved).
      this.points.unshift(...points);
      this.logs.unshift(...logs);
      if (progressDirty) this.progressDirty = true;
      const now = Date.now();
      this.failingSince ??= now;
      this.options.onWarn?.(`ReportMetrics failed (will retry): ${message}`, err);
      if (now - this.failingSince >= this.lostAfterMs) {
        this.abort(
          new AttemptAbortedError(
            'coordinator-lost',
            `lost the coordinator connection: ReportMetrics failing for ${now - this.failingSince} ms (${message})`,
          ),
        );
      }
      return false;
    }
  }

  private abort(reason: AttemptAbortedError): void {
    if (!this.options.controller.signal.aborted) this.options.controller.abort(reason);
  }

  /**
   * Sends everything still buffered (after the call in flight). Resolves when done or when a call
   * fails; never throws.
   */
  async flush(): Promise<void> {
    if (this.inFlight) await this.inFlight;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.hasPending() && !this.stale) await this.sendLoop(true);
  }

  /**
   * Sends everything still buffered, trying again with backoff while the coordinator is unreachable,
   * for at most `budgetMs`. True when nothing is left (or the token went stale: nothing may be sent).
   */
  async drain(budgetMs: number): Promise<boolean> {
    const deadline = Date.now() + budgetMs;
    for (let attempt = 0; ; attempt++) {
      await this.flush();
      if (!this.hasPending() || this.stale) return true;
      const delay = backoffDelay(attempt, { initialMs: 200, maxMs: 5_000 });
      if (Date.now() + delay > deadline) return false;
      await sleep(delay);
    }
  }

  /** Final flush; afterwards reports are ignored. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
