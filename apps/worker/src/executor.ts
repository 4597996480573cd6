// Runs one queued job as one attempt: StartAttempt → validate → handler with a batching reporter →
// ReportResult. Knows nothing about BullMQ (the runner wraps it), so it can be driven directly.
//
// Outcome mapping (ReportResult):
//   handler returned, signal not aborted         → succeeded (result JSON + produced models)
//   aborted: cancelled (command or cancel flag)  → cancelled
//   aborted: worker shutting down                → failed, retryable, type WorkerShutdown
//   aborted: coordinator lost (reports failing)  → failed, retryable, type CoordinatorUnavailableError
//   aborted: stale fencing token                 → nothing is reported (the coordinator refused us)
//   handler threw                                → failed, retryable per classifyError()
//   bad spec / inputs / unknown kind             → failed, not retryable (ValidationError)
import { JOB_KINDS, parseSpec, type JobKind, type RunJobData } from '@anchorage/contracts';
import type { ProducedModel, ReportResultRequest, StartAttemptResponse__Output } from '@anchorage/proto';
import type { Logger } from 'pino';
import { AttemptRegistry } from './attempts.js';
import { backoffDelay, sleep } from './backoff.js';
import { isStaleToken, isUnavailable, type CoordinatorApi } from './coordinator-client.js';
import {
  AttemptAbortedError,
  CoordinatorUnavailableError,
  NonRetryableError,
  ValidationError,
  classifyError,
  OUT_OF_MEMORY_TYPE,
  type AbortKind,
} from './errors.js';
import type { Handler, HandlerResult, ProducedModelSpec } from './handlers/types.js';
import { MetricsReporter } from './reporter.js';
import type { WorkerMetrics } from './metrics.js';

export interface ExecutorOptions {
  api: Pick<CoordinatorApi, 'startAttempt' | 'reportMetrics' | 'reportResult' | 'saveCheckpoint'>;
  /** Worker id from Register (a function: it may change after a re-register). */
  workerId: () => string;
  backend: string;
  handlers: Partial<Record<JobKind, Handler>>;
  attempts: AttemptRegistry;
  artifactsDir: string;
  logger: Logger;
  /** After an abort, how long to wait for the handler to stop before reporting anyway (ms). */
  abortGraceMs?: number;
  /** How long ReportResult is retried while the coordinator is unreachable (ms). */
  reportRetryMs?: number;
  reporter?: { intervalMs?: number; maxPoints?: number; lostAfterMs?: number };
  /** The process's Prometheus metrics (steps, attempt durations). */
  metrics?: Pick<WorkerMetrics, 'stepCounter' | 'attemptEnded'>;
  /** Called after an attempt failed out of memory has been reported: the process should be recycled. */
  onOutOfMemory?: () => void;
}

export type ExecutionOutcome =
  | { status: 'dropped'; reason: string }
  | { status: 'succeeded' | 'failed' | 'cancelled'; runStatus: string; token: string; modelIds: string[] }
  | { status: 'stale'; token: string };

const ABORT_ERROR_TYPES: Record<Exclude<AbortKind, 'cancelled' | 'stale'>, string> = {
  shutdown: 'WorkerShutdown',
  'coordinator-lost': 'CoordinatorUnavailableError',
};

export class AttemptExecutor {
  private readonly abortGraceMs: number;
  private readonly reportRetryMs: number;
  private shuttingDown = false;

  constructor(private readonly options: ExecutorOptions) {
    this.abortGraceMs = options.abortGraceMs ?? 10_000;
    this.reportRetryMs = options.reportRetryMs ?? 30_000;
  }

  /** From now on ReportResult retries briefly: the process is about to exit. */
  beginShutdown(): void {
    this.shuttingDown = true;
  }

  /**
   * Runs the job. Resolves in every outcome of the attempt; rejects with a
   * {@link CoordinatorUnavailableError} only when the coordinator could not be reached to start or
   * to finish the attempt (the queue should then retry the job later).
   */
  async execute(data: RunJobData, jobId: string): Promise<ExecutionOutcome> {
    const { api, logger } = this.options;
    const log = logger.child({ runId: data.runId, jobId });

    let start: StartAttemptResponse__Output;
    try {
      start = await api.startAttempt({ workerId: this.options.workerId(), runId: data.runId, jobId, backend: this.options.backend });
    } catch (err) {
      // Unreachable (or refusing us, e.g. a bad worker token): the queue retries the job later.
      if (isUnavailable(err)) log.warn({ err }, 'StartAttempt failed; the job will be retried later');
      else log.error({ err }, 'StartAttempt refused by the coordinator; the job will be retried later');
      throw new CoordinatorUnavailableError(`StartAttempt failed: ${(err as Error).message}`, { cause: err });
    }
    if (!start.accepted) {
      log.info({ reason: start.reason }, 'attempt refused by the coordinator; job dropped');
      return { status: 'dropped', reason: start.reason };
    }

    const token = start.fencingToken;
    const kind = (start.kind || data.kind) as JobKind;
    const attemptLog = log.child({ token, kind, attempt: start.attemptNumber });
    if (data.kind && start.kind && data.kind !== start.kind) {
      attemptLog.warn({ queuedKind: data.kind }, 'queued kind differs from the run kind; using the run kind');
    }
    const controller = new AbortController();
    this.options.attempts.add({
      token,
      runId: data.runId,
      jobId,
      kind,
      attemptNumber: start.attemptNumber,
      startedAt: Date.now(),
      controller,
    });
    const reporter = new MetricsReporter({
      api,
      fencingToken: token,
      controller,
      ...this.options.reporter,
      onWarn: (msg, err) => attemptLog.warn({ err }, msg),
      onPoint: this.options.metrics?.stepCounter(kind, Math.max(start.resumeStep, 0)),
    });
    attemptLog.info('attempt started');
    const startedAt = Date.now();

    try {
      let request: ReportResultRequest | typeof STALE;
      try {
        const outcome = await this.runHandler(kind, start, data.runId, controller, reporter, log);
        await this.finishReports(reporter, attemptLog);
        request = this.toRequest(token, controller.signal, outcome);
      } catch (err) {
        await this.finishReports(reporter, attemptLog);
        request = this.toRequest(token, controller.signal, { error: err });
      }
      if (request === STALE || reporter.isStale) {
        attemptLog.warn('fencing token refused by the coordinator; attempt stopped without a result');
        return { status: 'stale', token };
      }
      const durationMs = Date.now() - startedAt;
      this.options.metrics?.attemptEnded(kind, request.outcome ?? 'unknown', durationMs);
      const res = await this.reportResult(request, attemptLog);
      if (request.error?.type === OUT_OF_MEMORY_TYPE) this.options.onOutOfMemory?.();
      if (res === STALE) return { status: 'stale', token };
      attemptLog.info(
        { outcome: res.request.outcome, runStatus: res.runStatus, durationMs, error: res.request.error ?? undefined },
        'attempt finished',
      );
      return {
        status: res.request.outcome as 'succeeded' | 'failed' | 'cancelled',
        runStatus: res.runStatus,
        token,
        modelIds: res.modelIds,
      };
    } finally {
      this.options.attempts.remove(token);
    }
  }

  /** Validates and runs the handler; never waits longer than the abort grace once aborted. */
  private async runHandler(
    kind: JobKind,
    start: StartAttemptResponse__Output,
    runId: string,
    controller: AbortController,
    reporter: MetricsReporter,
    log: Logger,
  ): Promise<{ value: HandlerResult }> {
    if (!(JOB_KINDS as readonly string[]).includes(kind)) throw new ValidationError(`unknown job kind ${JSON.stringify(kind)}`);
    const handler = this.options.handlers[kind];
    if (!handler) throw new NonRetryableError(`this worker cannot run ${kind} jobs`, 'UnsupportedKindError');
    const spec = parseJson(start.specJson, 'spec_json');
    const inputs = start.inputsJson ? parseJson(start.inputsJson, 'inputs_json') : {};
    if (inputs === null || typeof inputs !== 'object' || Array.isArray(inputs)) throw new ValidationError('inputs_json must be a JSON object');
    let parsed: Record<string, unknown>;
    try {
      parsed = parseSpec(kind, spec);
    } catch (err) {
      throw new ValidationError((err as Error).message, { cause: err });
    }

    const signal = controller.signal;
    const running = (async () => handler({
      spec: parsed,
      inputs: inputs as Record<string, unknown>,
      signal,
      report: reporter,
      artifactsDir: this.options.artifactsDir,
      runId,
      attemptNumber: start.attemptNumber,
      resumeLimit: start.resumeStep >= 0 ? start.resumeStep : null,
      // A checkpoint is recorded only once every metric up to it is stored: a later attempt resumes
      // after it and never reports those steps again. While the coordinator is unreachable the
      // checkpoint stays on disk unrecorded (and unused) and training goes on.
      checkpoint: async (step, uri) => {
        await reporter.flush();
        if (reporter.hasPending()) {
          log.warn({ step }, 'checkpoint not recorded: earlier metrics are not stored yet');
          return;
        }
        try {
          const saved = await this.options.api.saveCheckpoint({ fencingToken: start.fencingToken, step, uri });
          if (saved.cancelRequested) controller.abort(new AttemptAbortedError('cancelled', 'the run was cancelled'));
        } catch (err) {
          if (!isUnavailable(err)) throw err;
          log.warn({ err, step }, 'checkpoint not recorded: the coordinator is unreachable');
        }
      },
    }))();
    // A handler that ignores the signal (the `hang` diagnostic, a stuck op) must not hold the
    // attempt forever: once aborted, give it abortGraceMs to stop, then report without it.
    let graceTimer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const abandoned = new Promise<never>((_, reject) => {
      onAbort = () => {
        graceTimer = setTimeout(() => reject(signal.reason), this.abortGraceMs);
      };
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    abandoned.catch(() => undefined);
    try {
      return { value: await Promise.race([running, abandoned]) };
    } finally {
      if (graceTimer) clearTimeout(graceTimer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
      running.catch(() => undefined); // an abandoned handler's late failure is not unhandled
    }
  }

  private toRequest(
    token: string,
    signal: AbortSignal,
    outcome: { value: HandlerResult } | { error: unknown },
  ): ReportResultRequest | typeof STALE {
    // Any abort wins over the handler's own outcome: a cancelled attempt never reports success.
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      const abortKind: AbortKind = reason instanceof AttemptAbortedError ? reason.kind : 'cancelled';
      const message = reason instanceof Error ? reason.message : String(reason ?? 'aborted');
      if (abortKind === 'stale') return STALE;
      if (abortKind === 'cancelled') return { fencingToken: token, outcome: 'cancelled', resultJson: '', models: [] };
      return {
        fencingToken: token,
        outcome: 'failed',
        error: { message, retryable: true, type: ABORT_ERROR_TYPES[abortKind] },
      };
    }
    if ('error' in outcome) {
      const c = classifyError(outcome.error);
      return { fencingToken: token, outcome: 'failed', error: { message: c.message, retryable: c.retryable, type: c.type } };
    }
    return {
      fencingToken: token,
      outcome: 'succeeded',
      resultJson: JSON.stringify(outcome.value.result),
      models: (outcome.value.models ?? []).map(toProducedModel),
      stitches: outcome.value.stitches ?? [],
    };
  }

  /**
   * Every metric and log line goes before the result: the coordinator may be away for a while (an
   * API restart, a Postgres outage), so keep sending with the same budget as the result itself.
   */
  private async finishReports(reporter: MetricsReporter, log: Logger): Promise<void> {
    const budget = this.shuttingDown ? Math.min(this.reportRetryMs, 5_000) : this.reportRetryMs;
    if (!(await reporter.drain(budget))) log.error('metrics and logs still unsent after the retry budget; reporting the result without them');
    await reporter.close();
  }

  /**
   * ReportResult, retried with backoff while the coordinator is unreachable. A success the
   * coordinator refuses for another reason (e.g. the result does not match the kind's schema) is
   * reported again as a non-retryable failure, so the run does not stay running.
   */
  private async reportResult(
    first: ReportResultRequest,
    log: Logger,
  ): Promise<{ runStatus: string; modelIds: string[]; request: ReportResultRequest } | typeof STALE> {
    const started = Date.now();
    let request = first;
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.options.api.reportResult(request);
        return { runStatus: res.runStatus, modelIds: res.modelIds, request };
      } catch (err) {
        const message = (err as Error).message;
        if (isStaleToken(err)) {
          log.warn({ err }, 'ReportResult refused: stale fencing token');
          return STALE;
        }
        if (!isUnavailable(err)) {
          if (request.outcome === 'succeeded') {
            log.error({ err }, 'the coordinator refused the result; reporting the attempt as failed');
            request = {
              fencingToken: request.fencingToken,
              outcome: 'failed',
              error: { message: `the coordinator refused the result: ${message}`, retryable: false, type: 'ResultRejected' },
            };
            continue;
          }
          log.error({ err, outcome: request.outcome }, 'the coordinator refused ReportResult; giving up');
          return { runStatus: 'unknown', modelIds: [], request };
        }
        const budget = this.shuttingDown ? Math.min(this.reportRetryMs, 5_000) : this.reportRetryMs;
        const delay = backoffDelay(attempt, { initialMs: 200, maxMs: 5_000 });
        if (Date.now() - started + delay > budget) {
          log.error({ err, outcome: request.outcome }, 'ReportResult failed; the coordinator is unreachable');
          throw new CoordinatorUnavailableError(`ReportResult failed: ${message}`, { cause: err });
        }
        log.warn({ err, retryInMs: delay }, 'ReportResult failed; retrying');
        await sleep(delay);
      }
    }
  }
}

const STALE = Symbol('stale');

function parseJson(text: string, what: string): unknown {
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

export function toProducedModel(m: ProducedModelSpec): ProducedModel {
  return {
    resultField: m.resultField,
    name: m.name,
    kind: m.kind,
    architectureJson: JSON.stringify(m.architecture ?? {}),
    artifactUri: m.artifactUri,
    params: m.params,
    metricsJson: JSON.stringify(m.metrics ?? {}),
    lineageJson: JSON.stringify(m.lineage ?? {}),
  };
}
