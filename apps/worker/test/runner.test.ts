// QueueRunner with real BullMQ on the real Redis (a unique queue prefix per test) and a real gRPC
// Coordinator server in the test.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { queueName } from '@anchorage/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AttemptRegistry } from '../src/attempts.js';
import { CoordinatorApi } from '../src/coordinator-client.js';
import { AttemptExecutor } from '../src/executor.js';
import { createDiagnosticHandler } from '../src/handlers/diagnostic.js';
import type { Handler } from '../src/handlers/types.js';
import { QueueRunner } from '../src/runner.js';
import { FakeCoordinator, silentLogger, waitFor, waitForAsync } from './helpers/fake-coordinator.js';
import { deletePrefix, REDIS_URL } from './helpers/redis.js';


let coordinator: FakeCoordinator;
let api: CoordinatorApi;
let prefix: string;
let runner: QueueRunner | undefined;
const queues: Queue[] = [];

beforeEach(async () => {
  coordinator = await new FakeCoordinator().start();
  api = new CoordinatorApi(coordinator.address, { deadlineMs: 1_000 });
  prefix = `anchorage-worker-test-${randomUUID().slice(0, 8)}`;
});
afterEach(async () => {
  await runner?.close();
  runner = undefined;
  for (const q of queues.splice(0)) {
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
  }
  await deletePrefix(prefix);
  api.close();
  await coordinator.stop();
});

async function queue(accelerator: 'cpu' | 'gpu' | 'any'): Promise<Queue> {
  const q = new Queue(queueName(accelerator), { connection: { url: REDIS_URL }, prefix });
  queues.push(q);
  return q;
}

async function startRunner(options: { concurrency?: number; handlers?: Record<string, Handler>; watchdogIntervalMs?: number } = {}) {
  const attempts = new AttemptRegistry();
  const logger = await silentLogger();
  const executor = new AttemptExecutor({
    api,
    workerId: () => 'w-1',
    backend: 'cpu',
    handlers: options.handlers ?? { diagnostic: createDiagnosticHandler({ enabled: true }) as Handler },
    attempts,
    artifactsDir: '/tmp',
    logger,
    reporter: { intervalMs: 50 },
  });
  runner = new QueueRunner({
    redisUrl: REDIS_URL,
    queuePrefix: prefix,
    resourceClasses: ['cpu', 'any'],
    concurrency: options.concurrency ?? 1,
    executor,
    logger,
    retryInitialMs: 100,
    retryMaxMs: 200,
    watchdogIntervalMs: options.watchdogIntervalMs ?? 0,
  });
  await runner.start();
  return { attempts, runner };
}

describe('QueueRunner', () => {
  it('consumes its device queue and `any`, and completes the BullMQ job in every outcome', async () => {
    coordinator.behaviour.startAttempt = (req) =>
      req.runId === 'run-refused'
        ? { accepted: false, reason: 'already finished' }
        : coordinator.accept('diagnostic', req.runId === 'run-fail' ? { action: 'fail', message: 'x' } : { action: 'noop' });
    const { runner } = await startRunner();
    expect(runner.queues).toEqual(['runs-cpu', 'runs-any']);
    const cpu = await queue('cpu');
    const any = await queue('any');
    const gpu = await queue('gpu');
    const j1 = await cpu.add('run', { runId: 'run-a', kind: 'diagnostic' });
    const j2 = await any.add('run', { runId: 'run-fail', kind: 'diagnostic' });
    const j3 = await any.add('run', { runId: 'run-refused', kind: 'diagnostic' });
    await gpu.add('run', { runId: 'run-gpu', kind: 'diagnostic' });

    await waitFor(() => coordinator.starts.length === 3 && coordinator.results.length === 2, 5_000, 'three jobs');
    for (const [q, j] of [
      [cpu, j1],
      [any, j2],
      [any, j3],
    ] as const) {
      await waitForAsync(async () => (await q.getJobState(j.id!)) === 'completed', 2_000, `job ${j.id} completed`);
    }
    await new Promise((r) => setTimeout(r, 100));
    expect(coordinator.starts.map((s) => s.runId).sort()).toEqual(['run-a', 'run-fail', 'run-refused']);
    expect(coordinator.starts.find((s) => s.runId === 'run-a')!.jobId).toBe(j1.id);
    expect((await cpu.getJob(j1.id!))!.returnvalue).toMatchObject({ status: 'succeeded', token: expect.any(String) });
    expect((await any.getJob(j3.id!))!.returnvalue).toEqual({ status: 'dropped', reason: 'already finished' });
    expect(coordinator.results.map((r) => r.outcome).sort()).toEqual(['failed', 'succeeded']);
    // The gpu queue is not ours.
    expect(await gpu.getJobCounts('wait')).toEqual({ wait: 1 });
  });

  it('puts the job back (delayed, not failed) while the coordinator is unreachable', async () => {
    const port = coordinator.port;
    await coordinator.stop();
    await startRunner();
    const any = await queue('any');
    const job = await any.add('run', { runId: 'run-later', kind: 'diagnostic' }, { attempts: 1 });
    // Tried, failed to reach the coordinator, now delayed (its single BullMQ attempt not used up).
    await waitForAsync(async () => (await any.getJobState(job.id!)) === 'delayed', 5_000, 'delayed job');
    // The coordinator comes back on the same port: the job runs.
    coordinator = await new FakeCoordinator().start(port);
    coordinator.behaviour.startAttempt = () => coordinator.accept('diagnostic', { action: 'noop' });
    await waitFor(() => coordinator.results.length === 1, 8_000, 'result after the coordinator returned');
    expect(coordinator.results[0]!.outcome).toBe('succeeded');
    await waitForAsync(async () => (await any.getJobState(job.id!)) === 'completed', 2_000, 'completed job');
    expect(await any.getJobCounts('failed')).toEqual({ failed: 0 });
  });

  it('runs at most `concurrency` attempts across all its queues', async () => {
    let running = 0;
    let peak = 0;
    const slow: Handler = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 80));
      running--;
      return { result: { action: 'noop', durationMs: 80 } };
    };
    coordinator.behaviour.startAttempt = () => coordinator.accept('diagnostic', { action: 'noop' });
    await startRunner({ concurrency: 2, handlers: { diagnostic: slow } });
    const cpu = await queue('cpu');
    const any = await queue('any');
    for (let i = 0; i < 5; i++) {
      await cpu.add('run', { runId: `c-${i}`, kind: 'diagnostic' });
      await any.add('run', { runId: `a-${i}`, kind: 'diagnostic' });
    }
    await waitFor(() => coordinator.results.length === 10, 10_000, 'ten results');
    expect(peak).toBe(2);
  });

  it('the watchdog recreates a Worker that stays idle while jobs wait, and the jobs then run', async () => {
    coordinator.behaviour.startAttempt = () => coordinator.accept('diagnostic', { action: 'noop' });
    const { runner } = await startRunner({ watchdogIntervalMs: 200 });
    // A wedged Worker: connected, not closed, but no longer fetching.
    const [cpu] = runner.workers;
    await cpu.pause();
    expect(cpu.isPaused()).toBe(true);
    const q = await queue('cpu');
    await q.add('run', { runId: 'run-after-wedge', kind: 'diagnostic' });
    await waitFor(() => coordinator.results.length === 1, 10_000, 'the job to run on the recreated Worker');
    expect(runner.recreated).toBeGreaterThanOrEqual(1);
    expect(runner.workers[0]).not.toBe(cpu);
    expect(await runner.checkIdleWorkers()).toEqual([]); // nothing waits now: nothing to do
  });
});
