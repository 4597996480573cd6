// Sole owner of Model rows (anchors, stitched networks, fine-tuned models).
import { Inject, Injectable } from '@nestjs/common';
import { newId, Prisma, type PrismaClient } from '@anchorage/db';
import { PRISMA } from './database.js';

export type ModelRow = Prisma.ModelGetPayload<object>;

export interface NewModel {
  name: string;
  kind: string;
  architecture: Prisma.InputJsonValue;
  artifactUri: string;
  runId: string;
  params: number;
  metrics?: Prisma.InputJsonValue;
  lineage?: Prisma.InputJsonValue;
  familyId?: string | null;
}

export interface ModelFilter {
  kind?: string;
  runId?: string;
  cursor?: string;
  limit: number;
}

@Injectable()
export class ModelsRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  create(model: NewModel, tx: Prisma.TransactionClient = this.prisma): Promise<ModelRow> {
    return tx.model.create({ data: { id: newId('mdl'), ...model } });
  }

  findById(id: string): Promise<ModelRow | null> {
    return this.prisma.model.findUnique({ where: { id } });
  }

  findByIds(ids: string[]): Promise<ModelRow[]> {
    return this.prisma.model.findMany({ where: { id: { in: ids } } });
  }

  /** The model exported from a stitch run's configuration, if it was exported before. */
  findExportedStitch(runId: string, stitchId: number): Promise<ModelRow | null> {
    return this.prisma.model.findFirst({ where: { runId, kind: 'stitched', architecture: { path: ['stitchId'], equals: stitchId } } });
  }

  list(filter: ModelFilter): Promise<ModelRow[]> {
    return this.prisma.model.findMany({
      where: { kind: filter.kind, runId: filter.runId, ...(filter.cursor ? { id: { lt: filter.cursor } } : {}) },
      orderBy: { id: 'desc' },
      take: filter.limit,
    });
  }
}
