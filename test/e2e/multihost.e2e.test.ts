// Three hosts on one machine, made of network namespaces (support/netns.ts): a hub running Redis,
// Postgres and the API with its gRPC coordinator, and two worker hosts h1 and h2, each on its own
// link to the hub; the test itself reaches the API over a link of its own. h1's link is cut while
// it runs an attempt, without killing or freezing anything: the coordinator declares h1 dead and
// hands its run to h2, which finishes it. When the link comes back, h1's late reports for the lost
// attempt are refused by the fencing token, h1 drops the attempt, is online again under the same id
// and takes work again. Every run ends succeeded, exactly once, with every metric step once.
//
// Needs root and iproute2 (`ip netns`): skipped with a message where it cannot run, except under CI,
// where it fails instead.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetwork, netnsSupport, type Network } from '../support/netns.js';
import { sleep, startPlatform, stopProcess, type Platform } from '../support/platform.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/postgres-server.js';
import { startPrivateRedis, type PrivateRedis } from '../support/redis-server.js';

const WORKER_DEADLINE_MS = 3000;
/**
 * How long h1 stays cut off: longer than the workers' gRPC keepalive (10 s ping + 5 s timeout), so
 * the partition breaks h1's connections and it has to reconnect, not just resume a stalled one.
 */
const CUT_MS = 20_000;
const TERMINAL = ['succeeded', 'failed', 'cancelled'];
const HOSTS = ['h1', 'h2'] as const;

const support = netnsSupport();
const required = Boolean(process.env.CI);
if (!support.ok) {
  console.warn(
    required
      ? `multihost.e2e: CI is set, so this FAILS: ${support.reason}`
      : `multihost.e2e: SKIPPED, network namespaces are not usable here: ${support.reason} (run as root with iproute2)`,
  );
}

if (!support.ok && required) {
  describe('three hosts over network namespaces', () => {
    it('needs network namespaces (CI is set)', () => {
      throw new Error(`CI is set but network namespaces are not usable here: ${support.reason}`);
    });
  });
}

describe.skipIf(!support.ok)('three hosts over network namespaces', () => {
  let network: Network | undefined;
  let redis: PrivateRedis | undefined;
  let postgres: PrivatePostgres | undefined;
  let platform: Platform;
  const workers: Record<string, ChildProcess> = {};
  /** Everything h1 printed (Platform keeps only a tail). */
  let h1Output = '';

  beforeAll(async () => {
    network = createNetwork([...HOSTS]);
    const hub = network.hub;
    redis = await startPrivateRedis(['--maxmemory-policy', 'noeviction'], { netns: hub.ns, bind: '0.0.0.0', host: hub.address });
    postgres = await startPrivatePostgres({ netns: hub.ns, listen: '*', host: hub.address });
    platform = await startPlatform({
      netns: hub.ns,
      host: hub.address,
      databaseUrl: postgres.url,
      env: {
        REDIS_URL: redis.url,
        ANCHORAGE_HOST: '0.0.0.0',
        ANCHORAGE_GRPC_HOST: '0.0.0.0',
        ANCHORAGE_WORKER_DEADLINE_MS: String(WORKER_DEADLINE_MS),
        ANCHORAGE_LIVENESS_INTERVAL_MS: '250',
        ANCHORAGE_RETRY_BASE_MS: '200',
      },
    });
    const grpcPort = platform.grpcAddress.split(':').pop();
    for (const name of HOSTS) {
      const host = network.hosts[name];
      workers[name] = platform.spawn(
        name,
        'apps/worker/dist/main.js',
        {
          REDIS_URL: `redis://${host.hubAddress}:${redis.port}`,
          ANCHORAGE_COORDINATOR: `${host.hubAddress}:${grpcPort}`,
          ANCHORAGE_WORKER_NAME: name,
          ANCHORAGE_TF_BACKEND: 'cpu',
          ANCHORAGE_DIAGNOSTICS: '1',
        },
        { netns: host.ns },
      );
    }
    workers.h1.stdout?.on('data', (chunk: Buffer) => (h1Output += chunk.toString()));
  }, 120_000);

  afterAll(async () => {
    // Each step runs whatever the previous one did; the namespaces go last, with anything left inside.
    const steps: (() => Promise<void> | void)[] = [
      async () => {
        for (const child of Object.values(workers)) await stopProcess(child, 'SIGKILL');
      },
      () => platform?.stop(),
      () => redis?.stop(),
      () => postgres?.stop(),
      () => network?.destroy(),
    ];
    const errors: unknown[] = [];
    for (const step of steps) await Promise.resolve().then(step).catch((e: unknown) => errors.push(e));
    if (errors.length) throw errors[0];
  }, 60_000);

  const get = async (path: string) => (await platform.request('GET', path)).body;
  const listWorkers = async () => (await get('/v1/workers')).workers as any[];
  const worker = async (id: string) => (await listWorkers()).find((w) => w.id === id);
  const run = (id: string) => get(`/v1/runs/${id}`);
  const steps = async (id: string) => {
    const { metrics } = await get(`/v1/runs/${id}/metrics?name=diag/step`);
    return (metrics[0]?.points ?? []) as { step: number; attempt: number; time: string }[];
  };
  const submit = async (name: string, spec: Record<string, unknown>) => {
    const answer = await platform.request('POST', '/v1/runs', { kind: 'diagnostic', name, spec });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.id as string;
  };
  const statusHistory = async (id: string) => {
    const { events } = await platform.events(`/v1/runs/${id}/events?lastEventId=s0.m0.l0`, { until: (e) => e.some((x) => x.event === 'end') });
    return events.filter((e) => e.event === 'status').map((e) => e.data.status as string);
  };

  it('a host cut off mid-run: its run moves to the other host and ends once; back online, its late reports are refused', async () => {
    const t0 = Date.now();
    const phase: Record<string, number> = {};
    const mark = (name: string) => (phase[name] = Date.now() - t0);

    // 1. Both workers register from their own hosts.
    let registered: any[] = [];
    await platform.waitFor(
      async () => {
        registered = await listWorkers();
        return HOSTS.every((name) => registered.some((w) => w.name === name && w.status === 'online' && w.connected));
      },
      60_000,
      'h1 and h2 to register and connect',
    );
    expect(registered.map((w) => w.name).sort()).toEqual([...HOSTS]);
    const h1 = registered.find((w) => w.name === 'h1');
    const h2 = registered.find((w) => w.name === 'h2');
    mark('registered');

    // 2. Two runs at once: one on each host (each worker takes one job at a time).
    const longSpec = { action: 'sleep', durationMs: 4000, steps: 20 };
    const first = [await submit('multihost long 1', longSpec), await submit('multihost long 2', longSpec)];
    let held = '';
    await platform.waitFor(
      async () => {
        for (const id of first) {
          const r = await run(id);
          if (r.status === 'running' && r.attempts.length === 1 && r.attempts[0].workerId === h1.id) held = id;
        }
        // Cut once the attempt has stored a few steps: the cut lands mid-run.
        return held !== '' && (await steps(held)).length >= 2;
      },
      30_000,
      'h1 to be running one of the two runs',
    );
    const other = first.find((id) => id !== held)!;
    const lostToken = (await run(held)).attempts[0].fencingToken as string;
    mark('h1 running');

    // 3. Cut h1's link. Nothing is killed: h1 keeps running the attempt, unheard.
    const cutAt = Date.now();
    network!.cut('h1');
    const cutDoneAt = Date.now();
    await platform.waitFor(async () => (await worker(h1.id))?.status === 'dead', 15_000, 'h1 to be declared dead');
    const detectedMs = Date.now() - cutAt;
    // Not before the deadline (counted from its last beat, at most one heartbeat interval before the cut).
    expect(detectedMs).toBeGreaterThanOrEqual(WORKER_DEADLINE_MS - 1000);
    expect(detectedMs).toBeLessThan(WORKER_DEADLINE_MS + 4000);
    mark('h1 dead');

    const moved = await platform.waitForRun(held, TERMINAL, 30_000);
    expect(moved.status, JSON.stringify(moved)).toBe('succeeded');
    expect(moved.attempts.map((a: any) => [a.status, a.workerId])).toEqual([
      ['lost', h1.id],
      ['succeeded', h2.id],
    ]);
    expect(moved.attempts[0].endReason).toMatch(/missed heartbeats/);
    expect(moved.attempts[0].fencingToken).toBe(lostToken);
    expect(moved.attempts[1].fencingToken).not.toBe(lostToken);
    mark('moved run done');
    // Still cut off: h1 stays dead, whatever it is doing on its side.
    while (Date.now() - cutAt < CUT_MS) {
      expect((await worker(h1.id)).status).toBe('dead');
      await sleep(500);
    }

    // 4. Restore the link. h1 comes back under the same id (no second registration), is told the
    // attempt is no longer its own, and its reports for it are refused.
    const restoredAt = Date.now();
    network!.restore('h1');
    const refused = () => h1Output.split('\n').some((line) => line.includes(lostToken) && /fencing token refused|stale fencing token/.test(line));
    let onlineBeforeDropping = false;
    await platform.waitFor(
      async () => {
        const w = await worker(h1.id);
        const back = ['online', 'busy'].includes(w?.status) && w.connected === true;
        // The worker logs the refusal before it drops the attempt and beats without it; give its
        // log a second to come through the pipe on a loaded machine before judging the order.
        if (back && !refused()) {
          await sleep(1000);
          onlineBeforeDropping = !refused();
        }
        return back;
      },
      40_000,
      'h1 to be online and connected again',
    );
    mark('h1 back');
    await platform.waitFor(
      async () => refused(),
      30_000,
      "h1 to have its late reports for the lost attempt refused (its log saying so, with the lost attempt's token)",
    );
    mark('h1 refused');
    // Reconnecting is not coming back: a dead worker is online again only once it holds no taken attempt.
    expect(onlineBeforeDropping, 'h1 was shown online while it still held the attempt taken from it').toBe(false);
    expect((await listWorkers()).map((w) => [w.name, w.id]).sort()).toEqual([
      ['h1', h1.id],
      ['h2', h2.id],
    ]);

    // 5. h1 takes work again: of a batch of runs, some run on h1 (each worker takes one at a time,
    // so h2 alone would need them one after another).
    const batch: string[] = [];
    for (let i = 0; i < 4; i++) batch.push(await submit(`multihost after ${i}`, { action: 'sleep', durationMs: 1500, steps: 5 }));
    const finished = await Promise.all(batch.map((id) => platform.waitForRun(id, TERMINAL, 45_000)));
    expect(finished.map((r) => r.status)).toEqual(batch.map(() => 'succeeded'));
    expect(finished.some((r) => r.attempts.at(-1).workerId === h1.id), JSON.stringify(finished.map((r) => r.attempts))).toBe(true);
    mark('batch done');

    // 6. Settled: every run succeeded exactly once; the lost attempt stayed lost.
    const all = [...first, ...batch];
    expect((await get('/v1/runs?q=multihost&limit=100')).total).toBe(all.length);
    for (const id of all) {
      const r = await run(id);
      expect(r.status).toBe('succeeded');
      expect(r.attempts.filter((a: any) => a.status === 'succeeded')).toHaveLength(1);
      expect(r.attempts.filter((a: any) => a.status !== 'succeeded').map((a: any) => a.status)).toEqual(id === held ? ['lost'] : []);
      expect((await statusHistory(id)).filter((s) => TERMINAL.includes(s))).toEqual(['succeeded']);
      const n = r.spec.steps as number;
      expect((await steps(id)).map((p) => p.step)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    }
    expect((await run(other)).attempts.map((a: any) => a.workerId)).toEqual([h2.id]);
    // h1's late result (its handler finished during the cut) changed nothing.
    expect((await run(held)).attempts.map((a: any) => [a.number, a.status, a.workerId])).toEqual([
      [1, 'lost', h1.id],
      [2, 'succeeded', h2.id],
    ]);

    // Fencing, in the data: no point the lost attempt made after the cut was stored, though h1 went
    // on making them and sent them once the link was back; the later steps are the second attempt's.
    const points = await steps(held);
    const lostPoints = points.filter((p) => p.attempt === 1);
    expect(lostPoints.length).toBeGreaterThanOrEqual(2);
    expect(lostPoints.filter((p) => Date.parse(p.time) > cutDoneAt)).toEqual([]);
    expect(points.filter((p) => p.attempt === 2).length).toBeGreaterThan(0);
    expect(points.filter((p) => p.attempt !== 1 && p.attempt !== 2)).toEqual([]);

    console.log(
      `multihost phases (ms from start): ${JSON.stringify(phase)}; dead after ${detectedMs} ms; back ${phase['h1 back'] - (restoredAt - t0)} ms ` +
        `after the restore${onlineBeforeDropping ? ', shown online while still holding the lost attempt' : ''}`,
    );
  }, 150_000);
});
