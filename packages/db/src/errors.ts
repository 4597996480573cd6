import { Prisma } from './generated/prisma/client.js';

/**
 * True for Prisma's P2002 (unique constraint failed), on Postgres and PGlite alike — e.g. a repeated
 * `Idempotency-Key`. With `fields`, also requires each to appear in what the driver reported: the
 * violated constraint's name (e.g. `runs_idempotency_key_key`) or its columns — so pass *database*
 * column names (`idempotency_key`) or the constraint name, not Prisma field names.
 */
export function isUniqueViolation(error: unknown, fields?: string[]): error is Prisma.PrismaClientKnownRequestError {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== 'P2002') return false;
  if (!fields) return true;
  const text = JSON.stringify(error.meta ?? {});
  return fields.every((f) => text.includes(f));
}
