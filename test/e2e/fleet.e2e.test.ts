// The fleet end to end, with real API and worker processes: placement in configured resource
// classes, the per-user concurrency limit, priorities, and `anchorage worker --procs 2` (one
// process per core, restarted after a crash, recycled after running out of memory, metrics on
// each health port).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT, sleep, startPlatform, stopProcess, type Platform } from '../support/platform.js';

const sleepRun = (ms: number, extra: Record<string, unknown> = {}) => ({
  kind: 'diagnostic',
  resources: { accelerator: 'cpu' },
  maxAttempts: 1,
  spec: { action: 'sleep', durationMs: ms, steps: 2 },
  ...extra,
});
const as = (key: string) => ({ authorization: `Bearer ${key}` });
/** A submitter key: each user of these tests is a real API key. */
const submitterKey = async (platform: Platform, name: string): Promise<string> =>
  (await platform.request('POST', '/v1/keys', { name, role: 'submitter' })).body.key;

describe('placement, fairness and priorities', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({
      database: 'pglite',
      diagnostics: true,
      env: {
        ANCHORAGE_RESOURCE_CLASSES: 'cpu=cpu,gpu=gpu,gpu-80g=gpu:80',
        ANCHORAGE_MAX_ACTIVE_RUNS_PER_USER: '2',
        ANCHORAGE_SCHEDULER_INTERVAL_MS: '200',
      },
    });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('refuses a run no class can serve, queues one whose class has no worker yet with a warning, and places it on a worker that can serve it', async () => {
    const impossible = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', resources: { accelerator: 'gpu', minDeviceMemoryGb: 500 }, spec: { action: 'noop' } });
    expect(impossible.status).toBe(400);
    expect(impossible.body.issues).toEqual([
      { path: 'resources.minDeviceMemoryGb', message: expect.stringMatching(/no resource class offers a gpu with at least 500 GB; configured classes: .*gpu-80g \(gpu, ≥80 GB\)/) },
    ]);

    const big = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', resources: { accelerator: 'gpu', minDeviceMemoryGb: 60 }, spec: { action: 'noop' } });
    expect(big.status).toBe(201);
    expect(big.body).toMatchObject({ status: 'queued', resourceClass: 'gpu-80g', resources: { accelerator: 'gpu', minDeviceMemoryGb: 60 } });
    expect(big.body.warnings).toEqual([expect.stringMatching(/no live worker consumes resource class gpu-80g/)]);

    // A worker whose device cannot serve the class it asks for is refused at Register and exits EX_CONFIG.
    const wrong = platform.spawn('worker-wrong', 'apps/worker/dist/main.js', { ANCHORAGE_WORKER_CLASSES: 'gpu-80g', ANCHORAGE_TF_BACKEND: 'cpu' });
    const code = await new Promise<number | null>((resolve) => wrong.once('exit', resolve));
    expect(code).toBe(78);
    expect(platform.logs()).toMatch(/gpu-80g: needs gpu with ≥80 GB; this worker has cpu/);

    // An 80 GB device serves every GPU class; the queued run goes to it.
    const gpu = await platform.startWorker({ ANCHORAGE_WORKER_DEVICE: 'gpu', ANCHORAGE_WORKER_DEVICE_MEMORY_GB: '80', ANCHORAGE_TF_BACKEND: 'cpu', ANCHORAGE_WORKER_NAME: 'big-gpu' });
    const done = await platform.waitForRun(big.body.id, ['succeeded', 'failed'], 30_000);
    expect(done).toMatchObject({ status: 'succeeded', workerId: gpu.workerId });
    const workers = (await platform.request('GET', '/v1/workers')).body.workers as any[];
    expect(workers.find((w) => w.id === gpu.workerId)).toMatchObject({
      resourceClasses: ['gpu', 'gpu-80g', 'any'],
      accelerators: [{ kind: 'gpu', memoryBytes: 80e9, cores: expect.any(Number) }],
    });
    const queues = (await platform.request('GET', '/v1/queues')).body.queues as any[];
    expect(queues.map((q) => [q.resourceClass, q.accelerator, q.minDeviceMemoryGb, q.workers])).toEqual([
      ['cpu', 'cpu', 0, 0],
      ['gpu', 'gpu', 0, 1],
      ['gpu-80g', 'gpu', 80, 1],
      ['any', 'any', 0, 1],
    ]);
    const metrics = await (await fetch(`${platform.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^anchorage_queue_depth\{class="gpu-80g"\} 0$/m);
    expect(metrics).toMatch(/^anchorage_queue_active\{class="cpu"\} 0$/m);
  }, 120_000);

  it("holds a user's runs beyond the per-user limit so another user's run is not starved", async () => {
    const worker = await platform.startWorker({ ANCHORAGE_WORKER_CLASSES: 'cpu', ANCHORAGE_TF_BACKEND: 'cpu' });
    const [aliceKey, bobKey] = [await submitterKey(platform, 'alice'), await submitterKey(platform, 'bob')];
    const alice = [];
    for (let i = 0; i < 5; i++) alice.push((await platform.request('POST', '/v1/runs', sleepRun(1200, { name: `alice ${i}` }), as(aliceKey))).body);
    const bob = (await platform.request('POST', '/v1/runs', sleepRun(200, { name: 'bob' }), as(bobKey))).body;
    expect(alice[0].owner).toMatch(/^key_/);
    expect(alice[0].owner).not.toBe(bob.owner);
    expect(alice.slice(0, 2).map((r) => r.warnings)).toEqual([undefined, undefined]);
    for (const held of alice.slice(2)) {
      expect(held.warnings).toEqual([expect.stringMatching(/already has 2 active runs \(the per-user limit\)/)]);
      expect(held.statusReason).toMatch(/waiting for one of key_[\w-]+'s 2 concurrency slots/);
    }
    expect(bob.warnings).toBeUndefined();

    const done = await Promise.all([...alice, bob].map((r) => platform.waitForRun(r.id, ['succeeded', 'failed'], 60_000)));
    expect(done.map((r) => r.status)).toEqual(Array(6).fill('succeeded'));
    const bobStarted = Date.parse(done[5].startedAt);
    const aliceBefore = done.slice(0, 5).filter((r) => Date.parse(r.startedAt) < bobStarted).length;
    // Without the limit Bob would start after all five of Alice's runs; with it, after at most two.
    expect(aliceBefore).toBeLessThanOrEqual(2);
    // Alice never had more than two runs started and not ended at once.
    const spans = done.slice(0, 5).map((r) => [Date.parse(r.startedAt), Date.parse(r.endedAt)]);
    for (const [start] of spans) expect(spans.filter(([s, e]) => s <= start && start < e).length).toBeLessThanOrEqual(2);
    await stopProcess(worker);
  }, 120_000);

  it('starts a higher-priority run before a lower one that was queued first', async () => {
    const worker = await platform.startWorker({ ANCHORAGE_WORKER_CLASSES: 'cpu', ANCHORAGE_TF_BACKEND: 'cpu' });
    const [carol, dave, erin] = [await submitterKey(platform, 'carol'), await submitterKey(platform, 'dave'), await submitterKey(platform, 'erin')];
    const blocker = (await platform.request('POST', '/v1/runs', sleepRun(1500), as(carol))).body;
    await platform.waitForRun(blocker.id, ['running'], 20_000);
    const low = (await platform.request('POST', '/v1/runs', sleepRun(100, { priority: -50 }), as(dave))).body;
    const high = (await platform.request('POST', '/v1/runs', sleepRun(100, { priority: 50 }), as(erin))).body;
    const [l, h] = await Promise.all([low, high].map((r) => platform.waitForRun(r.id, ['succeeded', 'failed'], 30_000)));
    expect(Date.parse(h.startedAt)).toBeLessThan(Date.parse(l.startedAt));
    await stopProcess(worker);
  }, 60_000);
});

describe('anchorage worker --procs 2', () => {
  let platform: Platform;
  let cli: ChildProcess | undefined;
  const output: string[] = [];

  beforeAll(async () => {
    platform = await startPlatform({ database: 'pglite', diagnostics: true, env: { ANCHORAGE_WORKER_DEADLINE_MS: '3000' } });
  }, 120_000);

  afterAll(async () => {
    if (cli && cli.exitCode === null) await stopProcess(cli, 'SIGKILL');
    await platform?.stop();
  });

  const supervised = async () => ((await platform.request('GET', '/v1/workers')).body.workers as any[]).filter((w) => w.name.startsWith('sup-'));

  it('runs one worker per process slot, restarts a crashed one, recycles one out of memory, and exports steps on each health port', async () => {
    const healthPort = await freePort();
    cli = spawn(process.execPath, [join(ROOT, 'packages/cli/bin/anchorage.js'), 'worker', '--procs', '2', '--device', 'cpu'], {
      cwd: ROOT,
      env: { ...process.env, ...platform.env, ANCHORAGE_WORKER_NAME: 'sup', ANCHORAGE_WORKER_HEALTH_PORT: String(healthPort), ANCHORAGE_TF_BACKEND: 'cpu' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cli.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
    cli.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
    const log = () => output.join('').slice(-6000);
    await platform.waitFor(async () => (await supervised()).filter((w) => w.connected).length === 2, 60_000, `two supervised workers\n${log()}`);
    const first = await supervised();
    expect(first.map((w) => w.name).sort()).toEqual(['sup-0', 'sup-1']);

    // Steps/s and step counts on each process's own /metrics.
    const train = await platform.request('POST', '/v1/runs', {
      kind: 'train',
      spec: { model: { preset: 'vit-ti', dim: 16, depth: 1, heads: 2 }, steps: 24, batchSize: 16, metricsEvery: 4 },
    });
    expect((await platform.waitForRun(train.body.id, ['succeeded', 'failed'], 90_000)).status).toBe('succeeded');
    const scrape = async (port: number) => (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const steps = (text: string) => Number(/^anchorage_worker_training_steps_total\{kind="train"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    const texts = await Promise.all([scrape(healthPort), scrape(healthPort + 1)]);
    expect(steps(texts[0]) + steps(texts[1])).toBe(24);
    expect(texts.join('\n')).toMatch(/^anchorage_worker_steps_per_second \d/m);

    // A crash (exit 70) is restarted: a new process registers under the same slot name.
    const crash = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', maxAttempts: 1, spec: { action: 'crash', exitCode: 70 } });
    await platform.waitFor(async () => (await supervised()).length === 3, 30_000, `a restarted worker\n${log()}`);
    expect(log()).toMatch(/worker process crashed; restarting/);
    expect((await platform.waitForRun(crash.body.id, ['failed'], 30_000)).attempts[0].status).toBe('lost');

    // A real allocation failure fails the attempt as retryable out-of-memory and recycles the process.
    const oom = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', maxAttempts: 1, spec: { action: 'oom' } });
    const failed = await platform.waitForRun(oom.body.id, ['failed'], 30_000);
    expect(failed.attempts[0].error).toMatch(/Array buffer allocation failed/);
    await platform.waitFor(async () => (await supervised()).length === 4, 30_000, `a recycled worker\n${log()}`);
    expect(log()).toMatch(/worker process ran out of memory; starting a fresh one/);
    await platform.waitFor(async () => (await supervised()).filter((w) => w.connected).length === 2, 30_000, 'two live workers again');

    // SIGTERM reaches every process through the CLI; all exit and the CLI exits 0.
    const exited = new Promise<number | null>((resolve) => cli!.once('exit', resolve));
    cli.kill('SIGTERM');
    expect(await Promise.race([exited, sleep(40_000).then(() => 'timeout')])).toBe(0);
    await platform.waitFor(async () => (await supervised()).every((w) => !w.connected), 15_000, 'workers gone');
  }, 240_000);
});
