// Composition of a worker process: backend, coordinator registration, heartbeat thread, queue
// runners, health endpoint, and the two ways to stop (signal: abort and report; drain: finish).
import { mkdir, readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import type { JobKind } from '@anchorage/contracts';
import { initBackend, tf, type BackendInfo } from '@anchorage/ml';
import { pino, type Logger } from 'pino';
import { AttemptRegistry } from './attempts.js';
import type { WorkerConfig } from './config.js';
import { CoordinatorApi, checkCompatible } from './coordinator-client.js';
import { detectDevice } from './devices.js';
import { AttemptExecutor } from './executor.js';
import { createHandlers } from './handlers/index.js';
import type { Handler } from './handlers/types.js';
import { startHealthServer, type HealthSnapshot } from './health.js';
import { HeartbeatThread } from './heartbeat.js';
import { WorkerMetrics } from './metrics.js';
import { QueueRunner } from './runner.js';
import { WORKER_VERSION } from './version.js';

export interface StartWorkerOptions {
  logger?: Logger;
  /** Replaces the handlers (tests). */
  handlers?: Partial<Record<JobKind, Handler>>;
  /** Called once the worker has stopped (after a drain command or stop()). */
  onStopped?: (reason: StopReason) => void;
}

/** signal: SIGTERM/SIGINT; drain: the coordinator asked; recycle: an out-of-memory error (exit 75, restart). */
export type StopReason = 'signal' | 'drain' | 'recycle';

export interface RunningWorker {
  workerId: string;
  backend: BackendInfo;
  device: 'cpu' | 'gpu';
  queues: string[];
  healthPort?: number;
  /** signal: abort running attempts (reported failed, retryable) and exit; drain: let them finish. */
  stop(reason: StopReason): Promise<void>;
}

export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'anchorage-worker', pid: process.pid } });
}

function numTensors(): number {
  try {
    return tf.memory().numTensors;
  } catch {
    return 0;
  }
}

export async function startWorker(config: WorkerConfig, options: StartWorkerOptions = {}): Promise<RunningWorker> {
  const logger = options.logger ?? createLogger(config.logLevel);
  let state: HealthSnapshot['status'] = 'starting';

  await mkdir(config.artifactsDir, { recursive: true });

  // 1. The TensorFlow.js backend, once, before taking jobs.
  const backend = await initBackend(config.tfBackend);
  const device: 'cpu' | 'gpu' = config.device === 'auto' ? (backend.backend === 'tensorflow-gpu' ? 'gpu' : 'cpu') : config.device;
  logger.info({ backend: backend.backend, detail: backend.detail, device }, 'TensorFlow.js backend ready');

  // 2. The coordinator: wait until it answers, check its version, register.
  // TLS: the CA file is read once here; the heartbeat thread gets its contents.
  const tls = config.coordinatorTls ? { ca: config.coordinatorTls.caFile ? await readFile(config.coordinatorTls.caFile, 'utf8') : undefined } : undefined;
  const api = new CoordinatorApi(config.coordinator, { token: config.workerToken, tls });
  const retry = {
    giveUpAfterMs: config.coordinatorWaitMs,
    onRetry: ({ attempt, delayMs, error }: { attempt: number; delayMs: number; error: Error }) =>
      logger.warn({ attempt: attempt + 1, retryInMs: delayMs, err: error.message }, `waiting for the coordinator at ${config.coordinator}`),
  };
  const version = await api.withRetry('GetVersion', (deadlineMs) => api.getVersion(deadlineMs), retry);
  checkCompatible(version, WORKER_VERSION);
  const deviceInfo = await detectDevice({ kind: device, backendDetail: backend.detail, memoryGbOverride: config.deviceMemoryGb });
  const registered = await api.registerWithRetry(
    {
      name: config.workerName,
      host: os.hostname(),
      backend: backend.backend,
      accelerators: [deviceInfo],
      capacity: config.concurrency,
      resourceClasses: config.resourceClasses,
      version: WORKER_VERSION,
      pid: process.pid,
    },
    retry,
  );
  const workerId = registered.workerId;
  api.workerId = workerId;
  // The coordinator decides the classes from the device and the cluster's configured classes.
  const resourceClasses = registered.resourceClasses.length > 0 ? registered.resourceClasses : [device, 'any'];
  const heartbeatIntervalMs = registered.heartbeatIntervalMs > 0 ? registered.heartbeatIntervalMs : 1_000;
  const log = logger.child({ workerId });
  log.info(
    { name: config.workerName, coordinator: config.coordinator, coordinatorVersion: version.version, heartbeatIntervalMs },
    'registered with the coordinator',
  );

  // 3. Attempts, heartbeats and commands.
  const attempts = new AttemptRegistry();
  const heartbeat = new HeartbeatThread({
    address: config.coordinator,
    workerId,
    token: config.workerToken,
    tls,
    intervalMs: heartbeatIntervalMs,
    initial: { runningTokens: [], numTensors: numTensors() },
  });
  const pushStatus = () => heartbeat.update({ runningTokens: attempts.tokens(), numTensors: numTensors() });
  attempts.on('change', pushStatus);
  const statusTimer = setInterval(pushStatus, heartbeatIntervalMs);
  statusTimer.unref();

  let stopping: Promise<void> | undefined;
  heartbeat.on('command', (cmd) => {
    if (cmd.kind === 'cancel') {
      const { runId, fencingToken, reason } = cmd.cancel;
      const found = attempts.abort(fencingToken, 'cancelled', reason || 'cancelled by the coordinator', runId);
      log.info({ runId, token: fencingToken, reason, found }, 'cancel command received');
    } else if (cmd.kind === 'drain') {
      log.info({ reason: cmd.drain.reason }, 'drain command received: handing running attempts back, then exiting');
      void stop('drain');
    }
  });
  let lastHeartbeatAt = 0;
  heartbeat.on('heartbeat', () => (lastHeartbeatAt = Date.now()));
  const metrics = new WorkerMetrics(
    { running: () => attempts.size, numTensors, lastHeartbeatAt: () => lastHeartbeatAt },
    { backend: backend.backend, device, classes: resourceClasses },
  );
  heartbeat.on('connected', ({ attempt }) => log.info({ attempt }, 'heartbeat stream connected'));
  heartbeat.on('disconnected', ({ error, reconnectInMs }) => log.warn({ error, reconnectInMs }, 'heartbeat stream lost; reconnecting'));
  heartbeat.on('log', ({ level, msg }) => log[level](msg));
  heartbeat.on('error', (err) => log.error({ err }, 'heartbeat thread failed'));
  heartbeat.start();

  // 4. Queue runners.
  const executor = new AttemptExecutor({
    api,
    workerId: () => workerId,
    backend: backend.backend,
    handlers: options.handlers ?? createHandlers({ diagnosticsEnabled: config.diagnosticsEnabled }),
    attempts,
    artifactsDir: config.artifactsDir,
    logger: log,
    metrics,
    onOutOfMemory: () => {
      log.error('an attempt ran out of memory: handing the rest back and exiting to be recycled');
      void stop('recycle');
    },
  });
  const runner = new QueueRunner({
    redisUrl: config.redisUrl,
    queuePrefix: config.queuePrefix,
    resourceClasses,
    concurrency: config.concurrency,
    executor,
    logger: log,
  });
  await runner.start();

  // 5. Health endpoint.
  let health: Server | undefined;
  if (config.healthPort > 0) {
    health = await startHealthServer(config.healthPort, () => ({
      status: state,
      workerId,
      name: config.workerName,
      version: WORKER_VERSION,
      backend: backend.backend,
      device,
      queues: runner.queues,
      capacity: config.concurrency,
      heartbeat: { connected: heartbeat.connected, sent: heartbeat.heartbeatsSent },
      numTensors: numTensors(),
      rssBytes: process.memoryUsage.rss(),
      running: attempts.list().map((a) => ({
        runId: a.runId,
        jobId: a.jobId,
        kind: a.kind,
        attempt: a.attemptNumber,
        fencingToken: a.token,
        startedAt: new Date(a.startedAt).toISOString(),
        aborted: a.controller.signal.aborted,
      })),
    }), metrics);
    log.info({ port: config.healthPort }, 'health endpoint listening on /healthz and /metrics');
  }
  state = 'ok';

  function stop(reason: StopReason): Promise<void> {
    stopping ??= (async () => {
      state = reason === 'signal' ? 'stopping' : 'draining';
      log.info({ reason, running: attempts.size }, 'stopping: no new jobs');
      // SIGTERM and drain alike hand running attempts back as retryable: they resume elsewhere.
      executor.beginShutdown();
      const closing = runner.close();
      const why = { signal: 'the worker is shutting down', drain: 'the worker is draining', recycle: 'the worker process is being recycled after running out of memory' }[reason];
      const n = attempts.abortAll('shutdown', why);
      if (n > 0) log.info({ aborted: n }, 'running attempts aborted; reporting them as retryable failures');
      await closing;
      clearInterval(statusTimer);
      await heartbeat.stop();
      api.close();
      await new Promise<void>((resolve) => (health ? health.close(() => resolve()) : resolve()));
      state = 'stopping';
      log.info({ reason }, 'worker stopped');
      options.onStopped?.(reason);
    })();
    return stopping;
  }

  return { workerId, backend, device, queues: runner.queues, healthPort: config.healthPort || undefined, stop };
}
