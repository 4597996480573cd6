// Sole owner of Pipeline rows.
import { Inject, Injectable } from '@nestjs/common';
import { newId, Prisma, type PrismaClient } from '@anchorage/db';
import type { PipelineStepState } from '@anchorage/contracts';
import { PRISMA } from './database.js';

export type PipelineRow = Prisma.PipelineGetPayload<object>;
export type StepState = Pick<PipelineStepState, 'status' | 'runId' | 'familyId' | 'outputs' | 'error'>;
export type PipelineState = Record<string, StepState>;

@Injectable()
export class PipelinesRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  create(pipeline: { name?: string; owner: string; request: Prisma.InputJsonValue; state: PipelineState }): Promise<PipelineRow> {
    return this.prisma.pipeline.create({
      data: { id: newId('pln'), status: 'running', ...pipeline, state: pipeline.state as unknown as Prisma.InputJsonValue },
    });
  }

  findById(id: string): Promise<PipelineRow | null> {
    return this.prisma.pipeline.findUnique({ where: { id } });
  }

  list(limit: number): Promise<PipelineRow[]> {
    return this.prisma.pipeline.findMany({ orderBy: { id: 'desc' }, take: limit });
  }

  running(): Promise<PipelineRow[]> {
    return this.prisma.pipeline.findMany({ where: { status: 'running' } });
  }

  /** Stores the step states of a running pipeline and, with `status`, ends it. False when it had ended. */
  async save(id: string, state: PipelineState, status?: 'succeeded' | 'failed' | 'cancelled'): Promise<boolean> {
    const { count } = await this.prisma.pipeline.updateMany({
      where: { id, status: 'running' },
      data: { state: state as unknown as Prisma.InputJsonValue, ...(status ? { status, endedAt: new Date() } : {}) },
    });
    return count === 1;
  }
}
