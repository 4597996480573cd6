// The built worker (`node apps/worker/dist/main.js`) as a real process: registers, heartbeats from
// its thread, serves /healthz, runs queued jobs from the real Redis, obeys cancel commands, and on
// SIGTERM or a drain command reports its running attempt as a retryable failure and exits 0.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeCoordinator, waitFor } from './helpers/fake-coordinator.js';
import { deletePrefix, REDIS_URL } from './helpers/redis.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

let coordinator: FakeCoordinator | undefined;
let child: ChildProcess | undefined;
let queue: Queue | undefined;
let scratch: string | undefined;
let prefix: string | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  queue = undefined;
  if (prefix) await deletePrefix(prefix);
  prefix = undefined;
  await coordinator?.stop();
  coordinator = undefined;
  if (scratch) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function startWorker(env: Record<string, string>) {
  // Run in a scratch folder so the default artifacts dir (<cwd>/.anchorage/artifacts) stays out of the repo.
  scratch ??= await mkdtemp(join(tmpdir(), 'anchorage-worker-proc-'));
  const proc = spawn(process.execPath, [MAIN], {
    cwd: scratch,
    env: { PATH: process.env.PATH, ANCHORAGE_TF_BACKEND: 'wasm', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  let buf = '';
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        lines.push({ raw: line });
      }
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  child = proc;
  return { proc, lines, exited, stderr: () => stderr };
}

describe('worker process (dist/main.js)', () => {
  it('registers, heartbeats, runs jobs, obeys cancel, and reports a SIGTERM-aborted attempt', async () => {
    coordinator = await new FakeCoordinator().start();
    prefix = `anchorage-worker-test-${randomUUID().slice(0, 8)}`;
    const healthPort = await freePort();
    const w = await startWorker({
      ANCHORAGE_COORDINATOR: coordinator.address,
      REDIS_URL,
      ANCHORAGE_QUEUE_PREFIX: prefix,
      ANCHORAGE_DIAGNOSTICS: '1',
      ANCHORAGE_WORKER_NAME: 'proc-test',
      ANCHORAGE_WORKER_HEALTH_PORT: String(healthPort),
      ANCHORAGE_WORKER_TOKEN: 'secret-token',
    });
    await waitFor(() => coordinator!.registers.length === 1, 10_000, `Register (stderr: ${w.stderr()})`);
    expect(coordinator.registers[0]).toMatchObject({
      name: 'proc-test',
      backend: 'wasm',
      capacity: 1,
      resourceClasses: [],
      version: '0.1.0',
      pid: w.proc.pid,
      accelerators: [expect.objectContaining({ kind: 'cpu' })],
    });
    expect(coordinator.metadata[0]!.get('authorization')).toEqual(['Bearer secret-token']);
    await waitFor(() => coordinator!.hellos.length === 1 && coordinator!.heartbeats.length >= 2, 5_000, 'hello + heartbeats');
    expect(coordinator.hellos[0]).toEqual({ workerId: 'w-1' });
    await waitFor(() => w.lines.some((l) => l.msg === 'worker ready'), 5_000, 'ready log');

    const health = (await (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', workerId: 'w-1', backend: 'wasm', device: 'cpu', queues: ['runs-cpu', 'runs-any'], running: [] });
    // Prometheus text on the same port: the process's own metrics.
    const scrape = await fetch(`http://127.0.0.1:${healthPort}/metrics`);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    const text = await scrape.text();
    expect(text).toMatch(/^anchorage_worker_attempts_running 0$/m);
    expect(text).toMatch(/^anchorage_worker_info\{backend="wasm",device="cpu",classes="cpu,any"\} 1$/m);
    expect(text).toMatch(/^anchorage_worker_heartbeat_age_seconds \d/m);

    // A long sleep, cancelled by a command on the heartbeat stream.
    coordinator.behaviour.startAttempt = (req) => ({
      ...coordinator!.accept('diagnostic', { action: 'sleep', durationMs: 20_000, steps: 200 }),
      fencingToken: `tok-${req.runId}`,
    });
    queue = new Queue('runs-any', { connection: { url: REDIS_URL }, prefix });
    await queue.add('run', { runId: 'run-cancel', kind: 'diagnostic' });
    await waitFor(() => coordinator!.heartbeats.some((h) => h.runningTokens.includes('tok-run-cancel')), 5_000, 'running token in a heartbeat');
    const during = (await (await fetch(`http://127.0.0.1:${healthPort}/healthz`)).json()) as { running: { runId: string }[] };
    expect(during.running.map((r) => r.runId)).toEqual(['run-cancel']);
    await waitFor(
      () => coordinator!.metrics.some((m) => m.fencingToken === 'tok-run-cancel' && m.points.some((p) => p.name === 'diag/step')),
      5_000,
      'diag/step metrics',
    );
    coordinator.send({ cancel: { runId: 'run-cancel', fencingToken: 'tok-run-cancel', reason: 'cancelled by user' } });
    await waitFor(() => coordinator!.results.length === 1, 5_000, 'cancelled result');
    expect(coordinator.results[0]).toMatchObject({ fencingToken: 'tok-run-cancel', outcome: 'cancelled' });

    // Another one, interrupted by SIGTERM: reported as a retryable failure, then exit 0.
    await queue.add('run', { runId: 'run-term', kind: 'diagnostic' });
    await waitFor(() => coordinator!.heartbeats.some((h) => h.runningTokens.includes('tok-run-term')), 5_000, 'second attempt running');
    w.proc.kill('SIGTERM');
    expect(await w.exited).toBe(0);
    expect(coordinator.results[1]).toMatchObject({
      fencingToken: 'tok-run-term',
      outcome: 'failed',
      error: { retryable: true, type: 'WorkerShutdown' },
    });
  });

  it('runs a real (tiny) train job; a drain command hands the next running attempt back and exits 0', async () => {
    coordinator = await new FakeCoordinator().start();
    prefix = `anchorage-worker-test-${randomUUID().slice(0, 8)}`;
    scratch = await mkdtemp(join(tmpdir(), 'anchorage-worker-proc-'));
    const artifacts = join(scratch, 'artifacts');
    const w = await startWorker({ ANCHORAGE_COORDINATOR: coordinator.address, REDIS_URL, ANCHORAGE_QUEUE_PREFIX: prefix, ANCHORAGE_ARTIFACTS_DIR: artifacts });
    const trainSpec = (steps: number) => ({ model: { preset: 'vit-ti', depth: 1 }, data: { testFraction: 0.05 }, steps, batchSize: 8, warmupSteps: 0, metricsEvery: 5 });
    // The first run is tiny; the second one is long enough to be running when the drain arrives.
    coordinator.behaviour.startAttempt = (req) => ({ ...coordinator!.accept('train', trainSpec(req.runId === 'run-train' ? 40 : 5000)), fencingToken: `tok-${req.runId}` });
    await waitFor(() => coordinator!.heartbeats.length >= 1, 10_000, `heartbeat (stderr: ${w.stderr()})`);
    queue = new Queue('runs-cpu', { connection: { url: REDIS_URL }, prefix });
    await queue.add('run', { runId: 'run-train', kind: 'train' });
    await waitFor(() => coordinator!.results.length === 1, 60_000, 'the first run to finish');
    const r = coordinator.results[0]!;
    expect(r.outcome).toBe('succeeded');
    expect(JSON.parse(r.resultJson)).toMatchObject({ steps: 40, testAccuracy: expect.any(Number), params: expect.any(Number) });
    expect(r.models).toHaveLength(1);
    expect(r.models[0]).toMatchObject({ resultField: 'modelId', kind: 'anchor', name: 'vit-ti-runtrain' });
    expect(fileURLToPath(r.models[0]!.artifactUri)).toBe(join(artifacts, 'models', 'run-train', 'attempt-1') + '/');
    const points = coordinator.metrics.flatMap((m) => m.points);
    expect(points.filter((p) => p.name === 'train/loss').map((p) => p.step)).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
    expect(points.some((p) => p.name === 'test/accuracy' && p.step === 40)).toBe(true);
    expect(coordinator.metrics.flatMap((m) => m.logs).some((l) => /backend: wasm/.test(l.message))).toBe(true);

    await queue.add('run', { runId: 'run-long', kind: 'train' });
    await waitFor(() => coordinator!.heartbeats.some((h) => h.runningTokens.includes('tok-run-long')), 10_000, 'the long run running');
    coordinator.send({ drain: { reason: 'node maintenance' } });
    expect(await w.exited).toBe(0);
    expect(coordinator.results[1]).toMatchObject({ fencingToken: 'tok-run-long', outcome: 'failed', error: { retryable: true, type: 'WorkerShutdown' } });
  });

  it('a crash diagnostic kills the process without a report', async () => {
    coordinator = await new FakeCoordinator().start();
    prefix = `anchorage-worker-test-${randomUUID().slice(0, 8)}`;
    const w = await startWorker({ ANCHORAGE_COORDINATOR: coordinator.address, REDIS_URL, ANCHORAGE_QUEUE_PREFIX: prefix, ANCHORAGE_DIAGNOSTICS: '1' });
    coordinator.behaviour.startAttempt = () => coordinator!.accept('diagnostic', { action: 'crash', exitCode: 71 });
    await waitFor(() => coordinator!.heartbeats.length >= 1, 10_000, `heartbeat (stderr: ${w.stderr()})`);
    queue = new Queue('runs-any', { connection: { url: REDIS_URL }, prefix });
    await queue.add('run', { runId: 'run-crash', kind: 'diagnostic' });
    expect(await w.exited).toBe(71);
    expect(coordinator.results).toEqual([]);
  });

  it('refuses to start with a bad configuration, listing every bad key', async () => {
    const w = await startWorker({ ANCHORAGE_WORKER_CONCURRENCY: 'lots', REDIS_URL: 'localhost' });
    expect(await w.exited).toBe(78);
    expect(w.stderr()).toContain('ANCHORAGE_WORKER_CONCURRENCY');
    expect(w.stderr()).toContain('REDIS_URL');
  });

  it('gives up with a clear error when the coordinator never comes up', async () => {
    const port = await freePort();
    const w = await startWorker({ ANCHORAGE_COORDINATOR: `127.0.0.1:${port}`, ANCHORAGE_COORDINATOR_WAIT_MS: '700' });
    expect(await w.exited).toBe(1);
    const fatal = w.lines.find((l) => l.level === 60) as { err?: { message?: string } } | undefined;
    expect(fatal?.err?.message).toMatch(new RegExp(`coordinator at 127.0.0.1:${port} did not answer GetVersion within 700 ms`));
  });
});
