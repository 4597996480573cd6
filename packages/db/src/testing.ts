/**
 * Test helpers (`@anchorage/db/testing`): real databases, fresh per test file, already migrated.
 *
 *   const pgdb = await createPostgresTestDatabase();          // { url, name, drop() }
 *   const db = await createDatabase({ databaseUrl: pgdb.url }); ... await db.close(); await pgdb.drop();
 *
 *   const lite = await createPgliteTestDatabase();             // { prisma, pglite, close() }
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createDatabase, type Database, type CreateDatabaseOptions } from './database.js';
import { findMigrationsDir, listMigrations, migrate } from './migrate.js';

export const DEFAULT_TEST_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

export interface PostgresTestDatabase {
  /** URL of the new, migrated database. */
  url: string;
  /** Its name (`anchorage_test_<pid>_<random>`). */
  name: string;
  /** Drops it, disconnecting anyone still connected. Safe to call twice. */
  drop(): Promise<void>;
}

export interface PostgresTestDatabaseOptions {
  /** Server/admin URL; default `TEST_DATABASE_URL` or {@link DEFAULT_TEST_DATABASE_URL}. */
  baseUrl?: string;
  /** Apply migrations (default true). */
  migrate?: boolean;
  migrationsDir?: string;
}

/** Creates a uniquely named database on the test server and migrates it. */
export async function createPostgresTestDatabase(
  options: PostgresTestDatabaseOptions = {},
): Promise<PostgresTestDatabase> {
  const baseUrl = options.baseUrl ?? process.env['TEST_DATABASE_URL'] ?? DEFAULT_TEST_DATABASE_URL;
  const name = `anchorage_test_${process.pid}_${randomBytes(5).toString('hex')}`;
  await admin(baseUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const dbUrl = url.toString();
  let dropped: Promise<void> | undefined;
  const drop = () => (dropped ??= admin(baseUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  try {
    if (options.migrate !== false) {
      await migrate({ databaseUrl: dbUrl }, options.migrationsDir ? { migrationsDir: options.migrationsDir } : {});
    }
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
  return { url: dbUrl, name, drop };
}

async function admin(baseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface PgliteTestDatabaseOptions extends Pick<CreateDatabaseOptions, 'log' | 'transactionOptions'> {
  /**
   * Unpack into this directory (so another process can open it with `createDatabase({ dataDir })`,
   * after this one is closed). Default: in memory.
   */
  dataDir?: string;
  migrationsDir?: string;
}

/**
 * A fresh, migrated embedded database: `{ prisma, pglite, kind: 'pglite', close() }`.
 *
 * Migrating a new PGlite costs seconds (initdb + DDL); loading a migrated snapshot costs ~0.4 s. The
 * snapshot (`dumpDataDir`) is made once per set of migrations and PGlite version and cached on disk
 * (`ANCHORAGE_PGLITE_SNAPSHOT_DIR`, default `<tmpdir>/anchorage-pglite-snapshots`), so every test
 * file and worker process of a run reuses it; each call then loads a private copy.
 */
export async function createPgliteTestDatabase(options: PgliteTestDatabaseOptions = {}): Promise<Database> {
  const snapshot = await migratedSnapshot(options.migrationsDir);
  if (options.dataDir) mkdirSync(resolve(options.dataDir), { recursive: true });
  const pglite = await PGlite.create({
    loadDataDir: snapshot,
    ...(options.dataDir ? { dataDir: resolve(options.dataDir) } : {}),
  });
  return createDatabase({
    pglite,
    ...(options.log ? { log: options.log } : {}),
    ...(options.transactionOptions ? { transactionOptions: options.transactionOptions } : {}),
  });
}

const snapshots = new Map<string, Promise<Blob>>();

/** The migrated-PGlite snapshot for the current migrations (memoized per process, cached on disk). */
export function migratedSnapshot(migrationsDir: string = findMigrationsDir()): Promise<Blob> {
  const migrations = listMigrations(migrationsDir);
  const key = createHash('sha256')
    .update(`pglite ${pgliteVersion()}\n`)
    .update(migrations.map((m) => `${m.name} ${m.checksum}`).join('\n'))
    .digest('hex')
    .slice(0, 24);
  let snapshot = snapshots.get(key);
  if (!snapshot) {
    snapshot = loadOrMakeSnapshot(key, migrationsDir);
    snapshots.set(key, snapshot);
    snapshot.catch(() => snapshots.delete(key));
  }
  return snapshot;
}

async function loadOrMakeSnapshot(key: string, migrationsDir: string): Promise<Blob> {
  const dir = process.env['ANCHORAGE_PGLITE_SNAPSHOT_DIR'] ?? join(tmpdir(), 'anchorage-pglite-snapshots');
  const file = join(dir, `${key}.tar`);
  if (existsSync(file)) return new Blob([readFileSync(file)]);

  const db = await PGlite.create();
  try {
    await migrate({ pglite: db }, { migrationsDir });
    const dump = await db.dumpDataDir('none');
    const bytes = Buffer.from(await dump.arrayBuffer());
    // Write-then-rename: concurrent test processes may race; each rename is atomic and equivalent.
    try {
      mkdirSync(dir, { recursive: true });
      const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.partial`;
      writeFileSync(partial, bytes);
      renameSync(partial, file);
    } catch {
      // A read-only tmpdir only costs speed.
    }
    return new Blob([bytes]);
  } finally {
    await db.close();
  }
}

function pgliteVersion(): string {
  const require = createRequire(import.meta.url);
  try {
    const entry = require.resolve('@electric-sql/pglite');
    const pkg = join(entry.slice(0, entry.lastIndexOf('/dist/')), 'package.json');
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
