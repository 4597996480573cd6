// Sole owner of ApiKey and AuditEvent rows.
import { Inject, Injectable } from '@nestjs/common';
import { newId, Prisma, type PrismaClient } from '@anchorage/db';
import { PRISMA } from './database.js';

export type ApiKeyRow = Prisma.ApiKeyGetPayload<object>;
export type AuditEventRow = Prisma.AuditEventGetPayload<object>;

export interface NewAuditEvent {
  actor: string;
  actorName: string;
  role: string;
  action: string;
  target?: string | null;
  source?: string | null;
  details?: Prisma.InputJsonValue;
}

@Injectable()
export class KeysRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  create(key: { name: string; role: string; hash: string; prefix: string; createdBy: string }): Promise<ApiKeyRow> {
    return this.prisma.apiKey.create({ data: { id: newId('key'), ...key } });
  }

  /** A live (not revoked) key by the digest of its secret. */
  findLive(hash: string): Promise<ApiKeyRow | null> {
    return this.prisma.apiKey.findFirst({ where: { hash, revokedAt: null } });
  }

  findById(id: string): Promise<ApiKeyRow | null> {
    return this.prisma.apiKey.findUnique({ where: { id } });
  }

  list(): Promise<ApiKeyRow[]> {
    return this.prisma.apiKey.findMany({ orderBy: { createdAt: 'desc' } });
  }

  /** False when the key was already revoked (or does not exist). */
  async revoke(id: string): Promise<boolean> {
    const { count } = await this.prisma.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
    return count > 0;
  }

  /** Sets lastUsedAt unless another process did within `everyMs`. */
  async touch(id: string, everyMs: number): Promise<void> {
    const now = new Date();
    await this.prisma.apiKey.updateMany({
      where: { id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - everyMs) } }] },
      data: { lastUsedAt: now },
    });
  }

  async audit(event: NewAuditEvent): Promise<void> {
    await this.prisma.auditEvent.create({ data: event });
  }

  /** Newest first; `before` is the id of the last event of the previous page. */
  auditEvents(query: { before?: bigint; limit: number; actor?: string; action?: string }): Promise<AuditEventRow[]> {
    return this.prisma.auditEvent.findMany({
      where: {
        ...(query.before !== undefined ? { id: { lt: query.before } } : {}),
        ...(query.actor ? { actor: query.actor } : {}),
        ...(query.action ? { action: query.action } : {}),
      },
      orderBy: { id: 'desc' },
      take: query.limit,
    });
  }
}
