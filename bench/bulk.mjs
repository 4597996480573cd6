// Bulk submission: 10,000 runs submitted at once while 2 worker processes run them, and how the
// read API holds up meanwhile. Baseline: the same read load (autocannon, GET /v1/runs?limit=50)
// against the idle API with the same database, measured first in the same run.
//
//   npm run bench:bulk                (builds first; Postgres on 127.0.0.1:5432, Redis)
//   node bench/bulk.mjs --runs 10000 --procs 2 --readers 8
//
// Prints: time until every submission was answered (all queued), time until all succeeded, and the
// read latency p50/p99 and requests/s idle vs under the load.
import os from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { waitFor } from '../scripts/lib/services.mjs';
import { startApi, withBenchPlatform } from './lib/platform.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    procs: { type: 'string', default: '2' },
    readers: { type: 'string', default: '8' },
    'read-seconds': { type: 'string', default: '10' },
  },
});
const RUNS = Number(args.runs);
const PROCS = Number(args.procs);
const READERS = Number(args.readers);
const READ_SECONDS = Number(args['read-seconds']);

/** autocannon against GET /v1/runs?limit=50 for `seconds` (or until `stop` resolves). */
function readLoad(baseUrl, adminKey, seconds) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `${baseUrl}/v1/runs?limit=50`, connections: READERS, duration: seconds, headers: { authorization: `Bearer ${adminKey}` } },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

await withBenchPlatform('bulk', main);

async function main({ scratch, database, redisUrl, startChild }) {
  const { env, api, baseUrl, adminKey } = await startApi({
    redisUrl,
    databaseUrl: database.url,
    scratch,
    queuePrefix: `bulk-${process.pid}`,
    settings: { ANCHORAGE_DIAGNOSTICS: '1', ANCHORAGE_RATE_LIMIT_PER_MINUTE: '0' },
    startChild,
  });
  const rss = async () => Number(/^anchorage_api_process_resident_memory_bytes (\S+)$/m.exec(await (await fetch(`${baseUrl}/metrics`)).text())?.[1]) / 2 ** 20;
  const rssBefore = await rss();
  // Some history to list, so the read is not of an empty table.
  for (let i = 0; i < 200; i++) await api('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'noop' }, resources: { accelerator: 'gpu' } });
  const idle = await readLoad(baseUrl, adminKey, READ_SECONDS);

  startChild('worker', process.execPath, ['packages/cli/bin/anchorage.js', 'worker', '--procs', String(PROCS), '--device', 'cpu'], {
    ...env,
    ANCHORAGE_WORKER_NAME: 'bulk',
    ANCHORAGE_TF_BACKEND: 'cpu',
    ANCHORAGE_DIAGNOSTICS: '1',
  });
  await waitFor(async () => (await api('GET', '/v1/workers')).workers.filter((w) => w.connected).length === PROCS, 60_000, 'workers did not connect');

  const started = Date.now();
  let submitted = 0;
  const noop = { kind: 'diagnostic', spec: { action: 'noop' }, name: 'bulk' };
  const submitting = Promise.all(
    Array.from({ length: 16 }, async () => {
      while (submitted < RUNS) {
        submitted++;
        await api('POST', '/v1/runs', noop);
      }
    }),
  ).then(() => Date.now() - started);
  const loaded = await readLoad(baseUrl, adminKey, READ_SECONDS);
  const queuedMs = await submitting;
  await waitFor(async () => (await api('GET', '/v1/runs?status=succeeded&limit=1')).total >= RUNS, 1_800_000, 'runs did not finish');
  const doneMs = Date.now() - started;
  const rssAfter = await rss();

  console.log(`\n${RUNS} diagnostic noop runs submitted 16 at a time, ${PROCS} worker processes; reads: ${READERS} connections × ${READ_SECONDS} s of GET /v1/runs?limit=50; ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'cpu'})`);
  console.log(`all ${RUNS} queued (every POST answered): ${(queuedMs / 1000).toFixed(1)} s (${(RUNS / (queuedMs / 1000)).toFixed(0)} submissions/s)`);
  console.log(`all ${RUNS} succeeded: ${(doneMs / 1000).toFixed(1)} s (${(RUNS / (doneMs / 1000)).toFixed(0)} runs/s)`);
  console.log('| GET /v1/runs?limit=50 | p50 | p99 | requests/s | errors |');
  console.log('|---|---|---|---|---|');
  for (const [label, r] of [['idle API (baseline)', idle], ['during the bulk submission', loaded]]) {
    console.log(`| ${label} | ${r.latency.p50} ms | ${r.latency.p99} ms | ${r.requests.average.toFixed(0)} | ${r.errors + r.non2xx} |`);
  }
  console.log(`p99 ratio under load / idle: ${(loaded.latency.p99 / idle.latency.p99).toFixed(1)}×`);
  console.log(`API resident memory: ${rssBefore.toFixed(0)} MiB at start, ${rssAfter.toFixed(0)} MiB with ${RUNS + 200} runs stored and done`);
}
