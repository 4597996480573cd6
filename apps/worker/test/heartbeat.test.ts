// The heartbeat worker_thread (built dist) against a real grpc-js Coordinator server.
import { afterEach, describe, expect, it } from 'vitest';
import { HeartbeatThread } from '../src/heartbeat.js';
import type { ThreadCommand } from '../src/heartbeat-protocol.js';
import { FakeCoordinator, waitFor } from './helpers/fake-coordinator.js';

// The thread must run from compiled JavaScript: the test command builds apps/worker first.
const THREAD_URL = new URL('../dist/heartbeat-thread.js', import.meta.url);

let coordinator: FakeCoordinator | undefined;
let thread: HeartbeatThread | undefined;

afterEach(async () => {
  await thread?.stop();
  await coordinator?.stop();
  thread = undefined;
  coordinator = undefined;
});

describe('heartbeat thread', () => {
  it('sends hello then heartbeats with the running tokens, and forwards cancel and drain', async () => {
    coordinator = await new FakeCoordinator().start();
    thread = new HeartbeatThread({
      address: coordinator.address,
      workerId: 'w-42',
      token: 'wt',
      intervalMs: 50,
      threadUrl: THREAD_URL,
      initial: { runningTokens: ['tok-1'], numTensors: 7 },
    });
    const commands: ThreadCommand[] = [];
    thread.on('command', (c) => commands.push(c));
    thread.start();

    await waitFor(() => coordinator!.heartbeats.length >= 3, 5_000, 'three heartbeats');
    expect(coordinator.hellos).toEqual([{ workerId: 'w-42' }]);
    const hb = coordinator.heartbeats[0]!;
    expect(hb.workerId).toBe('w-42');
    expect(hb.runningTokens).toEqual(['tok-1']);
    expect(hb.numTensors).toBe(7);
    expect(Number(hb.rssBytes)).toBeGreaterThan(1_000_000);
    expect(coordinator.metadata.some((m) => m.get('authorization')[0] === 'Bearer wt')).toBe(true);

    // Status posted by the main thread shows up in the next heartbeats.
    thread.update({ runningTokens: ['tok-1', 'tok-2'], numTensors: 99 });
    await waitFor(() => coordinator!.heartbeats.some((h) => h.runningTokens.length === 2 && h.numTensors === 99), 2_000, 'updated status');

    // Interval is honoured (roughly: 50 ms).
    const before = coordinator.heartbeats.length;
    await new Promise((r) => setTimeout(r, 500));
    const sent = coordinator.heartbeats.length - before;
    expect(sent).toBeGreaterThanOrEqual(5);
    expect(sent).toBeLessThanOrEqual(15);

    expect(coordinator.send({ cancel: { runId: 'run-1', fencingToken: 'tok-2', reason: 'cancelled by user' } })).toBe(1);
    coordinator.send({ drain: { reason: 'maintenance' } });
    await waitFor(() => commands.length === 2, 2_000, 'forwarded commands');
    expect(commands[0]).toEqual({ kind: 'cancel', cancel: { runId: 'run-1', fencingToken: 'tok-2', reason: 'cancelled by user' } });
    expect(commands[1]).toEqual({ kind: 'drain', drain: { reason: 'maintenance' } });
    expect(thread.connected).toBe(true);
  });

  it('keeps beating while the main thread is blocked', async () => {
    coordinator = await new FakeCoordinator().start();
    thread = new HeartbeatThread({ address: coordinator.address, workerId: 'w-b', intervalMs: 50, threadUrl: THREAD_URL });
    thread.start();
    await waitFor(() => coordinator!.heartbeats.length >= 1, 5_000, 'first heartbeat');
    // The server lives on this (main) thread too, so block, then count what arrived meanwhile:
    // the thread kept writing, the messages wait in the socket.
    const before = coordinator.heartbeats.length;
    const until = Date.now() + 600;
    while (Date.now() < until) {
      // a long synchronous op, like a big tfjs kernel
    }
    // 600 ms at 50 ms: ~12 heartbeats were written during the block. Had the thread been blocked as
    // well, only ~2 could arrive in the 100 ms that follow.
    await new Promise((r) => setTimeout(r, 100));
    expect(coordinator.heartbeats.length - before).toBeGreaterThanOrEqual(8);
  });

  it('reconnects with backoff after the coordinator goes away and comes back', async () => {
    coordinator = await new FakeCoordinator().start();
    const port = coordinator.port;
    thread = new HeartbeatThread({
      address: coordinator.address,
      workerId: 'w-r',
      intervalMs: 50,
      reconnectInitialMs: 50,
      reconnectMaxMs: 200,
      threadUrl: THREAD_URL,
    });
    const events: string[] = [];
    thread.on('connected', () => events.push('connected'));
    thread.on('disconnected', () => events.push('disconnected'));
    thread.start();
    await waitFor(() => coordinator!.heartbeats.length >= 2, 5_000, 'heartbeats');
    await coordinator.stop();
    await waitFor(() => events.includes('disconnected'), 5_000, 'disconnected event');

    // Same port: the thread's client keeps its target.
    coordinator = await new FakeCoordinator().start(port);
    await waitFor(() => coordinator!.heartbeats.length >= 2, 10_000, 'heartbeats after reconnect');
    expect(coordinator.hellos).toEqual([{ workerId: 'w-r' }]);
    await waitFor(() => events.filter((e) => e === 'connected').length >= 2, 2_000, 'second connected event');
  });
});
