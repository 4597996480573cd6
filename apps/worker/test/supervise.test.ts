// The supervisor over real child processes: a small script stands in for the worker's main.js and
// exits the way a worker does (crash, out of memory, drained, bad config, or SIGTERM).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_CONFIG, EXIT_RECYCLE, planSlots, SlotPlanError, Supervisor, type SupervisorEvents } from '../src/supervise.js';

const quiet = { info() {}, warn() {}, error() {} };
const base = { env: {}, gpus: [], cpus: 2, hostName: 'node-a' };

describe('planSlots', () => {
  it('one process per CPU core with auto, named and ported per slot', () => {
    const slots = planSlots({ ...base, procs: 'auto', device: 'auto', env: { ANCHORAGE_WORKER_HEALTH_PORT: '9464' } });
    expect(slots.map((s) => s.env)).toEqual([
      { ANCHORAGE_WORKER_NAME: 'node-a-0', ANCHORAGE_WORKER_DEVICE: 'cpu', CUDA_VISIBLE_DEVICES: '', ANCHORAGE_WORKER_HEALTH_PORT: '9464' },
      { ANCHORAGE_WORKER_NAME: 'node-a-1', ANCHORAGE_WORKER_DEVICE: 'cpu', CUDA_VISIBLE_DEVICES: '', ANCHORAGE_WORKER_HEALTH_PORT: '9465' },
    ]);
  });

  it('one process per GPU, each pinned to its device', () => {
    const slots = planSlots({ ...base, procs: 'auto', device: 'auto', gpus: ['2', '5'], env: { ANCHORAGE_WORKER_NAME: 'gpu-box' } });
    expect(slots.map((s) => [s.label, s.env.CUDA_VISIBLE_DEVICES, s.env.ANCHORAGE_WORKER_NAME, s.env.ANCHORAGE_WORKER_DEVICE])).toEqual([
      ['gpu 2', '2', 'gpu-box-0', 'gpu'],
      ['gpu 5', '5', 'gpu-box-1', 'gpu'],
    ]);
    // A CPU backend on a GPU machine runs per core.
    expect(planSlots({ ...base, procs: 3, device: 'auto', gpus: ['0'], env: { ANCHORAGE_TF_BACKEND: 'wasm' } })).toHaveLength(3);
  });

  it('refuses impossible plans with a reason', () => {
    expect(() => planSlots({ ...base, procs: 3, device: 'gpu', gpus: ['0', '1'] })).toThrow(/more processes than GPUs \(2: 0, 1\)/);
    expect(() => planSlots({ ...base, procs: 1, device: 'gpu' })).toThrow(SlotPlanError);
    expect(() => planSlots({ ...base, procs: 0, device: 'cpu' })).toThrow(/positive whole number/);
  });
});

describe('Supervisor', () => {
  let supervisor: Supervisor | undefined;
  afterEach(async () => {
    await supervisor?.stop('SIGKILL');
    supervisor = undefined;
  });

  /** A stand-in worker: exits with the code in the file named by the slot, or waits for SIGTERM. */
  function script(): { path: string } {
    const dir = mkdtempSync(join(tmpdir(), 'anchorage-supervise-'));
    const path = join(dir, 'child.mjs');
    writeFileSync(
      path,
      `import { readFileSync, writeFileSync } from 'node:fs';
const file = ${JSON.stringify(dir)} + '/slot-' + process.env.ANCHORAGE_WORKER_NAME;
const plan = readFileSync(file, 'utf8').trim().split(',');
const next = plan.shift() ?? 'wait';
writeFileSync(file, plan.join(','));
if (next === 'wait') { process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000); }
else process.exit(Number(next));
`,
    );
    return { path };
  }

  function start(path: string, slots: number, plans: Record<number, string>): { events: SupervisorEvents['exit'][0][]; spawns: SupervisorEvents['spawn'][0][] } {
    const dir = join(path, '..');
    for (const [slot, plan] of Object.entries(plans)) writeFileSync(join(dir, `slot-w-${slot}`), plan);
    supervisor = new Supervisor({
      slots: Array.from({ length: slots }, (_, index) => ({ index, label: `cpu ${index}`, env: { ANCHORAGE_WORKER_NAME: `w-${index}` } })),
      command: [process.execPath, path],
      logger: quiet,
      restartInitialMs: 50,
      restartMaxMs: 200,
      stopTimeoutMs: 5_000,
      stdio: 'pipe',
    });
    const events: SupervisorEvents['exit'][0][] = [];
    const spawns: SupervisorEvents['spawn'][0][] = [];
    supervisor.on('exit', (e) => events.push(e));
    supervisor.on('spawn', (e) => spawns.push(e));
    supervisor.start();
    return { events, spawns };
  }

  const until = async (check: () => boolean, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('restarts a crashed process, recycles one out of memory at once, and leaves a drained slot empty', async () => {
    const { path } = script();
    const { events, spawns } = start(path, 2, { 0: `70,${EXIT_RECYCLE},wait`, 1: '0' });
    await until(() => spawns.length === 4 && supervisor!.pids().size === 1);
    expect(events.map((e) => [e.slot, e.code, e.action])).toEqual(
      expect.arrayContaining([
        [0, 70, 'restart'],
        [0, EXIT_RECYCLE, 'recycle'],
        [1, 0, 'done'],
      ]),
    );
    expect(supervisor!.stats()).toEqual([
      { slot: 0, restarts: 1, recycles: 1, running: true },
      { slot: 1, restarts: 0, recycles: 0, running: false },
    ]);
    // Three different processes served slot 0.
    expect(new Set(spawns.filter((s) => s.slot === 0).map((s) => s.pid)).size).toBe(3);
    const finished = new Promise<{ code: number }>((resolve) => supervisor!.once('finished', resolve));
    await supervisor!.stop();
    expect(await finished).toEqual({ code: 0 });
    expect(events.at(-1)).toMatchObject({ slot: 0, action: 'stopped' });
  });

  it('stops every slot when a process reports a bad configuration', async () => {
    const { path } = script();
    const { events } = start(path, 2, { 0: String(EXIT_CONFIG), 1: 'wait' });
    const finished = await new Promise<{ code: number }>((resolve) => supervisor!.once('finished', resolve));
    expect(finished).toEqual({ code: EXIT_CONFIG });
    expect(events.map((e) => e.action).sort()).toEqual(['fatal', 'stopped']);
  });
});
