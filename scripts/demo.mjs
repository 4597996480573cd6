// `npm run demo`: the whole platform on one machine with embedded defaults. Makes sure Redis is
// reachable (starting a private redis-server if needed), starts the API (embedded PGlite unless
// DATABASE_URL), the gRPC coordinator and a local worker, trains a small ViT on MNIST, evaluates it,
// prints the test accuracy and the URLs, and keeps everything up until Ctrl-C (`--exit`: stop after).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { ROOT } from './generators.mjs';

const exitWhenDone = process.argv.includes('--exit');
const stateDir = join(ROOT, '.anchorage', 'demo');
const children = [];
let stopping = false;
/** The run the demo is waiting on; cancelled on Ctrl-C so it does not resume at the next start. */
let activeRunId = null;

const apiPort = await freePort(Number(process.env.ANCHORAGE_PORT ?? 8080));
const grpcPort = await freePort(Number(process.env.ANCHORAGE_GRPC_PORT ?? 50051));
const baseUrl = `http://127.0.0.1:${apiPort}`;
console.log(`Anchorage API: ${baseUrl}`);
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
  const build = spawnSync('npx', ['tsc', '-b', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the TypeScript build failed');

  const redisUrl = await ensureRedis();
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
  };
  console.log(`Redis:         ${redisUrl}`);
  console.log(`Database:      ${process.env.DATABASE_URL ? 'Postgres (DATABASE_URL)' : `embedded PGlite in ${env.ANCHORAGE_DATA_DIR}`}`);

  start('api', ['apps/api/dist/main.js'], env);
  await waitFor(async () => (await fetch(`${baseUrl}/readyz`)).ok, 60_000, 'the API did not become ready');
  start('worker', ['apps/worker/dist/main.js'], env);
  await waitFor(async () => (await api('GET', '/v1/workers')).workers.some((w) => w.connected), 60_000, 'the worker did not register');
  const worker = (await api('GET', '/v1/workers')).workers.find((w) => w.connected);
  console.log(`Worker:        ${worker.name} (backend ${worker.backend})\n`);

  const train = await api('POST', '/v1/runs', { kind: 'train', name: 'demo: ViT-S on MNIST', spec: { model: { preset: 'vit-s' } } });
  console.log(`train run ${train.id}: ${train.spec.steps} steps of ${train.spec.model.preset}, batch ${train.spec.batchSize}`);
  const trained = await follow(train.id);
  if (trained.status !== 'succeeded') throw new Error(`train run ended ${trained.status}: ${trained.error ?? ''}`);
  const { modelId } = trained.result;
  console.log(`model ${modelId} registered (${trained.result.params} parameters, ${(trained.result.durationMs / 1000).toFixed(0)} s)`);

  const evaluate = await api('POST', '/v1/runs', { kind: 'evaluate', name: 'demo: evaluate', spec: { modelId } });
  const evaluated = await follow(evaluate.id);
  if (evaluated.status !== 'succeeded') throw new Error(`evaluate run ended ${evaluated.status}: ${evaluated.error ?? ''}`);
  const { accuracy, count } = evaluated.result;
  console.log(`\nMNIST test accuracy: ${(accuracy * 100).toFixed(2)}% on ${count} held-out digits (evaluate run ${evaluate.id})`);
  console.log(`\n  runs:   ${baseUrl}/v1/runs\n  model:  ${baseUrl}/v1/models/${modelId}\n  docs:   ${baseUrl}/docs`);

  if (exitWhenDone) return shutdown(0);
  console.log('\nThe platform stays up for you to explore. Press Ctrl-C to stop.');
}

async function api(method, path, body) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json();
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

/** Polls a run until it ends, showing its progress and latest metrics. */
async function follow(id) {
  activeRunId = id;
  const tty = process.stdout.isTTY;
  let lastLine = '';
  let lastStatus = '';
  let lastPrintAt = 0;
  for (;;) {
    const run = await api('GET', `/v1/runs/${id}`);
    let line = `  ${run.kind} ${run.status} ${(run.progress * 100).toFixed(0).padStart(3)}%`;
    if (run.kind === 'train' && run.status === 'running') {
      const { metrics } = await api('GET', `/v1/runs/${id}/metrics`);
      const last = (name) => metrics.find((m) => m.name === name)?.points.at(-1);
      const loss = last('train/loss');
      const acc = last('train/accuracy');
      if (loss) line += `  step ${loss.step}  loss ${loss.value.toFixed(3)}`;
      if (acc) line += `  acc ${(acc.value * 100).toFixed(1)}%`;
    }
    if (tty && line !== lastLine) process.stdout.write(`\r\x1b[2K${line}`);
    // Without a terminal, one line per status change and then one every 10 s.
    if (!tty && (run.status !== lastStatus || Date.now() - lastPrintAt > 10_000)) {
      console.log(line);
      lastPrintAt = Date.now();
    }
    lastLine = line;
    lastStatus = run.status;
    if (['succeeded', 'failed', 'cancelled'].includes(run.status)) {
      if (tty) process.stdout.write('\n');
      activeRunId = null;
      return run;
    }
    await sleep(1000);
  }
}

async function ensureRedis() {
  if (process.env.REDIS_URL) {
    const { hostname, port } = new URL(process.env.REDIS_URL);
    if (!(await redisAnswers(hostname, Number(port || 6379)))) throw new Error(`REDIS_URL ${process.env.REDIS_URL} does not answer PING`);
    return process.env.REDIS_URL;
  }
  if (await redisAnswers('127.0.0.1', 6379)) return 'redis://127.0.0.1:6379';
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  if (which.status !== 0) {
    throw new Error(
      'Redis is needed and none answers on 127.0.0.1:6379. Install it (Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`) or set REDIS_URL.',
    );
  }
  const port = await freePort(6380);
  const dir = join(stateDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--logfile', 'redis.log', '--appendonly', 'yes', '--save', ''];
  start('redis', args, process.env, which.stdout.trim());
  await waitFor(() => redisAnswers('127.0.0.1', port), 10_000, 'redis-server did not start');
  return `redis://127.0.0.1:${port}`;
}

function redisAnswers(host, port) {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
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
  if (activeRunId) await api('POST', `/v1/runs/${activeRunId}/cancel`).catch(() => undefined);
  // Workers first (they hand back what they run), then the API, then Redis.
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null) continue;
    child.kill('SIGTERM');
    await Promise.race([new Promise((r) => child.once('exit', r)), sleep(10_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  process.exit(code);
}

async function waitFor(check, timeoutMs, message) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(message);
}

function freePort(preferred) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      const fallback = createServer();
      fallback.listen(0, '127.0.0.1', () => {
        const { port } = fallback.address();
        fallback.close(() => resolve(port));
      });
    });
    server.listen(preferred, '127.0.0.1', () => server.close(() => resolve(preferred)));
  });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}
