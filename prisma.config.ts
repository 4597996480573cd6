// Prisma CLI configuration (Prisma 7 reads it instead of `url` in the schema).
// `prisma generate` needs only the schema; the datasource is used by `prisma migrate status` /
// `prisma migrate deploy` on machines where Prisma's native schema engine can be downloaded.
// Here the migrations are applied by @anchorage/db's own runner (`migrate()`), which writes the same
// `_prisma_migrations` table and checksums, so both agree.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
});
