// Submitting, reading and cancelling runs. Postgres is written first; the queue entry follows and
// can always be rebuilt from the row (see ReconcileService).
import { Inject, Injectable } from '@nestjs/common';
import { isUniqueViolation, type Prisma } from '@anchorage/db';
import { isTerminal, queueJobId, validateRunRequest, type MetricSeriesView, type RunLogsView, type RunStatus, type RunView } from '@anchorage/contracts';
import { API_CONFIG, type ApiConfig } from '../config.js';
import { ModelsRepository } from '../repositories/models.repository.js';
import { QueueRepository } from '../repositories/queue.repository.js';
import { RunsRepository, type RunFilter } from '../repositories/runs.repository.js';
import type { Principal } from './auth.service.js';
import { assertMayChange, ConflictError, InvalidRequestError, NotFoundError } from './errors.js';
import { page } from './paging.js';
import { runSummaryView, runView } from './views.js';
import { DispatchService } from './dispatch.service.js';
import { FamiliesService } from './families.service.js';
import { WorkerConnections } from './worker-connections.js';

@Injectable()
export class RunsService {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly runs: RunsRepository,
    private readonly models: ModelsRepository,
    private readonly queue: QueueRepository,
    private readonly connections: WorkerConnections,
    private readonly families: FamiliesService,
    private readonly dispatch: DispatchService,
  ) {}

  async submit(body: unknown, options: { owner: string; idempotencyKey?: string }): Promise<{ run: RunView; replayed: boolean }> {
    const { owner, idempotencyKey } = options;
    if (idempotencyKey !== undefined) {
      if (idempotencyKey.length === 0 || idempotencyKey.length > 200) {
        throw new InvalidRequestError('invalid Idempotency-Key', [
          { path: 'Idempotency-Key', message: 'must be 1 to 200 characters' },
        ]);
      }
      const existing = await this.runs.findByIdempotencyKey(idempotencyKey);
      if (existing) return { run: runView(existing), replayed: true };
    }
    const outcome = validateRunRequest(body);
    if (!outcome.ok) throw new InvalidRequestError(outcome.error, outcome.issues);
    const request = outcome.value;
    if (request.kind === 'diagnostic' && !this.config.diagnosticsEnabled) {
      throw new InvalidRequestError('diagnostic runs are disabled', [
        { path: 'kind', message: 'diagnostic runs are disabled on this server (set ANCHORAGE_DIAGNOSTICS=1)' },
      ]);
    }
    const spec = await this.resolveReferences(request.kind, request.spec);
    const placed = await this.dispatch.place(request.resources);

    let created;
    try {
      created = await this.runs.create({
        kind: request.kind,
        name: request.name,
        priority: request.priority,
        ...this.dispatch.admission(owner),
        resourceClass: placed.resourceClass,
        resources: { ...request.resources },
        spec: spec as Prisma.InputJsonValue,
        maxAttempts: request.maxAttempts,
        idempotencyKey,
      });
    } catch (error) {
      // Two submissions with one key raced: the loser returns the winner's run.
      if (idempotencyKey && isUniqueViolation(error)) {
        const existing = await this.runs.findByIdempotencyKey(idempotencyKey);
        if (existing) return { run: runView(existing), replayed: true };
      }
      throw error;
    }
    const held = await this.dispatch.dispatch([created]);
    const warnings = [...placed.warnings, ...(held.has(created.id) ? [held.get(created.id)!] : [])];
    // A held run may have been admitted meanwhile (its status reason changed): read it again then.
    const run = (created.admittedAt === null ? await this.runs.findById(created.id) : null) ?? { ...created, attempts: [] };
    return { run: { ...runView(run), ...(warnings.length ? { warnings } : {}) }, replayed: false };
  }

  async get(id: string): Promise<RunView> {
    const run = await this.runs.findById(id);
    if (!run) throw new NotFoundError('run', id);
    return runView(run);
  }

  async list(filter: RunFilter) {
    const [rows, total] = await Promise.all([this.runs.list({ ...filter, limit: filter.limit + 1 }), this.runs.count(filter)]);
    const { items, nextCursor } = page(rows, filter.limit, runSummaryView);
    return { runs: items, nextCursor, total };
  }

  /** A failed run goes back to the queue with one more attempt than it has used. */
  async retry(id: string, by?: Principal): Promise<RunView> {
    const run = await this.runs.findById(id);
    if (!run) throw new NotFoundError('run', id);
    assertMayChange(by, run.owner, `run ${id}`);
    if (run.status !== 'failed') throw new ConflictError(`run ${id} is ${run.status}; only failed runs can be retried`);
    const next = run.attempts.length + 1;
    const moved = await this.runs.transition(id, ['failed'], 'queued', {
      maxAttempts: Math.max(run.maxAttempts, next),
      queueJobId: queueJobId(id, next),
      error: null,
      endedAt: null,
      statusReason: 'retried by user',
    });
    if (!moved) throw new ConflictError(`run ${id} changed while it was being retried`);
    // A retried run asks for its owner's slot again like a new one.
    const admission = this.dispatch.admission(run.owner);
    if (admission.admittedAt === null) await this.runs.hold(id, admission.statusReason ?? 'waiting for a concurrency slot');
    await this.dispatch.dispatch([{ ...run, status: 'queued', queueJobId: queueJobId(id, next), admittedAt: admission.admittedAt }]);
    if (run.familyId) await this.families.refresh(run.familyId);
    return this.get(id);
  }

  /** Cancels a run in any state; `reason` is recorded with the status change (a user's cancel by default). */
  async cancel(id: string, options: { reason?: string; by?: Principal } = {}): Promise<RunView> {
    const reason = options.reason ?? 'cancelled by user';
    const run = await this.runs.findById(id);
    if (!run) throw new NotFoundError('run', id);
    assertMayChange(options.by, run.owner, `run ${id}`);
    const status = run.status as RunStatus;
    if (isTerminal(status)) throw new ConflictError(`run ${id} is already ${status}`);

    if (status === 'queued' || status === 'retrying') {
      await this.queue.remove(run);
      const now = new Date();
      const done = await this.runs.transition(id, [status], 'cancelled', {
        cancelRequestedAt: now,
        endedAt: now,
        statusReason: `${reason} before it started`,
      });
      if (done) {
        if (run.familyId) await this.families.refresh(run.familyId);
        return this.get(id);
      }
      // It started meanwhile: cancel it as a running run.
    }
    await this.runs.markCancelRequested(id);
    const attempt = await this.runs.runningAttempt(id);
    const pushed =
      attempt?.workerId != null &&
      this.connections.send(attempt.workerId, {
        cancel: { runId: id, fencingToken: attempt.fencingToken, reason },
      });
    if (!pushed) {
      // No connected worker can hear the cancel: end the run here; a late report is refused by token.
      await this.runs.transaction(async (tx) => {
        if (attempt) await this.runs.endAttempt(tx, attempt.id, 'cancelled', 'cancelled; owning worker not connected');
        await this.runs.transition(id, ['running', 'queued', 'retrying'], 'cancelled', {
          endedAt: new Date(),
          statusReason: reason,
        }, tx);
      });
      if (run.familyId) await this.families.refresh(run.familyId);
    }
    return this.get(id);
  }

  async logs(id: string, query: { after?: string; limit: number }): Promise<RunLogsView> {
    const run = await this.runs.findById(id);
    if (!run) throw new NotFoundError('run', id);
    const rows = await this.runs.logsAfter(id, BigInt(query.after ?? 0), query.limit + 1);
    const kept = rows.slice(0, query.limit);
    return {
      runId: id,
      lines: kept.map((l) => ({ id: String(l.id), attempt: l.attemptNumber, level: l.level, message: l.message, time: l.time.toISOString() })),
      nextCursor: rows.length > query.limit ? String(kept[kept.length - 1].id) : null,
    };
  }

  /**
   * Metric series of a run. With `maxPoints`, a series longer than that comes back as `maxPoints`
   * step buckets with mean, min and max, so spikes stay visible however long the run.
   */
  async metrics(id: string, query: { name?: string; maxPoints?: number } = {}): Promise<MetricSeriesView> {
    const run = await this.runs.findById(id);
    if (!run) throw new NotFoundError('run', id);
    const counts = await this.runs.metricCounts(id, query.name);
    const { maxPoints } = query;
    const raw = counts.some((c) => maxPoints === undefined || c.count <= maxPoints) ? await this.runs.metrics(id, query.name) : [];
    const metrics = await Promise.all(
      counts.map(async ({ name, count }) => {
        if (maxPoints !== undefined && count > maxPoints) {
          const buckets = await this.runs.metricBuckets(id, name, maxPoints);
          return { name, count, downsampled: true, points: buckets.map((b) => ({ ...b, time: b.time.toISOString() })) };
        }
        const points = raw.filter((p) => p.name === name).map((p) => ({ step: p.step, value: p.value, time: p.time.toISOString(), attempt: p.attemptNumber }));
        return { name, count, downsampled: false, points };
      }),
    );
    return { runId: id, metrics };
  }

  /**
   * Referenced models must exist at submit time, so a typo is a 400, not a failed run. A stitch
   * over a family is stored with the family's anchors filled in.
   */
  private async resolveReferences(kind: string, spec: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (kind === 'evaluate' || kind === 'finetune') {
      const modelId = spec.modelId as string;
      if (!(await this.models.findById(modelId))) {
        throw new InvalidRequestError(`invalid ${kind} spec`, [{ path: 'spec.modelId', message: `model not found: ${modelId}` }]);
      }
    }
    if (kind === 'stitch') {
      if (spec.anchors && spec.familyId) {
        throw new InvalidRequestError('invalid stitch spec', [{ path: 'spec.anchors', message: 'give either anchors or familyId, not both' }]);
      }
      const anchors = spec.familyId ? await this.families.anchorsOf(spec.familyId as string) : (spec.anchors as string[]);
      const found = new Set((await this.models.findByIds(anchors)).map((m) => m.id));
      const issues = anchors.flatMap((id, i) => (found.has(id) ? [] : [{ path: `spec.anchors.${i}`, message: `model not found: ${id}` }]));
      if (spec.method === 'snnet-v2' && anchors.length !== 2) issues.push({ path: 'spec.anchors', message: 'snnet-v2 stitches exactly two anchors' });
      if (issues.length) throw new InvalidRequestError('invalid stitch spec', issues);
      return { ...spec, anchors };
    }
    return spec;
  }
}
