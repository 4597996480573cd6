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

  async heartbeat(id: string, currentRunId: string | null): Promise<void> {
    const lastHeartbeatAt = new Date();
    const { count } = await this.prisma.worker.updateMany({
      where: { id, status: { in: ['online', 'busy', 'offline'] } },
      data: { lastHeartbeatAt, currentRunId, status: currentRunId ? 'busy' : 'online' },
    });
    // A draining or dead worker keeps its status; only the timestamp and current run move.
    if (count === 0) await this.prisma.worker.updateMany({ where: { id }, data: { lastHeartbeatAt, currentRunId } });
  }

  async setStatus(id: string, status: WorkerStatus): Promise<void> {
    await this.prisma.worker.updateMany({ where: { id }, data: { status } });
  }
}
