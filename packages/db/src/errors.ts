import { Prisma } from './generated/prisma/client.js';

/**
 * True for Prisma's P2002 (unique constraint failed), or a raw query's P2010 whose driver error is a
 * unique violation, on Postgres and PGlite alike — e.g. a repeated `Idempotency-Key`. With `fields`, also requires each to appear in what the driver reported: the
 * violated constraint's name (e.g. `runs_idempotency_key_key`) or its columns — so pass *database*
 * column names (`idempotency_key`) or the constraint name, not Prisma field names.
 */
export function isUniqueViolation(error: unknown, fields?: string[]): error is Prisma.PrismaClientKnownRequestError {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  const raw = error.meta?.driverAdapterError as { cause?: { kind?: string } } | undefined;
  if (error.code !== 'P2002' && !(error.code === 'P2010' && raw?.cause?.kind === 'UniqueConstraintViolation')) return false;
  if (!fields) return true;
  const text = JSON.stringify(error.meta ?? {});
  return fields.every((f) => text.includes(f));
}

/** Prisma codes for "the database is not there right now" (unreachable, connection lost, pool exhausted, timed out). */
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const UNAVAILABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'TransactionAlreadyClosed']);

/**
 * True when an error means the database is unavailable rather than that the request was wrong: the
 * API answers 503 (REST) or UNAVAILABLE (gRPC) so callers retry, instead of 500 / INTERNAL.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientInitializationError) return true;
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (UNAVAILABLE_CODES.has(error.code)) return true;
    const kind = (error.meta as { driverAdapterError?: { cause?: { kind?: string } } } | undefined)?.driverAdapterError?.cause?.kind;
    return kind !== undefined && UNAVAILABLE_KINDS.has(kind);
  }
  const text = error instanceof Error ? `${error.message} ${String((error as { code?: unknown }).code ?? '')}` : '';
  return /ECONNREFUSED|ECONNRESET|Connection terminated|terminating connection due to administrator command|the database system is (starting up|shutting down)/.test(text);
}
