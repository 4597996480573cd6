import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite, Transaction as PGliteTx } from '@electric-sql/pglite';
import pg from 'pg';

/**
 * Applies prisma/migrations/<name>/migration.sql in name order, each in its own transaction, and
 * records it in Prisma's own `_prisma_migrations` table (same DDL, same sha256 checksum, finished_at /
 * applied_steps_count set as `prisma migrate deploy` does), so `prisma migrate status` agrees wherever
 * Prisma's schema engine is available. Safe to run any number of times; concurrent runners on one
 * Postgres database serialize on Prisma's own advisory lock (72707369), so they also serialize with
 * `prisma migrate deploy`. Works on Postgres (node-postgres) and PGlite.
 */

export interface Migration {
  /** Folder name, e.g. `20261130021328_init`. */
  name: string;
  /** Prisma's checksum: lowercase hex sha256 of migration.sql as stored. */
  checksum: string;
  sql: string;
}

export interface MigrateOptions {
  /** Folder with `<timestamp>_<name>/migration.sql` entries (default: {@link findMigrationsDir}). */
  migrationsDir?: string;
  /** Progress lines ("applied 2026..._init in 41 ms", warnings about edited migrations). */
  log?: (line: string) => void;
}

export interface MigrateResult {
  /** Migrations this call applied, in order. */
  applied: string[];
  /** Migrations that were already applied. */
  alreadyApplied: string[];
  /** Applied migrations whose file no longer matches the recorded checksum (they are not re-run). */
  modified: string[];
  /** Rows in `_prisma_migrations` with no folder here (a newer build migrated this database). */
  unknown: string[];
}

/**
 * Where to migrate: a Postgres URL (Prisma's `?schema=` honoured), an open PGlite, or a `Database` from
 * `createDatabase()` (its URL or its PGlite).
 */
export type MigrationTarget =
  | { databaseUrl: string }
  | { pglite: PGlite }
  | { kind: 'postgres' | 'pglite'; databaseUrl?: string | undefined; pglite?: PGlite | undefined };

/** Prisma's advisory lock key (schema-engine: `SELECT pg_advisory_lock(72707369)`). */
export const PRISMA_MIGRATE_LOCK_KEY = 72707369;

const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

/**
 * The repo's `prisma/migrations`, found from this module's location by walking up (works from
 * `src/` under Vitest and from `dist/` after `tsc`), unless `ANCHORAGE_MIGRATIONS_DIR` says otherwise.
 */
export function findMigrationsDir(): string {
  const fromEnv = process.env['ANCHORAGE_MIGRATIONS_DIR'];
  if (fromEnv) return resolve(fromEnv);
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'prisma', 'migrations');
    if (existsSync(join(candidate, 'migration_lock.toml'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(
    `prisma/migrations not found above ${dirname(fileURLToPath(import.meta.url))}; set ANCHORAGE_MIGRATIONS_DIR`,
  );
}

/** Prisma's migration checksum of a script. */
export function migrationChecksum(sql: string | Buffer): string {
  return createHash('sha256').update(sql).digest('hex');
}

/** The migrations in a folder, sorted by name (the timestamp prefix orders them). */
export function listMigrations(migrationsDir: string = findMigrationsDir()): Migration[] {
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(migrationsDir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const bytes = readFileSync(join(migrationsDir, name, 'migration.sql'));
      return { name, checksum: migrationChecksum(bytes), sql: bytes.toString('utf8') };
    });
}

/** Does a recorded checksum match the script? Prisma also accepts CRLF↔LF variants and its old unpadded hex. */
function checksumMatches(sql: string, recorded: string): boolean {
  const variants = [sql, sql.replace(/\r\n/g, '\n'), sql.replace(/(?<!\r)\n/g, '\r\n')];
  return variants.some((variant) => {
    const digest = createHash('sha256').update(variant).digest();
    const hex = recorded.length === 64 ? digest.toString('hex') : [...digest].map((b) => b.toString(16)).join('');
    return hex === recorded;
  });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
  logs: string | null;
}

/** A minimal SQL session: node-postgres or PGlite behind one interface. */
interface Session {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a (multi-statement) script. */
  script(sql: string): Promise<void>;
  transaction<T>(fn: (tx: Omit<Session, 'transaction'>) => Promise<T>): Promise<T>;
}

export async function migrate(target: MigrationTarget, options: MigrateOptions = {}): Promise<MigrateResult> {
  const migrations = listMigrations(options.migrationsDir ?? findMigrationsDir());
  const { pglite, databaseUrl } = target as { pglite?: PGlite; databaseUrl?: string };
  if (pglite) return run(pgliteSession(pglite), migrations, options);
  if (!databaseUrl) throw new Error('migrate(): the target has neither a databaseUrl nor a pglite instance');

  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    try {
      if (schema) {
        const ident = quoteIdent(schema);
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident}`);
        await client.query(`SET search_path TO ${ident}`);
      }
      return await run(pgSession(client), migrations, options);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    await client.end();
  }
}

async function run(session: Session, migrations: Migration[], options: MigrateOptions): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  await session.script(CREATE_MIGRATIONS_TABLE);
  const rows = await session.query<AppliedRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at, logs FROM _prisma_migrations ORDER BY started_at',
  );
  const failed = rows.filter((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed.length > 0) {
    // Prisma's P3009: a `prisma migrate deploy` failed half-way here; a human must resolve it.
    throw new Error(
      `migration ${failed.map((r) => r.migration_name).join(', ')} failed earlier and was not resolved ` +
        `(_prisma_migrations has finished_at NULL): fix the database, then mark it with ` +
        `\`prisma migrate resolve --applied|--rolled-back <name>\``,
    );
  }
  const applied = new Map(
    rows.filter((r) => r.finished_at !== null && r.rolled_back_at === null).map((r) => [r.migration_name, r]),
  );
  const known = new Set(migrations.map((m) => m.name));
  const result: MigrateResult = {
    applied: [],
    alreadyApplied: [],
    modified: [],
    unknown: [...applied.keys()].filter((name) => !known.has(name)),
  };
  for (const name of result.unknown) log(`warning: database has migration ${name}, which this build does not know`);

  for (const migration of migrations) {
    const row = applied.get(migration.name);
    if (row) {
      result.alreadyApplied.push(migration.name);
      if (!checksumMatches(migration.sql, row.checksum)) {
        result.modified.push(migration.name);
        log(`warning: ${migration.name}/migration.sql was edited after it was applied (checksum differs)`);
      }
      continue;
    }
    const started = Date.now();
    const appliedNow = await session.transaction(async (tx) => {
      // Another runner (same PGlite, or a Postgres runner that skipped the lock) may have won meanwhile.
      const done = await tx.query<{ n: number }>(
        'SELECT 1 AS n FROM _prisma_migrations WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL',
        [migration.name],
      );
      if (done.length > 0) return false;
      const id = randomUUID();
      await tx.query(
        `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count)
         VALUES ($1, $2, $3, clock_timestamp(), 0)`,
        [id, migration.checksum, migration.name],
      );
      try {
        await tx.script(migration.sql);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new Error(`migration ${migration.name} failed (rolled back, nothing applied): ${message}`, {
          cause: error,
        });
      }
      await tx.query(
        'UPDATE _prisma_migrations SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1',
        [id],
      );
      return true;
    });
    if (appliedNow) {
      result.applied.push(migration.name);
      log(`applied ${migration.name} in ${Date.now() - started} ms`);
    } else {
      result.alreadyApplied.push(migration.name);
    }
  }
  return result;
}

function pgSession(client: pg.Client): Session {
  const session: Omit<Session, 'transaction'> = {
    async query<T>(sql: string, params: unknown[] = []) {
      return (await client.query(sql, params)).rows as T[];
    },
    async script(sql: string) {
      await client.query(sql); // no parameters: simple protocol, several statements allowed
    },
  };
  return {
    ...session,
    async transaction<T>(fn: (tx: Omit<Session, 'transaction'>) => Promise<T>) {
      await client.query('BEGIN');
      try {
        const value = await fn(session);
        await client.query('COMMIT');
        return value;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
  };
}

function pgliteSession(db: PGlite): Session {
  const wrap = (q: PGlite | PGliteTx): Omit<Session, 'transaction'> => ({
    async query<T>(sql: string, params: unknown[] = []) {
      return (await q.query<T>(sql, params)).rows;
    },
    async script(sql: string) {
      await q.exec(sql);
    },
  });
  return {
    ...wrap(db),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
  };
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
