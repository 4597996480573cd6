// Entry point: `node apps/worker/dist/main.js`. Configuration comes from the environment (see
// config.ts); SIGTERM/SIGINT stop taking jobs, abort and report running attempts, then exit 0.
import { ConfigError, loadWorkerConfig } from './config.js';
import { status } from '@grpc/grpc-js';
import { EXIT_CONFIG, EXIT_RECYCLE } from './supervise.js';
import { createLogger, startWorker, type RunningWorker } from './worker.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadWorkerConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  let worker: RunningWorker | undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1 || !worker) {
      logger.warn({ signal }, 'second signal or not started yet: exiting now');
      process.exit(signals > 1 ? 130 : 0);
    }
    logger.info({ signal }, 'shutting down');
    // Give running attempts time to report; then leave anyway.
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 30_000).unref();
    void worker.stop('signal').then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  try {
    worker = await startWorker(config, {
      logger,
      onStopped: (reason) => {
        if (reason === 'drain') process.exit(0);
        // EX_TEMPFAIL: the supervisor starts a fresh process in this one's place.
        if (reason === 'recycle') process.exit(EXIT_RECYCLE);
      },
    });
    logger.info({ workerId: worker.workerId, queues: worker.queues, backend: worker.backend.backend }, 'worker ready');
  } catch (err) {
    logger.fatal({ err }, 'worker failed to start');
    // Refused at Register (e.g. a resource class this device cannot serve): a restart would not help.
    process.exit((err as { code?: number }).code === status.INVALID_ARGUMENT ? EXIT_CONFIG : 1);
  }
}

void main();
