// The BullMQ side of runs: one queue per resource class; the job id is the run's `queueJobId` (the
// run id for its first attempt), so an add is idempotent and a superseded job is recognisable.
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { ACCELERATORS, bullPriority, queueName, type Accelerator, type RunJobData } from '@anchorage/contracts';

export const RUN_QUEUE_NAMES = ACCELERATORS.map(queueName);

export interface QueuedRun {
  id: string;
  kind: RunJobData['kind'];
  priority: number;
  resourceClass: string;
  /** Null on rows written before job ids had generations: the run id. */
  queueJobId: string | null;
}

const jobIdOf = (run: { id: string; queueJobId: string | null }) => run.queueJobId ?? run.id;

@Injectable()
export class QueueRepository {
  private readonly queues: Record<Accelerator, Queue<RunJobData>>;

  constructor(
    @InjectQueue(queueName('cpu')) cpu: Queue<RunJobData>,
    @InjectQueue(queueName('gpu')) gpu: Queue<RunJobData>,
    @InjectQueue(queueName('any')) any: Queue<RunJobData>,
  ) {
    this.queues = { cpu, gpu, any };
  }

  async enqueue(run: QueuedRun, delayMs = 0): Promise<void> {
    await this.queue(run.resourceClass).add(
      run.kind,
      { runId: run.id, kind: run.kind },
      {
        jobId: jobIdOf(run),
        priority: bullPriority(run.priority, { retry: jobIdOf(run) !== run.id }),
        delay: delayMs,
        // Delivery retries only (e.g. the coordinator was unreachable); run attempts live in Postgres.
        attempts: 5,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }

  /** True when Redis holds the run's current job in any state. */
  async has(run: Pick<QueuedRun, 'id' | 'queueJobId' | 'resourceClass'>): Promise<boolean> {
    return (await this.queue(run.resourceClass).getJob(jobIdOf(run))) !== undefined;
  }

  /** Removes the run's waiting or delayed job; false when it is active (a worker holds its lock) or absent. */
  async remove(run: Pick<QueuedRun, 'id' | 'queueJobId' | 'resourceClass'>): Promise<boolean> {
    const job = await this.queue(run.resourceClass).getJob(jobIdOf(run));
    if (!job) return false;
    try {
      await job.remove();
      return true;
    } catch {
      return false;
    }
  }

  /** Redis's `maxmemory-policy` (from INFO, which managed services allow), or null when unreachable. */
  async evictionPolicy(): Promise<string | null> {
    try {
      const client = await this.queues.any.getBackend().client;
      return /^maxmemory_policy:(\S+)/m.exec(await client.info())?.[1] ?? null;
    } catch {
      return null;
    }
  }

  /** A Redis round trip, bounded in time (readiness). */
  async ping(timeoutMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`redis did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([this.queues.any.getJobCounts('waiting'), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async counts(): Promise<{ accelerator: Accelerator; name: string; waiting: number; prioritized: number; delayed: number; active: number }[]> {
    return Promise.all(
      ACCELERATORS.map(async (accelerator) => {
        const c = await this.queues[accelerator].getJobCounts('waiting', 'prioritized', 'delayed', 'active');
        return { accelerator, name: queueName(accelerator), waiting: c.waiting ?? 0, prioritized: c.prioritized ?? 0, delayed: c.delayed ?? 0, active: c.active ?? 0 };
      }),
    );
  }

  /** Delayed jobs whose delay has passed (they are about to move to waiting): part of the real backlog. */
  async dueDelayed(accelerator: Accelerator, now = Date.now()): Promise<number> {
    const delayed = await this.queues[accelerator].getDelayed(0, 999);
    return delayed.filter((job) => job.timestamp + (job.delay ?? 0) <= now).length;
  }

  private queue(resourceClass: string): Queue<RunJobData> {
    const queue = this.queues[resourceClass as Accelerator];
    if (!queue) throw new Error(`unknown resource class: ${resourceClass}`);
    return queue;
  }
}
