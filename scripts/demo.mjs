// `npm run demo`: the whole platform on one machine with embedded defaults. Makes sure Redis is
// reachable (starting a private redis-server if needed), starts the API (embedded PGlite unless
// DATABASE_URL), the gRPC coordinator and one worker per core; trains a ViT-Ti/S/B family on MNIST,
// stitches it (SN-Net), evaluates every stitch, prints the frontier and the best stitch for a
// budget, exports and evaluates that stitch, and keeps everything up until Ctrl-C (`--exit`: stop).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './generators.mjs';
import { ensureRedis, freePort, sleep, waitFor } from './lib/services.mjs';

const exitWhenDone = process.argv.includes('--exit');
/** Sizes chosen so the whole demo finishes within 15 minutes on 2 cores (docs/stitching.md). */
const DEMO = { anchorSteps: Number(process.env.ANCHORAGE_DEMO_ANCHOR_STEPS ?? 400), stitchSteps: Number(process.env.ANCHORAGE_DEMO_STITCH_STEPS ?? 300) };
const stateDir = join(ROOT, '.anchorage', 'demo');
const children = [];
let stopping = false;
/** The runs the demo is waiting on; cancelled on Ctrl-C so they do not resume at the next start. */
let activeRunIds = [];

const apiPort = await freePort(Number(process.env.ANCHORAGE_PORT ?? 8080));
const grpcPort = await freePort(Number(process.env.ANCHORAGE_GRPC_PORT ?? 50051));
const baseUrl = `http://127.0.0.1:${apiPort}`;
/** The admin key of this demo (ANCHORAGE_ADMIN_KEY, or a new one): every API call needs a key. */
const adminKey = process.env.ANCHORAGE_ADMIN_KEY ?? `anc_${randomBytes(32).toString('base64url')}`;
console.log(`Anchorage:     ${baseUrl}/   (dashboard; the API is under /v1)`);
console.log(`Admin key:     ${adminKey}   (sign in to the dashboard with it; CLI: export ANCHORAGE_API_KEY=<key>)`);
console.log(`API docs:      ${baseUrl}/docs   (OpenAPI: ${baseUrl}/openapi.json)`);

process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));

// Children run in their own process groups, so Ctrl-C reaches only this script, which then stops
// them in order; if this script dies anyway, they go with it.
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
});

try {
  await main();
} catch (error) {
  if (!stopping) {
    console.error(`\ndemo failed: ${error.message}`);
    await shutdown(1);
  }
}

async function main() {
  // The packages, the API, the worker and the dashboard.
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('the build failed (npm run build)');

  const redisUrl = await ensureRedis({ stateDir, start: (name, args, command) => start(name, args, process.env, command) });
  mkdirSync(stateDir, { recursive: true });
  const env = {
    ...process.env,
    REDIS_URL: redisUrl,
    ANCHORAGE_PORT: String(apiPort),
    ANCHORAGE_GRPC_PORT: String(grpcPort),
    ANCHORAGE_COORDINATOR: `127.0.0.1:${grpcPort}`,
    ANCHORAGE_DATA_DIR: process.env.ANCHORAGE_DATA_DIR ?? join(stateDir, 'data'),
    ANCHORAGE_ARTIFACTS_DIR: process.env.ANCHORAGE_ARTIFACTS_DIR ?? join(stateDir, 'artifacts'),
    ANCHORAGE_QUEUE_PREFIX: process.env.ANCHORAGE_QUEUE_PREFIX ?? 'anchorage-demo',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    // Generated per demo unless given: the admin key signs in to the dashboard and the CLI; the
    // worker token is what the demo's workers present to the coordinator.
    ANCHORAGE_ADMIN_KEY: adminKey,
    ANCHORAGE_WORKER_TOKEN: process.env.ANCHORAGE_WORKER_TOKEN ?? `anc_${randomBytes(32).toString('base64url')}`,
  };
  console.log(`Redis:         ${redisUrl}`);
  console.log(`Database:      ${process.env.DATABASE_URL ? 'Postgres (DATABASE_URL)' : `embedded PGlite in ${env.ANCHORAGE_DATA_DIR}`}`);

  start('api', ['apps/api/dist/main.js'], env);
  await waitFor(async () => (await fetch(`${baseUrl}/readyz`)).ok, 60_000, 'the API did not become ready');
  // One worker process per core (the wasm backend is single-threaded), at most two here.
  const workerCount = Math.max(1, Math.min(2, availableParallelism()));
  for (let i = 0; i < workerCount; i++) start(`worker ${i + 1}`, ['apps/worker/dist/main.js'], { ...env, ANCHORAGE_WORKER_NAME: `demo-worker-${i + 1}` });
  await waitFor(async () => (await api('GET', '/v1/workers')).workers.filter((w) => w.connected).length >= workerCount, 60_000, 'the workers did not register');
  const workers = (await api('GET', '/v1/workers')).workers.filter((w) => w.connected);
  console.log(`Workers:       ${workers.map((w) => `${w.name} (${w.backend})`).join(', ')}\n`);

  // 1. The anchor family: ViT-Ti/S/B on MNIST, one train run each.
  const family = await api('POST', '/v1/families', { name: 'demo-vit', train: { steps: DEMO.anchorSteps } });
  console.log(`family ${family.id}: ${family.members.map((m) => m.preset).join(', ')}, ${DEMO.anchorSteps} steps each`);
  const trained = await followAll(family.members.map((m) => ({ id: m.runId, label: m.preset })));
  if (trained.some((r) => r.status !== 'succeeded')) throw new Error(`anchor training failed: ${trained.map((r) => `${r.status} ${r.error ?? ''}`).join('; ')}`);
  for (const [i, r] of trained.entries()) {
    console.log(`  ${family.members[i].preset.padEnd(7)} test accuracy ${pct(r.result.testAccuracy)}  ${fmtFlops(r.result.flops)} MACs  ${r.result.params} params`);
  }

  // 2. Stitch the family (SN-Net v1) and evaluate every stitch.
  const stitch = await api('POST', '/v1/runs', {
    kind: 'stitch',
    name: 'demo: SN-Net over ViT-Ti/S/B',
    spec: { familyId: family.id, steps: DEMO.stitchSteps, evaluation: { latency: { batchSize: 64, warmup: 5, runs: 20 } } },
  });
  console.log(`\nstitch run ${stitch.id}: ${stitch.spec.method}, ${stitch.spec.steps} steps, one sampled configuration per step`);
  const [stitched] = await followAll([{ id: stitch.id, label: 'stitch' }]);
  if (stitched.status !== 'succeeded') throw new Error(`stitch run ended ${stitched.status}: ${stitched.error ?? ''}`);

  const { stitches } = await api('GET', `/v1/runs/${stitch.id}/stitches`);
  printStitchTable(stitches);
  const anchors = stitches.filter((s) => s.kind === 'anchor');
  console.log(`\n${stitches.length} configurations, ${stitches.filter((s) => s.onFrontier).length} on the Pareto frontier (*); ` +
    `Spearman(FLOPs, accuracy) over the stitches: ${stitched.result.spearman?.toFixed(3) ?? 'n/a'}`);

  // 3. Deploy under a budget: the best stitch within 1.5x the FLOPs of the middle anchor.
  const budget = Math.round(anchors[Math.floor(anchors.length / 2)].flops * 1.5);
  const { best } = await api('GET', `/v1/runs/${stitch.id}/frontier?maxFlops=${budget}`);
  console.log(`best stitch within ${fmtFlops(budget)} MACs: #${best.stitchId} ${best.label}: ${pct(best.accuracy)} at ${fmtFlops(best.flops)} MACs`);

  // 4. Export it as a model and run the evaluation suite on it.
  const model = await api('POST', `/v1/runs/${stitch.id}/stitches/${best.stitchId}/export`);
  const evaluate = await api('POST', '/v1/runs', {
    kind: 'evaluate',
    name: 'demo: evaluate the chosen stitch',
    spec: { modelId: model.id, metrics: ['top1', 'top5', 'loss', 'ece', 'knn', 'vci', 'flops', 'params', 'latency'], latency: { batchSize: 64, warmup: 5, runs: 20 } },
  });
  const [evaluated] = await followAll([{ id: evaluate.id, label: 'evaluate' }]);
  if (evaluated.status !== 'succeeded') throw new Error(`evaluate run ended ${evaluated.status}: ${evaluated.error ?? ''}`);
  const m = evaluated.result.metrics;
  console.log(`\nexported as model ${model.id}; evaluation on ${evaluated.result.count} held-out digits:`);
  console.log(`  top-1 ${pct(m.top1)}  top-5 ${pct(m.top5)}  loss ${m.loss.toFixed(3)}  ECE ${m.ece.ece.toFixed(4)}  kNN top-1 ${pct(m.knn.top1)}  VCI ${m.vci.vci.toFixed(3)}  latency ${m.latency.median.toFixed(1)} ms/batch of ${m.latency.batchSize}`);
  console.log(`\n  dashboard: ${baseUrl}/#/runs/${stitch.id}   (the frontier, with a budget slider)`);
  console.log(`  family:   ${baseUrl}/v1/families/${family.id}\n  frontier: ${baseUrl}/v1/runs/${stitch.id}/frontier\n  events:   ${baseUrl}/v1/runs/${stitch.id}/events\n  queues:   ${baseUrl}/admin/queues\n  docs:     ${baseUrl}/docs`);
  console.log(`  CLI:      npx anchorage --url ${baseUrl} frontier ${stitch.id} --max-flops ${budget}`);

  if (exitWhenDone) return shutdown(0);
  console.log('\nThe platform stays up for you to explore. Press Ctrl-C to stop.');
}

function printStitchTable(stitches) {
  console.log('\n  id  configuration                          MACs      params   top-1   latency');
  for (const s of [...stitches].sort((a, b) => a.flops - b.flops)) {
    console.log(
      `  ${String(s.stitchId).padStart(2)}${s.onFrontier ? '*' : ' '} ${s.label.slice(0, 36).padEnd(36)} ${fmtFlops(s.flops).padStart(8)} ${String(s.params).padStart(9)}  ${pct(s.accuracy).padStart(6)}  ${s.latencyMs === null ? '   n/a' : `${s.latencyMs.toFixed(1).padStart(6)} ms`}`,
    );
  }
}

function pct(x) {
  return `${(x * 100).toFixed(2)}%`;
}

function fmtFlops(x) {
  return x >= 1e9 ? `${(x / 1e9).toFixed(2)}G` : `${(x / 1e6).toFixed(2)}M`;
}

async function api(method, path, body) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Polls runs until all have ended, showing one status line with each run's progress. */
async function followAll(runs) {
  activeRunIds = runs.map((r) => r.id);
  const tty = process.stdout.isTTY;
  let lastLine = '';
  let lastPrintAt = 0;
  for (;;) {
    const states = await Promise.all(runs.map((r) => api('GET', `/v1/runs/${r.id}`)));
    const line = '  ' + states.map((s, i) => `${runs[i].label} ${s.status} ${(s.progress * 100).toFixed(0)}%`).join(' | ');
    const done = states.every((s) => ['succeeded', 'failed', 'cancelled'].includes(s.status));
    if (tty && line !== lastLine) process.stdout.write(`\r\x1b[2K${line}`);
    // Without a terminal, one line every 15 s and one at the end.
    if (!tty && (line !== lastLine && (done || Date.now() - lastPrintAt > 15_000))) {
      console.log(line);
      lastPrintAt = Date.now();
    }
    lastLine = line;
    if (done) {
      if (tty) process.stdout.write('\n');
      activeRunIds = [];
      return states;
    }
    await sleep(1000);
  }
}

function start(name, args, env, command = process.execPath) {
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`\n${name} exited unexpectedly (${signal ?? code})`);
      void shutdown(1);
    }
  });
  children.push(child);
  return child;
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  if (code >= 128) console.log('\nStopping the worker, the API and Redis…');
  for (const id of activeRunIds) await api('POST', `/v1/runs/${id}/cancel`).catch(() => undefined);
  // Workers first (they hand back what they run), then the API, then Redis.
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null) continue;
    child.kill('SIGTERM');
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(10_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  process.exit(code);
}
