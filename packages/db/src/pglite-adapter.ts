import type { PGlite, Transaction as PGliteTx } from '@electric-sql/pglite';
import type { SqlDriverAdapterFactory } from '@prisma/client/runtime/client';
import { PrismaPGlite } from 'pglite-prisma-adapter';

// Prisma's driver-adapter types, derived from the one @prisma/client exports.
type SqlDriverAdapter = Awaited<ReturnType<SqlDriverAdapterFactory['connect']>>;
type AdapterTransaction = Awaited<ReturnType<SqlDriverAdapter['startTransaction']>>;
type SqlQuery = Parameters<SqlDriverAdapter['queryRaw']>[0];
type IsolationLevel = NonNullable<Parameters<SqlDriverAdapter['startTransaction']>[0]>;
type InnerClient = ConstructorParameters<typeof PrismaPGlite>[0];

const ADAPTER_NAME = 'pglite-prisma-adapter';

/**
 * Prisma driver adapter for an embedded PGlite, built on `pglite-prisma-adapter` (which does the value
 * conversions) with three fixes:
 *
 * 1. **Errors.** pglite-prisma-adapter recognises database errors with `instanceof` against *its own*
 *    copy of `@electric-sql/pglite`; with the copy hoisted for other packages (0.4.x) differing from ours
 *    (0.5.14) that check fails, so a unique violation would reach Prisma as an unknown error instead of
 *    P2002. Here errors are recognised by shape and mapped like Prisma's own pg adapter.
 * 2. **Transactions.** PGlite is one connection: `PGlite.transaction()` holds an exclusive lock until its
 *    callback settles, and every query outside it waits. The transaction below holds that lock exactly
 *    from `startTransaction()` to `commit()`/`rollback()`, awaits the ROLLBACK (the original does not,
 *    then also sends COMMIT), and applies the isolation level inside the transaction (the original sets
 *    it outside, where it has no effect). A transaction Prisma abandons after `maxWait` is rolled back by
 *    Prisma as soon as it starts, so the lock is never held forever. Code must not await the *outer*
 *    client inside `$transaction(async (tx) => ...)` — on one connection that waits for itself until the
 *    transaction times out (use `tx`).
 * 3. **Scripts.** `executeScript` awaits the script (the original fires and forgets it).
 */
export class PrismaPGliteAdapter implements SqlDriverAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = ADAPTER_NAME;

  constructor(private readonly db: PGlite) {}

  async connect(): Promise<SqlDriverAdapter> {
    const db = this.db;
    const inner = await new PrismaPGlite(db as unknown as InnerClient).connect();
    const adapter: SqlDriverAdapter = {
      provider: 'postgres',
      adapterName: ADAPTER_NAME,
      queryRaw: (query: SqlQuery) => guard(inner.queryRaw(query)),
      executeRaw: (query: SqlQuery) => guard(inner.executeRaw(query)),
      executeScript: async (script: string) => {
        await guard(db.exec(script));
      },
      getConnectionInfo: () => ({ schemaName: 'public', supportsRelationJoins: true }),
      startTransaction: (isolationLevel?: IsolationLevel) => startTransaction(db, isolationLevel),
      dispose: async () => {},
    };
    return adapter;
  }
}

function startTransaction(db: PGlite, isolationLevel?: IsolationLevel): Promise<AdapterTransaction> {
  return new Promise<AdapterTransaction>((resolve, reject) => {
    let started = false;
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    const outcome = db.transaction(async (tx: PGliteTx) => {
      if (isolationLevel) await tx.exec(`SET TRANSACTION ISOLATION LEVEL ${isolationLevel}`);
      const inner = await new PrismaPGlite(tx as unknown as InnerClient).connect();
      const transaction: AdapterTransaction = {
        provider: 'postgres',
        adapterName: ADAPTER_NAME,
        // PGlite's transaction() already sent BEGIN and sends COMMIT when the callback returns.
        options: { usePhantomQuery: true },
        queryRaw: (query: SqlQuery) => guard(inner.queryRaw(query)),
        executeRaw: (query: SqlQuery) => guard(inner.executeRaw(query)),
        commit: async () => {
          finish();
          await guard(outcome);
        },
        rollback: async () => {
          try {
            if (!tx.closed) await tx.rollback();
          } finally {
            finish();
            await guard(outcome);
          }
        },
      };
      started = true;
      resolve(transaction);
      await finished;
    });
    // Before the callback ran: the error belongs to startTransaction. After: commit()/rollback() see it.
    outcome.catch((error: unknown) => {
      if (!started) reject(toAdapterError(error));
    });
  }).catch((error: unknown) => {
    throw toAdapterError(error);
  });
}

async function guard<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    throw toAdapterError(error);
  }
}

interface PgError {
  code: string;
  message: string;
  severity: string;
  detail?: string;
  column?: string;
  constraint?: string;
  table?: string;
  hint?: string;
}

function isPgError(error: unknown): error is PgError {
  const e = error as Partial<PgError> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    typeof e.code === 'string' &&
    typeof e.message === 'string' &&
    typeof e.severity === 'string'
  );
}

/** Prisma recognises driver errors by shape: `name === 'DriverAdapterError'` and an object `cause`. */
class DriverAdapterError extends Error {
  override readonly name = 'DriverAdapterError';
  constructor(override readonly cause: Record<string, unknown>) {
    super(typeof cause['message'] === 'string' ? cause['message'] : String(cause['kind']));
  }
}

function toAdapterError(error: unknown): unknown {
  if ((error as { name?: unknown } | null)?.name === 'DriverAdapterError') return error;
  if (!isPgError(error)) return error;
  return new DriverAdapterError({
    originalCode: error.code,
    originalMessage: error.message,
    ...mapPgError(error),
  });
}

function keyFields(detail: string | undefined): string[] | undefined {
  return detail?.match(/Key \(([^)]+)\)/)?.[1]?.split(', ');
}

function constraintOf(error: PgError): { fields: string[] } | { index: string } | undefined {
  if (error.column) return { fields: [error.column] };
  if (error.constraint) return { index: error.constraint };
  return undefined;
}

/** The same mapping as @prisma/adapter-pg 7.10, so both backends report the same Prisma errors and meta. */
function mapPgError(error: PgError): Record<string, unknown> {
  switch (error.code) {
    case '22001':
      return { kind: 'LengthMismatch', column: error.column };
    case '22003':
      return { kind: 'ValueOutOfRange', cause: error.message };
    case '22P02':
      return { kind: 'InvalidInputValue', message: error.message };
    case '23505': {
      const fields = keyFields(error.detail);
      const constraint = error.constraint ? { index: error.constraint } : fields ? { fields } : undefined;
      let table = error.table;
      if (table === undefined && fields && fields.length > 0) {
        const suffix = `_${fields.join('_')}_key`;
        if (error.constraint?.endsWith(suffix)) table = error.constraint.slice(0, -suffix.length);
      }
      return { kind: 'UniqueConstraintViolation', constraint, table };
    }
    case '23502': {
      const fields = keyFields(error.detail);
      return { kind: 'NullConstraintViolation', constraint: fields ? { fields } : undefined };
    }
    case '23503':
      return { kind: 'ForeignKeyConstraintViolation', constraint: constraintOf(error) };
    case '23001':
      return { kind: 'RestrictViolation', constraint: constraintOf(error) };
    case '40001':
    case '40P01':
      return { kind: 'TransactionWriteConflict' };
    case '42P01':
      return { kind: 'TableDoesNotExist', table: error.message.split(' ').at(1)?.split('"').at(1) };
    case '42703': {
      const raw = error.message.match(/^column (.+) does not exist$/)?.[1];
      return { kind: 'ColumnNotFound', column: raw?.replace(/"((?:""|[^"])*)"/g, (_, id: string) => id.replaceAll('""', '"')) };
    }
    default:
      return {
        kind: 'postgres',
        code: error.code,
        severity: error.severity,
        message: error.message,
        detail: error.detail,
        column: error.column,
        hint: error.hint,
      };
  }
}
