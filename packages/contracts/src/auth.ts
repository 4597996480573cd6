// API keys, roles and the audit log: who may do what. Keys are bearer tokens; only their digest is
// stored. Pure: no I/O.
import { z } from 'zod';

/** admin: everything; submitter: submit and cancel/retry their own runs, read all; viewer: read;
 * worker: the gRPC coordinator only (worker tokens). */
export const ROLES = ['admin', 'submitter', 'viewer', 'worker'] as const;
export type Role = (typeof ROLES)[number];

/** Roles of the REST API (a worker token cannot use it). */
export const API_ROLES: readonly Role[] = ['admin', 'submitter', 'viewer'];

/** Every key starts with this, so secret scanners and people can tell what it is. */
export const KEY_PREFIX = 'anc_';

const timestamp = z.string().describe('ISO 8601 time');

export const createKeySchema = z
  .object({
    name: z.string().min(1).max(100).regex(/^[\w .@:-]+$/, 'letters, digits, spaces and _ . @ : - only'),
    role: z.enum(ROLES),
  })
  .strict()
  .meta({ id: 'CreateKeyRequest' });

export const keySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    prefix: z.string().describe('The first characters of the key, to recognise it'),
    createdBy: z.string(),
    createdAt: timestamp,
    revokedAt: timestamp.nullable(),
    lastUsedAt: timestamp.nullable(),
  })
  .meta({ id: 'ApiKey' });

export const createdKeySchema = keySchema
  .extend({ key: z.string().describe('The secret: shown once, never stored; send it as `Authorization: Bearer <key>`') })
  .meta({ id: 'CreatedApiKey' });

export const meSchema = z
  .object({ id: z.string(), name: z.string(), role: z.enum(ROLES) })
  .meta({ id: 'Me' });

export const keyListSchema = z.object({ keys: z.array(keySchema) }).meta({ id: 'ApiKeyList' });

export const auditEventSchema = z
  .object({
    id: z.string(),
    at: timestamp,
    actor: z.string().describe('Key id of the caller (`bootstrap` for ANCHORAGE_ADMIN_KEY)'),
    actorName: z.string(),
    role: z.string(),
    action: z.string().describe('run.submit, run.cancel, run.retry, worker.drain, key.create, key.revoke, …'),
    target: z.string().nullable(),
    source: z.string().nullable().describe('Client address'),
    details: z.unknown(),
  })
  .meta({ id: 'AuditEvent' });

export const auditListSchema = z
  .object({ events: z.array(auditEventSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'AuditList' });

export type CreateKeyRequest = z.output<typeof createKeySchema>;
export type KeyView = z.output<typeof keySchema>;
export type CreatedKeyView = z.output<typeof createdKeySchema>;
export type AuditEventView = z.output<typeof auditEventSchema>;
