// Main-thread side of the heartbeat thread: starts it, feeds it the running tokens and tensor count,
// and turns its messages into events. If the thread dies it is restarted (with backoff), so the
// coordinator keeps hearing from a worker whose main thread is healthy.
import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import { backoffDelay } from './backoff.js';
import type { FromThread, HeartbeatStatus, HeartbeatThreadData, ThreadCommand, ToThread } from './heartbeat-protocol.js';

export interface HeartbeatOptions {
  address: string;
  workerId: string;
  token?: string;
  tls?: { ca?: string };
  intervalMs: number;
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  initial?: HeartbeatStatus;
  /** The thread script; default: `heartbeat-thread.js` beside this file (the built dist). */
  threadUrl?: URL;
}

export interface HeartbeatEvents {
  command: [ThreadCommand];
  connected: [{ attempt: number }];
  disconnected: [{ error: string; reconnectInMs: number }];
  heartbeat: [{ sent: number }];
  log: [{ level: 'debug' | 'info' | 'warn' | 'error'; msg: string }];
  /** The thread itself failed (it is restarted). */
  error: [Error];
}

export const DEFAULT_THREAD_URL = new URL('./heartbeat-thread.js', import.meta.url);

export class HeartbeatThread extends EventEmitter<HeartbeatEvents> {
  private worker?: Worker;
  private status: HeartbeatStatus;
  private stopped = false;
  private restarts = 0;
  private restartTimer?: NodeJS.Timeout;
  heartbeatsSent = 0;
  connected = false;

  constructor(private readonly options: HeartbeatOptions) {
    super();
    this.status = options.initial ?? { runningTokens: [], numTensors: 0 };
  }

  start(): void {
    this.stopped = false;
    this.spawn();
  }

  private spawn(): void {
    const data: HeartbeatThreadData = {
      address: this.options.address,
      workerId: this.options.workerId,
      token: this.options.token,
      tls: this.options.tls,
      intervalMs: this.options.intervalMs,
      reconnectInitialMs: this.options.reconnectInitialMs ?? 200,
      reconnectMaxMs: this.options.reconnectMaxMs ?? 5_000,
      initial: this.status,
    };
    const worker = new Worker(this.options.threadUrl ?? DEFAULT_THREAD_URL, { workerData: data, name: 'anchorage-heartbeat' });
    this.worker = worker;
    // The worker process stays alive because of BullMQ and gRPC handles, not because of this thread.
    worker.unref();
    worker.on('message', (msg: FromThread) => this.onMessage(msg));
    worker.on('error', (err) => {
      if (this.listenerCount('error') > 0) this.emit('error', err);
    });
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = undefined;
      this.connected = false;
      if (this.stopped) return;
      const delay = backoffDelay(this.restarts++, { initialMs: 100, maxMs: 5_000 });
      this.emit('log', { level: 'error', msg: `heartbeat thread exited with code ${code}; restarting in ${delay} ms` });
      this.restartTimer = setTimeout(() => this.spawn(), delay);
    });
  }

  private onMessage(msg: FromThread): void {
    switch (msg.type) {
      case 'connected':
        this.connected = true;
        this.restarts = 0;
        this.emit('connected', { attempt: msg.attempt });
        break;
      case 'disconnected':
        this.connected = false;
        this.emit('disconnected', { error: msg.error, reconnectInMs: msg.reconnectInMs });
        break;
      case 'heartbeat':
        this.heartbeatsSent++;
        this.emit('heartbeat', { sent: this.heartbeatsSent });
        break;
      case 'command':
        this.emit('command', msg.command);
        break;
      case 'log':
        this.emit('log', { level: msg.level, msg: msg.msg });
        break;
      case 'stopped':
        break;
    }
  }

  /** The tokens of the running attempts and the live tensor count; sent with every heartbeat. */
  update(status: HeartbeatStatus): void {
    this.status = status;
    this.post({ type: 'status', status });
  }

  private post(msg: ToThread): void {
    this.worker?.postMessage(msg);
  }

  /** Ends the stream and the thread (terminated if it does not exit within `timeoutMs`). */
  async stop(timeoutMs = 2_000): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        void worker.terminate().then(() => resolve());
      }, timeoutMs);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage({ type: 'stop' } satisfies ToThread);
    });
    this.worker = undefined;
  }
}
