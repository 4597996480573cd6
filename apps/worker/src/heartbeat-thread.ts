// Runs inside a worker_thread: the Connect stream and periodic heartbeats (DESIGN decision 4). A long
// synchronous TensorFlow.js op on the main thread cannot stop these heartbeats; the last status the
// main thread posted is reused until it posts a new one. Commands from the coordinator (cancel,
// drain) are forwarded to the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import type * as grpc from '@grpc/grpc-js';
import type { CoordinatorCommand__Output, WorkerMessage } from '@anchorage/proto';
import { backoffDelay } from './backoff.js';
import { CoordinatorApi, workerMetadata } from './coordinator-client.js';
import type { FromThread, HeartbeatStatus, HeartbeatThreadData, ToThread } from './heartbeat-protocol.js';

if (!parentPort) throw new Error('heartbeat-thread.js must run as a worker_thread');
const port = parentPort;
const data = workerData as HeartbeatThreadData;

function post(msg: FromThread): void {
  port.postMessage(msg);
}

let status: HeartbeatStatus = data.initial;
let stopping = false;
let call: grpc.ClientDuplexStream<WorkerMessage, CoordinatorCommand__Output> | undefined;
let timer: NodeJS.Timeout | undefined;
let reconnectTimer: NodeJS.Timeout | undefined;
let failures = 0;
let connects = 0;
let sent = 0;

const api = new CoordinatorApi(data.address, { token: data.token, tls: data.tls });

function heartbeat(): WorkerMessage {
  return {
    heartbeat: {
      workerId: data.workerId,
      runningTokens: status.runningTokens,
      rssBytes: process.memoryUsage.rss(),
      numTensors: status.numTensors,
    },
  };
}

function send(stream: typeof call): void {
  if (!stream || stopping) return;
  stream.write(heartbeat());
  sent++;
  post({ type: 'heartbeat', sent });
}

function connect(): void {
  if (stopping) return;
  reconnectTimer = undefined;
  connects++;
  const stream = api.client.Connect(workerMetadata(data.token));
  call = stream;
  let healthy = false;
  let closed = false;

  const onClosed = (reason: string) => {
    if (closed) return;
    closed = true;
    if (timer) clearInterval(timer);
    timer = undefined;
    if (call === stream) call = undefined;
    if (stopping) return;
    if (healthy) failures = 0;
    const delay = backoffDelay(failures++, { initialMs: data.reconnectInitialMs, maxMs: data.reconnectMaxMs });
    post({ type: 'disconnected', error: reason, reconnectInMs: delay });
    reconnectTimer = setTimeout(connect, delay);
  };

  const markHealthy = () => {
    if (healthy) return;
    healthy = true;
    failures = 0;
    post({ type: 'connected', attempt: connects });
  };

  stream.on('data', (cmd: CoordinatorCommand__Output) => {
    markHealthy();
    if (cmd.cancel) post({ type: 'command', command: { kind: 'cancel', cancel: cmd.cancel } });
    else if (cmd.drain) post({ type: 'command', command: { kind: 'drain', drain: cmd.drain } });
    // acks carry nothing the worker acts on
  });
  stream.on('metadata', markHealthy);
  stream.on('error', (err: Error) => onClosed(err.message));
  stream.on('end', () => {
    stream.end();
    onClosed('stream ended by the coordinator');
  });
  stream.on('close', () => onClosed('stream closed'));

  stream.write({ hello: { workerId: data.workerId } });
  send(stream);
  timer = setInterval(() => send(stream), data.intervalMs);
}

port.on('message', (msg: ToThread) => {
  if (msg.type === 'status') {
    status = msg.status;
  } else if (msg.type === 'stop') {
    stopping = true;
    if (timer) clearInterval(timer);
    if (reconnectTimer) clearTimeout(reconnectTimer);
    const stream = call;
    call = undefined;
    try {
      stream?.end();
      stream?.cancel();
    } catch {
      // already closed
    }
    api.close();
    post({ type: 'stopped' });
    port.close();
  }
});

connect();
