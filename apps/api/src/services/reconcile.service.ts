// Keeps Redis in step with Postgres (the source of truth): a queued or retrying run whose job is
// missing from its queue (Redis restarted, enqueue failed) is enqueued again — at start-up and then
// periodically.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { JobKind } from '@anchorage/contracts';
import { API_CONFIG, type ApiConfig } from '../config.js';
import { QueueRepository } from '../repositories/queue.repository.js';
import { RunsRepository } from '../repositories/runs.repository.js';

@Injectable()
export class ReconcileService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReconcileService.name);
  private timer: NodeJS.Timeout | null = null;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly runs: RunsRepository,
    private readonly queue: QueueRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.reconcile().catch((e: Error) => this.logger.warn(`reconcile failed: ${e.message}`));
    if (this.config.reconcileIntervalMs > 0) {
      this.timer = setInterval(() => {
        void this.reconcile().catch((e: Error) => this.logger.warn(`reconcile failed: ${e.message}`));
      }, this.config.reconcileIntervalMs);
      this.timer.unref();
    }
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Returns the ids of the runs it enqueued again. */
  async reconcile(): Promise<string[]> {
    const requeued: string[] = [];
    for (const run of await this.runs.findAdmittedByStatus(['queued', 'retrying'])) {
      if (await this.queue.has(run)) continue;
      await this.queue.enqueue({ ...run, kind: run.kind as JobKind });
      requeued.push(run.id);
    }
    if (requeued.length) this.logger.log(`enqueued again ${requeued.length} run(s) missing from Redis: ${requeued.join(', ')}`);
    return requeued;
  }
}
