// The BullMQ side of runs: one queue per configured resource class; the job id is the run's
// `queueJobId` (the run id for its first attempt), so an add is idempotent and a superseded job is
// recognisable.
import { getQueueToken } from '@nestjs/bullmq';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import { bullPriority, queueName, type RunJobData } from '@anchorage/contracts';
import { API_CONFIG, type ApiConfig } from '../config.js';

/** The BullMQ queue names of the configured resource classes (registered in AppModule). */
export function runQueueNames(config: Pick<ApiConfig, 'resourceClasses'>): string[] {
  return config.resourceClasses.map((c) => queueName(c.name));
}

export interface QueueCounts {
  resourceClass: string;
  name: string;
  waiting: number;
  prioritized: number;
  delayed: number;
  /** Delayed jobs whose delay has passed (about to move to waiting): part of the real backlog. */
  dueDelayed: number;
  active: number;
}

export interface QueuedRun {
  id: string;
  kind: RunJobData['kind'];
  priority: number;
  resourceClass: string;
  /** Null on rows written before job ids had generations: the run id. */
  queueJobId: string | null;
}

const jobIdOf = (run: { id: string; queueJobId: string | null }) => run.queueJobId ?? run.id;

const ZCOUNT_COMMAND = 'anchorageZcount';

@Injectable()
export class QueueRepository implements OnModuleInit {
  private readonly queues = new Map<string, Queue<RunJobData>>();
  /** BullMQ's client interface has no ZCOUNT; a one-line script is defined once per connection. */
  private readonly zcountDefined = new WeakSet<object>();

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    for (const c of this.config.resourceClasses) {
      this.queues.set(c.name, this.moduleRef.get<Queue<RunJobData>>(getQueueToken(queueName(c.name)), { strict: false }));
    }
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
      const client = await this.queue('any').getBackend().client;
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
      await Promise.race([this.queue('any').getJobCounts('waiting'), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Per class: the backlog by state, counting due delayed jobs with one ZCOUNT on the delayed set. */
  async counts(now = Date.now()): Promise<QueueCounts[]> {
    return Promise.all(
      this.config.resourceClasses.map(async (c) => {
        const queue = this.queue(c.name);
        const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active');
        // BullMQ scores a delayed job by (due time in ms) * 0x1000 + a counter (its delayed set).
        const client = await queue.getBackend().client;
        if (!this.zcountDefined.has(client)) {
          client.defineCommand(ZCOUNT_COMMAND, { numberOfKeys: 1, lua: "return redis.call('ZCOUNT', KEYS[1], ARGV[1], ARGV[2])", readOnly: true });
          this.zcountDefined.add(client);
        }
        const dueDelayed = Number(await client.runCommand(ZCOUNT_COMMAND, [queue.keys.delayed, 0, now * 0x1000 + 0xfff]));
        return {
          resourceClass: c.name,
          name: queueName(c.name),
          waiting: counts.waiting ?? 0,
          prioritized: counts.prioritized ?? 0,
          delayed: counts.delayed ?? 0,
          dueDelayed,
          active: counts.active ?? 0,
        };
      }),
    );
  }

  private queue(resourceClass: string): Queue<RunJobData> {
    const queue = this.queues.get(resourceClass);
    if (!queue) throw new Error(`unknown resource class: ${resourceClass} (configured: ${[...this.queues.keys()].join(', ')})`);
    return queue;
  }
}
