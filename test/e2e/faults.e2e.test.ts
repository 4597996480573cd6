// Faults on real processes: a worker killed with SIGKILL or frozen with SIGSTOP past the heartbeat
// deadline, an attempt that makes no progress, and cancellation in every state. Nothing is lost,
// nothing ends twice, and the fencing token turns away whatever the old holder still sends.
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sleep, startPlatform, type Platform } from '../support/platform.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/postgres-server.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';

const WORKER_DEADLINE_MS = 3000;
const TERMINAL = ['succeeded', 'failed', 'cancelled'];

/** Status events of a finished run, from its event stream's replay. */
async function statusHistory(platform: Platform, id: string): Promise<string[]> {
  const { events } = await platform.events(`/v1/runs/${id}/events?lastEventId=s0.m0.l0`, { until: (e) => e.some((x) => x.event === 'end') });
  return events.filter((e) => e.event === 'status').map((e) => e.data.status);
}

describe('faults', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({
      env: {
        ANCHORAGE_WORKER_DEADLINE_MS: String(WORKER_DEADLINE_MS),
        ANCHORAGE_LIVENESS_INTERVAL_MS: '250',
        ANCHORAGE_PROGRESS_DEADLINE_MS: '8000',
        // Long enough to catch a run in `retrying` and cancel it there.
        ANCHORAGE_RETRY_BASE_MS: '3000',
      },
    });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  // Every test starts its own workers and none outlives it, whatever the test did to them.
  const started: ChildProcess[] = [];
  const startWorker = async () => {
    const w = await platform.startWorker();
    started.push(w);
    return w;
  };
  afterEach(async () => {
    for (const child of started.splice(0)) await killHard(child);
  });

  const worker = async (id: string) => ((await platform.request('GET', '/v1/workers')).body.workers as any[]).find((w) => w.id === id);
  const run = async (id: string) => (await platform.request('GET', `/v1/runs/${id}`)).body;


  it('kill -9 of the worker training a run: another worker resumes from the last checkpoint and the run ends once', async () => {
    // Long enough (a few seconds on one core) that the kill lands mid-run however fast the step is.
    const STEPS = 1200;
    const EVERY = 40; // metrics every 40 steps: 30 points
    const CHECKPOINT_EVERY = 160;
    const first = await startWorker();
    const submitted = (
      await platform.request('POST', '/v1/runs', {
        kind: 'train',
        name: 'killed mid-way',
        spec: { model: { preset: 'vit-ti', dim: 16, depth: 1, heads: 2 }, steps: STEPS, batchSize: 16, metricsEvery: EVERY, checkpointEvery: CHECKPOINT_EVERY, learningRate: 3e-3 },
      })
    ).body;
    await platform.waitForRun(submitted.id, ['running']);
    // Up before the kill, so nothing but the kill happens between seeing the step and the kill.
    const second = await startWorker();
    // Past the second checkpoint, then the worker dies without a word.
    await platform.waitFor(async () => {
      const { metrics } = (await platform.request('GET', `/v1/runs/${submitted.id}/metrics?name=train/loss`)).body;
      return (metrics[0]?.points.at(-1)?.step ?? 0) >= 2 * CHECKPOINT_EVERY + EVERY;
    }, 90_000, 'training past the second checkpoint');
    first.kill('SIGKILL');
    const killedAt = Date.now();

    await platform.waitFor(async () => (await worker(first.workerId))?.status === 'dead', 15_000, 'the killed worker to be declared dead');
    const detectedMs = Date.now() - killedAt;
    expect(detectedMs).toBeLessThan(WORKER_DEADLINE_MS + 3000);

    const done = await platform.waitForRun(submitted.id, TERMINAL, 120_000);
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.attempts.map((a: any) => [a.status, a.workerId])).toEqual([
      ['lost', first.workerId],
      ['succeeded', second.workerId],
    ]);
    expect(done.attempts[0].endReason).toMatch(/missed heartbeats/);

    // The second attempt resumed from a checkpoint the first one wrote: its first step follows it.
    const logs = (await platform.request('GET', `/v1/runs/${submitted.id}/logs?limit=5000`)).body.lines as any[];
    const resumed = logs.find((l) => l.attempt === 2 && /resuming from the checkpoint at step \d+/.test(l.message));
    expect(resumed, logs.map((l) => `${l.attempt} ${l.message}`).join('\n')).toBeDefined();
    const checkpointStep = Number(/step (\d+)/.exec(resumed.message)![1]);
    expect(checkpointStep).toBeGreaterThanOrEqual(2 * CHECKPOINT_EVERY);
    expect(checkpointStep % CHECKPOINT_EVERY).toBe(0);
    expect(checkpointStep).toBeLessThan(STEPS);
    const { metrics } = (await platform.request('GET', `/v1/runs/${submitted.id}/metrics?name=train/loss`)).body;
    const points = metrics[0].points as { step: number; attempt: number }[];
    const steps = points.map((p) => p.step);
    expect(steps).toEqual(Array.from({ length: STEPS / EVERY }, (_, i) => (i + 1) * EVERY)); // every step once, none twice
    expect(Math.min(...points.filter((p) => p.attempt === 2).map((p) => p.step))).toBeGreaterThan(checkpointStep);

    expect((await statusHistory(platform, submitted.id)).filter((s) => TERMINAL.includes(s))).toEqual(['succeeded']);
  }, 240_000);

  it('a worker frozen past the deadline loses its attempt; after SIGCONT it is told so, its reports are refused, and it comes back', async () => {
    const frozen = await startWorker();
    const submitted = (await platform.request('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'sleep', durationMs: 6000, steps: 30 } })).body;
    const running = await platform.waitForRun(submitted.id, ['running'], 30_000);
    expect(running.attempts[0].workerId).toBe(frozen.workerId);
    const healthy = await startWorker();

    frozen.kill('SIGSTOP');
    const frozenAt = Date.now();
    await platform.waitFor(async () => (await worker(frozen.workerId))?.status === 'dead', 15_000, 'the frozen worker to be declared dead');
    expect(Date.now() - frozenAt).toBeLessThan(WORKER_DEADLINE_MS + 3000);
    await platform.waitFor(async () => (await run(submitted.id)).attempts[1]?.workerId === healthy.workerId, 20_000, 'a second attempt on the healthy worker');

    frozen.kill('SIGCONT');
    // It beats again, gets a cancel for the attempt it lost, drops it, and is online again.
    await platform.waitFor(async () => ['online', 'busy'].includes((await worker(frozen.workerId))?.status), 20_000, 'the thawed worker to come back');

    const done = await platform.waitForRun(submitted.id, TERMINAL, 60_000);
    expect(done.status).toBe('succeeded');
    expect(done.attempts.map((a: any) => a.status)).toEqual(['lost', 'succeeded']);
    expect((await statusHistory(platform, submitted.id)).filter((s) => TERMINAL.includes(s))).toEqual(['succeeded']);
  }, 120_000);

  it('cancels a run in every state within 5 s: queued, retrying (waiting for its delayed retry) and running', async () => {
    await startWorker();
    const cancelWithin = async (id: string) => {
      const started = Date.now();
      const answer = await platform.request('POST', `/v1/runs/${id}/cancel`);
      expect(answer.status).toBe(200);
      const ended = await platform.waitForRun(id, TERMINAL, 5000);
      expect(ended.status).toBe('cancelled');
      return Date.now() - started;
    };

    // Queued: no worker serves the gpu class here.
    const queued = (await platform.request('POST', '/v1/runs', { kind: 'diagnostic', resources: { accelerator: 'gpu' }, spec: { action: 'noop' } })).body;
    expect(await cancelWithin(queued.id)).toBeLessThan(5000);

    // Retrying: a retryable failure waits for its delayed retry.
    const flaky = (await platform.request('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'fail', retryable: true, message: 'flaky' } })).body;
    await platform.waitForRun(flaky.id, ['retrying'], 30_000);
    expect(await cancelWithin(flaky.id)).toBeLessThan(5000);
    await sleep(4000); // past the retry's delay: it must not run again
    const after = await run(flaky.id);
    expect(after.status).toBe('cancelled');
    expect(after.attempts).toHaveLength(1);

    // Running: aborted on the worker through its command stream.
    const long = (await platform.request('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'sleep', durationMs: 30_000, steps: 60 } })).body;
    await platform.waitForRun(long.id, ['running'], 30_000);
    expect(await cancelWithin(long.id)).toBeLessThan(5000);
  }, 120_000);

  it('an attempt that makes no progress past the deadline is taken back, and the run fails when no attempts are left', async () => {
    await startWorker();
    const submitted = (await platform.request('POST', '/v1/runs', { kind: 'diagnostic', maxAttempts: 1, spec: { action: 'hang' } })).body;
    const done = await platform.waitForRun(submitted.id, TERMINAL, 30_000);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/no progress reported for 8 s/);
    expect(done.attempts.map((a: any) => a.status)).toEqual(['lost']);
  }, 60_000);
});

describe('service restarts (default deadlines)', () => {
  let platform: Platform;
  let redis: PrivateRedis;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    platform = await startPlatform({ env: { REDIS_URL: redis.url, ANCHORAGE_RECONCILE_INTERVAL_MS: '2000' } });
    await platform.startWorker();
    await platform.startWorker();
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await redis?.stop();
  });

  it('the API restarting under a running attempt: the worker reconnects and the attempt carries on to success', async () => {
    const submitted = (await platform.request('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'sleep', durationMs: 8000, steps: 40 } })).body;
    await platform.waitForRun(submitted.id, ['running'], 30_000);
    await platform.restartApi();
    const done = await platform.waitForRun(submitted.id, TERMINAL, 60_000);
    expect(done.status).toBe('succeeded');
    expect(done.attempts.map((a: any) => a.status)).toEqual(['succeeded']);
    const { metrics } = (await platform.request('GET', `/v1/runs/${submitted.id}/metrics`)).body;
    expect(metrics.find((m: any) => m.name === 'diag/step').points.map((p: any) => p.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    // Its command stream comes back too (the heartbeat thread reconnects with backoff).
    await platform.waitFor(
      async () => ((await platform.request('GET', '/v1/workers')).body.workers as any[]).find((x) => x.id === done.attempts[0].workerId)?.connected === true,
      20_000,
      "the worker's command stream to reconnect",
    );
  }, 120_000);

  it('restarting Redis during a batch of 50 runs: every run ends succeeded, exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      ids.push((await platform.request('POST', '/v1/runs', { kind: 'diagnostic', name: `batch ${i}`, spec: { action: 'sleep', durationMs: 150, steps: 2 } })).body.id);
    }
    await platform.waitFor(async () => (await platform.request('GET', '/v1/runs?status=succeeded&q=batch&limit=1')).body.total >= 5, 60_000, 'the batch to start');
    await redis.restart(1500);

    await platform
      .waitFor(async () => (await platform.request('GET', '/v1/runs?status=succeeded&q=batch&limit=1')).body.total === 50, 120_000, 'all 50 runs to succeed after the restart')
      .catch(async (error) => {
        const { runs } = (await platform.request('GET', '/v1/runs?q=batch&limit=100')).body;
        const stuck = runs.filter((r: any) => r.status !== 'succeeded').map((r: any) => `${r.name}: ${r.status} (${r.statusReason})`);
        throw new Error(`${stuck.length} runs did not succeed: ${stuck.join('; ')}\n${(error as Error).message.slice(0, 2000)}`);
      });
    const { runs, total } = (await platform.request('GET', '/v1/runs?q=batch&limit=100')).body;
    expect(total).toBe(50);
    expect(runs.every((r: any) => r.status === 'succeeded')).toBe(true);
    for (const id of ids) {
      const { events } = await platform.events(`/v1/runs/${id}/events?lastEventId=s0.m0.l0`, { until: (e) => e.some((x) => x.event === 'end') });
      expect(events.filter((e) => e.event === 'status' && TERMINAL.includes(e.data.status)).map((e) => e.data.status)).toEqual(['succeeded']);
    }
  }, 240_000);
});

describe('Postgres outage', () => {
  let platform: Platform;
  let postgres: PrivatePostgres;

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    platform = await startPlatform({ databaseUrl: postgres.url });
    await platform.startWorker();
    await platform.startWorker();
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await postgres?.stop();
  });

  it('Postgres stopped for 10 s while runs report: only 503s, no metric batch lost, the runs finish once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      ids.push((await platform.request('POST', '/v1/runs', { kind: 'diagnostic', name: `through the outage ${i}`, spec: { action: 'sleep', durationMs: 16_000, steps: 80 } })).body.id);
    }
    for (const id of ids) await platform.waitForRun(id, ['running'], 30_000);

    await postgres.halt();
    const outageEnds = Date.now() + 10_000;
    const answers: number[] = [];
    let accepted = 0;
    while (Date.now() < outageEnds) {
      const read = await platform.request('GET', '/v1/runs?limit=5').catch(() => ({ status: 0, body: undefined }));
      const write = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', spec: { action: 'noop' } }).catch(() => ({ status: 0, body: undefined }));
      answers.push(read.status, write.status);
      if (write.status === 201) accepted++;
      await sleep(250);
    }
    await postgres.start();

    // The API stayed up and said 503 (never 500) while the database was away.
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((s) => s !== 503 && (s < 200 || s >= 300))).toEqual([]);
    expect(answers).toContain(503);

    for (const id of ids) {
      const done = await platform.waitForRun(id, TERMINAL, 90_000);
      expect(done.status, JSON.stringify(done)).toBe('succeeded');
      expect(done.attempts.map((a: any) => a.status)).toEqual(['succeeded']);
      // The workers kept every batch the coordinator could not store and sent it again.
      const { metrics } = (await platform.request('GET', `/v1/runs/${id}/metrics?name=diag/step`)).body;
      expect(metrics[0].points.map((p: any) => p.step)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
      expect((await statusHistory(platform, id)).filter((s) => TERMINAL.includes(s))).toEqual(['succeeded']);
    }
    // Refused submissions left nothing behind.
    expect((await platform.request('GET', '/v1/runs?limit=1')).body.total).toBe(2 + accepted);
  }, 180_000);
});

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGCONT'); // a stopped process must run to die
  child.kill('SIGKILL');
  await exited;
}
