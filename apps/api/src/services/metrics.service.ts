// Prometheus metrics of the platform (prom-client), read at scrape time from Postgres and Redis so
// that every API process reports the same numbers: runs by status, queue depth per resource class
// (waiting + prioritized + delayed jobs already due, which a raw list length would undercount),
// workers by state and their heartbeat ages; plus attempt durations observed as attempts end.
import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { RUN_STATUSES } from '@anchorage/contracts';
import type { WorkerView } from '@anchorage/contracts';
import { QueueRepository, type QueueCounts } from '../repositories/queue.repository.js';
import { RunsRepository } from '../repositories/runs.repository.js';
import { WorkersService } from './workers.service.js';

const WORKER_STATES = ['online', 'busy', 'draining', 'dead', 'offline'] as const;

@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly attemptDuration: Histogram<'kind' | 'outcome'>;

  /** Reads shared by the gauges of one scrape (they collect concurrently); set by scrape(). */
  private snapshot: { queues: Promise<QueueCounts[]>; workers: Promise<WorkerView[]> } | null = null;

  constructor(
    private readonly queue: QueueRepository,
    private readonly workers: WorkersService,
    runs: RunsRepository,
  ) {
    const queueCounts = () => this.read().queues;
    const workerList = () => this.read().workers;
    collectDefaultMetrics({ register: this.registry, prefix: 'anchorage_api_' });
    new Gauge({
      name: 'anchorage_runs',
      help: 'Runs by status',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const counts = new Map((await runs.countByStatus()).map((c) => [c.status, c.count]));
        for (const status of RUN_STATUSES) this.set({ status }, counts.get(status) ?? 0);
      },
    });
    new Gauge({
      name: 'anchorage_queue_depth',
      help: 'Jobs waiting to start per resource class: waiting + prioritized + delayed jobs already due (scale workers on this)',
      labelNames: ['class'],
      registers: [this.registry],
      async collect() {
        for (const c of await queueCounts()) this.set({ class: c.resourceClass }, c.waiting + c.prioritized + c.dueDelayed);
      },
    });
    new Gauge({
      name: 'anchorage_queue_active',
      help: 'Jobs being run now per resource class (add to the depth when scaling, so busy workers are not scaled away)',
      labelNames: ['class'],
      registers: [this.registry],
      async collect() {
        for (const c of await queueCounts()) this.set({ class: c.resourceClass }, c.active);
      },
    });
    new Gauge({
      name: 'anchorage_workers',
      help: 'Registered workers by state',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const list = await workerList();
        for (const state of WORKER_STATES) this.set({ state }, list.filter((w) => w.status === state).length);
      },
    });
    new Gauge({
      name: 'anchorage_worker_heartbeat_age_seconds',
      help: "Seconds since each live worker's last heartbeat",
      labelNames: ['worker', 'name'],
      registers: [this.registry],
      async collect() {
        const list = await workerList();
        this.reset();
        for (const w of list) if (w.status !== 'offline' && w.status !== 'dead') this.set({ worker: w.id, name: w.name }, w.heartbeatAgeMs / 1000);
      },
    });
    this.attemptDuration = new Histogram({
      name: 'anchorage_attempt_duration_seconds',
      help: 'Duration of ended attempts by job kind and outcome',
      labelNames: ['kind', 'outcome'],
      buckets: [1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600],
      registers: [this.registry],
    });
  }

  /** The Prometheus text: one Redis and one worker read shared by every gauge. */
  async scrape(): Promise<string> {
    this.snapshot = this.fresh();
    return this.registry.metrics();
  }

  private read() {
    return (this.snapshot ??= this.fresh());
  }

  private fresh() {
    const snapshot = { queues: this.queue.counts(), workers: this.workers.list().then((l) => l.workers) };
    // Unobserved rejections would crash the process; the gauges see them when they await.
    snapshot.queues.catch(() => undefined);
    snapshot.workers.catch(() => undefined);
    return snapshot;
  }

  /** Records an attempt that ended (the coordinator and the liveness sweep call this). */
  attemptEnded(kind: string, outcome: string, startedAt: Date, endedAt = new Date()): void {
    this.attemptDuration.observe({ kind, outcome }, (endedAt.getTime() - startedAt.getTime()) / 1000);
  }
}
