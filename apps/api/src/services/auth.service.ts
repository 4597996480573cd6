// API keys: who a bearer token belongs to, creating and revoking keys, and the audit log. Keys are
// 256-bit random secrets, so a SHA-256 digest is enough to store (no slow hash needed: there is
// nothing to guess); lookups go by digest, and the bootstrap secrets from the environment are
// compared in constant time. A secret is never logged or stored.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Prisma } from '@anchorage/db';
import { createKeySchema, formatIssues, KEY_PREFIX, type AuditEventView, type CreatedKeyView, type KeyView, type Role } from '@anchorage/contracts';
import { API_CONFIG, type ApiConfig } from '../config.js';
import { KeysRepository, type ApiKeyRow } from '../repositories/keys.repository.js';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors.js';

/** The caller of a request, once its key is checked. */
export interface Principal {
  /** Key id; `bootstrap` for ANCHORAGE_ADMIN_KEY, `bootstrap-worker` for ANCHORAGE_WORKER_TOKEN. */
  id: string;
  name: string;
  role: Role;
}

/** Where a request came from, for the audit log. */
export interface Caller {
  principal: Principal;
  source?: string | null;
}

const digestBytes = (secret: string) => createHash('sha256').update(secret).digest();
/** What the api_keys table stores for a secret. */
const digest = (secret: string) => digestBytes(secret).toString('hex');

/** lastUsedAt is for people: written at most this often per key and process. */
const LAST_USED_EVERY_MS = 60_000;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function keyView(row: ApiKeyRow): KeyView {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    prefix: row.prefix,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    revokedAt: iso(row.revokedAt),
    lastUsedAt: iso(row.lastUsedAt),
  };
}

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);
  /** Digests of the bootstrap secrets, compared in constant time with the caller's. */
  private readonly bootstrap: { digest: Buffer; principal: Principal }[];
  private readonly lastTouched = new Map<string, number>();

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly keys: KeysRepository,
  ) {
    this.bootstrap = [
      ...(config.adminKey ? [{ digest: digestBytes(config.adminKey), principal: { id: 'bootstrap', name: 'bootstrap admin', role: 'admin' as const } }] : []),
      ...(config.workerToken ? [{ digest: digestBytes(config.workerToken), principal: { id: 'bootstrap-worker', name: 'bootstrap worker token', role: 'worker' as const } }] : []),
    ];
  }

  onApplicationBootstrap(): void {
    if (!this.config.adminKey) {
      this.logger.warn('ANCHORAGE_ADMIN_KEY is not set: only keys already in the database can call the API');
    }
  }

  /** The principal of a bearer secret, or null (unknown, revoked, or malformed). */
  async authenticate(secret: string | undefined): Promise<Principal | null> {
    if (!secret || secret.length > 512) return null;
    const hashed = digestBytes(secret);
    const boot = this.bootstrap.find((b) => timingSafeEqual(b.digest, hashed));
    if (boot) return boot.principal;
    const row = await this.keys.findLive(hashed.toString('hex'));
    if (!row) return null;
    const now = Date.now();
    if (now - (this.lastTouched.get(row.id) ?? 0) >= LAST_USED_EVERY_MS) {
      this.lastTouched.set(row.id, now);
      void this.keys.touch(row.id, LAST_USED_EVERY_MS).catch(() => undefined);
    }
    return { id: row.id, name: row.name, role: row.role as Role };
  }

  async create(body: unknown, caller: Caller): Promise<CreatedKeyView> {
    const parsed = createKeySchema.safeParse(body ?? {});
    if (!parsed.success) throw new InvalidRequestError('invalid key request', formatIssues(parsed.error));
    const secret = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row = await this.keys.create({ ...parsed.data, hash: digest(secret), prefix: secret.slice(0, KEY_PREFIX.length + 6), createdBy: caller.principal.id });
    await this.audit(caller, 'key.create', row.id, { name: row.name, role: row.role });
    return { ...keyView(row), key: secret };
  }

  async list(): Promise<{ keys: KeyView[] }> {
    return { keys: (await this.keys.list()).map(keyView) };
  }

  async revoke(id: string, caller: Caller): Promise<KeyView> {
    const row = await this.keys.findById(id);
    if (!row) throw new NotFoundError('key', id);
    if (!(await this.keys.revoke(id))) throw new ConflictError(`key ${id} is already revoked`);
    await this.audit(caller, 'key.revoke', id, { name: row.name, role: row.role });
    return keyView((await this.keys.findById(id)) ?? row);
  }

  /** Records who did what; never the secret. */
  async audit(caller: Caller, action: string, target: string | null, details?: Prisma.InputJsonValue): Promise<void> {
    await this.keys.audit({
      actor: caller.principal.id,
      actorName: caller.principal.name,
      role: caller.principal.role,
      action,
      target,
      source: caller.source ?? null,
      details,
    });
  }

  async auditLog(query: { before?: string; limit: number; actor?: string; action?: string }): Promise<{ events: AuditEventView[]; nextCursor: string | null }> {
    const rows = await this.keys.auditEvents({ ...query, before: query.before ? BigInt(query.before) : undefined, limit: query.limit + 1 });
    const kept = rows.slice(0, query.limit);
    return {
      events: kept.map((e) => ({ id: String(e.id), at: e.at.toISOString(), actor: e.actor, actorName: e.actorName, role: e.role, action: e.action, target: e.target, source: e.source, details: e.details })),
      nextCursor: rows.length > query.limit ? String(kept[kept.length - 1].id) : null,
    };
  }
}
