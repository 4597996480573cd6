// Sole owner of Sweep rows.
import { Inject, Injectable } from '@nestjs/common';
import { newId, Prisma, type PrismaClient } from '@anchorage/db';
import { PRISMA } from './database.js';

export type SweepRow = Prisma.SweepGetPayload<object>;
export type SweepStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

/** One planned trial as stored: its parameter values and whether the median rule stopped it. */
export interface StoredTrial {
  index: number;
  params: Record<string, string | number | boolean>;
  stoppedEarly?: boolean;
}

@Injectable()
export class SweepsRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  create(sweep: { name?: string; owner: string; request: Prisma.InputJsonValue; plan: StoredTrial[]; concurrency: number }): Promise<SweepRow> {
    return this.prisma.sweep.create({
      data: { id: newId('swp'), status: 'running', ...sweep, plan: sweep.plan as unknown as Prisma.InputJsonValue },
    });
  }

  findById(id: string): Promise<SweepRow | null> {
    return this.prisma.sweep.findUnique({ where: { id } });
  }

  list(limit: number): Promise<SweepRow[]> {
    return this.prisma.sweep.findMany({ orderBy: { id: 'desc' }, take: limit });
  }

  running(): Promise<SweepRow[]> {
    return this.prisma.sweep.findMany({ where: { status: 'running' } });
  }

  /** Moves a running sweep to its end state; false when it had ended already. */
  async finish(id: string, status: Exclude<SweepStatus, 'running'>): Promise<boolean> {
    const { count } = await this.prisma.sweep.updateMany({ where: { id, status: 'running' }, data: { status, endedAt: new Date() } });
    return count === 1;
  }

  async markStopped(id: string, plan: StoredTrial[], index: number): Promise<void> {
    await this.prisma.sweep.update({
      where: { id },
      data: { plan: plan.map((t) => (t.index === index ? { ...t, stoppedEarly: true } : t)) as unknown as Prisma.InputJsonValue },
    });
  }
}
