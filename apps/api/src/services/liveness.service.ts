// Dead-worker detection and the progress deadline. A worker whose heartbeats stop for the deadline
// is marked dead and its running attempts are taken back: each is ended `lost` and its run goes back
// to the queue under a new job id (or fails when no attempts are left). An attempt that reports no
// progress for the progress deadline is taken back the same way, and its worker is told to stop it.
// The fencing token then refuses anything the old holder still sends.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { API_CONFIG, type ApiConfig } from '../config.js';
import { FamiliesRepository } from '../repositories/families.repository.js';
import { RunsRepository } from '../repositories/runs.repository.js';
import { WorkersRepository } from '../repositories/workers.repository.js';
import { CoordinatorService, retryDelayMs } from './coordinator.service.js';
import { MetricsService } from './metrics.service.js';
import { WorkerConnections } from './worker-connections.js';

interface TakenBack {
  runId: string;
  runStatus: 'retrying' | 'failed';
}

@Injectable()
export class LivenessService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LivenessService.name);
  private timer: NodeJS.Timeout | null = null;
  private sweeping = false;
  /**
   * Since when this process has seen the database: silence is only judged over time it could observe.
   * Heartbeats and reports that arrived while the API was down or Postgres was away were never
   * recorded, so after a start or an outage the deadlines count from here, not from the last record.
   */
  private observingSince: number | null = Date.now();

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly runs: RunsRepository,
    private readonly workers: WorkersRepository,
    private readonly families: FamiliesRepository,
    private readonly coordinator: CoordinatorService,
    private readonly connections: WorkerConnections,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.livenessIntervalMs <= 0) return;
    this.timer = setInterval(() => void this.tick(), this.config.livenessIntervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.sweep();
      this.observingSince ??= Date.now();
    } catch (error) {
      if (this.observingSince !== null) this.logger.warn(`liveness sweep failed; judging nothing until it works again: ${(error as Error).message}`);
      this.observingSince = null;
    } finally {
      this.sweeping = false;
    }
  }

  /** One pass: silent workers first, then attempts past the progress deadline. */
  async sweep(now = new Date()): Promise<{ deadWorkers: string[]; takenBack: TakenBack[] }> {
    const deadWorkers: string[] = [];
    const takenBack: TakenBack[] = [];
    const deadline = this.config.workerDeadlineMs;
    const observedMs = this.observingSince === null ? 0 : now.getTime() - this.observingSince;
    const silent = observedMs >= deadline ? await this.workers.silentSince(new Date(now.getTime() - deadline)) : [];
    for (const worker of silent) {
      const held = await this.runs.runningAttemptsOf(worker.id);
      // A worker that went away cleanly holds nothing and is simply offline.
      if (worker.status === 'offline' && held.length === 0) continue;
      const silentFor = Math.round((now.getTime() - worker.lastHeartbeatAt.getTime()) / 1000);
      await this.workers.setStatus(worker.id, 'dead');
      deadWorkers.push(worker.id);
      this.logger.warn(`worker ${worker.id} (${worker.name}) missed heartbeats for ${silentFor} s: dead; taking back ${held.length} attempt(s)`);
      for (const attempt of held) {
        const moved = await this.takeBack(attempt, `worker ${worker.id} missed heartbeats for ${silentFor} s`);
        if (moved) takenBack.push(moved);
      }
    }
    if (this.config.progressDeadlineMs > 0 && observedMs >= this.config.progressDeadlineMs) {
      for (const attempt of await this.runs.stalledAttempts(new Date(now.getTime() - this.config.progressDeadlineMs))) {
        const reason = `no progress reported for ${Math.round(this.config.progressDeadlineMs / 1000)} s`;
        const moved = await this.takeBack(attempt, reason);
        if (!moved) continue;
        takenBack.push(moved);
        if (attempt.workerId) {
          this.connections.send(attempt.workerId, { cancel: { runId: attempt.runId, fencingToken: attempt.fencingToken, reason: `taken away: ${reason}` } });
        }
      }
    }
    return { deadWorkers, takenBack };
  }

  /** Ends the attempt `lost` and queues its run again (or fails it when its attempts are used up). */
  private async takeBack(attempt: { id: string; number: number; runId: string; startedAt: Date }, reason: string): Promise<TakenBack | null> {
    const moved = await this.runs.transaction(async (tx) => {
      const result = await this.runs.endAttemptUnsuccessfully(tx, attempt, { status: 'lost', endReason: reason, error: reason, retryable: true });
      if (result?.runStatus === 'failed' && result.run.familyId) await this.families.refreshStatus(tx, result.run.familyId);
      return result;
    });
    if (!moved) return null;
    this.metrics.attemptEnded(moved.run.kind, 'lost', attempt.startedAt);
    this.logger.warn(`run ${attempt.runId}: attempt ${attempt.number} lost (${reason}); run ${moved.runStatus}`);
    if (moved.runStatus === 'retrying') await this.coordinator.requeue(moved.run, retryDelayMs(attempt.number, this.config.retryBaseMs));
    return { runId: attempt.runId, runStatus: moved.runStatus };
  }
}
