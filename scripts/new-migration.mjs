#!/usr/bin/env node
// Writes the next SQL migration for prisma/schema.prisma, fully offline (dev tool).
//
//   node scripts/new-migration.mjs <name>     writes prisma/migrations/<UTC timestamp>_<name>/migration.sql
//   node scripts/new-migration.mjs --check    exit 0 when the migrations already match the schema, 1 (and
//                                             the missing SQL on stdout) when they do not; writes nothing
//
// Why not `prisma migrate dev`: Prisma 7's CLI downloads its native schema engine at run time, and that
// host is unreachable here. Prisma 6.19 ships the same schema engine as WebAssembly, driven through a
// driver adapter, so this script:
//   1. installs prisma@6.19 into a cache folder OUTSIDE the repo when missing
//      ($ANCHORAGE_PRISMA6_DIR, default ~/.cache/anchorage-prisma6; the repo's package.json is untouched);
//   2. writes a Prisma-6-flavoured copy of the schema (generator `prisma-client-js`, `url = env(...)`)
//      and a prisma.config.ts (`engine: 'js'`) whose driver adapter is an in-memory PGlite — so no
//      database server is needed or touched;
//   3. runs `prisma migrate diff --from-migrations prisma/migrations --to-schema-datamodel <copy> --script`.
//      The "old" schema is therefore the migration HISTORY itself: the schema engine replays every
//      committed migration.sql into a throw-away PGlite shadow database and diffs it against the
//      current schema — exactly what `prisma migrate dev` does, independent of git state, and it
//      also surfaces hand edits to old migrations. With no migrations yet it uses `--from-empty`.
//   4. refuses (exit 1) when there is no change; otherwise writes the new folder (and
//      migration_lock.toml if missing). Apply it with @anchorage/db's `migrate()` (the app does at start).
// Environment: both PRISMA_QUERY_ENGINE_LIBRARY and PRISMA_SCHEMA_ENGINE_BINARY must point at an
// existing file for Prisma to skip its engine download; a dummy file is created for that.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PRISMA6 = '6.19';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const schemaPath = join(root, 'prisma', 'schema.prisma');
const migrationsDir = join(root, 'prisma', 'migrations');
const cacheDir = process.env.ANCHORAGE_PRISMA6_DIR || join(homedir(), '.cache', 'anchorage-prisma6');

function fail(message, code = 1) {
  console.error(`new-migration: ${message}`);
  process.exit(code);
}

const args = process.argv.slice(2);
const check = args.includes('--check');
const rawName = args.find((a) => !a.startsWith('--'));
if (!check && !rawName) fail('usage: node scripts/new-migration.mjs <name> | --check', 2);
const name = rawName
  ?.trim()
  .toLowerCase()
  .replace(/[^a-z0-9]+/g, '_')
  .replace(/^_+|_+$/g, '');
if (!check && !name) fail(`invalid migration name ${JSON.stringify(rawName)}`, 2);

// 1. Prisma 6.19 in the cache folder.
const prismaPkg = join(cacheDir, 'node_modules', 'prisma', 'package.json');
const installed = existsSync(prismaPkg) ? JSON.parse(readFileSync(prismaPkg, 'utf8')).version : null;
if (!installed?.startsWith(`${PRISMA6}.`)) {
  console.error(`new-migration: installing prisma@${PRISMA6} into ${cacheDir} (one time)`);
  mkdirSync(cacheDir, { recursive: true });
  if (!existsSync(join(cacheDir, 'package.json'))) {
    writeFileSync(join(cacheDir, 'package.json'), '{ "name": "anchorage-prisma6-cache", "private": true }\n');
  }
  const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', `prisma@${PRISMA6}`], {
    cwd: cacheDir,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (npm.status !== 0) fail(`npm install prisma@${PRISMA6} failed in ${cacheDir}`);
}
const prismaCli = join(cacheDir, 'node_modules', 'prisma', 'build', 'index.js');

// PGlite and its Prisma adapter come from the repo's own dependencies (packages/db).
const dbRequire = createRequire(join(root, 'packages', 'db', 'package.json'));
const pgliteUrl = pathToFileURL(dbRequire.resolve('@electric-sql/pglite')).href;
const adapterUrl = pathToFileURL(dbRequire.resolve('pglite-prisma-adapter')).href;

// 2. Scratch folder with the Prisma 6 schema copy and config.
// (inside the cache folder, so that the config's `import 'prisma/config'` resolves)
const work = mkdtempSync(join(cacheDir, 'work-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
{
  const schema = readFileSync(schemaPath, 'utf8')
    .replace(/generator\s+\w+\s*\{[^}]*\}/, 'generator client {\n  provider = "prisma-client-js"\n}')
    .replace(/(datasource\s+\w+\s*\{[^}]*provider\s*=\s*"postgresql")/, '$1\n  url      = env("DATABASE_URL")');
  writeFileSync(join(work, 'schema.prisma'), schema);
  writeFileSync(join(work, 'engine.dummy'), '');
  writeFileSync(
    join(work, 'prisma.config.ts'),
    `// generated by scripts/new-migration.mjs
import { defineConfig } from 'prisma/config';
import { PGlite } from ${JSON.stringify(pgliteUrl)};
import { PrismaPGlite } from ${JSON.stringify(adapterUrl)};

// pglite-prisma-adapter sends every executeRaw through the extended protocol, which refuses the
// multi-statement scripts the schema engine applies to the shadow database: send those as scripts.
async function connect(): Promise<any> {
  const db = new PGlite();
  const adapter: any = await new PrismaPGlite(db).connect();
  const executeRaw = adapter.executeRaw.bind(adapter);
  adapter.executeRaw = async (q: any) => (q.args.length === 0 ? (await db.exec(q.sql), 0) : executeRaw(q));
  adapter.executeScript = async (sql: string) => { await db.exec(sql); };
  adapter.dispose = async () => { await db.close(); };
  return adapter;
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: 'schema.prisma',
  async adapter() {
    return { provider: 'postgres', adapterName: 'pglite-offline', connect, connectToShadowDb: connect } as any;
  },
});
`,
  );

  // 3. The diff.
  const hasMigrations =
    existsSync(migrationsDir) &&
    readdirSync(migrationsDir, { withFileTypes: true }).some(
      (e) => e.isDirectory() && existsSync(join(migrationsDir, e.name, 'migration.sql')),
    );
  const from = hasMigrations ? ['--from-migrations', migrationsDir] : ['--from-empty'];
  const dummy = join(work, 'engine.dummy');
  const diff = spawnSync(
    process.execPath,
    [prismaCli, 'migrate', 'diff', '--config', join(work, 'prisma.config.ts'), ...from,
      '--to-schema-datamodel', join(work, 'schema.prisma'), '--script', '--exit-code'],
    {
      cwd: work,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...process.env,
        DATABASE_URL: 'postgresql://offline@localhost.invalid/offline',
        PRISMA_QUERY_ENGINE_LIBRARY: dummy,
        PRISMA_SCHEMA_ENGINE_BINARY: dummy,
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
        CHECKPOINT_DISABLE: '1',
      },
    },
  );
  if (diff.status === 0) {
    if (check) {
      console.error('new-migration: prisma/migrations matches prisma/schema.prisma');
      process.exit(0);
    }
    fail('no changes: prisma/schema.prisma already matches prisma/migrations (nothing written)');
  }
  if (diff.status !== 2) {
    process.stderr.write(diff.stderr ?? '');
    process.stderr.write(diff.stdout ?? '');
    fail(`prisma migrate diff failed (exit ${diff.status ?? diff.signal})`);
  }
  const sql = diff.stdout.endsWith('\n') ? diff.stdout : `${diff.stdout}\n`;
  if (check) {
    process.stdout.write(sql);
    fail('prisma/schema.prisma has changes that no migration captures; run: node scripts/new-migration.mjs <name>');
  }

  // 4. The new folder, after the newest existing one.
  const existing = existsSync(migrationsDir)
    ? readdirSync(migrationsDir).filter((d) => /^\d{14}_/.test(d)).sort()
    : [];
  const last = existing.at(-1)?.slice(0, 14) ?? '0';
  let stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  if (stamp <= last) stamp = String(BigInt(last) + 1n);
  const folder = join(migrationsDir, `${stamp}_${name}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'migration.sql'), sql);
  const lock = join(migrationsDir, 'migration_lock.toml');
  if (!existsSync(lock)) {
    writeFileSync(
      lock,
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
  }
  console.log(`new-migration: wrote prisma/migrations/${stamp}_${name}/migration.sql`);
  console.log(sql);
}
