// One worker process per device: plans the slots (one per GPU, pinned with CUDA_VISIBLE_DEVICES, or
// one per CPU core, since the wasm backend is single-threaded) and keeps a process in each slot:
// a crashed process is restarted with backoff, one that exits to be recycled after running out of
// memory is restarted at once, one that drained (exit 0) leaves its slot empty.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import { promisify } from 'node:util';

/** Exit code of a worker that wants a fresh process (EX_TEMPFAIL): out of memory. */
export const EXIT_RECYCLE = 75;
/** Exit code of a worker with a bad configuration (EX_CONFIG): every slot would fail the same way. */
export const EXIT_CONFIG = 78;

export interface Slot {
  index: number;
  /** What the process is pinned to, for logs: `gpu 1` or `cpu 3`. */
  label: string;
  env: Record<string, string>;
}

export interface SlotPlanOptions {
  /** A number, or `auto`: one per GPU found, else one per CPU core. */
  procs: number | 'auto';
  device: 'cpu' | 'gpu' | 'auto';
  env: NodeJS.ProcessEnv;
  /** GPU ids on this machine (CUDA_VISIBLE_DEVICES, else nvidia-smi); [] when none. */
  gpus: string[];
  cpus: number;
  hostName: string;
}

export class SlotPlanError extends Error {}

/** Pure: the worker processes to run and the environment of each. */
export function planSlots(options: SlotPlanOptions): Slot[] {
  const { env, gpus } = options;
  const cpuBackend = ['wasm', 'cpu', 'tensorflow'].includes(env.ANCHORAGE_TF_BACKEND ?? '');
  const device = options.device === 'auto' ? (gpus.length > 0 && !cpuBackend ? 'gpu' : 'cpu') : options.device;
  if (device === 'gpu' && gpus.length === 0) throw new SlotPlanError('device gpu asked for, but no GPU was found (CUDA_VISIBLE_DEVICES is empty and nvidia-smi lists none)');
  const available = device === 'gpu' ? gpus.length : options.cpus;
  const count = options.procs === 'auto' ? available : options.procs;
  if (!Number.isInteger(count) || count < 1) throw new SlotPlanError(`procs must be a positive whole number or auto, got ${options.procs}`);
  if (device === 'gpu' && count > gpus.length) {
    throw new SlotPlanError(`--procs ${count} asks for more processes than GPUs (${gpus.length}: ${gpus.join(', ')}); one process per GPU`);
  }
  const baseName = env.ANCHORAGE_WORKER_NAME || options.hostName;
  const basePort = Number(env.ANCHORAGE_WORKER_HEALTH_PORT ?? 0);
  return Array.from({ length: count }, (_, index) => ({
    index,
    label: device === 'gpu' ? `gpu ${gpus[index]}` : `cpu ${index}`,
    env: {
      ANCHORAGE_WORKER_NAME: `${baseName}-${index}`,
      ANCHORAGE_WORKER_DEVICE: device,
      // Each GPU process sees exactly its own device; CPU processes see none.
      CUDA_VISIBLE_DEVICES: device === 'gpu' ? gpus[index] : '',
      ...(basePort > 0 ? { ANCHORAGE_WORKER_HEALTH_PORT: String(basePort + index) } : {}),
    },
  }));
}

/** GPU ids this machine offers: CUDA_VISIBLE_DEVICES when set, else the GPUs nvidia-smi lists. */
export async function listGpus(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined) return visible.split(',').map((s) => s.trim()).filter((s) => s !== '' && s !== '-1');
  try {
    const { stdout } = await promisify(execFile)('nvidia-smi', ['-L'], { timeout: 5_000 });
    return stdout.split('\n').filter((l) => /^GPU \d+/.test(l)).map((_, i) => String(i));
  } catch {
    return [];
  }
}

export function machineSlotOptions(): Pick<SlotPlanOptions, 'cpus' | 'hostName'> {
  return { cpus: os.availableParallelism(), hostName: os.hostname() };
}

export interface SupervisorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SupervisorOptions {
  slots: Slot[];
  /** Program and arguments of one worker process, e.g. [process.execPath, '.../main.js']. */
  command: [string, ...string[]];
  env?: NodeJS.ProcessEnv;
  logger: SupervisorLogger;
  /** Restart backoff after a crash: initial, doubling to max (ms). */
  restartInitialMs?: number;
  restartMaxMs?: number;
  /** A process that ran this long before crashing restarts without backoff (ms). */
  stableAfterMs?: number;
  /** How long stop() waits for processes after SIGTERM before SIGKILL (ms). */
  stopTimeoutMs?: number;
  stdio?: 'inherit' | 'pipe';
}

interface SlotState {
  slot: Slot;
  child: ChildProcess | null;
  startedAt: number;
  crashesInRow: number;
  restarts: number;
  recycles: number;
  /** Exited 0 (drained) or fatal: not restarted. */
  done: boolean;
  timer: NodeJS.Timeout | null;
}

export interface SupervisorEvents {
  spawn: [{ slot: number; pid: number }];
  exit: [{ slot: number; pid: number; code: number | null; signal: NodeJS.Signals | null; action: 'restart' | 'recycle' | 'done' | 'fatal' | 'stopped' }];
  /** Every slot is empty for good; the code the supervisor should exit with. */
  finished: [{ code: number }];
}

export class Supervisor extends EventEmitter<SupervisorEvents> {
  private readonly states: SlotState[];
  private stopping = false;
  private fatalCode = 0;

  constructor(private readonly options: SupervisorOptions) {
    super();
    this.states = options.slots.map((slot) => ({ slot, child: null, startedAt: 0, crashesInRow: 0, restarts: 0, recycles: 0, done: false, timer: null }));
  }

  start(): void {
    for (const state of this.states) this.spawn(state);
  }

  /** Live processes: slot index → pid. */
  pids(): Map<number, number> {
    return new Map(this.states.filter((s) => s.child?.pid).map((s) => [s.slot.index, s.child!.pid!]));
  }

  stats(): { slot: number; restarts: number; recycles: number; running: boolean }[] {
    return this.states.map((s) => ({ slot: s.slot.index, restarts: s.restarts, recycles: s.recycles, running: s.child !== null }));
  }

  /** Forwards `signal` to every process (they checkpoint and hand their attempts back) and waits. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.stopping = true;
    for (const state of this.states) {
      if (state.timer) clearTimeout(state.timer);
      state.timer = null;
      if (!state.child) state.done = true;
    }
    const live = this.states.filter((s) => s.child);
    const exited = live.map((s) => new Promise<void>((resolve) => s.child!.once('exit', () => resolve())));
    for (const s of live) s.child!.kill(signal);
    const killer = setTimeout(() => {
      for (const s of this.states) s.child?.kill('SIGKILL');
    }, this.options.stopTimeoutMs ?? 60_000);
    await Promise.all(exited);
    clearTimeout(killer);
  }

  private spawn(state: SlotState): void {
    const [program, ...args] = this.options.command;
    const child = spawn(program, args, {
      env: { ...(this.options.env ?? process.env), ...state.slot.env },
      stdio: this.options.stdio === 'pipe' ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'],
    });
    state.child = child;
    state.startedAt = Date.now();
    child.once('error', (err) => this.options.logger.error({ slot: state.slot.index, err: err.message }, 'worker process could not start'));
    child.once('exit', (code, signal) => this.onExit(state, child, code, signal));
    if (child.pid) {
      this.options.logger.info({ slot: state.slot.index, device: state.slot.label, pid: child.pid, name: state.slot.env.ANCHORAGE_WORKER_NAME }, 'worker process started');
      this.emit('spawn', { slot: state.slot.index, pid: child.pid });
    }
  }

  private onExit(state: SlotState, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    state.child = null;
    const base = { slot: state.slot.index, pid: child.pid ?? 0, code, signal };
    const action = this.stopping ? 'stopped' : code === 0 ? 'done' : code === EXIT_CONFIG ? 'fatal' : code === EXIT_RECYCLE ? 'recycle' : 'restart';
    this.emit('exit', { ...base, action });
    const { logger } = this.options;
    if (action === 'stopped' || action === 'done') {
      state.done = true;
      if (action === 'done') logger.info(base, 'worker process exited 0 (drained); its slot stays empty');
    } else if (action === 'fatal') {
      state.done = true;
      this.fatalCode = EXIT_CONFIG;
      logger.error(base, 'worker process has a bad configuration; stopping every slot');
      void this.stop();
    } else if (action === 'recycle') {
      state.recycles++;
      logger.warn(base, 'worker process ran out of memory; starting a fresh one');
      this.spawn(state);
    } else {
      const ranMs = Date.now() - state.startedAt;
      state.crashesInRow = ranMs >= (this.options.stableAfterMs ?? 60_000) ? 1 : state.crashesInRow + 1;
      const initial = this.options.restartInitialMs ?? 1_000;
      const delayMs = Math.min(initial * 2 ** (state.crashesInRow - 1), this.options.restartMaxMs ?? 30_000);
      state.restarts++;
      logger.warn({ ...base, restartInMs: delayMs, crashesInRow: state.crashesInRow }, 'worker process crashed; restarting');
      state.timer = setTimeout(() => {
        state.timer = null;
        if (!this.stopping) this.spawn(state);
      }, delayMs);
    }
    if (this.states.every((s) => s.done)) {
      this.emit('finished', { code: this.fatalCode });
    }
  }
}
