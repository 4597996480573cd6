// @anchorage/db — the database layer: Prisma client (Postgres or embedded PGlite), migration runner, ids.
// Only apps/api's repositories should use it (workers never hold database credentials).
export {
  PrismaClient,
  Prisma,
  $Enums,
  RunStatus,
  AttemptStatus,
} from './generated/prisma/client.js';
export type { Run, Attempt, MetricPoint, LogLine, Checkpoint, Model, Worker, Family, StitchResult, RunEvent, Sweep, Pipeline, ApiKey, AuditEvent } from './generated/prisma/client.js';

export {
  createDatabase,
  openPglite,
  splitSchemaParam,
  DEFAULT_PGLITE_DATA_DIR,
  type CreateDatabaseOptions,
  type Database,
  type DatabaseKind,
} from './database.js';
export {
  migrate,
  listMigrations,
  findMigrationsDir,
  migrationChecksum,
  PRISMA_MIGRATE_LOCK_KEY,
  type Migration,
  type MigrateOptions,
  type MigrateResult,
  type MigrationTarget,
} from './migrate.js';
export { PrismaPGliteAdapter } from './pglite-adapter.js';
export { newId, newUuidV7, idTime } from './ids.js';
export { isDatabaseUnavailable, isUniqueViolation } from './errors.js';
