import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, type Prisma } from './generated/prisma/client.js';
import { migrate, type MigrateOptions, type MigrateResult } from './migrate.js';
import { PrismaPGliteAdapter } from './pglite-adapter.js';

export type DatabaseKind = 'postgres' | 'pglite';

export interface CreateDatabaseOptions {
  /**
   * `postgres://` / `postgresql://` URL: real Postgres through `@prisma/adapter-pg`. A `schema` query
   * parameter selects the schema (Prisma's convention). Absent: embedded PGlite in `dataDir`.
   */
  databaseUrl?: string;
  /**
   * PGlite data directory, created if missing (default `.data/pglite` under the working directory).
   * `memory://` keeps everything in memory. Ignored with `databaseUrl`.
   */
  dataDir?: string;
  /** Use this already-open PGlite instead of opening `dataDir` (it is closed by `close()`). */
  pglite?: PGlite;
  /** Apply pending migrations before returning (default false). */
  migrate?: boolean | MigrateOptions;
  /** Prisma log levels, e.g. `['warn', 'error']`. */
  log?: Prisma.LogLevel[];
  /**
   * Defaults for interactive transactions. Prisma's are 2 s to start / 5 s to finish; for PGlite —
   * one connection, every transaction and query in line behind the open one, 2 slow cores — the
   * defaults here are 15 s to start / 10 s to finish.
   */
  transactionOptions?: { maxWait?: number; timeout?: number };
  /** Postgres pool size (default: pg's 10). */
  maxConnections?: number;
}

export interface Database {
  prisma: PrismaClient;
  kind: DatabaseKind;
  /** The Postgres URL (kind `postgres`). */
  databaseUrl?: string;
  /** The embedded instance (kind `pglite`): one connection shared by everything in this process. */
  pglite?: PGlite;
  /** What `migrate` applied, when `options.migrate` was set. */
  migrations?: MigrateResult;
  /** Disconnects Prisma and closes the pool or the PGlite instance. Safe to call twice. */
  close(): Promise<void>;
}

export const DEFAULT_PGLITE_DATA_DIR = '.data/pglite';

/** Opens the database: Postgres with a URL, otherwise embedded PGlite (DESIGN decision 8). */
export async function createDatabase(options: CreateDatabaseOptions = {}): Promise<Database> {
  const migrateOptions: MigrateOptions | undefined =
    options.migrate === true ? {} : options.migrate ? options.migrate : undefined;

  if (options.databaseUrl) {
    const { url, schema } = splitSchemaParam(options.databaseUrl);
    const migrations = migrateOptions ? await migrate({ databaseUrl: options.databaseUrl }, migrateOptions) : undefined;
    const adapter = new PrismaPg(
      { connectionString: url, ...(options.maxConnections ? { max: options.maxConnections } : {}) },
      schema ? { schema } : undefined,
    );
    const prisma = new PrismaClient({
      adapter,
      ...(options.log ? { log: options.log } : {}),
      ...(options.transactionOptions ? { transactionOptions: options.transactionOptions } : {}),
    });
    let closed: Promise<void> | undefined;
    return {
      prisma,
      kind: 'postgres',
      databaseUrl: options.databaseUrl,
      ...(migrations ? { migrations } : {}),
      close: () => (closed ??= prisma.$disconnect()),
    };
  }

  const pglite = options.pglite ?? (await openPglite(options.dataDir ?? DEFAULT_PGLITE_DATA_DIR));
  try {
    const migrations = migrateOptions ? await migrate({ pglite }, migrateOptions) : undefined;
    const prisma = new PrismaClient({
      adapter: new PrismaPGliteAdapter(pglite),
      ...(options.log ? { log: options.log } : {}),
      transactionOptions: { maxWait: 15_000, timeout: 10_000, ...options.transactionOptions },
    });
    let closed: Promise<void> | undefined;
    return {
      prisma,
      kind: 'pglite',
      pglite,
      ...(migrations ? { migrations } : {}),
      close: () =>
        (closed ??= (async () => {
          try {
            await prisma.$disconnect();
          } finally {
            if (!pglite.closed) await pglite.close();
          }
        })()),
    };
  } catch (error) {
    if (!pglite.closed) await pglite.close();
    throw error;
  }
}

/** Opens (creating if needed) a PGlite data directory; `memory://...` stays in memory. */
export async function openPglite(dataDir: string): Promise<PGlite> {
  let dir = dataDir;
  if (!/^[a-z]+:\/\//.test(dataDir)) {
    dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
  }
  return PGlite.create({ dataDir: dir });
}

/** Prisma-style `?schema=name` is not a libpq parameter: split it off for adapter-pg and the runner. */
export function splitSchemaParam(databaseUrl: string): { url: string; schema?: string } {
  const parsed = new URL(databaseUrl);
  const schema = parsed.searchParams.get('schema') ?? undefined;
  if (schema === undefined) return { url: databaseUrl };
  parsed.searchParams.delete('schema');
  return { url: parsed.toString(), schema };
}
