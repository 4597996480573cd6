// Soak: many `diagnostic` runs with random failures while a random busy worker is killed with
// SIGKILL every few seconds (a supervisor starts a replacement). Afterwards every submitted run must
// be terminal with exactly one terminal status event and at most one succeeded attempt, and each
// run must end as its plan says (a run planned to succeed succeeds, a deterministic failure fails).
// Also reports, from the attempts table, how long after each kill the attempt the worker held was
// declared lost, and when its run's next attempt started.
//
//   npm run bench:soak                                       (builds first; Postgres on 127.0.0.1:5432)
//   node bench/soak.mjs --runs 1000 --workers 3 --kill-every 20 --deadline-ms 10000
//
// Uses a fresh database `anchorage_soak_<pid>` on DATABASE_URL's server (default: local Postgres,
// user postgres, trust auth) and drops it at the end. Exit status 1 when any check fails.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { ROOT } from '../scripts/generators.mjs';
import { ensureRedis, sleep, waitFor } from '../scripts/lib/services.mjs';
import { median, scratchDatabase, startApi } from './lib/platform.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '1000' },
    workers: { type: 'string', default: '3' },
    'kill-every': { type: 'string', default: '20' },
    'deadline-ms': { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
  },
});
const RUNS = Number(args.runs);
const WORKERS = Number(args.workers);
const KILL_EVERY_MS = Number(args['kill-every']) * 1000;
const DEADLINE_MS = Number(args['deadline-ms']);
const TERMINAL = ['succeeded', 'failed', 'cancelled'];

// A small seeded PRNG, so a soak can be replayed with the same plan and kill choices.
let state = Number(args.seed) >>> 0 || 1;
const random = () => ((state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);

const scratch = mkdtempSync(join(tmpdir(), 'anchorage-soak-'));
const children = new Set();
let stopping = false;
process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));

const database = await scratchDatabase(`anchorage_soak_${process.pid}`);
try {
  process.exitCode = await main();
} finally {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await sleep(1500);
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await database.drop();
  rmSync(scratch, { recursive: true, force: true });
}

async function main() {
  const redisUrl = await ensureRedis({ stateDir: scratch, start: (name, argv, command) => startChild(name, command, argv) });
  const { env, api } = await startApi({
    redisUrl,
    databaseUrl: database.url,
    scratch,
    queuePrefix: `soak-${process.pid}`,
    settings: { ANCHORAGE_DIAGNOSTICS: '1', ANCHORAGE_WORKER_DEADLINE_MS: String(DEADLINE_MS), ANCHORAGE_RETRY_BASE_MS: '500' },
    startChild,
  });

  // Workers under a supervisor: whatever ends (killed, crashed) is replaced after a second.
  const live = new Set();
  const startWorker = () => {
    const child = startChild('worker', process.execPath, ['apps/worker/dist/main.js'], env, () => {
      live.delete(child);
      if (!stopping) setTimeout(startWorker, 1000);
    });
    live.add(child);
  };
  for (let i = 0; i < WORKERS; i++) startWorker();
  await waitFor(async () => (await api('GET', '/v1/workers')).workers.filter((w) => w.connected).length >= WORKERS, 60_000, 'workers did not register');

  // The plan: 85% sleep and must succeed (through any number of kills); 10% fail retryably on every
  // attempt and must end failed after their two attempts; 5% fail deterministically at once.
  const plans = Array.from({ length: RUNS }, (_, i) => {
    const r = random();
    if (r < 0.1) return { i, expect: 'failed', body: { kind: 'diagnostic', name: `soak ${i} retryable failure`, maxAttempts: 2, spec: { action: 'fail', retryable: true, message: 'flaky' } } };
    if (r < 0.15) return { i, expect: 'failed', body: { kind: 'diagnostic', name: `soak ${i} failure`, spec: { action: 'fail', message: 'broken' } } };
    const durationMs = 50 + Math.floor(random() * 450);
    return { i, expect: 'succeeded', body: { kind: 'diagnostic', name: `soak ${i}`, maxAttempts: 10, spec: { action: 'sleep', durationMs, steps: 1 + Math.floor(random() * 4) } } };
  });

  const started = Date.now();
  const ids = new Map();
  const submitting = (async () => {
    for (const plan of plans) {
      // The Idempotency-Key makes a resubmission after a lost answer return the same run.
      const run = await api('POST', '/v1/runs', plan.body, { 'idempotency-key': `soak-${process.pid}-${plan.i}` });
      ids.set(run.id, plan);
    }
  })();

  // The killer: every KILL_EVERY_MS, SIGKILL a worker that holds a run.
  const kills = [];
  const killer = (async () => {
    for (;;) {
      await sleep(KILL_EVERY_MS);
      if (stopping || (await countTerminal(api)) >= RUNS) return;
      const busy = (await api('GET', '/v1/workers')).workers.filter((w) => w.connected && w.currentRunId);
      if (!busy.length) continue;
      const victim = busy[Math.floor(random() * busy.length)];
      const child = [...live].find((c) => c.workerName === victim.name);
      if (!child) continue;
      child.kill('SIGKILL');
      kills.push({ workerId: victim.id, at: Date.now() });
    }
  })();

  await submitting;
  await waitFor(async () => (await countTerminal(api)) >= RUNS, 30 * 60_000, 'not every run ended within 30 minutes');
  const wallMs = Date.now() - started;
  stopping = true;
  await killer;

  // Checks, straight from the database.
  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  const q = async (sql) => (await db.query(sql)).rows;
  const [{ n: stored }] = await q('SELECT count(*)::int AS n FROM runs');
  const [{ n: terminal }] = await q(`SELECT count(*)::int AS n FROM runs WHERE status IN ('succeeded', 'failed', 'cancelled')`);
  const duplicateTerminal = await q(`SELECT run_id FROM run_events WHERE status IN ('succeeded', 'failed', 'cancelled') GROUP BY run_id HAVING count(*) > 1`);
  const doubleSuccess = await q(`SELECT run_id FROM attempts WHERE status = 'succeeded' GROUP BY run_id HAVING count(*) > 1`);
  const outcomes = await q('SELECT id, status FROM runs');
  // Each attempt a killed worker lost: when it was declared lost, and when its run's next attempt began.
  const lost = await q(`
    SELECT a.worker_id AS "workerId", a.ended_at AS "lostAt", next.started_at AS "nextAt"
    FROM attempts a LEFT JOIN attempts next ON next.run_id = a.run_id AND next.number = a.number + 1
    WHERE a.status = 'lost'`);
  await db.end();
  const killedAt = new Map(kills.map((k) => [k.workerId, k.at]));
  const measured = lost.filter((l) => killedAt.has(l.workerId));
  const detected = measured.map((l) => l.lostAt.getTime() - killedAt.get(l.workerId));
  const resumed = measured.filter((l) => l.nextAt).map((l) => l.nextAt.getTime() - killedAt.get(l.workerId));
  const wrongOutcome = outcomes.filter((r) => ids.get(r.id)?.expect !== r.status);

  const checks = [
    ['runs submitted', RUNS, RUNS],
    ['runs stored', stored, RUNS],
    ['runs terminal', terminal, RUNS],
    ['runs with more than one terminal status event', duplicateTerminal.length, 0],
    ['runs with more than one succeeded attempt', doubleSuccess.length, 0],
    ['runs that ended other than planned', wrongOutcome.length, 0],
  ];
  console.log(`\nsoak: ${RUNS} diagnostic runs, ${WORKERS} worker processes, a busy worker killed (SIGKILL) every ${KILL_EVERY_MS / 1000} s, heartbeat deadline ${DEADLINE_MS / 1000} s\n`);
  console.log('| check | found | expected |');
  console.log('|---|---|---|');
  for (const [what, found, expected] of checks) console.log(`| ${what} | ${found} | ${expected} |`);
  console.log(`\n| figure | value |\n|---|---|`);
  console.log(`| wall time | ${(wallMs / 1000).toFixed(0)} s (${(RUNS / (wallMs / 1000)).toFixed(1)} runs/s) |`);
  console.log(`| workers killed | ${kills.length} (attempts they held, taken back: ${measured.length}) |`);
  console.log(`| kill → its attempt declared lost (worker dead) | median ${fmt(median(detected))}, max ${fmt(Math.max(...detected))} |`);
  console.log(`| kill → the run's next attempt started elsewhere | median ${fmt(median(resumed))}, max ${fmt(Math.max(...resumed))} |`);
  const ok = checks.every(([, found, expected]) => found === expected);
  console.log(ok ? '\nall checks passed' : '\nCHECKS FAILED');
  if (!ok && wrongOutcome.length) console.log('wrong outcomes:', wrongOutcome.slice(0, 10));
  return ok ? 0 : 1;
}

async function countTerminal(api) {
  let n = 0;
  for (const status of TERMINAL) n += (await api('GET', `/v1/runs?status=${status}&limit=1`)).total;
  return n;
}

function startChild(name, command, argv, env = {}, onExit) {
  const workerName = name === 'worker' ? `soak-worker-${Math.random().toString(36).slice(2, 8)}` : undefined;
  const child = spawn(command, argv, {
    cwd: ROOT,
    env: { ...process.env, ...env, ...(workerName ? { ANCHORAGE_WORKER_NAME: workerName } : {}) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.workerName = workerName;
  children.add(child);
  child.on('exit', () => {
    children.delete(child);
    onExit?.();
  });
  return child;
}

function fmt(ms) {
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a';
}
