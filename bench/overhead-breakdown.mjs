// Where the orchestration overhead goes (the figures under bench/overhead.mjs's table): the three
// durable calls of a run timed one at a time through the API (a fake worker speaks gRPC), next to
// cheap calls through the same stacks, the ORM's cost per query, and Postgres's cost per commit.
//
//   npm run build && node bench/overhead-breakdown.mjs [--runs 150]
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import { createDatabase, newId } from '@anchorage/db';
import { loadCoordinatorProto } from '@anchorage/proto';
import { median, startApi, withBenchPlatform } from './lib/platform.mjs';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '150' } } });
const RUNS = Number(args.runs);

async function timed(n, fn) {
  const times = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await fn(i);
    times.push(performance.now() - started);
  }
  return median(times);
}

await withBenchPlatform('breakdown', async ({ scratch, database, redisUrl, startChild }) => {
  const { env, api } = await startApi({
    redisUrl,
    databaseUrl: database.url,
    scratch,
    queuePrefix: `breakdown-${process.pid}`,
    settings: { ANCHORAGE_DIAGNOSTICS: '1', ANCHORAGE_RATE_LIMIT_PER_MINUTE: '0' },
    startChild,
  });
  const proto = loadCoordinatorProto();
  const client = new proto.anchorage.coordinator.v1.Coordinator(env.ANCHORAGE_COORDINATOR, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${env.ANCHORAGE_WORKER_TOKEN}`);
  const call = (method, request) => new Promise((resolve, reject) => client[method](request, metadata, { deadline: Date.now() + 5000 }, (e, r) => (e ? reject(e) : resolve(r))));
  const { workerId } = await call('Register', { name: 'breakdown', host: 'bench', backend: 'cpu', accelerators: [{ kind: 'gpu', model: 'none' }], capacity: 1, version: '0.1.0' });

  // A gpu run: no real worker consumes that queue, so this fake worker drives each attempt.
  const rows = { post: [], start: [], result: [] };
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    const run = await api('POST', '/v1/runs', { kind: 'diagnostic', resources: { accelerator: 'gpu' }, spec: { action: 'noop' } });
    rows.post.push(performance.now() - t);
    t = performance.now();
    const started = await call('StartAttempt', { workerId, runId: run.id, jobId: run.id, backend: 'cpu' });
    rows.start.push(performance.now() - t);
    t = performance.now();
    await call('ReportResult', { workerId, fencingToken: started.fencingToken, outcome: 'succeeded', resultJson: '{"action":"noop","durationMs":1}' });
    rows.result.push(performance.now() - t);
  }
  const getVersion = await timed(RUNS, () => call('GetVersion', {}));
  const me = await timed(RUNS, () => api('GET', '/v1/me'));
  client.close();

  // The ORM alone, on the same database: the queries a submit makes.
  const db = await createDatabase({ databaseUrl: database.url });
  const base = { kind: 'diagnostic', status: 'queued', priority: 0, owner: 'bench', admittedAt: new Date(), resourceClass: 'gpu', resources: { accelerator: 'gpu' }, spec: { action: 'noop' }, maxAttempts: 1 };
  const ids = [];
  const nested = await timed(RUNS, () => {
    const id = newId('run');
    ids.push(id);
    return db.prisma.run.create({ data: { id, ...base, queueJobId: id, events: { create: { status: 'queued', reason: 'submitted' } } } });
  });
  // What RunsRepository.create sends instead: run and event in one statement.
  const oneStatement = await timed(RUNS, () => {
    const id = newId('run');
    const now = new Date();
    return db.prisma.$queryRaw`
      WITH run AS (
        INSERT INTO runs (id, kind, status, priority, owner, admitted_at, resource_class, resources, spec, max_attempts, queue_job_id, created_at, updated_at)
        VALUES (${id}, 'diagnostic', 'queued', 0, 'bench', ${now}, 'gpu', ${JSON.stringify(base.resources)}::jsonb, ${JSON.stringify(base.spec)}::jsonb, 1, ${id}, ${now}, ${now})
        RETURNING *
      ), event AS (INSERT INTO run_events (run_id, status, reason, time) SELECT id, 'queued', 'submitted', ${now} FROM run)
      SELECT * FROM run`;
  });
  const plain = await timed(RUNS, () => {
    const id = newId('run');
    return db.prisma.run.create({ data: { id, ...base, queueJobId: id } });
  });
  const find = await timed(RUNS, (i) => db.prisma.run.findUnique({ where: { id: ids[i] } }));
  await db.close();

  // Postgres alone: a one-row insert with and without waiting for the WAL flush.
  const raw = new pg.Client({ connectionString: database.url });
  await raw.connect();
  await raw.query('CREATE TABLE breakdown_probe (x int)');
  const commitSync = await timed(RUNS, () => raw.query('INSERT INTO breakdown_probe VALUES (1)'));
  await raw.query('SET synchronous_commit = off');
  const commitAsync = await timed(RUNS, () => raw.query('INSERT INTO breakdown_probe VALUES (1)'));
  await raw.end();

  const f = (ms) => `${ms.toFixed(2)} ms`;
  console.log(`\nmedians over ${RUNS} calls each, one at a time`);
  console.log('| call | median |');
  console.log('|---|---|');
  console.log(`| POST /v1/runs (submit: run + event in one statement, audit row, enqueue) | ${f(median(rows.post))} |`);
  console.log(`| gRPC StartAttempt (attempt + run + event in one statement) | ${f(median(rows.start))} |`);
  console.log(`| gRPC ReportResult (token check, then attempt + run + event in one statement) | ${f(median(rows.result))} |`);
  console.log(`| gRPC GetVersion (worker-token check only) | ${f(getVersion)} |`);
  console.log(`| GET /v1/me (key check only) | ${f(me)} |`);
  console.log(`| Prisma: run + event nested create | ${f(nested)} |`);
  console.log(`| Prisma: run + event in one raw statement | ${f(oneStatement)} |`);
  console.log(`| Prisma: run create | ${f(plain)} |`);
  console.log(`| Prisma: run findUnique | ${f(find)} |`);
  console.log(`| Postgres: one-row INSERT, synchronous commit | ${f(commitSync)} |`);
  console.log(`| Postgres: one-row INSERT, synchronous_commit off | ${f(commitAsync)} |`);
});
