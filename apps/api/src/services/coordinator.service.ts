// The coordinator's logic: worker registration and liveness, attempts and their fencing tokens,
// progress and results. It is the single writer of everything workers report.
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Prisma } from '@anchorage/db';
import { assignClasses, JOB_CATALOG, paretoFrontier, resultKeyMetric, type JobKind, type RunStatus } from '@anchorage/contracts';
import type {
  Heartbeat__Output,
  RegisterRequest__Output,
  RegisterResponse,
  ReportMetricsRequest__Output,
  ReportMetricsResponse,
  ReportResultRequest__Output,
  ReportResultResponse,
  SaveCheckpointRequest__Output,
  SaveCheckpointResponse,
  StartAttemptRequest__Output,
  StartAttemptResponse,
} from '@anchorage/proto';
import { API_CONFIG, API_VERSION, type ApiConfig } from '../config.js';
import { FamiliesRepository } from '../repositories/families.repository.js';
import { ModelsRepository } from '../repositories/models.repository.js';
import { QueueRepository } from '../repositories/queue.repository.js';
import { RunsRepository, type AttemptWithRun } from '../repositories/runs.repository.js';
import { StitchesRepository, type NewStitch } from '../repositories/stitches.repository.js';
import { WorkersRepository } from '../repositories/workers.repository.js';
import { InvalidRequestError, NotFoundError, NotOwnerError, StaleTokenError } from './errors.js';
import { MetricsService } from './metrics.service.js';
import { WorkerConnections } from './worker-connections.js';

const OUTCOMES = ['succeeded', 'failed', 'cancelled'] as const;
type Outcome = (typeof OUTCOMES)[number];

/** Delay before the retry after attempt n (1-based): base, 2×base, 4×base … capped at 60 s. */
export function retryDelayMs(attemptNumber: number, baseMs = 1000): number {
  return Math.min(60_000, baseMs * 2 ** (attemptNumber - 1));
}

@Injectable()
export class CoordinatorService {
  private readonly logger = new Logger(CoordinatorService.name);

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly runs: RunsRepository,
    private readonly models: ModelsRepository,
    private readonly workers: WorkersRepository,
    private readonly queue: QueueRepository,
    private readonly families: FamiliesRepository,
    private readonly stitches: StitchesRepository,
    private readonly connections: WorkerConnections,
    private readonly metrics: MetricsService,
  ) {}

  async register(request: RegisterRequest__Output): Promise<RegisterResponse> {
    if (!request.backend) throw new InvalidRequestError('backend is required');
    const device = request.accelerators[0];
    if (!device || (device.kind !== 'cpu' && device.kind !== 'gpu')) throw new InvalidRequestError('accelerators: the first device must have kind cpu or gpu');
    // The coordinator decides what a worker consumes, from its device and the configured classes.
    const assigned = assignClasses(
      { kind: device.kind, memoryGb: Number(device.memoryBytes) / 1e9 },
      this.config.resourceClasses,
      request.resourceClasses,
    );
    if (!assigned.ok) throw new InvalidRequestError(assigned.message);
    const worker = await this.workers.register({
      name: request.name || `${request.host}-${request.pid}`,
      host: request.host,
      backend: request.backend,
      accelerators: request.accelerators.map((a) => ({ kind: a.kind, model: a.model, memoryBytes: Number(a.memoryBytes), cores: a.cores })),
      capacity: Math.max(1, request.capacity),
      resourceClasses: assigned.classes,
      version: request.version,
    });
    this.logger.log(`worker ${worker.id} (${worker.name}, ${worker.backend}) registered for ${assigned.classes.join(', ')}`);
    return {
      workerId: worker.id,
      heartbeatIntervalMs: this.config.heartbeatIntervalMs,
      coordinatorVersion: API_VERSION,
      resourceClasses: assigned.classes,
    };
  }

  async knownWorker(workerId: string): Promise<boolean> {
    return (await this.workers.findById(workerId)) !== null;
  }

  /**
   * A worker (re)opened its command stream. It counts as a sign of life, but its status waits for
   * the first heartbeat, which shows whether it still holds an attempt taken from it.
   */
  async hello(workerId: string): Promise<void> {
    await this.workers.touch(workerId);
  }

  /**
   * Records a heartbeat. A running token whose attempt is no longer this worker's live attempt (it
   * was declared dead, missed the progress deadline, or the run was cancelled) gets a cancel command,
   * on every beat until the worker drops it; a worker declared dead comes back once it holds none.
   */
  async heartbeat(beat: Heartbeat__Output): Promise<void> {
    let currentRunId: string | null = null;
    let stale = 0;
    const attempts = new Map((await this.runs.findAttemptsByTokens(beat.runningTokens)).map((a) => [a.fencingToken, a]));
    for (const token of beat.runningTokens) {
      const attempt = attempts.get(token);
      if (attempt && attempt.status === 'running' && attempt.workerId === beat.workerId) {
        currentRunId ??= attempt.runId;
        continue;
      }
      stale++;
      const why = attempt ? `attempt ${attempt.number} is ${attempt.status}${attempt.endReason ? ` (${attempt.endReason})` : ''}` : 'unknown fencing token';
      this.connections.send(beat.workerId, { cancel: { runId: attempt?.runId ?? '', fencingToken: token, reason: `taken away: ${why}` } });
    }
    await this.workers.heartbeat(beat.workerId, currentRunId, { revive: stale === 0 });
  }

  async disconnected(workerId: string): Promise<void> {
    await this.workers.disconnected(workerId);
  }

  async startAttempt(request: StartAttemptRequest__Output): Promise<StartAttemptResponse> {
    // A worker with an open command stream here registered already: no query needed.
    if (!this.connections.isConnected(request.workerId) && !(await this.knownWorker(request.workerId))) throw new NotFoundError('worker', request.workerId);
    const refused = (reason: string): StartAttemptResponse => ({ accepted: false, reason });
    // The common start is one statement; every other case takes the transaction below.
    const first = await this.runs.openFirstAttemptAtOnce({ runId: request.runId, jobId: request.jobId ?? '', workerId: request.workerId, backend: request.backend });
    if (first) return this.attemptStarted(first.run, first.attempt);

    const opened = await this.runs.transaction(async (tx) => {
      const run = await tx.run.findUnique({ where: { id: request.runId } });
      if (!run) return refused(`unknown run ${request.runId}`);
      const status = run.status as RunStatus;
      if (status === 'succeeded' || status === 'failed' || status === 'cancelled') return refused(`run is ${status}`);
      // The run went back to the queue under a newer job since this one was queued (a frozen
      // worker's lock expiring late, for one): only the current job may start an attempt.
      const currentJob = run.queueJobId ?? run.id;
      if (request.jobId && request.jobId !== currentJob) return refused(`job ${request.jobId} was superseded by job ${currentJob}`);
      if (run.cancelRequestedAt) {
        await this.runs.transition(run.id, [status], 'cancelled', { endedAt: new Date(), statusReason: 'cancelled by user' }, tx);
        return refused('run was cancelled');
      }
      const attempt = await this.runs.openAttempt(tx, run, request.workerId, request.backend);
      if (!attempt) {
        await this.runs.transition(run.id, [status], 'failed', {
          endedAt: new Date(),
          error: 'no attempts left',
          statusReason: `all ${run.maxAttempts} attempts used`,
        }, tx);
        return refused('no attempts left');
      }
      return { accepted: true, run, attempt };
    });
    if (!('run' in opened)) return opened as StartAttemptResponse;

    const { run, attempt } = opened as { run: AttemptWithRun['run']; attempt: { fencingToken: string; number: number } };
    return this.attemptStarted(run, attempt);
  }

  private async attemptStarted(
    run: Pick<AttemptWithRun['run'], 'id' | 'kind' | 'spec'>,
    attempt: { fencingToken: string; number: number },
  ): Promise<StartAttemptResponse> {
    return {
      accepted: true,
      fencingToken: attempt.fencingToken,
      attemptNumber: attempt.number,
      kind: run.kind,
      specJson: JSON.stringify(run.spec),
      inputsJson: JSON.stringify(await this.resolveInputs(run.kind as JobKind, run.spec as Record<string, unknown>)),
      // A first attempt has no checkpoint to resume from.
      resumeStep: attempt.number > 1 ? ((await this.runs.latestCheckpointStep(run.id)) ?? -1) : -1,
    };
  }

  async reportMetrics(request: ReportMetricsRequest__Output): Promise<ReportMetricsResponse> {
    const attempt = await this.currentAttempt(request.fencingToken, request.workerId);
    const accepted = await this.runs.addMetrics(
      attempt.runId,
      attempt.number,
      request.points
        .filter((p) => Number.isFinite(p.value) && p.name.length > 0)
        .map((p) => ({ name: p.name, step: p.step, value: p.value, time: toDate(p.timeMs) })),
    );
    await this.runs.addLogs(
      attempt.runId,
      attempt.number,
      request.logs.map((l) => ({ level: l.level || 'info', message: l.message.slice(0, 10_000), time: toDate(l.timeMs) })),
    );
    await this.runs.touchAttempt(attempt.id);
    const keyName = JOB_CATALOG[attempt.run.kind as JobKind]?.keyMetric.metric;
    const keyPoint = keyName ? request.points.findLast((p) => p.name === keyName && Number.isFinite(p.value)) : undefined;
    await this.runs.setProgress(
      attempt.runId,
      request.progress >= 0 ? Math.min(1, request.progress) : null,
      keyPoint ? { name: keyPoint.name, value: keyPoint.value, step: keyPoint.step } : null,
    );
    return { acceptedPoints: accepted, cancelRequested: attempt.run.cancelRequestedAt !== null };
  }

  async saveCheckpoint(request: SaveCheckpointRequest__Output): Promise<SaveCheckpointResponse> {
    const attempt = await this.currentAttempt(request.fencingToken, request.workerId);
    if (!request.uri) throw new InvalidRequestError('uri is required');
    const checkpoint = await this.runs.addCheckpoint(attempt.runId, attempt.number, request.step, request.uri);
    await this.runs.touchAttempt(attempt.id);
    return { checkpointId: checkpoint.id, cancelRequested: attempt.run.cancelRequestedAt !== null };
  }

  async reportResult(request: ReportResultRequest__Output): Promise<ReportResultResponse> {
    if (!OUTCOMES.includes(request.outcome as Outcome)) {
      throw new InvalidRequestError(`outcome must be one of ${OUTCOMES.join(', ')}`);
    }
    let outcome = request.outcome as Outcome;
    let errorMessage = request.error?.message || undefined;
    let retryable = request.error?.retryable ?? false;

    const attemptBefore = await this.currentAttempt(request.fencingToken, request.workerId);
    const kind = attemptBefore.run.kind as JobKind;
    let result: Record<string, unknown> | null = null;
    if (outcome === 'succeeded') {
      try {
        result = JSON.parse(request.resultJson || '{}') as Record<string, unknown>;
      } catch {
        outcome = 'failed';
        errorMessage = 'worker reported a result that is not JSON';
        retryable = false;
      }
    }
    if (outcome === 'succeeded' && result) {
      // Validate before writing anything; produced model ids are filled in inside the transaction.
      const candidate = { ...result };
      for (const produced of request.models) if (produced.resultField) candidate[produced.resultField] = 'model-id';
      const valid = JOB_CATALOG[kind].result.safeParse(candidate);
      if (!valid.success) {
        outcome = 'failed';
        errorMessage = `worker reported an invalid result: ${valid.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
        retryable = false;
      }
    }

    // The common success (nothing produced, nothing to refresh) is one statement; anything it
    // does not cover, or a run that changed since the read above, takes the transaction below.
    if (
      outcome === 'succeeded' &&
      result &&
      request.models.length === 0 &&
      request.stitches.length === 0 &&
      !attemptBefore.run.familyId &&
      !attemptBefore.run.cancelRequestedAt &&
      (await this.runs.succeedAtOnce({
        fencingToken: request.fencingToken,
        workerId: request.workerId,
        result: result as Prisma.InputJsonValue,
        keyMetric: resultKeyMetric(kind, result),
      }))
    ) {
      this.metrics.attemptEnded(kind, outcome, attemptBefore.startedAt);
      return { runStatus: 'succeeded', modelIds: [] };
    }

    const ended = await this.runs.transaction(async (tx) => {
      // Re-read inside the transaction: the token must still be the run's current attempt.
      const attempt = await this.runs.findAttemptByToken(request.fencingToken, tx);
      if (!attempt || attempt.status !== 'running' || attempt.run.status !== 'running') throw new StaleTokenError();
      const run = attempt.run;
      const now = new Date();
      // A run whose cancel was requested never becomes succeeded.
      if (run.cancelRequestedAt && outcome !== 'failed') outcome = 'cancelled';

      const modelIds: string[] = [];
      if (outcome === 'succeeded' && result) {
        for (const produced of request.models) {
          const model = await this.models.create(
            {
              name: produced.name,
              kind: produced.kind,
              architecture: parseJson(produced.architectureJson) ?? {},
              artifactUri: produced.artifactUri,
              runId: run.id,
              params: Number(produced.params),
              metrics: parseJson(produced.metricsJson),
              lineage: parseJson(produced.lineageJson),
              familyId: run.familyId,
            },
            tx,
          );
          modelIds.push(model.id);
          if (produced.resultField) result[produced.resultField] = model.id;
        }
      }

      if (outcome === 'succeeded') {
        await this.stitches.createMany(tx, run.id, stitchRows(request));
        await this.runs.endAttempt(tx, attempt.id, 'succeeded', 'succeeded');
        await this.runs.transition(run.id, ['running'], 'succeeded', {
          result: result as Prisma.InputJsonValue,
          endedAt: now,
          progress: 1,
          ...keyMetricColumns(resultKeyMetric(kind, result)),
          statusReason: `attempt ${attempt.number} succeeded`,
        }, tx);
        if (run.familyId) await this.families.refreshStatus(tx, run.familyId);
        return { runStatus: 'succeeded' as RunStatus, modelIds, retry: false, run };
      }
      if (outcome === 'cancelled') {
        await this.runs.endAttempt(tx, attempt.id, 'cancelled', 'cancelled by user');
        await this.runs.transition(run.id, ['running'], 'cancelled', { endedAt: now, statusReason: 'cancelled by user' }, tx);
        if (run.familyId) await this.families.refreshStatus(tx, run.familyId);
        return { runStatus: 'cancelled' as RunStatus, modelIds: [], retry: false, run };
      }
      const moved = await this.runs.endAttemptUnsuccessfully(tx, attempt, {
        status: 'failed',
        endReason: retryable ? 'infrastructure failure' : 'failed',
        error: errorMessage ?? 'failed',
        retryable,
      });
      if (!moved) throw new StaleTokenError();
      if (moved.runStatus === 'failed' && run.familyId) await this.families.refreshStatus(tx, run.familyId);
      return { runStatus: moved.runStatus as RunStatus, modelIds: [], retry: moved.runStatus === 'retrying', run: moved.run, attemptNumber: attempt.number };
    });

    this.metrics.attemptEnded(kind, outcome, attemptBefore.startedAt);
    if (ended.retry) await this.requeue(ended.run, retryDelayMs(ended.attemptNumber ?? 1, this.config.retryBaseMs));
    return { runStatus: ended.runStatus, modelIds: ended.modelIds };
  }

  /** Puts a run that went back to `retrying` into its queue; reconcile catches up if Redis is down. */
  async requeue(run: { id: string; kind: string; priority: number; resourceClass: string; queueJobId: string | null }, delayMs: number): Promise<void> {
    await this.queue
      .enqueue({ ...run, kind: run.kind as JobKind }, delayMs)
      .catch((e: Error) => this.logger.warn(`run ${run.id} not enqueued yet (reconcile will): ${e.message}`));
  }

  /**
   * The attempt a token belongs to, if it is still the run's live attempt (StaleTokenError
   * otherwise) and the reporting worker is the one running it (NotOwnerError otherwise: a worker
   * token lets a process speak for itself, not for another worker's attempts).
   */
  private async currentAttempt(token: string, workerId: string): Promise<AttemptWithRun> {
    if (!workerId) throw new InvalidRequestError('worker_id is required');
    const attempt = token ? await this.runs.findAttemptByToken(token) : null;
    if (!attempt) throw new StaleTokenError('unknown fencing token');
    if (attempt.workerId !== workerId) throw new NotOwnerError(`attempt ${attempt.number} of run ${attempt.runId} is not worker ${workerId}'s`);
    if (attempt.status !== 'running' || attempt.run.status !== 'running') {
      throw new StaleTokenError(`fencing token of attempt ${attempt.number} is no longer current (attempt ${attempt.status}, run ${attempt.run.status})`);
    }
    return attempt;
  }

  /** Models a spec refers to, with their artifact URIs, so the worker never needs the database. */
  private async resolveInputs(kind: JobKind, spec: Record<string, unknown>) {
    const ids = kind === 'evaluate' || kind === 'finetune' ? [spec.modelId as string] : kind === 'stitch' ? (spec.anchors as string[]) : [];
    const rows = ids.length ? await this.models.findByIds(ids) : [];
    return {
      models: Object.fromEntries(
        rows.map((m) => [m.id, { id: m.id, name: m.name, kind: m.kind, artifactUri: m.artifactUri, architecture: m.architecture, lineage: m.lineage }]),
      ),
    };
  }
}

/** A stitch run's evaluations as rows, with the FLOPs Pareto frontier marked. */
function stitchRows(request: ReportResultRequest__Output): NewStitch[] {
  const onFrontier = new Set(paretoFrontier(request.stitches).map((s) => s.stitchId));
  return request.stitches.map((s) => ({
    stitchId: s.stitchId,
    label: s.label,
    kind: s.kind,
    configuration: parseJson(s.configurationJson) ?? {},
    flops: s.flops,
    params: Number(s.params),
    accuracy: s.accuracy,
    top5: s.top5,
    loss: s.loss,
    latencyMs: s.latencyMs >= 0 ? s.latencyMs : null,
    latency: parseJson(s.latencyJson),
    onFrontier: onFrontier.has(s.stitchId),
  }));
}

function toDate(ms: string | number): Date {
  const n = Number(ms);
  return Number.isFinite(n) && n > 0 ? new Date(n) : new Date();
}

function parseJson(text: string): Prisma.InputJsonValue | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Prisma.InputJsonValue;
  } catch {
    return undefined;
  }
}

function keyMetricColumns(metric: { name: string; value: number } | null) {
  return metric ? { keyMetricName: metric.name, keyMetricValue: metric.value, keyMetricStep: null } : {};
}
