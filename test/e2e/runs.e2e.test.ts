// The spine end to end: real API process (REST + gRPC coordinator), real worker process, real Redis,
// and each database backend (embedded PGlite and Postgres).
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCoordinatorProto, type CoordinatorClient } from '@anchorage/proto';
import { startPlatform, type Platform } from '../support/platform.js';

const TINY_TRAIN = {
  kind: 'train',
  name: 'tiny vit',
  spec: {
    model: { preset: 'vit-ti', dim: 16, depth: 1, heads: 2 },
    steps: 24,
    batchSize: 32,
    metricsEvery: 4,
    learningRate: 3e-3,
  },
};

/** A raw coordinator client that presents `token` (the platform's worker token by default). */
function coordinatorClient(platform: Platform, token = platform.env.ANCHORAGE_WORKER_TOKEN): CoordinatorClient & { token?: string } {
  const proto = loadCoordinatorProto();
  return Object.assign(new proto.anchorage.coordinator.v1.Coordinator(platform.grpcAddress, grpc.credentials.createInsecure()), { token });
}

function unary<Req, Res>(client: CoordinatorClient & { token?: string }, method: string, request: Req): Promise<Res> {
  const metadata = new grpc.Metadata();
  if (client.token) metadata.set('authorization', `Bearer ${client.token}`);
  return new Promise((resolve, reject) => {
    (client as any)[method](request, metadata, { deadline: Date.now() + 5000 }, (error: grpc.ServiceError | null, response: Res) =>
      error ? reject(error) : resolve(response),
    );
  });
}

describe.each(['pglite', 'postgres'] as const)('runs end to end on %s', (database) => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({ database, diagnostics: true });
    await platform.startWorker();
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('a tiny train run succeeds with metrics and a registered model; evaluate reproduces its test accuracy', async () => {
    const submitted = await platform.request('POST', '/v1/runs', TINY_TRAIN);
    expect(submitted.status).toBe(201);
    expect(submitted.body).toMatchObject({ kind: 'train', status: 'queued', spec: { steps: 24, batchSize: 32 } });

    const run = await platform.waitForRun(submitted.body.id, ['succeeded', 'failed', 'cancelled'], 90_000);
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    expect(run.backend).toBe('wasm');
    expect(run.attempts).toHaveLength(1);
    expect(run.attempts[0]).toMatchObject({ number: 1, status: 'succeeded', backend: 'wasm' });
    expect(run.result.steps).toBe(24);
    expect(run.result.testAccuracy).toBeGreaterThan(0.1);
    expect(run.progress).toBe(1);
    // Run tables show the worker and the kind's headline metric (the result's once succeeded).
    expect(run.workerId).toBe(run.attempts[0].workerId);
    expect(run.keyMetric).toEqual({ name: 'test/accuracy', value: run.result.testAccuracy, step: null });

    const metrics = (await platform.request('GET', `/v1/runs/${run.id}/metrics`)).body;
    const loss = metrics.metrics.find((m: any) => m.name === 'train/loss');
    expect(loss.points.map((p: any) => p.step)).toEqual([4, 8, 12, 16, 20, 24]);
    expect(loss.points.every((p: any) => Number.isFinite(p.value))).toBe(true);
    const only = (await platform.request('GET', `/v1/runs/${run.id}/metrics?name=train/accuracy`)).body;
    expect(only.metrics.map((m: any) => m.name)).toEqual(['train/accuracy']);

    const logs = (await platform.request('GET', `/v1/runs/${run.id}/logs?limit=1`)).body;
    expect(logs.lines).toHaveLength(1);
    expect(logs.lines[0].message).toMatch(/TensorFlow.js backend: wasm/);
    const rest = (await platform.request('GET', `/v1/runs/${run.id}/logs?after=${logs.nextCursor}`)).body;
    expect(rest.lines.length).toBeGreaterThan(0);
    expect(rest.lines.some((l: any) => /test accuracy/.test(l.message))).toBe(true);
    expect(rest.nextCursor).toBeNull();

    const model = (await platform.request('GET', `/v1/models/${run.result.modelId}`)).body;
    expect(model).toMatchObject({ id: run.result.modelId, kind: 'anchor', runId: run.id, params: run.result.params });
    expect(model.artifactUri).toMatch(/^file:\/\//);
    const listed = (await platform.request('GET', '/v1/models')).body;
    expect(listed.models.map((m: any) => m.id)).toContain(model.id);
    const produced = (await platform.request('GET', `/v1/models?runId=${run.id}`)).body;
    expect(produced.models.map((m: any) => m.id)).toEqual([model.id]);

    const evaluate = await platform.request('POST', '/v1/runs', { kind: 'evaluate', spec: { modelId: model.id } });
    expect(evaluate.status).toBe(201);
    const evaluated = await platform.waitForRun(evaluate.body.id, ['succeeded', 'failed'], 60_000);
    expect(evaluated.status, JSON.stringify(evaluated)).toBe('succeeded');
    expect(evaluated.result.modelId).toBe(model.id);
    // Same weights, same seeded split: the evaluation must agree with the training run's own test pass.
    expect(evaluated.result.accuracy).toBeCloseTo(run.result.testAccuracy, 6);
    expect(evaluated.result.count).toBe(2000);
  });

  it('a bad spec is a 400 naming each field, and nothing is stored', async () => {
    const before = (await platform.request('GET', '/v1/runs?limit=500')).body.runs.length;
    const bad = await platform.request('POST', '/v1/runs', { kind: 'train', spec: { steps: 0, batchSize: 'big' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('invalid train spec');
    expect(bad.body.issues.map((i: any) => i.path).sort()).toEqual(['spec.batchSize', 'spec.steps']);
    const unknownBase = await platform.request('POST', '/v1/runs', { kind: 'finetune', spec: { modelId: 'mdl_a' } });
    expect(unknownBase.status).toBe(400);
    expect(unknownBase.body.issues).toEqual([{ path: 'spec.modelId', message: 'model not found: mdl_a' }]);
    const missingAnchor = await platform.request('POST', '/v1/runs', { kind: 'stitch', spec: { anchors: ['mdl_a', 'mdl_b'] } });
    expect(missingAnchor.status).toBe(400);
    expect(missingAnchor.body.issues.map((i: any) => i.path)).toEqual(['spec.anchors.0', 'spec.anchors.1']);
    const missingModel = await platform.request('POST', '/v1/runs', { kind: 'evaluate', spec: { modelId: 'mdl_nope' } });
    expect(missingModel.status).toBe(400);
    expect(missingModel.body.issues).toEqual([{ path: 'spec.modelId', message: 'model not found: mdl_nope' }]);
    const notJson = await fetch(`${platform.baseUrl}/v1/runs`, { method: 'POST', headers: { 'content-type': 'application/json', ...platform.auth() }, body: '{' });
    expect(notJson.status).toBe(400);
    expect((await platform.request('GET', '/v1/runs?limit=500')).body.runs.length).toBe(before);
  });

  it('a repeated Idempotency-Key returns the same run', async () => {
    const key = `key-${Math.random()}`;
    const body = { kind: 'diagnostic', spec: { action: 'noop' } };
    const first = await platform.request('POST', '/v1/runs', body, { 'Idempotency-Key': key });
    const second = await platform.request('POST', '/v1/runs', body, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.body.id).toBe(first.body.id);
    const done = await platform.waitForRun(first.body.id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(done.attempts).toHaveLength(1);

    // Submissions racing with one key: one run is stored, every answer names it.
    const raceKey = `race-${Math.random()}`;
    const raced = await Promise.all(Array.from({ length: 6 }, () => platform.request('POST', '/v1/runs', body, { 'Idempotency-Key': raceKey })));
    expect(raced.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    expect(new Set(raced.map((r) => r.body.id)).size).toBe(1);
  });

  it('cancelling a queued run ends it cancelled and it never starts', async () => {
    // No GPU worker exists here, so a gpu run stays queued.
    const queued = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', resources: { accelerator: 'gpu' }, spec: { action: 'noop' } });
    expect(queued.body.status).toBe('queued');
    const cancelled = await platform.request('POST', `/v1/runs/${queued.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    expect(cancelled.body.attempts).toEqual([]);
    const again = await platform.request('POST', `/v1/runs/${queued.body.id}/cancel`);
    expect(again.status).toBe(409);
  });

  it('cancelling a running diagnostic run aborts it on the worker and ends it cancelled', async () => {
    const submitted = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'sleep', durationMs: 60_000, steps: 600 } });
    await platform.waitForRun(submitted.body.id, ['running']);
    const started = Date.now();
    await platform.request('POST', `/v1/runs/${submitted.body.id}/cancel`);
    const run = await platform.waitForRun(submitted.body.id, ['cancelled', 'succeeded', 'failed'], 10_000);
    expect(run.status).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(run.attempts[0]).toMatchObject({ status: 'cancelled' });
    expect(run.result).toBeNull();
  });

  it('a plain start and success write the run, its attempt and one event each, with times in UTC', async () => {
    // StartAttempt and ReportResult take one-statement paths for this common case; what they
    // write must be what the general transactions write.
    const before = Date.now();
    const submitted = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', name: 'plain', priority: 2, spec: { action: 'noop' } });
    expect(submitted.status).toBe(201);
    const run = await platform.waitForRun(submitted.body.id, ['succeeded', 'failed']);
    const after = Date.now();
    // The row the submission stored (one statement too) reads back as the run.
    const unchanged = ['id', 'kind', 'name', 'priority', 'owner', 'resources', 'resourceClass', 'maxAttempts', 'createdAt', 'spec', 'cancelRequestedAt', 'error'];
    for (const field of unchanged) expect(submitted.body[field], field).toEqual(run[field]);
    expect(submitted.body).toMatchObject({ status: 'queued', progress: 0, result: null, keyMetric: null, attempts: [], startedAt: null, endedAt: null, backend: null, workerId: null });
    expect(run).toMatchObject({ name: 'plain', priority: 2, spec: { action: 'noop' } });
    expect(run.status).toBe('succeeded');
    expect(run.result).toMatchObject({ action: 'noop' });
    expect(run.progress).toBe(1);
    expect(run.statusReason).toBe('attempt 1 succeeded');
    const [attempt] = run.attempts;
    expect(run.attempts).toHaveLength(1);
    expect(attempt).toMatchObject({ number: 1, status: 'succeeded', endReason: 'succeeded', backend: 'wasm', workerId: run.workerId });
    expect(attempt.fencingToken).toMatch(/^ft_1_[A-Za-z0-9_-]{22}$/);
    for (const time of [run.startedAt, run.endedAt, attempt.startedAt, attempt.endedAt]) {
      expect(Date.parse(time)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(time)).toBeLessThanOrEqual(after + 1000);
    }
    expect(Date.parse(run.startedAt)).toBeLessThanOrEqual(Date.parse(run.endedAt));
    const events = await platform.events(`/v1/runs/${run.id}/events?lastEventId=s0.m0.l0`, { until: (e) => e.some((x) => x.event === 'end') });
    const statuses = events.events.filter((e) => e.event === 'status').map((e) => [e.data.status, e.data.reason]);
    expect(statuses).toEqual([
      ['queued', 'submitted'],
      ['running', `attempt 1 started on worker ${run.workerId}`],
      ['succeeded', 'attempt 1 succeeded'],
    ]);
    for (const e of events.events.filter((x) => x.event === 'status')) {
      expect(Date.parse(e.data.time)).toBeGreaterThanOrEqual(before - 1000);
      expect(Date.parse(e.data.time)).toBeLessThanOrEqual(after + 1000);
    }
  });

  it('the coordinator rejects reports with an unknown or stale fencing token', async () => {
    const client = coordinatorClient(platform);
    try {
      await expect(unary(client, 'ReportMetrics', { workerId: 'wkr_forged', fencingToken: 'ft_1_forged', points: [{ name: 'x', step: 1, value: 1 }] })).rejects.toMatchObject({
        code: grpc.status.FAILED_PRECONDITION,
      });
      const done = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'noop' } });
      const run = await platform.waitForRun(done.body.id, ['succeeded']);
      const staleToken = run.attempts[0].fencingToken;
      await expect(unary(client, 'ReportResult', { workerId: run.attempts[0].workerId, fencingToken: staleToken, outcome: 'failed', error: { message: 'late' } })).rejects.toMatchObject({
        code: grpc.status.FAILED_PRECONDITION,
      });
      expect((await platform.waitForRun(done.body.id, ['succeeded'])).status).toBe('succeeded');
      const version = await unary<object, { protocol: string }>(client, 'GetVersion', {});
      expect(version.protocol).toBe('anchorage.coordinator.v1');
    } finally {
      client.close();
    }
  });

  it('lists runs newest first with filters and cursor pagination', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await platform.request('POST', '/v1/runs', { kind: 'diagnostic', resources: { accelerator: 'gpu' }, spec: { action: 'noop' } })).body.id);
    const page1 = (await platform.request('GET', '/v1/runs?kind=diagnostic&status=queued&limit=2')).body;
    expect(page1.runs.map((r: any) => r.id)).toEqual([ids[2], ids[1]]);
    const page2 = (await platform.request('GET', `/v1/runs?kind=diagnostic&status=queued&limit=2&cursor=${page1.nextCursor}`)).body;
    expect(page2.runs.map((r: any) => r.id)).toEqual([ids[0]]);
    expect(page2.nextCursor).toBeNull();
    expect(page1.total).toBe(3);
    expect(page2.total).toBe(3);
    const named = (await platform.request('POST', '/v1/runs', { kind: 'diagnostic', name: 'Needle In Haystack', resources: { accelerator: 'gpu' }, spec: { action: 'noop' } })).body;
    ids.push(named.id);
    const byName = (await platform.request('GET', '/v1/runs?q=needle%20in')).body;
    expect(byName.runs.map((r: any) => r.id)).toEqual([named.id]);
    expect(byName.total).toBe(1);
    const byId = (await platform.request('GET', `/v1/runs?q=${ids[1]}`)).body;
    expect(byId.runs.map((r: any) => r.id)).toEqual([ids[1]]);
    const bad = await platform.request('GET', '/v1/runs?status=sleeping');
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('status');
    for (const id of ids) await platform.request('POST', `/v1/runs/${id}/cancel`);
  });

  it('a job delivered again while its run is running opens a new attempt and fences off the old one', async () => {
    const client = coordinatorClient(platform);
    try {
      // A gpu run: no worker here consumes that queue, so only this test's fake worker touches it.
      const submitted = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', resources: { accelerator: 'gpu' }, spec: { action: 'noop' } });
      const { workerId } = await unary<object, { workerId: string }>(client, 'Register', {
        name: 'fake-gpu', host: 'test', backend: 'cpu', accelerators: [{ kind: 'gpu', model: 'test' }], capacity: 1, resourceClasses: ['gpu'], version: '0.1.0',
      });
      const start = () => unary<object, any>(client, 'StartAttempt', { workerId, runId: submitted.body.id, jobId: submitted.body.id, backend: 'cpu' });
      const first = await start();
      expect(first).toMatchObject({ accepted: true, attemptNumber: 1, kind: 'diagnostic' });
      expect(JSON.parse(first.specJson)).toEqual({ action: 'noop' });
      const second = await start();
      expect(second).toMatchObject({ accepted: true, attemptNumber: 2 });

      await expect(unary(client, 'ReportResult', { workerId, fencingToken: first.fencingToken, outcome: 'succeeded', resultJson: '{"action":"noop","durationMs":1}' })).rejects.toMatchObject({
        code: grpc.status.FAILED_PRECONDITION,
      });
      const done = await unary<object, any>(client, 'ReportResult', { workerId, fencingToken: second.fencingToken, outcome: 'succeeded', resultJson: '{"action":"noop","durationMs":1}' });
      expect(done.runStatus).toBe('succeeded');
      const run = (await platform.request('GET', `/v1/runs/${submitted.body.id}`)).body;
      expect(run.status).toBe('succeeded');
      expect(run.attempts.map((a: any) => a.status)).toEqual(['lost', 'succeeded']);
      // A third delivery of a finished run is refused.
      expect(await start()).toMatchObject({ accepted: false, reason: 'run is succeeded' });
    } finally {
      client.close();
    }
  });

  it('downsamples long metric series into buckets that keep a single-step spike', async () => {
    const client = coordinatorClient(platform);
    try {
      const submitted = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', resources: { accelerator: 'gpu' }, spec: { action: 'noop' } });
      const { workerId } = await unary<object, { workerId: string }>(client, 'Register', { name: 'fake', host: 'test', backend: 'cpu', accelerators: [{ kind: 'gpu', model: 'test' }], capacity: 1, resourceClasses: ['gpu'], version: '0.1.0' });
      const started = await unary<object, any>(client, 'StartAttempt', { workerId, runId: submitted.body.id, jobId: submitted.body.id, backend: 'cpu' });
      const points = Array.from({ length: 1000 }, (_, i) => ({ name: 'train/loss', step: i + 1, value: i + 1 === 777 ? 50 : 1 + (i % 7) / 100 }));
      for (let i = 0; i < points.length; i += 250) {
        await unary(client, 'ReportMetrics', { workerId, fencingToken: started.fencingToken, points: points.slice(i, i + 250), progress: -1 });
      }
      await unary(client, 'ReportMetrics', { workerId, fencingToken: started.fencingToken, points: [{ name: 'lr', step: 1, value: 0.1 }], progress: -1 });

      const full = (await platform.request('GET', `/v1/runs/${submitted.body.id}/metrics?name=train/loss`)).body.metrics[0];
      expect(full).toMatchObject({ name: 'train/loss', count: 1000, downsampled: false });
      expect(full.points).toHaveLength(1000);

      const sampled = (await platform.request('GET', `/v1/runs/${submitted.body.id}/metrics?maxPoints=50`)).body.metrics;
      const loss = sampled.find((m: any) => m.name === 'train/loss');
      expect(loss).toMatchObject({ count: 1000, downsampled: true });
      expect(loss.points.length).toBeLessThanOrEqual(50);
      expect(loss.points.reduce((n: number, p: any) => n + p.count, 0)).toBe(1000);
      const spike = loss.points.find((p: any) => p.step <= 777 && 777 <= p.stepEnd);
      expect(spike.max).toBe(50);
      expect(loss.points.filter((p: any) => p.max === 50)).toHaveLength(1);
      for (const p of loss.points) expect(p.min <= p.value && p.value <= p.max).toBe(true);
      expect(sampled.find((m: any) => m.name === 'lr')).toMatchObject({ count: 1, downsampled: false, points: [{ step: 1, value: 0.1 }] });

      const bad = await platform.request('GET', `/v1/runs/${submitted.body.id}/metrics?maxPoints=1`);
      expect(bad.status).toBe(400);
      expect(bad.body.issues[0].path).toBe('maxPoints');
      await unary(client, 'ReportResult', { workerId, fencingToken: started.fencingToken, outcome: 'succeeded', resultJson: '{"action":"noop","durationMs":1}' });
    } finally {
      client.close();
    }
  });

  it('streams a run\'s status, metrics and end as server-sent events, resumable with Last-Event-ID', async () => {
    const submitted = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'sleep', durationMs: 1500, steps: 6 } });
    const id = submitted.body.id;
    const first = await platform.events(`/v1/runs/${id}/events`, { until: (e) => e.some((x) => x.event === 'end') });
    expect(first.status).toBe(200);
    expect(first.events[0].event).toBe('snapshot');
    expect(first.events[0].data.id).toBe(id);
    const statuses = first.events.filter((e) => e.event === 'status').map((e) => e.data.status);
    expect(statuses.at(-1)).toBe('succeeded');
    const steps = first.events.filter((e) => e.event === 'metrics').flatMap((e) => e.data.points.map((p: any) => p.step));
    expect(steps).toEqual([1, 2, 3, 4, 5, 6]);
    expect(first.events.at(-1)).toMatchObject({ event: 'end', data: { status: 'succeeded' } });

    // Resume after the first metrics event: exactly what followed it comes again, nothing before it.
    const index = first.events.findIndex((e) => e.event === 'metrics');
    const resumed = await platform.events(`/v1/runs/${id}/events`, {
      headers: { 'Last-Event-ID': first.events[index].id! },
      until: (e) => e.some((x) => x.event === 'end'),
    });
    const content = (events: typeof first.events) => ({
      steps: events.filter((e) => e.event === 'metrics').flatMap((e) => e.data.points.map((p: any) => p.step)),
      statuses: events.filter((e) => e.event === 'status').map((e) => e.data.status),
    });
    expect(content(resumed.events)).toEqual(content(first.events.slice(index + 1)));
    expect(content(resumed.events).steps.length).toBeGreaterThan(0);
    expect(resumed.events.some((e) => e.event === 'snapshot')).toBe(false);
    expect(resumed.events.at(-1)!.id).toBe(first.events.at(-1)!.id);

    // From the very beginning of the run's history: queued, running, succeeded.
    const history = await platform.events(`/v1/runs/${id}/events?lastEventId=s0.m0.l0`, { until: (e) => e.some((x) => x.event === 'end') });
    expect(history.events.filter((e) => e.event === 'status').map((e) => e.data.status)).toEqual(['queued', 'running', 'succeeded']);

    const bad = await platform.events(`/v1/runs/${id}/events`, { headers: { 'Last-Event-ID': 'yesterday' }, until: () => true });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe('Last-Event-ID');
    const missing = await platform.events(`/v1/runs/run_nope/events`, { until: () => true });
    expect(missing.status).toBe(404);
  });

  it('streams status changes of every run on the global event stream', async () => {
    const stream = platform.events(`/v1/events`, {
      until: (e) => e.some((x) => x.event === 'status' && x.data.status === 'succeeded' && x.data.runId === runId),
    });
    await new Promise((r) => setTimeout(r, 300));
    const runId = (await platform.request('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'noop' } })).body.id;
    const { events } = await stream;
    expect(events.filter((e) => e.data?.runId === runId).map((e) => e.data.status)).toEqual(['queued', 'running', 'succeeded']);
  });

  it('retries a failed run: it is queued again with one more attempt, and only failed runs can be retried', async () => {
    const submitted = (await platform.request('POST', '/v1/runs', { kind: 'diagnostic', maxAttempts: 1, spec: { action: 'fail', message: 'boom' } })).body;
    const failed = await platform.waitForRun(submitted.id, ['failed', 'succeeded'], 30_000);
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toHaveLength(1);

    const retried = await platform.request('POST', `/v1/runs/${submitted.id}/retry`);
    expect(retried.status).toBe(200);
    // A fast worker may have taken it again already: the history tells that it was queued again.
    expect(retried.body.maxAttempts).toBe(2);
    await platform.waitFor(async () => (await platform.request('GET', `/v1/runs/${submitted.id}`)).body.attempts.length === 2, 30_000, 'the second attempt');
    const again = await platform.waitForRun(submitted.id, ['failed', 'succeeded'], 30_000);
    expect(again.attempts.map((a: any) => a.status)).toEqual(['failed', 'failed']);
    expect(again.status).toBe('failed');
    const { events } = await platform.events(`/v1/runs/${submitted.id}/events?lastEventId=s0.m0.l0`, { until: (e) => e.some((x) => x.event === 'end') });
    expect(events.filter((e) => e.event === 'status').map((e) => [e.data.status, e.data.reason])).toContainEqual(['queued', 'retried by user']);

    const running = (await platform.request('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'noop' } })).body;
    const done = await platform.waitForRun(running.id, ['succeeded'], 30_000);
    const refused = await platform.request('POST', `/v1/runs/${done.id}/retry`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/only failed runs/);
    expect((await platform.request('POST', '/v1/runs/run_nope/retry')).status).toBe(404);
  });

  it('a sweep of 6 trials runs 2 at a time and ranks its trials by the objective; the median rule stops a poor trial', async () => {
    const created = await platform.request('POST', '/v1/sweeps', {
      name: 'sleepy',
      base: { kind: 'diagnostic', spec: { action: 'sleep', durationMs: 100, steps: 2 } },
      parameters: { 'spec.durationMs': { values: [900, 300, 600] }, 'spec.steps': { values: [1, 3] } },
      concurrency: 2,
      objective: { field: 'durationMs', goal: 'min' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.trials).toHaveLength(6);
    expect(created.body.counts.active).toBeLessThanOrEqual(2);

    let sweep: any;
    await platform.waitFor(async () => {
      sweep = (await platform.request('GET', `/v1/sweeps/${created.body.id}`)).body;
      return sweep.status !== 'running';
    }, 60_000, 'the sweep to end');
    expect(sweep.status).toBe('succeeded');
    expect(sweep.counts).toMatchObject({ succeeded: 6, pending: 0, active: 0 });
    const objectives = sweep.trials.map((t: any) => t.objective);
    expect(objectives).toEqual([...objectives].sort((a, b) => a - b));
    expect(sweep.best.params['spec.durationMs'], JSON.stringify(sweep.trials)).toBe(300);

    // Never more than two trials submitted and not yet ended.
    const runs = await Promise.all(sweep.trials.map(async (t: any) => (await platform.request('GET', `/v1/runs/${t.runId}`)).body));
    const spans = runs.map((r: any) => [Date.parse(r.createdAt), Date.parse(r.endedAt)]);
    for (const [start] of spans) expect(spans.filter(([s, e]: number[]) => s <= start && start < e).length, JSON.stringify(spans)).toBeLessThanOrEqual(2);

    // The median rule: once two trials finished, a trial whose curve is worse than theirs is stopped.
    const pruned = await platform.request('POST', '/v1/sweeps', {
      name: 'pruned',
      base: { kind: 'diagnostic', spec: { action: 'sleep', durationMs: 1500, steps: 15 } },
      parameters: { 'spec.value': { values: [1, 2, 9] } },
      concurrency: 1,
      objective: { field: 'durationMs', goal: 'min' },
      earlyStopping: { metric: 'diag/value', goal: 'min', minSteps: 3, minTrials: 2 },
    });
    expect(pruned.status, JSON.stringify(pruned.body)).toBe(201);
    let prunedSweep: any;
    await platform.waitFor(async () => {
      prunedSweep = (await platform.request('GET', `/v1/sweeps/${pruned.body.id}`)).body;
      return prunedSweep.status !== 'running';
    }, 60_000, 'the pruned sweep to end');
    const byValue = Object.fromEntries(prunedSweep.trials.map((t: any) => [t.params['spec.value'], t.status]));
    expect(byValue).toEqual({ 1: 'succeeded', 2: 'succeeded', 9: 'stopped' });
    expect(prunedSweep.counts.stopped).toBe(1);

    const invalid = await platform.request('POST', '/v1/sweeps', {
      base: { kind: 'diagnostic', spec: { action: 'sleep' } },
      parameters: { 'spec.steps': { values: [1, 0] } },
      objective: { field: 'durationMs' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.issues[0].path).toBe('parameters.spec.steps');
    expect((await platform.request('GET', '/v1/sweeps/swp_nope')).status).toBe(404);
  });

  it('pipelines: outputs flow to later steps; a failed step skips its dependents or fails the pipeline as it says', async () => {
    const waitPipeline = async (id: string) => {
      let pipeline: any;
      await platform.waitFor(async () => {
        pipeline = (await platform.request('GET', `/v1/pipelines/${id}`)).body;
        return pipeline.status !== 'running';
      }, 60_000, 'the pipeline to end');
      return pipeline;
    };
    const step = (pipeline: any, id: string) => pipeline.steps.find((s: any) => s.id === id);

    const skipping = await platform.request('POST', '/v1/pipelines', {
      name: 'skip on failure',
      steps: [
        { id: 'nap', type: 'run', run: { kind: 'diagnostic', spec: { action: 'sleep', durationMs: 200, steps: 2 } } },
        // The second step's spec takes a value from the first step's result.
        { id: 'again', type: 'run', dependsOn: ['nap'], run: { kind: 'diagnostic', name: '${nap.runId}', spec: { action: 'noop' } } },
        { id: 'broken', type: 'run', onFailure: 'skip', run: { kind: 'diagnostic', spec: { action: 'fail', message: 'on purpose' } } },
        { id: 'after-broken', type: 'run', dependsOn: ['broken'], run: { kind: 'diagnostic', spec: { action: 'noop' } } },
      ],
    });
    expect(skipping.status, JSON.stringify(skipping.body)).toBe(201);
    const skipped = await waitPipeline(skipping.body.id);
    expect(skipped.status).toBe('succeeded');
    expect(Object.fromEntries(skipped.steps.map((s: any) => [s.id, s.status]))).toEqual({ nap: 'succeeded', again: 'succeeded', broken: 'failed', 'after-broken': 'skipped' });
    const again = (await platform.request('GET', `/v1/runs/${step(skipped, 'again').runId}`)).body;
    expect(again.name).toBe(step(skipped, 'nap').runId);

    // A failing step with the default onFailure fails the pipeline: the running step is cancelled, the rest skipped.
    const failing = await platform.request('POST', '/v1/pipelines', {
      steps: [
        { id: 'broken', type: 'run', run: { kind: 'diagnostic', spec: { action: 'fail' } } },
        { id: 'long', type: 'run', run: { kind: 'diagnostic', spec: { action: 'sleep', durationMs: 20_000, steps: 40 } } },
        { id: 'later', type: 'run', dependsOn: ['long'], run: { kind: 'diagnostic', spec: { action: 'noop' } } },
      ],
    });
    const failed = await waitPipeline(failing.body.id);
    expect(failed.status).toBe('failed');
    expect(Object.fromEntries(failed.steps.map((s: any) => [s.id, s.status]))).toEqual({ broken: 'failed', long: 'cancelled', later: 'skipped' });
    expect((await platform.waitForRun(step(failed, 'long').runId, ['cancelled', 'succeeded', 'failed'], 10_000)).status).toBe('cancelled');

    // Cancelling a pipeline cancels its running step.
    const cancelling = await platform.request('POST', '/v1/pipelines', { steps: [{ id: 'nap', type: 'run', run: { kind: 'diagnostic', spec: { action: 'sleep', durationMs: 20_000, steps: 40 } } }] });
    const cancelled = await platform.request('POST', `/v1/pipelines/${cancelling.body.id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', steps: [{ id: 'nap', status: 'cancelled' }] });
    expect((await platform.waitForRun(step(cancelled.body, 'nap').runId, ['cancelled', 'succeeded', 'failed'], 10_000)).status).toBe('cancelled');
    expect((await platform.request('POST', `/v1/pipelines/${cancelling.body.id}/cancel`)).status).toBe(409);

    const invalid = await platform.request('POST', '/v1/pipelines', { steps: [{ id: 'a', type: 'run', dependsOn: ['b'], run: { kind: 'diagnostic' } }] });
    expect(invalid.status).toBe(400);
    expect(invalid.body.issues[0]).toMatchObject({ path: 'steps.0.dependsOn', message: 'unknown step b' });
  });

  it('exposes Prometheus metrics: runs by status, queue depth per class, workers, heartbeat age, attempt durations', async () => {
    const done = (await platform.request('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'noop' } })).body;
    await platform.waitForRun(done.id, ['succeeded'], 30_000);
    const gpuDepth = async () => Number(/^anchorage_queue_depth\{class="gpu"\} (\d+)$/m.exec(await (await fetch(`${platform.baseUrl}/metrics`)).text())?.[1]);
    const before = await gpuDepth();
    const queued = (await platform.request('POST', '/v1/runs', { kind: 'diagnostic', resources: { accelerator: 'gpu' }, spec: { action: 'noop' } })).body;
    const response = await fetch(`${platform.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1]);
    const { total: succeeded } = (await platform.request('GET', '/v1/runs?status=succeeded&limit=1')).body;
    expect(value(/^anchorage_runs\{status="succeeded"\} (\d+)$/m)).toBe(succeeded);
    // Nothing serves the gpu class here: the new run adds one to its backlog.
    expect(value(/^anchorage_queue_depth\{class="gpu"\} (\d+)$/m)).toBe(before + 1);
    expect(value(/^anchorage_workers\{state="online"\} (\d+)$/m) + value(/^anchorage_workers\{state="busy"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^anchorage_worker_heartbeat_age_seconds\{[^}]*\} ([\d.e-]+)$/m)).toBeLessThan(5);
    expect(value(/^anchorage_attempt_duration_seconds_count\{kind="diagnostic",outcome="succeeded"\} (\d+)$/m)).toBeGreaterThan(0);
    expect(text).toContain('anchorage_api_process_cpu_seconds_total');
    await platform.request('POST', `/v1/runs/${queued.id}/cancel`);
  });

  it('describes the job catalog with a JSON Schema per kind', async () => {
    const { kinds } = (await platform.request('GET', '/v1/catalog')).body;
    expect(kinds.map((k: any) => k.kind)).toEqual(['train', 'stitch', 'finetune', 'evaluate', 'diagnostic']);
    const train = kinds.find((k: any) => k.kind === 'train');
    expect(train).toMatchObject({ supported: true, defaultAccelerator: 'any' });
    expect(train.specSchema.properties.steps).toMatchObject({ type: 'integer', default: expect.any(Number) });
    expect(kinds.every((k: any) => k.supported)).toBe(true);
    expect(kinds.find((k: any) => k.kind === 'finetune').specSchema.properties.method.enum).toEqual(['full', 'linear-probe', 'lora', 'spectral', 'subtuning']);
  });

  it('serves grpc.health.v1 for the coordinator', async () => {
    const Health = grpc.makeGenericClientConstructor(healthService, 'Health');
    const client = new Health(platform.grpcAddress, grpc.credentials.createInsecure()) as any;
    try {
      const check = (service: string) =>
        new Promise<any>((resolve, reject) => client.check({ service }, (e: Error | null, r: unknown) => (e ? reject(e) : resolve(r))));
      expect(await check('anchorage.coordinator.v1.Coordinator')).toEqual({ status: 'SERVING' });
      await expect(check('no.such.Service')).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    } finally {
      client.close();
    }
  });

  it('lists the worker with its backend and heartbeat', async () => {
    const { workers } = (await platform.request('GET', '/v1/workers')).body;
    const worker = workers.find((w: any) => w.connected);
    expect(worker).toMatchObject({ backend: 'wasm', resourceClasses: ['cpu', 'any'] });
    expect(worker.heartbeatAgeMs).toBeLessThan(5_000);
  });
});
