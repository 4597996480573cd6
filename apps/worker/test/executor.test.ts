// One attempt end to end against a real grpc-js Coordinator server: StartAttempt, spec validation,
// the handler with batched progress, and how each outcome maps to ReportResult.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AttemptRegistry } from '../src/attempts.js';
import { CoordinatorApi } from '../src/coordinator-client.js';
import { CoordinatorUnavailableError } from '../src/errors.js';
import { AttemptExecutor } from '../src/executor.js';
import { createDiagnosticHandler } from '../src/handlers/diagnostic.js';
import type { Handler } from '../src/handlers/types.js';
import { FakeCoordinator, grpcError, silentLogger, waitFor } from './helpers/fake-coordinator.js';

let coordinator: FakeCoordinator;
let api: CoordinatorApi;
let attempts: AttemptRegistry;
let executor: AttemptExecutor;
let handlers: Record<string, Handler>;

beforeAll(async () => {
  coordinator = await new FakeCoordinator().start();
  api = new CoordinatorApi(coordinator.address, { deadlineMs: 2_000 });
});
afterAll(async () => {
  api.close();
  await coordinator.stop();
});
beforeEach(async () => {
  for (const list of [coordinator.starts, coordinator.metrics, coordinator.results, coordinator.events]) list.length = 0;
  coordinator.behaviour = {};
  attempts = new AttemptRegistry();
  handlers = { diagnostic: createDiagnosticHandler({ enabled: true }) as Handler };
  executor = new AttemptExecutor({
    api,
    workerId: () => 'w-1',
    backend: 'cpu',
    handlers,
    attempts,
    artifactsDir: '/tmp/anchorage-test-artifacts',
    logger: await silentLogger(),
    abortGraceMs: 150,
    reportRetryMs: 1_000,
    reporter: { intervalMs: 50 },
  });
});

const job = (kind = 'diagnostic') => ({ runId: 'run-1', kind: kind as 'diagnostic' });

describe('AttemptExecutor', () => {
  it('drops the job when the coordinator refuses the attempt', async () => {
    coordinator.behaviour.startAttempt = () => ({ accepted: false, reason: 'run is cancelled' });
    const out = await executor.execute(job(), 'job-9');
    expect(out).toEqual({ status: 'dropped', reason: 'run is cancelled' });
    expect(coordinator.starts[0]).toMatchObject({ workerId: 'w-1', runId: 'run-1', jobId: 'job-9', backend: 'cpu' });
    expect(coordinator.results).toEqual([]);
  });

  it('reports progress, flushes it, then reports success with the result', async () => {
    let token = '';
    coordinator.behaviour.startAttempt = () => {
      const res = coordinator.accept('diagnostic', { action: 'sleep', durationMs: 200, steps: 5 });
      token = res.fencingToken!;
      return res;
    };
    const out = await executor.execute(job(), 'job-1');
    const seenDuringRun = coordinator.events;
    expect(out).toMatchObject({ status: 'succeeded', runStatus: 'succeeded' });
    const points = coordinator.metrics.flatMap((m) => m.points);
    expect(points.map((p) => p.step)).toEqual([1, 2, 3, 4, 5]);
    expect(points.every((p) => p.name === 'diag/step')).toBe(true);
    expect(coordinator.metrics.every((m) => m.fencingToken === token)).toBe(true);
    expect(coordinator.results[0]!.fencingToken).toBe(token);
    // ReportResult comes last, after the final flush.
    expect(seenDuringRun[0]).toBe('StartAttempt');
    expect(seenDuringRun.at(-1)).toBe('ReportResult');
    expect(coordinator.metrics.at(-1)!.progress).toBe(1);
    const result = coordinator.results[0]!;
    expect(result.outcome).toBe('succeeded');
    expect(JSON.parse(result.resultJson)).toMatchObject({ action: 'sleep', durationMs: expect.any(Number) });
    expect(result.error).toBeNull();
    expect(attempts.size).toBe(0);
  });

  it('passes produced models through and returns the registered ids', async () => {
    handlers.train = (async () => ({
      result: { steps: 3 },
      models: [
        {
          resultField: 'modelId',
          name: 'vit-s-abc',
          kind: 'anchor',
          architecture: { family: 'vit', dim: 64 },
          artifactUri: 'file:///tmp/m/',
          params: 123456,
          metrics: { testAccuracy: 0.9 },
          lineage: { runId: 'run-1', steps: 3 },
        },
      ],
    })) as Handler;
    coordinator.behaviour.startAttempt = () => coordinator.accept('train', { steps: 3, warmupSteps: 0 });
    const out = await executor.execute(job('train'), 'job-2');
    expect(out).toMatchObject({ status: 'succeeded', modelIds: ['model-1'] });
    const m = coordinator.results[0]!.models[0]!;
    expect(m).toEqual({
      resultField: 'modelId',
      name: 'vit-s-abc',
      kind: 'anchor',
      architectureJson: JSON.stringify({ family: 'vit', dim: 64 }),
      artifactUri: 'file:///tmp/m/',
      params: '123456',
      metricsJson: JSON.stringify({ testAccuracy: 0.9 }),
      lineageJson: JSON.stringify({ runId: 'run-1', steps: 3 }),
    });
  });

  it('reports a deterministic failure as not retryable', async () => {
    coordinator.behaviour.startAttempt = () => coordinator.accept('diagnostic', { action: 'fail', message: 'nope' });
    const out = await executor.execute(job(), 'job-3');
    expect(out).toMatchObject({ status: 'failed', runStatus: 'failed' });
    expect(coordinator.results[0]).toMatchObject({
      outcome: 'failed',
      error: { message: 'nope', retryable: false, type: 'DiagnosticFailure' },
    });
  });

  it('refuses an invalid spec without running the handler', async () => {
    let called = false;
    handlers.diagnostic = (async () => {
      called = true;
      return { result: {} };
    }) as Handler;
    coordinator.behaviour.startAttempt = () => coordinator.accept('diagnostic', { action: 'sleep', durationMs: -5 });
    await executor.execute(job(), 'job-4');
    expect(called).toBe(false);
    const r = coordinator.results[0]!;
    expect(r.outcome).toBe('failed');
    expect(r.error).toMatchObject({ type: 'ValidationError', retryable: false });
    expect(r.error!.message).toMatch(/spec\.durationMs/);
  });

  it('ends as cancelled when ReportMetrics answers cancelRequested', async () => {
    coordinator.behaviour.startAttempt = () => coordinator.accept('diagnostic', { action: 'sleep', durationMs: 5_000, steps: 50 });
    coordinator.behaviour.reportMetrics = (req) => ({ acceptedPoints: req.points.length, cancelRequested: true });
    const t0 = Date.now();
    const out = await executor.execute(job(), 'job-5');
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(out.status).toBe('cancelled');
    expect(coordinator.results[0]).toMatchObject({ outcome: 'cancelled', error: null });
  });

  it('ends as cancelled when a cancel command aborts the token', async () => {
    coordinator.behaviour.startAttempt = () => coordinator.accept('diagnostic', { action: 'sleep', durationMs: 5_000, steps: 50 });
    const running = executor.execute(job(), 'job-6');
    const token = await waitFor(() => attempts.tokens()[0], 2_000, 'running attempt');
    expect(attempts.abort(token, 'cancelled', 'cancelled by user')).toBe(true);
    const out = await running;
    expect(out.status).toBe('cancelled');
    expect(coordinator.results.map((r) => r.outcome)).toEqual(['cancelled']);
  });

  it('never reports success after a cancel, even if the handler returns', async () => {
    handlers.diagnostic = (async ({ signal }) => {
      await new Promise((r) => setTimeout(r, 100));
      void signal; // ignores the signal and returns a result anyway
      return { result: { action: 'noop', durationMs: 1 } };
    }) as Handler;
    coordinator.behaviour.startAttempt = () => coordinator.accept('diagnostic', { action: 'noop' });
    const running = executor.execute(job(), 'job-7');
    const token = await waitFor(() => attempts.tokens()[0], 2_000);
    attempts.abort(token, 'cancelled', 'user');
    expect((await running).status).toBe('cancelled');
    expect(coordinator.results[0]!.outcome).toBe('cancelled');
  });

  it('gives up on a hanging handler after the abort grace and reports cancelled', async () => {
    coordinator.behaviour.startAttempt = () => coordinator.accept('diagnostic', { action: 'hang' });
    const running = executor.execute(job(), 'job-8');
    const token = await waitFor(() => attempts.tokens()[0], 2_000);
    const t0 = Date.now();
    attempts.abort(token, 'cancelled', 'progress deadline exceeded');
    const out = await running;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(out.status).toBe('cancelled');
  });

  it('reports nothing once the fencing token is stale', async () => {
    coordinator.behaviour.startAttempt = () => coordinator.accept('diagnostic', { action: 'sleep', durationMs: 2_000, steps: 20 });
    coordinator.behaviour.reportMetrics = () => grpcError(grpc.status.FAILED_PRECONDITION, 'stale fencing token');
    const out = await executor.execute(job(), 'job-10');
    expect(out.status).toBe('stale');
    expect(coordinator.results).toEqual([]);
  });

  it('a stale token on ReportResult ends the attempt quietly', async () => {
    coordinator.behaviour.startAttempt = () => coordinator.accept('diagnostic', { action: 'noop' });
    coordinator.behaviour.reportResult = () => grpcError(grpc.status.FAILED_PRECONDITION, 'stale fencing token');
    expect((await executor.execute(job(), 'job-11')).status).toBe('stale');
    expect(coordinator.results).toHaveLength(1);
  });

  it('reports a worker shutdown as a retryable failure', async () => {
    coordinator.behaviour.startAttempt = () => coordinator.accept('diagnostic', { action: 'sleep', durationMs: 5_000, steps: 50 });
    const running = executor.execute(job(), 'job-12');
    await waitFor(() => attempts.size === 1, 2_000);
    executor.beginShutdown();
    expect(attempts.abortAll('shutdown', 'the worker is shutting down')).toBe(1);
    const out = await running;
    expect(out).toMatchObject({ status: 'failed', runStatus: 'retrying' });
    expect(coordinator.results[0]).toMatchObject({
      outcome: 'failed',
      error: { retryable: true, type: 'WorkerShutdown', message: 'the worker is shutting down' },
    });
  });

  it('turns a refused success into a non-retryable failure', async () => {
    coordinator.behaviour.startAttempt = () => coordinator.accept('diagnostic', { action: 'noop' });
    coordinator.behaviour.reportResult = (req) =>
      req.outcome === 'succeeded' ? grpcError(grpc.status.INVALID_ARGUMENT, 'result does not match the schema') : { runStatus: 'failed', modelIds: [] };
    const out = await executor.execute(job(), 'job-13');
    expect(out.status).toBe('failed');
    expect(coordinator.results.map((r) => r.outcome)).toEqual(['succeeded', 'failed']);
    expect(coordinator.results[1]!.error).toMatchObject({ type: 'ResultRejected', retryable: false });
  });

  it('retries ReportResult while the coordinator is briefly unavailable', async () => {
    let failures = 2;
    coordinator.behaviour.startAttempt = () => coordinator.accept('diagnostic', { action: 'noop' });
    coordinator.behaviour.reportResult = (req) =>
      failures-- > 0 ? grpcError(grpc.status.UNAVAILABLE, 'restarting') : { runStatus: req.outcome, modelIds: [] };
    expect((await executor.execute(job(), 'job-14')).status).toBe('succeeded');
    expect(coordinator.results).toHaveLength(3);
  });

  it('rejects with CoordinatorUnavailableError when StartAttempt cannot reach the coordinator', async () => {
    const down = new CoordinatorApi('127.0.0.1:1', { deadlineMs: 500 });
    const ex = new AttemptExecutor({
      api: down,
      workerId: () => 'w-1',
      backend: 'cpu',
      handlers,
      attempts,
      artifactsDir: '/tmp',
      logger: await silentLogger(),
    });
    await expect(ex.execute(job(), 'job-15')).rejects.toBeInstanceOf(CoordinatorUnavailableError);
    down.close();
  });
});
