import { Inject, Injectable } from '@nestjs/common';
import type { QueueListView, WorkerView } from '@anchorage/contracts';
import { API_CONFIG, type ApiConfig } from '../config.js';
import { QueueRepository } from '../repositories/queue.repository.js';
import { WorkersRepository } from '../repositories/workers.repository.js';
import { ConflictError, NotFoundError } from './errors.js';
import { workerView } from './views.js';
import { WorkerConnections } from './worker-connections.js';

@Injectable()
export class WorkersService {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly workers: WorkersRepository,
    private readonly queue: QueueRepository,
    private readonly connections: WorkerConnections,
  ) {}

  /** Every resource class with its backlog and the live workers consuming it. */
  async queues(): Promise<QueueListView> {
    const [counts, live] = await Promise.all([this.queue.counts(), this.workers.liveClassCounts()]);
    return {
      queues: counts.map((c) => {
        const rc = this.config.resourceClasses.find((x) => x.name === c.resourceClass)!;
        return { ...c, accelerator: rc.accelerator, minDeviceMemoryGb: rc.minDeviceMemoryGb, depth: c.waiting + c.prioritized + c.dueDelayed, workers: live.get(c.resourceClass) ?? 0 };
      }),
    };
  }

  async list(): Promise<{ workers: WorkerView[] }> {
    const now = new Date();
    const rows = await this.workers.list();
    return { workers: rows.map((w) => workerView(w, now, this.connections.isConnected(w.id))) };
  }

  /** Marks the worker draining and tells it over its command stream; it hands its runs back and exits. */
  async drain(id: string): Promise<WorkerView> {
    const worker = await this.workers.findById(id);
    if (!worker) throw new NotFoundError('worker', id);
    if (worker.status === 'dead' || worker.status === 'offline') throw new ConflictError(`worker ${id} is ${worker.status}`);
    if (!this.connections.send(id, { drain: { reason: 'drained through the API' } })) {
      throw new ConflictError(`worker ${id} has no command stream open to this API process; send it SIGTERM to drain it`);
    }
    await this.workers.setStatus(id, 'draining');
    const updated = await this.workers.findById(id);
    return workerView(updated ?? worker, new Date(), this.connections.isConnected(id));
  }
}
