// Health, the OpenAPI document, configuration gates and reconcile-on-start, against real processes.
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueName } from '@anchorage/contracts';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REDIS_URL, ROOT, sleep, startPlatform, type Platform } from '../support/platform.js';
import { startPrivateRedis } from '../support/redis-server.js';

describe('platform surface', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({ diagnostics: false });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('answers liveness and readiness', async () => {
    expect((await platform.request('GET', '/healthz')).body).toMatchObject({ status: 'ok' });
    const ready = await platform.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.info).toMatchObject({ database: { status: 'up', kind: 'pglite' }, redis: { status: 'up' } });
  });

  it('serves an OpenAPI document describing every endpoint, and Swagger UI at /docs', async () => {
    const doc = (await platform.request('GET', '/openapi.json')).body;
    expect(doc.openapi).toMatch(/^3\./);
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const expected of [
      'POST /v1/runs',
      'GET /v1/runs',
      'GET /v1/runs/{id}',
      'POST /v1/runs/{id}/cancel',
      'GET /v1/runs/{id}/metrics',
      'GET /v1/models',
      'GET /v1/models/{id}',
      'GET /v1/workers',
      'GET /healthz',
      'GET /readyz',
      'GET /v1/runs/{id}/logs',
      'GET /v1/runs/{id}/events',
      'GET /v1/events',
      'GET /v1/queues',
      'POST /v1/families',
      'GET /v1/families/{id}',
      'GET /v1/runs/{id}/stitches',
      'GET /v1/runs/{id}/frontier',
      'POST /v1/runs/{id}/stitches/{stitchId}/export',
      'POST /v1/runs/{id}/retry',
      'GET /v1/catalog',
      'POST /v1/workers/{id}/drain',
    ]) {
      expect(operations).toContain(expected);
    }
    expect(doc.paths['/v1/runs'].post.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateRunRequest' });
    for (const name of ['Run', 'RunList', 'Error', 'Model', 'Worker', 'CreateTrainRun', 'CreateEvaluateRun']) {
      expect(doc.components.schemas[name], name).toBeDefined();
    }
    const docs = await fetch(`${platform.baseUrl}/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });

  it('reports queue depths per resource class and serves bull-board under /admin/queues', async () => {
    const { queues } = (await platform.request('GET', '/v1/queues')).body;
    expect(queues.map((q: any) => q.accelerator)).toEqual(['cpu', 'gpu', 'any']);
    for (const q of queues) expect(q.depth).toBe(q.waiting + q.prioritized + q.dueDelayed);
    // Admins only: a browser sends the key as the Basic password; tools send a bearer token.
    expect((await fetch(`${platform.baseUrl}/admin/queues`)).status).toBe(401);
    const basic = { authorization: `Basic ${Buffer.from(`admin:${platform.adminKey}`).toString('base64')}` };
    const board = await fetch(`${platform.baseUrl}/admin/queues`, { headers: basic });
    expect(board.status).toBe(200);
    expect(board.headers.get('content-type')).toContain('text/html');
    const api = await (await fetch(`${platform.baseUrl}/admin/queues/api/queues`, { headers: platform.auth() })).json();
    expect(api.queues.map((q: any) => q.name).sort()).toEqual(['runs-any', 'runs-cpu', 'runs-gpu']);
  });

  it('refuses diagnostic runs unless enabled by configuration', async () => {
    const refused = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'noop' } });
    expect(refused.status).toBe(400);
    expect(refused.body.issues[0]).toMatchObject({ path: 'kind' });
  });

  it('validates family requests, and a family fails when a member run is cancelled', async () => {
    const bad = await platform.request('POST', '/v1/families', { name: 'x', members: ['vit-s', 'vit-s'], train: { steps: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.issues.map((i: any) => i.path)).toEqual(['members']);
    const badTrain = await platform.request('POST', '/v1/families', { name: 'x', train: { steps: 0 } });
    expect(badTrain.status).toBe(400);
    expect(badTrain.body.issues[0].path).toBe('train.steps');

    // No worker runs here, so the members stay queued.
    const family = (await platform.request('POST', '/v1/families', { name: 'doomed', members: ['vit-ti', 'vit-s'] })).body;
    expect(family.members.map((m: any) => m.runStatus)).toEqual(['queued', 'queued']);
    await platform.request('POST', `/v1/runs/${family.members[0].runId}/cancel`);
    const after = (await platform.request('GET', `/v1/families/${family.id}`)).body;
    expect(after.status).toBe('failed');
    expect((await platform.request('GET', '/v1/families')).body.families.map((f: any) => f.id)).toContain(family.id);
    await platform.request('POST', `/v1/runs/${family.members[1].runId}/cancel`);
  });

  it('answers 404 for unknown runs and models', async () => {
    expect((await platform.request('GET', '/v1/runs/run_missing')).status).toBe(404);
    expect((await platform.request('POST', '/v1/runs/run_missing/cancel')).status).toBe(404);
    expect((await platform.request('GET', '/v1/models/mdl_missing')).status).toBe(404);
  });
});

describe('reconcile on start', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({ diagnostics: true });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('enqueues again a queued run whose job vanished from Redis, and it then runs', async () => {
    const submitted = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'noop' } });
    const id = submitted.body.id as string;
    const queue = new Queue(queueName('any'), { connection: { url: REDIS_URL }, prefix: platform.queuePrefix });
    try {
      expect(await queue.getJob(id)).toBeDefined();
      await queue.obliterate({ force: true });
      expect(await queue.getJob(id)).toBeUndefined();

      await platform.restartApi();
      expect(await queue.getJob(id)).toBeDefined();
    } finally {
      await queue.close();
    }
    await platform.startWorker();
    const run = await platform.waitForRun(id, ['succeeded', 'failed'], 30_000);
    expect(run.status).toBe('succeeded');
    expect(run.attempts).toHaveLength(1);
  });
});

describe('worker drain', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({ diagnostics: true });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('POST /v1/workers/:id/drain hands the running attempt back, the worker exits, and another worker finishes the run', async () => {
    const first = await platform.startWorker();
    const workerId = ((await platform.request('GET', '/v1/workers')).body.workers as any[]).find((w) => w.connected).id;
    const submitted = (await platform.request('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'sleep', durationMs: 8_000, steps: 40 } })).body;
    await platform.waitForRun(submitted.id, ['running'], 30_000);

    const stream = platform.events(`/v1/events`, {
      until: (events) => events.some((e) => e.event === 'worker' && e.data.worker.id === workerId && e.data.worker.status === 'offline'),
    });
    await sleep(300);
    const exited = new Promise<number | null>((resolve) => first.once('exit', (code) => resolve(code)));
    const drained = await platform.request('POST', `/v1/workers/${workerId}/drain`);
    expect(drained.status, JSON.stringify(drained.body)).toBe(200);
    expect(drained.body).toMatchObject({ id: workerId, status: 'draining' });
    expect(await exited).toBe(0);

    // Handed back, not failed: the attempt ended retryable and the run waits for another worker.
    const handedBack = await platform.waitForRun(submitted.id, ['queued', 'retrying'], 30_000);
    expect(handedBack.attempts[0]).toMatchObject({ status: 'failed', endReason: 'infrastructure failure' });
    const { events } = await stream;
    const states = events.filter((e) => e.event === 'worker' && e.data.worker.id === workerId).map((e) => e.data.worker.status);
    // The stream samples the present (draining may last less than one poll); it ends offline.
    expect(states[states.length - 1]).toBe('offline');

    const again = await platform.request('POST', `/v1/workers/${workerId}/drain`);
    expect(again.status).toBe(409);
    expect((await platform.request('POST', '/v1/workers/wkr_nope/drain')).status).toBe(404);

    await platform.startWorker();
    const run = await platform.waitForRun(submitted.id, ['succeeded', 'failed'], 60_000);
    expect(run.status).toBe('succeeded');
    expect(run.attempts.map((a: any) => a.status)).toEqual(['failed', 'succeeded']);
  }, 120_000);
});

describe('Redis settings that lose jobs', () => {
  it('the API refuses to start on a Redis whose maxmemory-policy may evict keys, naming the setting', async () => {
    const redis = await startPrivateRedis(['--maxmemory-policy', 'allkeys-lru']);
    const dataDir = mkdtempSync(join(tmpdir(), 'anchorage-eviction-'));
    try {
      const child = spawn(process.execPath, [join(ROOT, 'apps/api/dist/main.js')], {
        env: {
          ...process.env,
          REDIS_URL: redis.url,
          DATABASE_URL: '',
          ANCHORAGE_DATA_DIR: dataDir,
          ANCHORAGE_PORT: String(await freePort()),
          ANCHORAGE_GRPC_PORT: String(await freePort()),
          LOG_LEVEL: 'error',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (chunk) => (stderr += chunk));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(code).toBe(2);
      expect(stderr).toContain('maxmemory-policy is "allkeys-lru"');
      expect(stderr).toContain('noeviction');
    } finally {
      await redis.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
