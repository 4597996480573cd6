// How fast the dashboard opens on a big database: 10,000 runs and one run with a 100,000-point
// metric series holding a single-step spike. Seeds an embedded PGlite database (or DATABASE_URL),
// starts the real API serving the built dashboard, and loads the runs page and the run page in
// headless Chromium (a fresh browser context, so a cold cache, each time). Prints median and worst
// load times against the 2 s target, next to two baselines measured in the same run: the API
// requests those pages make, fetched from Node, and the whole raw series (what a dashboard without
// server-side downsampling would have to fetch). Checks that the spike survives downsampling.
// The API gets a random bootstrap admin key (ANCHORAGE_ADMIN_KEY): the Node fetches send it, and each
// browser context starts signed in with it (in the tab's sessionStorage, where the dashboard's sign-in
// puts it), so a load includes the dashboard's GET /v1/me.
//
//   npm run bench:dashboard            (builds first)
//   node bench/dashboard-load.mjs --runs 10000 --points 100000 --repeat 7
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../scripts/generators.mjs';
import { launchChromium } from '../scripts/lib/chromium.mjs';
import { ensureRedis, freePort, waitFor } from '../scripts/lib/services.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    points: { type: 'string', default: '100000' },
    repeat: { type: 'string', default: '7' },
  },
});
const RUNS = Number(args.runs);
const POINTS = Number(args.points);
const REPEAT = Number(args.repeat);
const TARGET_MS = 2000;
const SPIKE = { step: Math.floor(POINTS * 0.618), value: 25 };
const ADMIN_KEY = `anc_${randomBytes(32).toString('base64url')}`;
const AUTH = { authorization: `Bearer ${ADMIN_KEY}` };
/** Where the dashboard keeps the signed-in key (apps/web/src/api.ts). */
const KEY_STORAGE = 'anchorage.apiKey';

for (const file of ['apps/api/dist/main.js', 'apps/web/dist/index.html', 'packages/db/dist/index.js']) {
  if (!existsSync(join(ROOT, file))) {
    console.error(`${file} is missing: run npm run build first (or npm run bench:dashboard)`);
    process.exit(3);
  }
}

const children = [];
process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));
const scratch = mkdtempSync(join(tmpdir(), 'anchorage-bench-dashboard-'));
const dataDir = join(scratch, 'data');

try {
  await main();
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(scratch, { recursive: true, force: true });
}

async function main() {
  const database = process.env.DATABASE_URL ? 'Postgres (DATABASE_URL; its runs table is added to)' : 'embedded PGlite';
  console.log(`seeding ${RUNS.toLocaleString('en')} runs and a ${POINTS.toLocaleString('en')}-point series into ${database}…`);
  const seeded = await seed();
  console.log(`  seeded in ${(seeded.ms / 1000).toFixed(1)} s`);

  const redisUrl = await ensureRedis({ stateDir: scratch, start: (name, argv, command) => startChild(name, command, argv) });
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  startChild('api', process.execPath, ['apps/api/dist/main.js'], {
    REDIS_URL: redisUrl,
    ANCHORAGE_PORT: String(port),
    ANCHORAGE_GRPC_PORT: String(await freePort()),
    ANCHORAGE_DATA_DIR: dataDir,
    ANCHORAGE_QUEUE_PREFIX: `bench-dashboard-${process.pid}`,
    ANCHORAGE_RECONCILE_INTERVAL_MS: '0',
    ANCHORAGE_ADMIN_KEY: ADMIN_KEY,
    LOG_LEVEL: 'warn',
  });
  await waitFor(async () => (await fetch(`${baseUrl}/readyz`)).ok, 120_000, 'the API did not become ready');

  const runsUrl = `${baseUrl}/#/runs`;
  const runUrl = `${baseUrl}/#/runs/${seeded.longRunId}`;
  const browser = await launchChromium();
  try {
    // One warm-up each (the API's first queries compile and cache plans), then the timed loads.
    await loadPage(browser, runsUrl);
    await loadPage(browser, runUrl, '[data-testid="chart-train/loss"] canvas');
    const runsPage = [];
    const runPage = [];
    const floor = [];
    let spikeSeen = true;
    const timings = [];
    for (let i = 0; i < REPEAT; i++) {
      floor.push((await loadPage(browser, `${baseUrl}/healthz`, 'body')).ms);
      const runs = await loadPage(browser, runsUrl);
      runsPage.push(runs.ms);
      timings.push(runs.timing);
      const run = await loadPage(browser, runUrl, '[data-testid="chart-train/loss"] canvas');
      runPage.push(run.ms);
      spikeSeen &&= run.spikeSeen;
    }

    const apiRuns = await timeFetches(`${baseUrl}/v1/runs?limit=50`);
    const apiSeries = await timeFetches(`${baseUrl}/v1/runs/${seeded.longRunId}/metrics?maxPoints=1000`);
    const rawSeries = await timeFetches(`${baseUrl}/v1/runs/${seeded.longRunId}/metrics`, 3);

    if (process.env.BENCH_VERBOSE) console.log(JSON.stringify(timings, null, 1));
    console.log(`\nmedian of ${REPEAT} cold loads in headless Chromium, each in a fresh browser context (from navigation until the runs table, or the loss curve, is drawn):\n`);
    console.log('| page | median | worst | target | browser floor: fresh context + /healthz | its API requests from Node |');
    console.log('|---|---|---|---|---|---|');
    console.log(row(`runs page (${RUNS.toLocaleString('en')} runs, 50 per page)`, runsPage, floor, apiRuns));
    console.log(row(`run page (${POINTS.toLocaleString('en')}-point series, 1,000 buckets)`, runPage, floor, apiSeries));
    console.log(`\nraw ${POINTS.toLocaleString('en')}-point series without downsampling (what the run page avoids): median ${ms(median(rawSeries.times))} for ${(rawSeries.bytes / 1e6).toFixed(1)} MB vs ${ms(median(apiSeries.times))} for ${(apiSeries.bytes / 1e3).toFixed(0)} kB downsampled (${(median(rawSeries.times) / median(apiSeries.times)).toFixed(1)}×)`);
    console.log(`single-step spike (step ${SPIKE.step}, value ${SPIKE.value}) in the series the run page drew: ${spikeSeen ? 'yes' : 'NO'}`);
    const ok = median(runsPage) < TARGET_MS && median(runPage) < TARGET_MS && spikeSeen;
    console.log(ok ? '\nboth pages load under 2 s and the spike survives' : '\nTARGET MISSED');
    process.exitCode = ok ? 0 : 1;
  } finally {
    await browser.close();
  }
}

/** Writes the runs straight through Prisma (the API is not up yet), in batches. */
async function seed() {
  const started = Date.now();
  const { createDatabase, newId } = await import(join(ROOT, 'packages/db/dist/index.js'));
  const db = await createDatabase({ databaseUrl: process.env.DATABASE_URL, dataDir, migrate: {} });
  const kinds = ['train', 'stitch', 'evaluate', 'diagnostic'];
  const statuses = ['succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled', 'running', 'queued'];
  const t0 = Date.now() - RUNS * 60_000;
  try {
    for (let i = 0; i < RUNS; i += 1000) {
      const batch = [];
      for (let j = i; j < Math.min(RUNS, i + 1000); j++) {
        const kind = kinds[j % kinds.length];
        const status = statuses[j % statuses.length];
        const created = new Date(t0 + j * 60_000);
        const ended = ['succeeded', 'failed', 'cancelled'].includes(status);
        batch.push({
          id: newId('run'),
          kind,
          name: `${kind} run ${j}`,
          status,
          resourceClass: 'any',
          resources: { accelerator: 'any' },
          spec: { seeded: true, index: j },
          progress: ended ? 1 : status === 'running' ? 0.5 : 0,
          backend: status === 'queued' ? null : 'wasm',
          keyMetricName: status === 'queued' ? null : 'test/accuracy',
          keyMetricValue: status === 'queued' ? null : 0.9 + (j % 100) / 1000,
          createdAt: created,
          startedAt: status === 'queued' ? null : new Date(created.getTime() + 1000),
          endedAt: ended ? new Date(created.getTime() + 50_000) : null,
        });
      }
      await db.prisma.run.createMany({ data: batch });
    }
    const longRunId = newId('run');
    await db.prisma.run.create({
      data: { id: longRunId, kind: 'train', name: 'bench: 100k-step curve', status: 'succeeded', resourceClass: 'any', resources: {}, spec: { steps: POINTS }, progress: 1, backend: 'wasm', startedAt: new Date(Date.now() - 3_600_000), endedAt: new Date() },
    });
    for (let i = 0; i < POINTS; i += 5000) {
      const points = [];
      for (let step = i + 1; step <= Math.min(POINTS, i + 5000); step++) {
        const value = step === SPIKE.step ? SPIKE.value : 2.3 * Math.exp(-step / (POINTS / 5)) + 0.05 * Math.sin(step / 50) + 0.1;
        points.push({ runId: longRunId, attemptNumber: 1, name: 'train/loss', step, value, time: new Date(t0 + step * 10) });
      }
      await db.prisma.metricPoint.createMany({ data: points });
    }
    return { ms: Date.now() - started, longRunId };
  } finally {
    await db.close();
  }
}

/** Opens `url` in a fresh context and waits until the page marks its data drawn (or `selector` exists). */
async function loadPage(browser, url, selector) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  // Signed in before the app loads, as the dashboard's sign-in page would leave the tab.
  await context.addInitScript((arg) => globalThis.sessionStorage.setItem(arg.storageKey, arg.key), { storageKey: KEY_STORAGE, key: ADMIN_KEY });
  const page = await context.newPage();
  let spikeSeen = false;
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  const reads = [];
  page.on('response', (response) => {
    if (!response.url().includes('/metrics')) return;
    reads.push(
      response
        .json()
        .then((body) => {
          const series = body?.metrics?.find((m) => m.name === 'train/loss');
          if (series?.points.some((p) => (p.max ?? p.value) === SPIKE.value)) spikeSeen = true;
        })
        .catch(() => undefined),
    );
  });
  try {
    const started = performance.now();
    await page.goto(url, { waitUntil: 'commit' });
    await (selector ? page.locator(selector) : page.getByTestId('page-loaded'))
      .first()
      .waitFor({ state: 'attached', timeout: 30_000 })
      .catch((error) => {
        throw new Error(`${url} did not finish loading: ${problems.join('; ') || error.message}`);
      });
    const ms = performance.now() - started;
    await Promise.all(reads);
    // Where the time went, from the page's own clock: the document, the script, the API calls.
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const resources = performance.getEntriesByType('resource').map((r) => ({ name: new URL(r.name).pathname, start: r.startTime, end: r.responseEnd }));
      return { domContentLoaded: nav?.domContentLoadedEventEnd, now: performance.now(), resources };
    });
    return { ms, spikeSeen, timing };
  } finally {
    await context.close();
  }
}

async function timeFetches(url, count = REPEAT) {
  const times = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await fetch(url, { headers: AUTH });
    const body = await response.arrayBuffer();
    times.push(performance.now() - started);
    bytes = body.byteLength;
    if (!response.ok) throw new Error(`${url} → ${response.status}`);
  }
  return { times, bytes };
}

function startChild(name, command, argv, env = {}) {
  const child = spawn(command, argv, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('exit', (code, signal) => {
    if (code && !signal) console.error(`${name} exited with ${code}`);
  });
  children.push(child);
  return child;
}

function row(label, times, floor, api) {
  return `| ${label} | ${ms(median(times))} | ${ms(Math.max(...times))} | ${ms(TARGET_MS)} | ${ms(median(floor))} | ${ms(median(api.times))} |`;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function ms(x) {
  return `${Math.round(x)} ms`;
}
