// Sole owner of Worker rows: registration, heartbeats and status.
import { Inject, Injectable } from '@nestjs/common';
import { newId, Prisma, type PrismaClient } from '@anchorage/db';
import { PRISMA } from './database.js';

export type WorkerRow = Prisma.WorkerGetPayload<object>;
export type WorkerStatus = 'online' | 'busy' | 'draining' | 'dead' | 'offline';

export interface NewWorker {
  name: string;
  host: string;
  backend: string;
  accelerators: Prisma.InputJsonValue;
  capacity: number;
  resourceClasses: string[];
  version: string;
}

@Injectable()
export class WorkersRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  register(worker: NewWorker): Promise<WorkerRow> {
    return this.prisma.worker.create({ data: { id: newId('wkr'), status: 'online', ...worker } });
  }

  findById(id: string): Promise<WorkerRow | null> {
    return this.prisma.worker.findUnique({ where: { id } });
  }

  list(): Promise<WorkerRow[]> {
    return this.prisma.worker.findMany({ orderBy: { registeredAt: 'desc' } });
  }

  /**
   * A beat: online or busy again, except that a draining worker stays draining, and an offline or
   * dead one comes back only with `revive` (it holds no attempt that was taken from it).
   */
  async heartbeat(id: string, currentRunId: string | null, options: { revive: boolean }): Promise<void> {
    const lastHeartbeatAt = new Date();
    const { count } = await this.prisma.worker.updateMany({
      where: { id, status: { in: options.revive ? ['online', 'busy', 'offline', 'dead'] : ['online', 'busy'] } },
      data: { lastHeartbeatAt, currentRunId, status: currentRunId ? 'busy' : 'online' },
    });
    if (count === 0) await this.prisma.worker.updateMany({ where: { id }, data: { lastHeartbeatAt, currentRunId } });
  }

  /** Resource classes consumed by live workers (online, busy or draining), with how many consume each. */
  async liveClassCounts(): Promise<Map<string, number>> {
    const rows = await this.prisma.worker.findMany({ where: { status: { in: ['online', 'busy', 'draining'] } }, select: { resourceClasses: true } });
    const counts = new Map<string, number>();
    for (const row of rows) for (const c of row.resourceClasses) counts.set(c, (counts.get(c) ?? 0) + 1);
    return counts;
  }

  /** Workers that should be beating (connected or holding attempts) whose last beat is older than `before`. */
  silentSince(before: Date): Promise<WorkerRow[]> {
    return this.prisma.worker.findMany({ where: { status: { in: ['online', 'busy', 'draining', 'offline'] }, lastHeartbeatAt: { lt: before } } });
  }

  async setStatus(id: string, status: WorkerStatus): Promise<void> {
    await this.prisma.worker.updateMany({ where: { id }, data: { status } });
  }

  /** Its command stream closed: offline, unless it was already declared dead (that stands). */
  async disconnected(id: string): Promise<void> {
    await this.prisma.worker.updateMany({ where: { id, status: { in: ['online', 'busy', 'draining'] } }, data: { status: 'offline' } });
  }

  /** A sign of life that says nothing about the attempts it holds: the status is left alone. */
  async touch(id: string): Promise<void> {
    await this.prisma.worker.updateMany({ where: { id }, data: { lastHeartbeatAt: new Date() } });
  }
}
