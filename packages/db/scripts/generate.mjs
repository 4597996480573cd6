#!/usr/bin/env node
// Regenerates the committed Prisma client in packages/db/src/generated/prisma from prisma/schema.prisma.
// Deterministic (same schema + same Prisma version → same bytes), offline, no database:
//   node packages/db/scripts/generate.mjs            (the root `npm run gen` calls it; a drift check
//                                                    re-runs it and diffs the folder)
//   node packages/db/scripts/generate.mjs --root DIR  generates from a copy of the schema under DIR
//                                                    (DIR/packages/db/src/generated/prisma): the drift check
// `prisma generate` (Prisma 7) only needs its schema engine binary to *exist*: the download it would
// otherwise attempt is unreachable here, so PRISMA_SCHEMA_ENGINE_BINARY points at a dummy file.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const rootFlag = process.argv.indexOf('--root');
const root = rootFlag > 0 ? resolve(process.argv[rootFlag + 1]) : repo;
const output = join(root, 'packages', 'db', 'src', 'generated', 'prisma');
const require = createRequire(join(repo, 'package.json'));
const cli = join(dirname(require.resolve('prisma/package.json')), 'build', 'index.js');

const scratch = mkdtempSync(join(tmpdir(), 'anchorage-prisma-generate-'));
try {
  const dummy = join(scratch, 'schema-engine.dummy');
  writeFileSync(dummy, '');
  rmSync(output, { recursive: true, force: true }); // no stale files from removed models
  let source = ['--config', join(repo, 'prisma.config.ts')];
  if (root !== repo) {
    // The schema's `output` is relative to the schema file, so a copy generates under `root`.
    mkdirSync(join(root, 'prisma'), { recursive: true });
    copyFileSync(join(repo, 'prisma', 'schema.prisma'), join(root, 'prisma', 'schema.prisma'));
    source = ['--schema', join(root, 'prisma', 'schema.prisma')];
  }
  const result = spawnSync(process.execPath, [cli, 'generate', ...source], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    env: {
      ...process.env,
      PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY || dummy,
      PRISMA_HIDE_UPDATE_MESSAGE: '1',
      CHECKPOINT_DISABLE: '1',
    },
  });
  if (result.status !== 0) {
    process.stdout.write(result.stdout ?? '');
    console.error(`generate: prisma generate failed (exit ${result.status ?? result.signal})`);
    process.exit(1);
  }
  console.log(`generate: Prisma client written to ${output}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
