// Sole owner of Family rows; a family's status follows its members' train runs.
import { Inject, Injectable } from '@nestjs/common';
import { newId, Prisma, type PrismaClient } from '@anchorage/db';
import type { FamilyStatus } from '@anchorage/contracts';
import { PRISMA } from './database.js';

export type FamilyWithMembers = Prisma.FamilyGetPayload<{ include: { runs: true; models: true } }>;
type Tx = Prisma.TransactionClient;

@Injectable()
export class FamiliesRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  create(tx: Tx, family: { name: string; members: string[] }) {
    return tx.family.create({ data: { id: newId('fam'), status: 'training', ...family } });
  }

  findById(id: string): Promise<FamilyWithMembers | null> {
    return this.prisma.family.findUnique({ where: { id }, include: { runs: true, models: true } });
  }

  list(limit: number): Promise<FamilyWithMembers[]> {
    return this.prisma.family.findMany({ orderBy: { id: 'desc' }, take: limit, include: { runs: true, models: true } });
  }

  /** Ready when every member run succeeded, failed as soon as one ended otherwise. */
  async refreshStatus(tx: Tx, familyId: string): Promise<FamilyStatus> {
    const runs = await tx.run.findMany({ where: { familyId }, select: { status: true } });
    const status: FamilyStatus = runs.every((r) => r.status === 'succeeded')
      ? 'ready'
      : runs.some((r) => r.status === 'failed' || r.status === 'cancelled')
        ? 'failed'
        : 'training';
    await tx.family.update({ where: { id: familyId }, data: { status } });
    return status;
  }
}
