// Refuses to start on a Redis that may evict keys: under memory pressure an evicting policy drops
// queued jobs and locks silently. Postgres would still know the runs (reconcile re-adds their jobs),
// but locks and delayed retries would vanish, so the only safe policy is `noeviction`.
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { QueueRepository } from '../repositories/queue.repository.js';

export class UnsafeRedisError extends Error {
  constructor(policy: string) {
    super(
      `Redis maxmemory-policy is "${policy}": it can evict queued jobs and their locks. ` +
        'Set it to noeviction (redis.conf `maxmemory-policy noeviction`, or `CONFIG SET maxmemory-policy noeviction`) and use AOF persistence (`appendonly yes`).',
    );
    this.name = 'UnsafeRedisError';
  }
}

@Injectable()
export class RedisSafetyCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(RedisSafetyCheck.name);

  constructor(private readonly queue: QueueRepository) {}

  async onApplicationBootstrap(): Promise<void> {
    const policy = await this.queue.evictionPolicy();
    if (policy === null) {
      this.logger.warn('could not read Redis maxmemory-policy (Redis unreachable at start); it must be noeviction');
      return;
    }
    if (policy !== 'noeviction') throw new UnsafeRedisError(policy);
  }
}
