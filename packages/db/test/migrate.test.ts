import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findMigrationsDir, listMigrations, migrate, type MigrationTarget } from '../src/index.js';
import { createPostgresTestDatabase, type PostgresTestDatabase } from '../src/testing.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const repoMigrations = join(repoRoot, 'prisma', 'migrations');
const migrationNames = readdirSync(repoMigrations, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

interface Backend {
  name: string;
  /** A fresh, empty (unmigrated) database. */
  fresh(): Promise<{ target: MigrationTarget; sql<T>(q: string, params?: unknown[]): Promise<T[]>; close(): Promise<void> }>;
}

const postgres: Backend = {
  name: 'postgres',
  async fresh() {
    const db: PostgresTestDatabase = await createPostgresTestDatabase({ migrate: false });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    return {
      target: { databaseUrl: db.url },
      sql: async <T>(q: string, params: unknown[] = []) => (await client.query(q, params)).rows as T[],
      close: async () => {
        await client.end();
        await db.drop();
      },
    };
  },
};

const pglite: Backend = {
  name: 'pglite',
  async fresh() {
    const db = await PGlite.create();
    return {
      target: { pglite: db },
      sql: async <T>(q: string, params: unknown[] = []) => (await db.query<T>(q, params)).rows,
      close: () => db.close(),
    };
  },
};

interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
  applied_steps_count: number;
  started_at: Date;
}

describe('migrations folder', () => {
  it('is found from the source tree and lists the committed migrations with Prisma checksums', () => {
    expect(findMigrationsDir()).toBe(repoMigrations);
    expect(existsSync(join(repoMigrations, 'migration_lock.toml'))).toBe(true);
    expect(readFileSync(join(repoMigrations, 'migration_lock.toml'), 'utf8')).toMatch(/provider = "postgresql"/);
    const listed = listMigrations();
    expect(listed.map((m) => m.name)).toEqual(migrationNames);
    expect(listed[0]!.name).toMatch(/^\d{14}_init$/);
    for (const m of listed) {
      const bytes = readFileSync(join(repoMigrations, m.name, 'migration.sql'));
      expect(m.checksum).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('is found from the built dist/ too', () => {
    const dist = join(repoRoot, 'packages', 'db', 'dist', 'index.js');
    if (!existsSync(dist)) return; // `npx tsc -b packages/db` builds it before the suite
    const out = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import(${JSON.stringify(dist)}).then((m) => console.log(m.findMigrationsDir()))`],
      { encoding: 'utf8', cwd: tmpdir() },
    );
    expect(out.stderr).toBe('');
    expect(out.stdout.trim()).toBe(repoMigrations);
  });
});

describe.each([postgres, pglite])('migrate() on $name', (backend) => {
  let db: Awaited<ReturnType<Backend['fresh']>>;
  beforeAll(async () => {
    db = await backend.fresh();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('applies every migration once, then is a no-op', async () => {
    const lines: string[] = [];
    const first = await migrate(db.target, { log: (l) => lines.push(l) });
    expect(first.applied).toEqual(migrationNames);
    expect(first.alreadyApplied).toEqual([]);
    expect(lines.some((l) => l.startsWith(`applied ${migrationNames[0]}`))).toBe(true);

    const tables = await db.sql<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      ['_prisma_migrations', 'api_keys', 'attempts', 'audit_events', 'checkpoints', 'families', 'log_lines', 'metric_points', 'models', 'pipelines', 'run_events', 'runs', 'stitch_results', 'sweeps', 'workers'],
    );

    const second = await migrate(db.target);
    expect(second).toEqual({ applied: [], alreadyApplied: migrationNames, modified: [], unknown: [] });
    const rows = await db.sql<MigrationRow>('SELECT * FROM _prisma_migrations ORDER BY migration_name');
    expect(rows).toHaveLength(migrationNames.length);
  });

  it("records each migration in _prisma_migrations as prisma migrate deploy does", async () => {
    const rows = await db.sql<MigrationRow>('SELECT * FROM _prisma_migrations ORDER BY migration_name');
    rows.forEach((row, i) => {
      const file = readFileSync(join(repoMigrations, migrationNames[i]!, 'migration.sql'));
      expect(row.migration_name).toBe(migrationNames[i]);
      expect(row.checksum).toBe(createHash('sha256').update(file).digest('hex'));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    });
    const columns = await db.sql<{ column_name: string; data_type: string; is_nullable: string }>(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => `${c.column_name} ${c.data_type} ${c.is_nullable}`)).toEqual([
      'id character varying NO',
      'checksum character varying NO',
      'finished_at timestamp with time zone YES',
      'migration_name character varying NO',
      'logs text YES',
      'rolled_back_at timestamp with time zone YES',
      'started_at timestamp with time zone NO',
      'applied_steps_count integer NO',
    ]);
  });

  it('reports an applied migration whose file was edited, without re-running it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchorage-migrations-'));
    try {
      cpSync(repoMigrations, dir, { recursive: true });
      const file = join(dir, migrationNames[0]!, 'migration.sql');
      writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- edited\n`);
      const warnings: string[] = [];
      const result = await migrate(db.target, { migrationsDir: dir, log: (l) => warnings.push(l) });
      expect(result.applied).toEqual([]);
      expect(result.modified).toEqual([migrationNames[0]]);
      expect(warnings.join('\n')).toMatch(/edited after it was applied/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rolls a failing migration back completely and records nothing for it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anchorage-migrations-'));
    try {
      cpSync(repoMigrations, dir, { recursive: true });
      mkdirSync(join(dir, '29991231235959_broken'));
      writeFileSync(
        join(dir, '29991231235959_broken', 'migration.sql'),
        'CREATE TABLE "half_done" ("id" INTEGER);\nALTER TABLE "runs" ADD COLUMN "x" INTEGER;\nSELECT 1/0;\n',
      );
      await expect(migrate(db.target, { migrationsDir: dir })).rejects.toThrow(
        /29991231235959_broken failed \(rolled back, nothing applied\): division by zero/,
      );
      const leftovers = await db.sql(
        `SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'
         UNION ALL SELECT 1 FROM information_schema.columns WHERE table_name = 'runs' AND column_name = 'x'`,
      );
      expect(leftovers).toEqual([]);
      const rows = await db.sql<MigrationRow>(
        `SELECT * FROM _prisma_migrations WHERE migration_name = '29991231235959_broken'`,
      );
      expect(rows).toEqual([]);
      // and the good history is still intact
      expect((await migrate(db.target)).alreadyApplied).toEqual(migrationNames);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('serializes concurrent runners: each migration is applied exactly once', async () => {
    const other = await backend.fresh();
    try {
      const results = await Promise.all([migrate(other.target), migrate(other.target), migrate(other.target)]);
      const applied = results.flatMap((r) => r.applied);
      expect(applied.sort()).toEqual(migrationNames);
      for (const r of results) expect([...r.applied, ...r.alreadyApplied].sort()).toEqual(migrationNames);
      const rows = await other.sql<MigrationRow>('SELECT * FROM _prisma_migrations');
      expect(rows).toHaveLength(migrationNames.length);
    } finally {
      await other.close();
    }
  });
});

describe('migrate() with a Prisma-style ?schema= URL', () => {
  it('migrates into that schema', async () => {
    const db = await createPostgresTestDatabase({ migrate: false });
    try {
      const result = await migrate({ databaseUrl: `${db.url}?schema=tenant_a` });
      expect(result.applied).toEqual(migrationNames);
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      try {
        const { rows } = await client.query<{ table_schema: string }>(
          `SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name IN ('runs', '_prisma_migrations')`,
        );
        expect(rows.map((r) => r.table_schema)).toEqual(['tenant_a']);
      } finally {
        await client.end();
      }
    } finally {
      await db.drop();
    }
  });
});
