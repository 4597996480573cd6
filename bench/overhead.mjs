// Orchestration overhead: the same no-op work through raw BullMQ (the baseline: Queue.add → a
// Worker's processor) and through Anchorage (POST /v1/runs of a `diagnostic` noop → a worker →
// StartAttempt → ReportResult recorded in Postgres → `succeeded` visible over the API), with 1, 2
// and 4 worker processes, in the same run.
//
//   npm run bench:overhead            (builds first; Postgres on 127.0.0.1:5432, Redis)
//   node bench/overhead.mjs --latency-jobs 200 --throughput-jobs 1000 --procs 1,2,4
//
// Latency: jobs submitted one at a time, 25 ms apart (an idle system), submit→start per job —
// raw: job.processedOn - job.timestamp; Anchorage: the run's startedAt (set when the worker's
// StartAttempt is accepted) - the time just before the POST. Throughput: a burst of jobs submitted
// as fast as the client can, timed from the first submit to the last one finished (raw: the last
// finishedOn; Anchorage: the API reporting every run succeeded).
import { fork } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Queue } from 'bullmq';
import { ROOT } from '../scripts/generators.mjs';
import { sleep, waitFor } from '../scripts/lib/services.mjs';
import { median, startApi, withBenchPlatform } from './lib/platform.mjs';

const { values: args } = parseArgs({
  options: {
    'latency-jobs': { type: 'string', default: '200' },
    'throughput-jobs': { type: 'string', default: '1000' },
    procs: { type: 'string', default: '1,2,4' },
  },
});
const LATENCY_JOBS = Number(args['latency-jobs']);
const THROUGHPUT_JOBS = Number(args['throughput-jobs']);
const PROCS = args.procs.split(',').map(Number);
const GAP_MS = 25;

/** Polls every `everyMs` (waitFor's 250 ms would make the latency phases crawl). */
async function until(check, timeoutMs, message, everyMs = 10) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(everyMs);
  }
  throw new Error(message);
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

/** The harness's process starter and the set it stops at the end (raw workers are forked into it). */
let startChild;
let children;

await withBenchPlatform('overhead', main);

async function main({ scratch, database, redisUrl, startChild: start, children: running }) {
  startChild = start;
  children = running;
  const { env, api } = await startApi({
    redisUrl,
    databaseUrl: database.url,
    scratch,
    queuePrefix: `overhead-${process.pid}`,
    settings: { ANCHORAGE_DIAGNOSTICS: '1', ANCHORAGE_RATE_LIMIT_PER_MINUTE: '0' },
    startChild,
  });
  const rows = [];
  for (const procs of PROCS) {
    rows.push({ system: 'raw BullMQ', procs, ...(await raw(redisUrl, procs)) });
    rows.push({ system: 'Anchorage', procs, ...(await anchorage(env, api, procs)) });
    console.log(`--procs ${procs}: raw p50 ${rows.at(-2).p50.toFixed(1)} ms, ${rows.at(-2).rate.toFixed(0)}/s; anchorage p50 ${rows.at(-1).p50.toFixed(1)} ms, ${rows.at(-1).rate.toFixed(1)}/s`);
  }

  console.log(`\nno-op jobs; latency: ${LATENCY_JOBS} jobs ${GAP_MS} ms apart; throughput: a burst of ${THROUGHPUT_JOBS}; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'})`);
  console.log('| worker processes | system | submit→start p50 | p99 | runs/s | Anchorage / raw |');
  console.log('|---|---|---|---|---|---|');
  for (const procs of PROCS) {
    const [r, a] = rows.filter((x) => x.procs === procs);
    for (const x of [r, a]) {
      const vs = x === a ? `p50 ${(a.p50 / r.p50).toFixed(1)}× (+${(a.p50 - r.p50).toFixed(1)} ms); throughput ${((100 * a.rate) / r.rate).toFixed(1)}%` : 'baseline';
      console.log(`| ${procs} | ${x.system} | ${x.p50.toFixed(1)} ms | ${x.p99.toFixed(1)} ms | ${x.rate.toFixed(1)} | ${vs} |`);
    }
  }
}

/** Raw BullMQ: `procs` processes with a no-op Worker; latency then throughput. */
async function raw(redisUrl, procs) {
  const prefix = `raw-${process.pid}-${procs}`;
  const name = 'raw-noop';
  const queue = new Queue(name, { connection: { url: redisUrl }, prefix });
  const workers = [];
  for (let i = 0; i < procs; i++) {
    const child = fork(join(ROOT, 'bench/lib/raw-bullmq-worker.mjs'), { env: { ...process.env, REDIS_URL: redisUrl, RAW_PREFIX: prefix, RAW_QUEUE: name }, stdio: 'ignore' });
    children.add(child);
    await new Promise((resolve) => child.once('message', resolve));
    workers.push(child);
  }
  const latencies = [];
  for (let i = 0; i < LATENCY_JOBS; i++) {
    const job = await queue.add('noop', { i }, { removeOnComplete: false });
    await until(async () => (await queue.getJob(job.id))?.processedOn !== undefined, 10_000, 'raw job did not start');
    const done = await queue.getJob(job.id);
    latencies.push(done.processedOn - done.timestamp);
    await sleep(GAP_MS);
  }
  const started = Date.now();
  const jobs = await queue.addBulk(Array.from({ length: THROUGHPUT_JOBS }, (_, i) => ({ name: 'noop', data: { i }, opts: { removeOnComplete: false } })));
  await waitFor(async () => (await queue.getJobCounts('completed')).completed >= LATENCY_JOBS + THROUGHPUT_JOBS, 300_000, 'raw burst did not finish');
  const last = Math.max(...(await Promise.all(jobs.map(async (j) => (await queue.getJob(j.id)).finishedOn))));
  for (const w of workers) w.kill('SIGTERM');
  await queue.obliterate({ force: true });
  await queue.close();
  return { p50: median(latencies), p99: pct(latencies, 99), rate: THROUGHPUT_JOBS / ((last - started) / 1000) };
}

/** Anchorage: `anchorage worker --procs N` running diagnostic noops; latency then throughput. */
async function anchorage(env, api, procs) {
  const name = `overhead-p${procs}`;
  const cli = startChild('worker', process.execPath, ['packages/cli/bin/anchorage.js', 'worker', '--procs', String(procs), '--device', 'cpu'], {
    ...env,
    ANCHORAGE_WORKER_NAME: name,
    ANCHORAGE_TF_BACKEND: 'cpu',
    ANCHORAGE_DIAGNOSTICS: '1',
  });
  await waitFor(async () => (await api('GET', '/v1/workers')).workers.filter((w) => w.connected && w.name.startsWith(`${name}-`)).length === procs, 60_000, 'workers did not connect');
  const noop = { kind: 'diagnostic', spec: { action: 'noop' }, name };
  const latencies = [];
  for (let i = 0; i < LATENCY_JOBS; i++) {
    const before = Date.now();
    const run = await api('POST', '/v1/runs', noop);
    let current = run;
    await until(async () => (current = await api('GET', `/v1/runs/${run.id}`)).startedAt !== null, 10_000, 'run did not start');
    latencies.push(Date.parse(current.startedAt) - before);
    await until(async () => (await api('GET', `/v1/runs/${run.id}`)).status === 'succeeded', 10_000, 'run did not finish');
    await sleep(GAP_MS);
  }
  const before = await api('GET', '/v1/runs?status=succeeded&limit=1');
  const started = Date.now();
  let submitted = 0;
  // As fast as the client can: 16 submissions in flight.
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (submitted < THROUGHPUT_JOBS) {
        submitted++;
        await api('POST', '/v1/runs', noop);
      }
    }),
  );
  await waitFor(async () => (await api('GET', '/v1/runs?status=succeeded&limit=1')).total >= before.total + THROUGHPUT_JOBS, 600_000, 'anchorage burst did not finish');
  const seconds = (Date.now() - started) / 1000;
  const exited = new Promise((resolve) => cli.once('exit', resolve));
  cli.kill('SIGTERM');
  await exited;
  return { p50: median(latencies), p99: pct(latencies, 99), rate: THROUGHPUT_JOBS / seconds };
}
