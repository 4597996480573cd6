// What the benches share: a scratch database on DATABASE_URL's server, an API process on free ports
// with a small JSON client, and medians.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT } from '../../scripts/generators.mjs';
import { ensureRedis, freePort, sleep, waitFor } from '../../scripts/lib/services.mjs';

/**
 * Runs `main` with what a bench needs: a scratch folder, a fresh database, a Redis, and
 * `startChild(name, command, argv, env)` for processes that are all stopped (SIGTERM, then SIGKILL)
 * and cleaned up at the end, whatever happens. A child named `api` that exits with an error prints
 * the end of its stderr.
 */
export async function withBenchPlatform(name, main) {
  const scratch = mkdtempSync(join(tmpdir(), `anchorage-${name}-`));
  const children = new Set();
  process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));
  const startChild = (label, command, argv, env = {}) => {
    const child = spawn(command, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    const tail = [];
    child.stderr.on('data', (chunk) => tail.push(chunk.toString()) > 50 && tail.shift());
    child.on('exit', (code) => {
      children.delete(child);
      if (code && label === 'api') process.stderr.write(`api exited ${code}\n${tail.join('')}\n`);
    });
    children.add(child);
    return child;
  };
  const database = await scratchDatabase(`anchorage_${name}_${process.pid}`);
  try {
    const redisUrl = await ensureRedis({ stateDir: scratch, start: (label, argv, command) => startChild(label, command, argv) });
    return await main({ scratch, database, redisUrl, startChild, children });
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await sleep(1500);
    for (const child of children) child.kill('SIGKILL');
    await database.drop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Creates `name` on DATABASE_URL's server (default: local Postgres, user postgres, trust auth). */
export async function scratchDatabase(name) {
  const serverUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  return {
    url: Object.assign(new URL(serverUrl), { pathname: `/${name}` }).href,
    async drop() {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    },
  };
}

/**
 * Starts `apps/api/dist/main.js` through `startChild(name, command, argv, env)` and waits until it
 * is ready. `env` holds the shared settings, which the workers get too.
 */
export async function startApi({ redisUrl, databaseUrl, scratch, queuePrefix, settings = {}, startChild }) {
  const [port, grpcPort] = [await freePort(), await freePort()];
  const baseUrl = `http://127.0.0.1:${port}`;
  const adminKey = `anc_${randomBytes(32).toString('base64url')}`;
  const env = {
    // Bootstrap secrets: the benches act as the admin; workers present the worker token.
    ANCHORAGE_ADMIN_KEY: adminKey,
    ANCHORAGE_WORKER_TOKEN: `anc_${randomBytes(32).toString('base64url')}`,
    REDIS_URL: redisUrl,
    DATABASE_URL: databaseUrl,
    ANCHORAGE_PORT: String(port),
    ANCHORAGE_GRPC_PORT: String(grpcPort),
    ANCHORAGE_COORDINATOR: `127.0.0.1:${grpcPort}`,
    ANCHORAGE_QUEUE_PREFIX: queuePrefix,
    ANCHORAGE_ARTIFACTS_DIR: join(scratch, 'artifacts'),
    LOG_LEVEL: 'error',
    ...settings,
  };
  // BENCH_API_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the API process.
  const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
  startChild('api', process.execPath, [...nodeArgs, 'apps/api/dist/main.js'], env);
  await waitFor(async () => (await fetch(`${baseUrl}/readyz`)).ok, 60_000, 'the API did not become ready');
  const api = async (method, path, body, headers = {}) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await response.json();
    if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${JSON.stringify(json)}`);
    return json;
  };
  return { baseUrl, env, api, adminKey };
}

export function median(values) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
