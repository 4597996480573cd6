// Sole owner of StitchResult rows (one per evaluated configuration of a stitch run).
import { Inject, Injectable } from '@nestjs/common';
import { Prisma, type PrismaClient } from '@anchorage/db';
import { PRISMA } from './database.js';

export type StitchRow = Prisma.StitchResultGetPayload<object>;
export type NewStitch = Omit<Prisma.StitchResultCreateManyInput, 'id' | 'runId'>;

@Injectable()
export class StitchesRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  async createMany(tx: Prisma.TransactionClient, runId: string, rows: NewStitch[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.stitchResult.createMany({ data: rows.map((r) => ({ ...r, runId })), skipDuplicates: true });
  }

  list(runId: string): Promise<StitchRow[]> {
    return this.prisma.stitchResult.findMany({ where: { runId }, orderBy: { stitchId: 'asc' } });
  }

  find(runId: string, stitchId: number): Promise<StitchRow | null> {
    return this.prisma.stitchResult.findUnique({ where: { runId_stitchId: { runId, stitchId } } });
  }
}
