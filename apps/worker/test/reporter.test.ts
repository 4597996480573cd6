// The batching metrics reporter against a real grpc-js Coordinator server (the real proto).
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CoordinatorApi } from '../src/coordinator-client.js';
import { AttemptAbortedError } from '../src/errors.js';
import { MetricsReporter } from '../src/reporter.js';
import { FakeCoordinator, grpcError, waitFor } from './helpers/fake-coordinator.js';

let coordinator: FakeCoordinator;
let api: CoordinatorApi;

beforeAll(async () => {
  coordinator = await new FakeCoordinator().start();
  api = new CoordinatorApi(coordinator.address, { deadlineMs: 2_000, token: 'wt-1' });
});
afterAll(async () => {
  api.close();
  await coordinator.stop();
});
afterEach(() => {
  coordinator.metrics.length = 0;
  coordinator.behaviour = {};
});

function reporter(opts: Partial<ConstructorParameters<typeof MetricsReporter>[0]> = {}) {
  const controller = new AbortController();
  const r = new MetricsReporter({ api, fencingToken: 'tok-a', controller, ...opts });
  return { r, controller };
}

describe('MetricsReporter', () => {
  it('batches points into one call per interval and sends the rest on flush', async () => {
    const { r } = reporter({ intervalMs: 300, maxPoints: 1000 });
    const t0 = Date.now();
    for (let step = 1; step <= 50; step++) r.metric('train/loss', step, 1 / step);
    r.log('info', 'hello');
    r.progress(0.25);
    await waitFor(() => coordinator.metrics.length === 1, 2_000, 'first batch');
    // The first send goes out at once; a burst never makes more than one call.
    await new Promise((res) => setTimeout(res, 100));
    expect(coordinator.metrics).toHaveLength(1);
    const first = coordinator.metrics[0]!;
    expect(first.fencingToken).toBe('tok-a');
    expect(first.points).toHaveLength(50);
    expect(first.points[0]).toMatchObject({ name: 'train/loss', step: 1, value: 1 });
    expect(first.logs).toEqual([expect.objectContaining({ level: 'info', message: 'hello' })]);
    expect(first.progress).toBeCloseTo(0.25);

    // Second burst: must wait ~intervalMs after the first call.
    for (let step = 51; step <= 60; step++) r.metric('train/loss', step, 0.1);
    await waitFor(() => coordinator.metrics.length === 2, 2_000, 'second batch');
    const gap = Date.now() - t0;
    expect(gap).toBeGreaterThanOrEqual(290);
    expect(coordinator.metrics[1]!.points.map((p) => p.step)).toEqual([51, 52, 53, 54, 55, 56, 57, 58, 59, 60]);

    // Final flush sends what is buffered at once.
    r.metric('test/accuracy', 60, 0.9);
    r.progress(1);
    await r.close();
    expect(coordinator.metrics).toHaveLength(3);
    expect(coordinator.metrics[2]!.points).toEqual([expect.objectContaining({ name: 'test/accuracy', step: 60, value: 0.9 })]);
    expect(coordinator.metrics[2]!.progress).toBe(1);
    expect(r.acceptedPoints).toBe(61);
    // After close nothing more is sent.
    r.metric('late', 1, 1);
    await new Promise((res) => setTimeout(res, 350));
    expect(coordinator.metrics).toHaveLength(3);
    // The worker token travels as metadata.
    expect(coordinator.metadata.at(-1)!.get('authorization')).toEqual(['Bearer wt-1']);
  });

  it('sends a full batch of maxPoints at once, without waiting for the interval', async () => {
    const { r } = reporter({ intervalMs: 10_000, maxPoints: 200 });
    // Burn the first (immediate) send so the next one would have to wait 10 s.
    r.metric('warmup', 0, 0);
    await waitFor(() => coordinator.metrics.length === 1, 2_000);
    for (let i = 1; i <= 450; i++) r.metric('train/loss', i, i);
    await waitFor(() => coordinator.metrics.length === 3, 2_000, 'two full batches');
    expect(coordinator.metrics[1]!.points).toHaveLength(200);
    expect(coordinator.metrics[2]!.points).toHaveLength(200);
    await r.close();
    expect(coordinator.metrics).toHaveLength(4);
    expect(coordinator.metrics[3]!.points.map((p) => p.step)).toEqual(Array.from({ length: 50 }, (_, i) => 401 + i));
    // Every point arrived exactly once, in order.
    const steps = coordinator.metrics.slice(1).flatMap((m) => m.points.map((p) => p.step));
    expect(steps).toEqual(Array.from({ length: 450 }, (_, i) => i + 1));
  });

  it('aborts the attempt as cancelled when the coordinator answers cancelRequested', async () => {
    coordinator.behaviour.reportMetrics = (req) => ({ acceptedPoints: req.points.length, cancelRequested: true });
    const { r, controller } = reporter({ intervalMs: 50 });
    r.metric('diag/step', 1, 1);
    await waitFor(() => controller.signal.aborted, 2_000, 'abort');
    expect(controller.signal.reason).toBeInstanceOf(AttemptAbortedError);
    expect((controller.signal.reason as AttemptAbortedError).kind).toBe('cancelled');
    expect(r.isStale).toBe(false);
    await r.close();
  });

  it('aborts as stale on FAILED_PRECONDITION and reports nothing more', async () => {
    coordinator.behaviour.reportMetrics = () => grpcError(grpc.status.FAILED_PRECONDITION, 'stale fencing token');
    const { r, controller } = reporter({ intervalMs: 50 });
    r.metric('train/loss', 1, 1);
    await waitFor(() => controller.signal.aborted, 2_000, 'abort');
    expect((controller.signal.reason as AttemptAbortedError).kind).toBe('stale');
    expect(r.isStale).toBe(true);
    const calls = coordinator.metrics.length;
    r.metric('train/loss', 2, 1);
    await r.close();
    expect(coordinator.metrics).toHaveLength(calls);
  });

  it('keeps the batch while the coordinator is unavailable, then aborts as coordinator-lost', async () => {
    let fail = true;
    coordinator.behaviour.reportMetrics = (req) =>
      fail ? grpcError(grpc.status.UNAVAILABLE, 'down for maintenance') : { acceptedPoints: req.points.length, cancelRequested: false };
    const { r, controller } = reporter({ intervalMs: 50, lostAfterMs: 10_000 });
    r.metric('train/loss', 1, 1);
    r.metric('train/loss', 2, 2);
    await waitFor(() => coordinator.metrics.length >= 2, 2_000, 'retries');
    fail = false;
    await waitFor(() => coordinator.metrics.at(-1)!.points.length === 2 && r.calls === 1, 2_000, 'resend');
    expect(coordinator.metrics.at(-1)!.points.map((p) => p.step)).toEqual([1, 2]);
    expect(controller.signal.aborted).toBe(false);
    await r.close();

    fail = true;
    const lost = reporter({ intervalMs: 30, lostAfterMs: 200 });
    lost.r.metric('train/loss', 1, 1);
    await waitFor(() => lost.controller.signal.aborted, 3_000, 'coordinator-lost abort');
    expect((lost.controller.signal.reason as AttemptAbortedError).kind).toBe('coordinator-lost');
    await lost.r.close();
  });
});
