// Messages between the main thread and the heartbeat thread (postMessage; structured-clone safe).
import type { CancelAttempt__Output, Drain__Output } from '@anchorage/proto';

export interface HeartbeatThreadData {
  /** gRPC target of the coordinator. */
  address: string;
  workerId: string;
  token?: string;
  /** TLS to the coordinator (see CoordinatorClientOptions.tls). */
  tls?: { ca?: string };
  intervalMs: number;
  /** Reconnect backoff after the stream drops. */
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  /** Status known when the thread starts. */
  initial: HeartbeatStatus;
}

/** What the main thread knows and the thread cannot measure itself. */
export interface HeartbeatStatus {
  runningTokens: string[];
  numTensors: number;
}

export type ToThread = { type: 'status'; status: HeartbeatStatus } | { type: 'stop' };

export type FromThread =
  | { type: 'connected'; attempt: number }
  | { type: 'disconnected'; error: string; reconnectInMs: number }
  | { type: 'heartbeat'; sent: number }
  | { type: 'command'; command: ThreadCommand }
  | { type: 'log'; level: 'debug' | 'info' | 'warn' | 'error'; msg: string }
  | { type: 'stopped' };

export type ThreadCommand =
  | { kind: 'cancel'; cancel: CancelAttempt__Output }
  | { kind: 'drain'; drain: Drain__Output };
