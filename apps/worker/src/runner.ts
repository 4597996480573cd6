// One BullMQ Worker per queue this process consumes (the resource classes the coordinator assigned). The processor
// runs the job through the AttemptExecutor and returns normally in every outcome of the attempt
// (the run's lifecycle lives in Postgres, not in the BullMQ job). Only when the coordinator cannot
// be reached is the job put back, delayed with backoff, so it runs once the coordinator is back
// (a DelayedError: BullMQ's own "retry later", which does not use up the job's attempts).
//
// Concurrency: every Worker may take up to `concurrency` jobs, but a shared gate bounds the whole
// process at `concurrency`; when it is full the Workers are paused so that they stop fetching and
// other processes get the jobs.
//
// Watchdog: after a Redis restart a Worker can stay connected yet never fetch again (its blocking
// connection wedged). Each check looks for a Worker with room to work, jobs waiting in its queue and
// no job taken since the previous check; seen twice in a row, that Worker is closed and made anew.
import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { queueName, type RunJobData } from '@anchorage/contracts';
import type { Logger } from 'pino';
import { CapacityGate } from './attempts.js';
import { backoffDelay } from './backoff.js';
import { CoordinatorUnavailableError } from './errors.js';
import type { AttemptExecutor, ExecutionOutcome } from './executor.js';

export interface RunnerOptions {
  redisUrl: string;
  queuePrefix: string;
  /** Resource classes to consume (from the Register answer). */
  resourceClasses: string[];
  concurrency: number;
  executor: Pick<AttemptExecutor, 'execute'>;
  logger: Logger;
  /** BullMQ lock duration (ms); long so that a slow synchronous op does not make the job stall. */
  lockDurationMs?: number;
  /** Delay bounds when the coordinator is unreachable (ms). */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Period of the idle-worker watchdog (ms; 0 turns it off). Default 20 s. */
  watchdogIntervalMs?: number;
}

export class QueueRunner {
  readonly workers: Worker<RunJobData, ExecutionOutcome>[] = [];
  readonly queues: string[];
  private readonly gate: CapacityGate;
  private closing = false;
  /** Jobs taken per queue (index as in `queues`), and the count seen by the previous watchdog check. */
  private readonly taken: number[] = [];
  private readonly takenAtLastCheck: number[] = [];
  private readonly suspicion: number[] = [];
  private readonly counters: Queue[] = [];
  private watchdog: NodeJS.Timeout | null = null;
  /** How many Workers the watchdog has recreated (for tests and the health endpoint). */
  recreated = 0;

  constructor(private readonly options: RunnerOptions) {
    this.queues = options.resourceClasses.map((c) => queueName(c));
    this.gate = new CapacityGate(
      options.concurrency,
      () => this.pauseAll(),
      () => this.resumeAll(),
    );
  }

  /** Creates the Workers and starts fetching. */
  async start(): Promise<void> {
    const { logger } = this.options;
    this.queues.forEach((name, index) => {
      this.workers.push(this.createWorker(name, index));
      this.taken.push(0);
      this.takenAtLastCheck.push(0);
      this.suspicion.push(0);
    });
    await Promise.all(this.workers.map((w) => w.waitUntilReady()));
    logger.info({ queues: this.queues, prefix: this.options.queuePrefix, concurrency: this.options.concurrency }, 'consuming queues');
    const every = this.options.watchdogIntervalMs ?? 20_000;
    if (every > 0) {
      for (const name of this.queues) {
        this.counters.push(new Queue(name, { connection: { url: this.options.redisUrl, maxRetriesPerRequest: null }, prefix: this.options.queuePrefix }));
      }
      this.watchdog = setInterval(() => void this.checkIdleWorkers().catch(() => undefined), every);
      this.watchdog.unref();
    }
  }

  private createWorker(name: string, index: number): Worker<RunJobData, ExecutionOutcome> {
    const { logger } = this.options;
    const worker = new Worker<RunJobData, ExecutionOutcome>(
      name,
      (job, token) => {
        this.taken[index]++;
        return this.process(job, token);
      },
      {
        connection: { url: this.options.redisUrl, maxRetriesPerRequest: null },
        prefix: this.options.queuePrefix,
        concurrency: this.options.concurrency,
        lockDuration: this.options.lockDurationMs ?? 120_000,
        maxStalledCount: 2,
        autorun: false,
      },
    );
    worker.on('error', (err) => logger.error({ err, queue: name }, 'BullMQ worker error'));
    worker.on('failed', (job, err) => {
      if (err instanceof DelayedError || err?.name === 'DelayedError') return;
      logger.warn({ err, queue: name, jobId: job?.id }, 'job failed in the queue');
    });
    void worker.run().catch((err: unknown) => logger.error({ err, queue: name }, 'BullMQ worker stopped with an error'));
    return worker;
  }

  /** One watchdog check (see the file comment); returns the queues whose Worker it recreated. */
  async checkIdleWorkers(): Promise<string[]> {
    const recreated: string[] = [];
    if (this.closing || this.gate.inUse >= this.options.concurrency) {
      this.suspicion.fill(0);
      return recreated;
    }
    for (let i = 0; i < this.workers.length; i++) {
      const tookOne = this.taken[i] !== this.takenAtLastCheck[i];
      this.takenAtLastCheck[i] = this.taken[i];
      const counts = await this.counters[i].getJobCounts('waiting', 'prioritized');
      const waiting = (counts.waiting ?? 0) + (counts.prioritized ?? 0);
      this.suspicion[i] = !tookOne && waiting > 0 ? this.suspicion[i] + 1 : 0;
      if (this.suspicion[i] < 2 || this.closing) continue;
      this.options.logger.warn({ queue: this.queues[i], waiting }, 'watchdog: worker idle while jobs wait; recreating it');
      const stuck = this.workers[i];
      this.workers[i] = this.createWorker(this.queues[i], i);
      this.suspicion[i] = 0;
      this.recreated++;
      recreated.push(this.queues[i]);
      void stuck.close(true).catch(() => undefined);
    }
    return recreated;
  }

  private async process(job: Job<RunJobData, ExecutionOutcome>, token?: string): Promise<ExecutionOutcome> {
    await this.gate.acquire();
    try {
      if (this.closing) {
        // Taken while shutting down: hand it straight back.
        await this.retryLater(job, token, 0);
      }
      return await this.options.executor.execute(job.data, String(job.id));
    } catch (err) {
      if (err instanceof CoordinatorUnavailableError) {
        const delay = backoffDelay(Math.max(0, job.attemptsStarted - 1), {
          initialMs: this.options.retryInitialMs ?? 1_000,
          maxMs: this.options.retryMaxMs ?? 30_000,
        });
        this.options.logger.warn({ jobId: job.id, runId: job.data.runId, retryInMs: delay, err }, 'coordinator unreachable; job put back');
        await this.retryLater(job, token, delay);
      }
      throw err;
    } finally {
      this.gate.release();
    }
  }

  private async retryLater(job: Job, token: string | undefined, delayMs: number): Promise<never> {
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }

  private pauseAll(): void {
    if (this.closing) return;
    for (const w of this.workers) void w.pause(true).catch(() => undefined);
  }

  private resumeAll(): void {
    if (this.closing) return;
    // resume() is a no-op for a Worker that is running and not paused.
    for (const w of this.workers) void w.resume().catch(() => undefined);
  }

  /** Attempts running now (bounded by the gate). */
  get running(): number {
    return this.gate.inUse;
  }

  /**
   * Stops taking jobs and waits for the running ones to finish (the caller aborts them first when it
   * does not want to wait).
   */
  async close(): Promise<void> {
    this.closing = true;
    if (this.watchdog) clearInterval(this.watchdog);
    await Promise.all(this.workers.map((w) => w.close()));
    await Promise.all(this.counters.map((q) => q.close().catch(() => undefined)));
  }
}
