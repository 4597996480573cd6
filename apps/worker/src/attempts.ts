// The attempts this process is running, by fencing token: their AbortControllers (so a cancel
// command from the heartbeat thread reaches the owning handler) and the token list for heartbeats.
import { EventEmitter } from 'node:events';
import { AttemptAbortedError, type AbortKind } from './errors.js';

export interface RunningAttempt {
  token: string;
  runId: string;
  jobId: string;
  kind: string;
  attemptNumber: number;
  startedAt: number;
  controller: AbortController;
}

export class AttemptRegistry extends EventEmitter<{ change: [] }> {
  private readonly byToken = new Map<string, RunningAttempt>();

  add(attempt: RunningAttempt): void {
    this.byToken.set(attempt.token, attempt);
    this.emit('change');
  }

  remove(token: string): void {
    if (this.byToken.delete(token)) this.emit('change');
  }

  get(token: string): RunningAttempt | undefined {
    return this.byToken.get(token);
  }

  tokens(): string[] {
    return [...this.byToken.keys()];
  }

  list(): RunningAttempt[] {
    return [...this.byToken.values()];
  }

  get size(): number {
    return this.byToken.size;
  }

  /**
   * Aborts the attempt with this token. When the token is unknown but the run id matches a running
   * attempt, that attempt is aborted (the coordinator may know only the run). Returns whether one was.
   */
  abort(token: string, kind: AbortKind, message: string, runId?: string): boolean {
    let attempt = token ? this.byToken.get(token) : undefined;
    if (!attempt && runId) attempt = this.list().find((a) => a.runId === runId);
    if (!attempt) return false;
    if (!attempt.controller.signal.aborted) attempt.controller.abort(new AttemptAbortedError(kind, message));
    return true;
  }

  abortAll(kind: AbortKind, message: string): number {
    let n = 0;
    for (const a of this.byToken.values()) {
      if (!a.controller.signal.aborted) {
        a.controller.abort(new AttemptAbortedError(kind, message));
        n++;
      }
    }
    return n;
  }
}

/** Counting semaphore that bounds the attempts of the whole process across its BullMQ workers. */
export class CapacityGate {
  private used = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(
    readonly capacity: number,
    private readonly onFull?: () => void,
    private readonly onFree?: () => void,
  ) {}

  get inUse(): number {
    return this.used;
  }

  async acquire(): Promise<void> {
    if (this.used < this.capacity) {
      this.used++;
      if (this.used === this.capacity) this.onFull?.();
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
    // the releasing holder handed its slot over; `used` is unchanged
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) {
      next();
      return;
    }
    this.used--;
    if (this.used === this.capacity - 1) this.onFree?.();
  }
}
