// Locked doors, tried from outside: API keys and roles on every endpoint, revocation at once, keys
// stored only as digests and never logged, the audit log, request limits, worker tokens on the
// coordinator (and a worker may report only its own attempts), and TLS for gRPC and HTTPS.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCoordinatorProto, type CoordinatorClient } from '@anchorage/proto';
import { freePort, startPlatform, type Platform } from '../support/platform.js';

const noop = { kind: 'diagnostic', spec: { action: 'noop' } };
const sleepy = { kind: 'diagnostic', resources: { accelerator: 'gpu' }, spec: { action: 'sleep', durationMs: 60_000 } };

function coordinator(address: string, credentials = grpc.credentials.createInsecure()): CoordinatorClient {
  const proto = loadCoordinatorProto();
  return new proto.anchorage.coordinator.v1.Coordinator(address, credentials);
}

function call<Res = any>(client: CoordinatorClient, method: string, request: object, token?: string): Promise<Res> {
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve, reject) => {
    (client as any)[method](request, metadata, { deadline: Date.now() + 5000 }, (error: grpc.ServiceError | null, response: Res) =>
      error ? reject(error) : resolve(response),
    );
  });
}

describe('API keys, roles, audit, limits and worker tokens', () => {
  let platform: Platform;
  let db: pg.Client;
  const keys: Record<string, { id: string; key: string }> = {};
  const as = (who: string) => ({ authorization: `Bearer ${keys[who].key}` });

  beforeAll(async () => {
    platform = await startPlatform({
      database: 'postgres',
      diagnostics: true,
      // Request logs at info, so the test can look for secrets in them.
      env: { LOG_LEVEL: 'info', ANCHORAGE_RATE_LIMIT_PER_MINUTE: '120', ANCHORAGE_BODY_LIMIT_BYTES: '65536' },
    });
    db = new pg.Client({ connectionString: platform.env.DATABASE_URL });
    await db.connect();
    for (const [name, role] of [['viewer', 'viewer'], ['alice', 'submitter'], ['bob', 'submitter'], ['worker', 'worker'], ['ops', 'admin']]) {
      const created = await platform.request('POST', '/v1/keys', { name, role });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ name, role, key: expect.stringMatching(/^anc_[\w-]{43}$/), prefix: created.body.key.slice(0, 10) });
      keys[name] = { id: created.body.id, key: created.body.key };
    }
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await platform?.stop();
  });

  it('needs a key on every endpoint except the health probes and (by default) /metrics', async () => {
    const none = await platform.request('GET', '/v1/runs', undefined, { authorization: '' });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    expect(none.body.error).toMatch(/API key is required/);
    expect((await platform.request('GET', '/v1/runs', undefined, { authorization: 'Bearer anc_not-a-real-key' })).status).toBe(401);
    expect((await platform.request('GET', '/v1/runs', undefined, { authorization: 'Basic Zm9vOmJhcg==' })).status).toBe(401);
    for (const path of ['/v1/catalog', '/v1/workers', '/v1/queues', '/v1/models', '/v1/sweeps', '/v1/pipelines', '/v1/events', '/v1/me']) {
      expect((await platform.request('GET', path, undefined, { authorization: '' })).status, path).toBe(401);
    }
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      expect((await fetch(`${platform.baseUrl}${path}`)).status, path).toBe(200);
    }
  });

  it('gives each role what it may do, and a submitter only its own runs', async () => {
    expect((await platform.request('GET', '/v1/me', undefined, as('alice'))).body).toEqual({ id: keys.alice.id, name: 'alice', role: 'submitter' });
    // Viewers read, and cannot submit.
    expect((await platform.request('GET', '/v1/runs', undefined, as('viewer'))).status).toBe(200);
    const viewerSubmit = await platform.request('POST', '/v1/runs', noop, as('viewer'));
    expect(viewerSubmit.status).toBe(403);
    expect(viewerSubmit.body.error).toMatch(/a viewer key cannot do this; it needs one of: admin, submitter/);
    // Submitters submit; the run is theirs.
    const mine = await platform.request('POST', '/v1/runs', sleepy, as('alice'));
    expect(mine.status).toBe(201);
    expect(mine.body.owner).toBe(keys.alice.id);
    // Another submitter may not cancel or retry it; its owner and admins may.
    const stolen = await platform.request('POST', `/v1/runs/${mine.body.id}/cancel`, undefined, as('bob'));
    expect(stolen.status).toBe(403);
    expect(stolen.body.error).toMatch(/belongs to another user/);
    expect((await platform.request('POST', `/v1/runs/${mine.body.id}/retry`, undefined, as('bob'))).status).toBe(403);
    expect((await platform.request('GET', `/v1/runs/${mine.body.id}`)).body.status).toBe('queued');
    expect((await platform.request('POST', `/v1/runs/${mine.body.id}/cancel`, undefined, as('alice'))).status).toBe(200);
    const other = await platform.request('POST', '/v1/runs', sleepy, as('alice'));
    expect((await platform.request('POST', `/v1/runs/${other.body.id}/cancel`, undefined, as('ops'))).status).toBe(200);
    // Admin-only endpoints; worker tokens have no REST access at all.
    for (const who of ['viewer', 'alice']) {
      expect((await platform.request('POST', '/v1/keys', { name: 'x', role: 'admin' }, as(who))).status, who).toBe(403);
      expect((await platform.request('GET', '/v1/keys', undefined, as(who))).status, who).toBe(403);
      expect((await platform.request('GET', '/v1/audit', undefined, as(who))).status, who).toBe(403);
      expect((await platform.request('POST', '/v1/workers/wkr_x/drain', undefined, as(who))).status, who).toBe(403);
    }
    expect((await platform.request('GET', '/v1/runs', undefined, as('worker'))).status).toBe(403);
    // Bad key requests name the field.
    const badKey = await platform.request('POST', '/v1/keys', { name: '', role: 'root' });
    expect(badKey.status).toBe(400);
    expect([...new Set(badKey.body.issues.map((i: any) => i.path))].sort()).toEqual(['name', 'role']);
  });

  it('stores keys as digests only, and a revoked key stops working at once', async () => {
    const created = await platform.request('POST', '/v1/keys', { name: 'short-lived', role: 'submitter' });
    const secret: string = created.body.key;
    expect((await platform.request('GET', '/v1/me', undefined, { authorization: `Bearer ${secret}` })).status).toBe(200);
    const { rows } = await db.query('SELECT * FROM api_keys WHERE id = $1', [created.body.id]);
    expect(rows[0].hash).toBe(createHash('sha256').update(secret).digest('hex'));
    const everything = JSON.stringify((await db.query('SELECT * FROM api_keys')).rows);
    for (const k of [secret, ...Object.values(keys).map((x) => x.key)]) expect(everything).not.toContain(k);

    const revoked = await platform.request('POST', `/v1/keys/${created.body.id}/revoke`);
    expect(revoked.status).toBe(201);
    expect(revoked.body.revokedAt).not.toBeNull();
    const after = await platform.request('GET', '/v1/me', undefined, { authorization: `Bearer ${secret}` });
    expect(after.status).toBe(401);
    expect(after.body.error).toBe('invalid or revoked API key');
    expect((await platform.request('POST', `/v1/keys/${created.body.id}/revoke`)).status).toBe(409);
    expect((await platform.request('GET', '/v1/keys')).body.keys.find((k: any) => k.id === created.body.id)).not.toHaveProperty('key');
  });

  it('audits who submitted, cancelled, created and revoked, with time and source', async () => {
    const run = await platform.request('POST', '/v1/runs', sleepy, as('bob'));
    await platform.request('POST', `/v1/runs/${run.body.id}/cancel`, undefined, as('bob'));
    const { events } = (await platform.request('GET', `/v1/audit?actor=${keys.bob.id}`)).body;
    expect(events.slice(0, 2).map((e: any) => [e.action, e.target, e.actorName, e.role])).toEqual([
      ['run.cancel', run.body.id, 'bob', 'submitter'],
      ['run.submit', run.body.id, 'bob', 'submitter'],
    ]);
    expect(events[0].source).toMatch(/127\.0\.0\.1/);
    expect(Date.now() - Date.parse(events[0].at)).toBeLessThan(60_000);
    const all = (await platform.request('GET', '/v1/audit?limit=1000', undefined, as('ops'))).body.events.map((e: any) => e.action);
    for (const action of ['key.create', 'key.revoke', 'run.submit', 'run.cancel']) expect(all).toContain(action);
    const keyEvents = (await platform.request('GET', '/v1/audit?action=key.create')).body.events;
    expect(keyEvents.find((e: any) => e.target === keys.alice.id)).toMatchObject({ actor: 'bootstrap', details: { name: 'alice', role: 'submitter' } });
    expect(JSON.stringify(keyEvents)).not.toContain(keys.alice.key);
  });

  it('bounds requests: body size, spec values and a per-key rate limit', async () => {
    const huge = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'fail', message: 'x'.repeat(100_000) } });
    expect(huge.status).toBe(413);
    const big = await platform.request('POST', '/v1/runs', { kind: 'train', spec: { steps: 10_000_000, batchSize: 1_000_000, model: { dim: 100_000 } } });
    expect(big.status).toBe(400);
    expect(big.body.issues.map((i: any) => i.path).sort()).toEqual(['spec.batchSize', 'spec.model.dim', 'spec.steps']);
    // 120 a minute per key: a burst from one key is cut off, another key is not.
    const statuses = await Promise.all(Array.from({ length: 130 }, () => platform.request('GET', '/v1/catalog', undefined, as('viewer')).then((r) => r.status)));
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(10);
    const limited = await platform.request('GET', '/v1/catalog', undefined, as('viewer'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
    expect((await platform.request('GET', '/v1/catalog', undefined, as('bob'))).status).toBe(200);
  });

  it('lets only worker tokens speak to the coordinator, and a worker report only for its own attempts', async () => {
    const client = coordinator(platform.grpcAddress);
    for (const token of [undefined, 'anc_wrong', keys.alice.key, platform.adminKey]) {
      await expect(call(client, 'GetVersion', {}, token)).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    }
    const worker = keys.worker.key;
    const register = (name: string) => call(client, 'Register', { name, host: 'test', backend: 'cpu', accelerators: [{ kind: 'gpu', model: 'test' }], capacity: 1, version: '0.1.0' }, worker);
    const [one, two] = [await register('one'), await register('two')];
    const run = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', resources: { accelerator: 'gpu' }, spec: { action: 'noop' } });
    const started = await call(client, 'StartAttempt', { workerId: one.workerId, runId: run.body.id, jobId: run.body.id, backend: 'cpu' }, worker);
    expect(started.accepted).toBe(true);
    const report = (workerId: string) =>
      call(client, 'ReportResult', { workerId, fencingToken: started.fencingToken, outcome: 'succeeded', resultJson: '{"action":"noop","durationMs":1}' }, worker);
    await expect(report(two.workerId)).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    await expect(call(client, 'ReportMetrics', { workerId: two.workerId, fencingToken: started.fencingToken, points: [{ name: 'x', step: 1, value: 1 }] }, worker)).rejects.toMatchObject({
      code: grpc.status.PERMISSION_DENIED,
    });
    expect((await platform.request('GET', `/v1/runs/${run.body.id}`)).body.status).toBe('running');
    expect((await report(one.workerId)).runStatus).toBe('succeeded');
    client.close();
  });

  it('never writes a key or token to the logs', async () => {
    await platform.request('GET', '/v1/runs?limit=1', undefined, { authorization: 'Bearer anc_this-secret-is-wrong-but-must-not-be-logged' });
    await new Promise((r) => setTimeout(r, 200));
    const logs = platform.processes.filter((p) => p.name === 'api').map((p) => p.output.join('')).join('\n');
    // Request logs are on (with their headers), so the check means something.
    expect(logs).toContain('"url":"/v1/runs?limit=1"');
    expect(logs).toContain('"authorization":"[redacted]"');
    for (const secret of [platform.adminKey, platform.env.ANCHORAGE_WORKER_TOKEN, 'anc_this-secret-is-wrong-but-must-not-be-logged', ...Object.values(keys).map((k) => k.key)]) {
      expect(logs).not.toContain(secret);
    }
  });
});

describe('TLS', () => {
  let platform: Platform;
  const dir = mkdtempSync(join(tmpdir(), 'anchorage-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');

  beforeAll(async () => {
    // A self-signed certificate for localhost, made here.
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    platform = await startPlatform({ database: 'postgres', diagnostics: true, env: { ANCHORAGE_GRPC_TLS_CERT: cert, ANCHORAGE_GRPC_TLS_KEY: key } });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('runs the coordinator over TLS: a worker trusting the certificate works, plaintext does not', async () => {
    const port = platform.grpcAddress.split(':').pop();
    const worker = await platform.startWorker({ ANCHORAGE_COORDINATOR: `localhost:${port}`, ANCHORAGE_COORDINATOR_CA: cert, ANCHORAGE_TF_BACKEND: 'cpu' });
    const run = await platform.request('POST', '/v1/runs', noop);
    expect((await platform.waitForRun(run.body.id, ['succeeded', 'failed'], 30_000)).status).toBe('succeeded');
    expect((await platform.request('GET', `/v1/runs/${run.body.id}`)).body.workerId).toBe(worker.workerId);
    const plaintext = coordinator(platform.grpcAddress);
    await expect(call(plaintext, 'GetVersion', {}, platform.env.ANCHORAGE_WORKER_TOKEN)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    plaintext.close();
    const secure = coordinator(`localhost:${port}`, grpc.credentials.createSsl(readFileSync(cert)));
    expect(await call(secure, 'GetVersion', {}, platform.env.ANCHORAGE_WORKER_TOKEN)).toMatchObject({ protocol: 'anchorage.coordinator.v1' });
    secure.close();
  }, 90_000);

  it('serves the REST API over HTTPS with the configured certificate', async () => {
    const [port, grpcPort] = [await freePort(), await freePort()];
    const api = platform.spawn('api-https', 'apps/api/dist/main.js', { ANCHORAGE_PORT: String(port), ANCHORAGE_GRPC_PORT: String(grpcPort), ANCHORAGE_TLS_CERT: cert, ANCHORAGE_TLS_KEY: key });
    const get = (path: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsGet({ host: '127.0.0.1', port, path, ca: readFileSync(cert), servername: 'localhost', headers: platform.auth() }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
      });
    await platform.waitFor(async () => (await get('/readyz')).status === 200, 60_000, 'the HTTPS API');
    const me = await get('/v1/me');
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ role: 'admin' });
    // Plain HTTP on the HTTPS port gets no API answer.
    const plain = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
    expect(plain).not.toBe(200);
    api.kill('SIGTERM');
  }, 90_000);
});
