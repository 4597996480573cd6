// Sole owner of run, attempt, metric and log rows. Every status change is a conditional update
// (`where status in [...]`), so two writers racing on one run cannot both win.
import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { newId, Prisma, type PrismaClient } from '@anchorage/db';
import { assertTransition, queueJobId, type RunStatus } from '@anchorage/contracts';
import { PRISMA } from './database.js';

export type RunRow = Prisma.RunGetPayload<object>;
export type RunWithAttempts = Prisma.RunGetPayload<{ include: { attempts: true } }>;
export type AttemptWithRun = Prisma.AttemptGetPayload<{ include: { run: true } }>;
type Tx = Prisma.TransactionClient;

export interface NewRun {
  kind: string;
  name?: string;
  priority: number;
  owner: string;
  /** Null: held until its owner has a free concurrency slot (see DispatchService). */
  admittedAt: Date | null;
  statusReason?: string;
  resourceClass: string;
  resources: Prisma.InputJsonValue;
  spec: Prisma.InputJsonValue;
  maxAttempts: number;
  idempotencyKey?: string;
  familyId?: string;
  sweepId?: string;
  trialIndex?: number;
  trialParams?: Prisma.InputJsonValue;
}

export interface RunFilter {
  kind?: string;
  status?: RunStatus;
  /** Case-insensitive substring of the name, or a prefix of the id. */
  q?: string;
  /** Id of the last run of the previous page (runs are listed newest first). */
  cursor?: string;
  limit: number;
}

export interface MetricInput {
  name: string;
  step: number;
  value: number;
  time: Date;
}

export interface KeyMetric {
  name: string;
  value: number;
  step: number | null;
}

export interface LogInput {
  level: string;
  message: string;
  time: Date;
}

/** The database column of a Run field (the schema maps every camelCase field to snake_case). */
const columnOf = (field: string) => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const RUN_JSON_FIELDS = new Set(['resources', 'spec', 'result', 'trialParams']);
/** Every column of a run row under its field name, as the ORM would return it. */
const RUN_RETURNING = Prisma.raw(Object.values(Prisma.RunScalarFieldEnum).map((f) => `run."${columnOf(f)}" AS "${f}"`).join(', '));

@Injectable()
export class RunsRepository {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  /**
   * Stores a new queued run and its first status event in one statement (the ORM's nested create
   * takes a transaction of five round trips, a third of a submission's time; docs/benchmarks.md).
   */
  async create(run: NewRun, tx: Tx = this.prisma): Promise<RunRow> {
    const id = newId('run');
    const now = new Date();
    const values: Record<string, unknown> = { id, status: 'queued', queueJobId: queueJobId(id, 1), createdAt: now, updatedAt: now, ...run };
    const fields = Object.keys(values).filter((field) => values[field] !== undefined);
    const value = (field: string) => {
      if (field === 'status') return Prisma.sql`${values[field]}::"RunStatus"`;
      if (RUN_JSON_FIELDS.has(field)) return Prisma.sql`${JSON.stringify(values[field])}::jsonb`;
      return Prisma.sql`${values[field]}`;
    };
    const rows = await tx.$queryRaw<RunRow[]>`
      WITH run AS (
        INSERT INTO runs (${Prisma.raw(fields.map((f) => `"${columnOf(f)}"`).join(', '))})
        VALUES (${Prisma.join(fields.map(value))})
        RETURNING *
      ), event AS (
        INSERT INTO run_events (run_id, status, reason, time) SELECT run.id, 'queued', 'submitted', ${now} FROM run
      )
      SELECT ${RUN_RETURNING} FROM run`;
    return rows[0]!;
  }

  findById(id: string): Promise<RunWithAttempts | null> {
    return this.prisma.run.findUnique({ where: { id }, include: { attempts: { orderBy: { number: 'asc' } } } });
  }

  findByIdempotencyKey(key: string): Promise<RunWithAttempts | null> {
    return this.prisma.run.findUnique({
      where: { idempotencyKey: key },
      include: { attempts: { orderBy: { number: 'asc' } } },
    });
  }

  /** Newest first; ids are time-sortable, so the id is the cursor. */
  list(filter: RunFilter): Promise<RunRow[]> {
    return this.prisma.run.findMany({
      where: { ...this.where(filter), ...(filter.cursor ? { id: { lt: filter.cursor } } : {}) },
      orderBy: { id: 'desc' },
      take: filter.limit,
    });
  }

  /** How many runs match the filter (all pages). */
  count(filter: Omit<RunFilter, 'cursor' | 'limit'>): Promise<number> {
    return this.prisma.run.count({ where: this.where(filter) });
  }

  private where(filter: Omit<RunFilter, 'cursor' | 'limit'>): Prisma.RunWhereInput {
    const q = filter.q?.trim();
    return {
      kind: filter.kind,
      status: filter.status,
      ...(q ? { OR: [{ name: { contains: q, mode: 'insensitive' } }, { id: { startsWith: q } }] } : {}),
    };
  }

  /** Runs in these statuses that went to the queue (held runs have no queue job to rebuild). */
  findAdmittedByStatus(statuses: RunStatus[]): Promise<RunRow[]> {
    return this.prisma.run.findMany({ where: { status: { in: statuses }, admittedAt: { not: null } }, orderBy: { id: 'asc' } });
  }

  /** Owners with runs waiting for a concurrency slot. */
  async ownersWithHeldRuns(): Promise<string[]> {
    const rows = await this.prisma.run.findMany({ where: { status: 'queued', admittedAt: null }, distinct: ['owner'], select: { owner: true } });
    return rows.map((r) => r.owner);
  }

  /**
   * Admits an owner's held runs into the slots it has free under `limit` (highest priority, then
   * oldest first) and returns them. One admission per owner at a time across API processes (an
   * advisory lock), so two processes cannot both hand out the last slot.
   */
  admitHeld(owner: string, limit: number): Promise<RunRow[]> {
    return this.prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`anchorage-admission:${owner}`}))`;
      const active = await tx.run.count({ where: { owner, admittedAt: { not: null }, status: { in: ['queued', 'running', 'retrying'] } } });
      if (active >= limit) return [];
      const held = await tx.run.findMany({
        where: { owner, admittedAt: null, status: 'queued' },
        orderBy: [{ priority: 'desc' }, { id: 'asc' }],
        take: limit - active,
      });
      if (held.length === 0) return [];
      const admittedAt = new Date();
      await tx.run.updateMany({ where: { id: { in: held.map((r) => r.id) }, admittedAt: null }, data: { admittedAt, statusReason: null } });
      return held.map((r) => ({ ...r, admittedAt, statusReason: null }));
    });
  }

  /** A run going back to its owner's admission (a user's retry while a limit is set). */
  async hold(id: string, reason: string): Promise<void> {
    await this.prisma.run.updateMany({ where: { id }, data: { admittedAt: null, statusReason: reason } });
  }

  /** Moves a run from one of `from` to `to`; false when another writer moved it first. */
  async transition(
    id: string,
    from: RunStatus[],
    to: RunStatus,
    data: Omit<Prisma.RunUpdateManyMutationInput, 'status'> = {},
    tx: Tx = this.prisma,
  ): Promise<boolean> {
    for (const f of from) assertTransition(f, to);
    const { count } = await tx.run.updateMany({ where: { id, status: { in: from } }, data: { ...data, status: to } });
    if (count === 1) await this.recordStatus(tx, id, to, data.statusReason);
    return count === 1;
  }

  private async recordStatus(tx: Tx, runId: string, status: RunStatus, reason: unknown): Promise<void> {
    await tx.runEvent.create({ data: { runId, status, reason: typeof reason === 'string' ? reason : null } });
  }

  /** Status events after an id, oldest first; of one run, or of every run when runId is null. */
  statusEventsAfter(runId: string | null, afterId: bigint, limit: number) {
    return this.prisma.runEvent.findMany({ where: { ...(runId ? { runId } : {}), id: { gt: afterId } }, orderBy: { id: 'asc' }, take: limit });
  }

  metricsAfter(runId: string, afterId: bigint, limit: number) {
    return this.prisma.metricPoint.findMany({ where: { runId, id: { gt: afterId } }, orderBy: { id: 'asc' }, take: limit });
  }

  logsAfter(runId: string, afterId: bigint, limit: number) {
    return this.prisma.logLine.findMany({ where: { runId, id: { gt: afterId } }, orderBy: { id: 'asc' }, take: limit });
  }

  /** The newest event, metric and log ids (0 when none): where a fresh stream starts. */
  async latestIds(runId: string | null): Promise<{ status: bigint; metric: bigint; log: bigint }> {
    const where = runId ? { runId } : {};
    const [status, metric, log] = await Promise.all([
      this.prisma.runEvent.aggregate({ where, _max: { id: true } }),
      runId ? this.prisma.metricPoint.aggregate({ where, _max: { id: true } }) : null,
      runId ? this.prisma.logLine.aggregate({ where, _max: { id: true } }) : null,
    ]);
    return { status: status._max.id ?? 0n, metric: metric?._max.id ?? 0n, log: log?._max.id ?? 0n };
  }

  markCancelRequested(id: string): Promise<RunRow> {
    return this.prisma.run.update({ where: { id }, data: { cancelRequestedAt: new Date() } });
  }

  runningAttempt(runId: string): Promise<Prisma.AttemptGetPayload<object> | null> {
    return this.prisma.attempt.findFirst({ where: { runId, status: 'running' } });
  }

  findAttemptByToken(token: string, tx: Tx = this.prisma): Promise<AttemptWithRun | null> {
    return tx.attempt.findUnique({ where: { fencingToken: token }, include: { run: true } });
  }

  /** The attempts of several fencing tokens in one query (a heartbeat's running tokens). */
  findAttemptsByTokens(tokens: string[]): Promise<Prisma.AttemptGetPayload<object>[]> {
    if (tokens.length === 0) return Promise.resolve([]);
    return this.prisma.attempt.findMany({ where: { fencingToken: { in: tokens } } });
  }

  /**
   * Opens the next attempt of a run inside `tx`: a still-running earlier attempt (its worker lost
   * the job) is marked lost first. Returns null when the run has no attempts left.
   */
  async openAttempt(
    tx: Tx,
    run: RunRow,
    workerId: string,
    backend: string,
  ): Promise<Prisma.AttemptGetPayload<object> | null> {
    const now = new Date();
    // Only a run that looks running can have a running attempt (its job was delivered again).
    if (run.status === 'running') {
      await tx.attempt.updateMany({
        where: { runId: run.id, status: 'running' },
        data: { status: 'lost', endedAt: now, endReason: 'job delivered again to another worker' },
      });
    }
    const used = await tx.attempt.count({ where: { runId: run.id } });
    if (used >= run.maxAttempts) return null;
    const number = used + 1;
    const attempt = await tx.attempt.create({
      data: {
        id: newId('att'),
        runId: run.id,
        number,
        workerId,
        backend,
        fencingToken: `ft_${number}_${randomBytes(16).toString('base64url')}`,
      },
    });
    const data = { backend, workerId, statusReason: `attempt ${number} started on worker ${workerId}` };
    if (run.status === 'running') {
      // The job came back while the run looked running (its worker died): the run stays running.
      await tx.run.update({ where: { id: run.id }, data });
      await this.recordStatus(tx, run.id, 'running', data.statusReason);
    } else {
      const moved = await this.transition(run.id, [run.status as RunStatus], 'running', { ...data, startedAt: run.startedAt ?? now }, tx);
      if (!moved) throw new Error(`run ${run.id} changed while its attempt was opening`);
    }
    return attempt;
  }

  /**
   * The common start — a queued or retrying run with attempts left, no cancel requested, delivered
   * by its current job — as one statement: run moved to running, attempt opened, event recorded.
   * It costs one round trip where {@link openAttempt}'s transaction costs seven, which is most of
   * StartAttempt's time (docs/benchmarks.md). Null when the run is anything else: the caller then
   * takes the general path, which knows every other case. A concurrent start of the same run waits
   * for the row lock, finds the run running and returns null.
   */
  async openFirstAttemptAtOnce(request: { runId: string; jobId: string; workerId: string; backend: string }): Promise<{
    run: Pick<RunRow, 'id' | 'kind' | 'spec'>;
    attempt: { fencingToken: string; number: number };
  } | null> {
    const { runId, jobId, workerId, backend } = request;
    const now = new Date();
    const rows = await this.prisma.$queryRaw<{ id: string; kind: string; spec: Prisma.JsonValue; fencingToken: string; number: number }[]>`
      WITH used AS (
        SELECT count(*)::int AS n FROM attempts WHERE run_id = ${runId}
      ), run AS (
        UPDATE runs SET status = 'running', backend = ${backend}, worker_id = ${workerId},
          status_reason = 'attempt ' || (used.n + 1) || ' started on worker ' || ${workerId}::text,
          started_at = COALESCE(runs.started_at, ${now}), updated_at = ${now}
        FROM used
        WHERE runs.id = ${runId} AND runs.status IN ('queued', 'retrying') AND runs.cancel_requested_at IS NULL
          AND (${jobId}::text = '' OR COALESCE(runs.queue_job_id, runs.id) = ${jobId}::text)
          AND used.n < runs.max_attempts
        RETURNING runs.id, runs.kind, runs.spec, runs.status_reason, used.n + 1 AS number
      ), attempt AS (
        INSERT INTO attempts (id, run_id, number, worker_id, backend, fencing_token, status, started_at)
        SELECT ${newId('att')}, run.id, run.number, ${workerId}, ${backend},
          'ft_' || run.number || '_' || ${randomBytes(16).toString('base64url')}::text, 'running'::"AttemptStatus", ${now}
        FROM run
        RETURNING fencing_token, number
      ), event AS (
        INSERT INTO run_events (run_id, status, reason, time) SELECT run.id, 'running', run.status_reason, ${now} FROM run
      )
      SELECT run.id, run.kind, run.spec, attempt.fencing_token AS "fencingToken", attempt.number FROM run, attempt`;
    const row = rows[0];
    return row ? { run: { id: row.id, kind: row.kind, spec: row.spec }, attempt: { fencingToken: row.fencingToken, number: row.number } } : null;
  }

  /**
   * The common success — the attempt still running on this worker, its run running with no cancel
   * requested and outside a family — as one statement that locks both rows, ends the attempt, moves
   * the run to succeeded with its result and records the event. False when any of that does not
   * hold: the caller then takes the general path (and its errors). Rows are locked attempt first,
   * run second, the order every other writer of both uses.
   */
  async succeedAtOnce(request: {
    fencingToken: string;
    workerId: string;
    result: Prisma.InputJsonValue;
    keyMetric: { name: string; value: number } | null;
  }): Promise<boolean> {
    const { fencingToken, workerId, keyMetric } = request;
    const now = new Date();
    const rows = await this.prisma.$queryRaw<{ id: string }[]>`
      WITH target AS (
        SELECT a.id AS attempt_id, a.number, r.id AS run_id
        FROM attempts a JOIN runs r ON r.id = a.run_id
        WHERE a.fencing_token = ${fencingToken} AND a.worker_id = ${workerId} AND a.status = 'running'
          AND r.status = 'running' AND r.cancel_requested_at IS NULL AND r.family_id IS NULL
        FOR UPDATE OF a, r
      ), attempt AS (
        UPDATE attempts SET status = 'succeeded', end_reason = 'succeeded', ended_at = ${now}
        FROM target WHERE attempts.id = target.attempt_id
        RETURNING attempts.id
      ), run AS (
        UPDATE runs SET status = 'succeeded', result = ${JSON.stringify(request.result)}::jsonb, ended_at = ${now}, progress = 1,
          key_metric_name = COALESCE(${keyMetric?.name ?? null}::text, runs.key_metric_name),
          key_metric_value = COALESCE(${keyMetric?.value ?? null}::float8, runs.key_metric_value),
          key_metric_step = CASE WHEN ${keyMetric?.name ?? null}::text IS NULL THEN runs.key_metric_step END,
          status_reason = 'attempt ' || target.number || ' succeeded', updated_at = ${now}
        FROM target WHERE runs.id = target.run_id
        RETURNING runs.id, runs.status_reason
      ), event AS (
        INSERT INTO run_events (run_id, status, reason, time) SELECT run.id, 'succeeded', run.status_reason, ${now} FROM run
      )
      SELECT run.id FROM run, attempt`;
    return rows.length === 1;
  }

  /**
   * Ends a running attempt that did not succeed (it failed, or it was lost with its worker) and moves
   * its run on inside `tx`: back to the queue as `retrying`, under the job id of its next attempt,
   * when the failure is retryable and attempts are left; otherwise `failed`. Null when the attempt
   * or the run had already moved on (another writer won).
   */
  async endAttemptUnsuccessfully(
    tx: Tx,
    attempt: { id: string; number: number; runId: string },
    outcome: { status: 'failed' | 'lost'; endReason: string; error: string; retryable: boolean },
  ): Promise<{ runStatus: 'retrying' | 'failed'; run: RunRow } | null> {
    const ended = await this.endAttempt(tx, attempt.id, outcome.status, outcome.endReason, outcome.error);
    if (ended.count === 0) return null;
    const run = await tx.run.findUnique({ where: { id: attempt.runId } });
    if (!run || run.status !== 'running') return null;
    const retry = outcome.retryable && attempt.number < run.maxAttempts;
    const data = retry
      ? { error: outcome.error, queueJobId: queueJobId(run.id, attempt.number + 1), statusReason: `attempt ${attempt.number} ${outcome.status}: ${outcome.endReason}; retrying` }
      : { error: outcome.error, endedAt: new Date(), statusReason: `attempt ${attempt.number} ${outcome.status}: ${outcome.endReason}` };
    const to = retry ? 'retrying' : 'failed';
    if (!(await this.transition(run.id, ['running'], to, data, tx))) return null;
    return { runStatus: to, run: { ...run, ...data, status: to } };
  }

  /** Running attempts of a worker (what it holds when it goes silent). */
  runningAttemptsOf(workerId: string): Promise<Prisma.AttemptGetPayload<object>[]> {
    return this.prisma.attempt.findMany({ where: { workerId, status: 'running' } });
  }

  /** Running attempts with no report since `before` (counting from their start when none yet). */
  stalledAttempts(before: Date): Promise<Prisma.AttemptGetPayload<object>[]> {
    return this.prisma.attempt.findMany({
      where: { status: 'running', OR: [{ lastReportAt: { lt: before } }, { lastReportAt: null, startedAt: { lt: before } }] },
    });
  }

  /** Marks that an attempt reported (metrics or a checkpoint): it is making progress. */
  async touchAttempt(attemptId: string): Promise<void> {
    await this.prisma.attempt.updateMany({ where: { id: attemptId, status: 'running' }, data: { lastReportAt: new Date() } });
  }

  endAttempt(
    tx: Tx,
    attemptId: string,
    status: 'succeeded' | 'failed' | 'cancelled' | 'lost',
    endReason: string,
    error?: string,
  ): Promise<{ count: number }> {
    return tx.attempt.updateMany({
      where: { id: attemptId, status: 'running' },
      data: { status, endReason, error, endedAt: new Date() },
    });
  }

  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.prisma.$transaction(fn);
  }

  /** Stores metric points; a repeated (run, name, step) is skipped. Returns how many were new. */
  async addMetrics(runId: string, attemptNumber: number, points: MetricInput[]): Promise<number> {
    if (points.length === 0) return 0;
    const { count } = await this.prisma.metricPoint.createMany({
      data: points.map((p) => ({ runId, attemptNumber, ...p })),
      skipDuplicates: true,
    });
    return count;
  }

  async addLogs(runId: string, attemptNumber: number, lines: LogInput[]): Promise<void> {
    if (lines.length === 0) return;
    await this.prisma.logLine.createMany({ data: lines.map((l) => ({ runId, attemptNumber, ...l })) });
  }

  /** How many runs are in each status (for /metrics). */
  async countByStatus(): Promise<{ status: string; count: number }[]> {
    const rows = await this.prisma.run.groupBy({ by: ['status'], _count: { _all: true } });
    return rows.map((r) => ({ status: r.status, count: r._count._all }));
  }

  /** The trials a sweep has submitted so far. */
  sweepTrials(sweepId: string): Promise<RunRow[]> {
    return this.prisma.run.findMany({ where: { sweepId }, orderBy: { trialIndex: 'asc' } });
  }

  /** The trials of several sweeps in one query (sweep lists). */
  trialsOfSweeps(sweepIds: string[]): Promise<RunRow[]> {
    return this.prisma.run.findMany({ where: { sweepId: { in: sweepIds } }, orderBy: { trialIndex: 'asc' } });
  }

  /** Step of the newest checkpoint recorded for a run, or null. */
  async latestCheckpointStep(runId: string): Promise<number | null> {
    const { _max } = await this.prisma.checkpoint.aggregate({ where: { runId }, _max: { step: true } });
    return _max.step ?? null;
  }

  addCheckpoint(runId: string, attemptNumber: number, step: number, uri: string) {
    return this.prisma.checkpoint.create({ data: { id: newId('ckpt'), runId, attemptNumber, step, uri } });
  }

  /** Progress and the headline metric of a running run (either may be left out). */
  async setProgress(runId: string, progress: number | null, keyMetric: KeyMetric | null = null): Promise<void> {
    const data: Prisma.RunUpdateManyMutationInput = {};
    if (progress !== null) data.progress = progress;
    if (keyMetric) Object.assign(data, { keyMetricName: keyMetric.name, keyMetricValue: keyMetric.value, keyMetricStep: keyMetric.step });
    if (Object.keys(data).length === 0) return;
    await this.prisma.run.updateMany({ where: { id: runId, status: 'running' }, data });
  }

  /** Points per metric name of a run (one small aggregate query). */
  async metricCounts(runId: string, name?: string): Promise<{ name: string; count: number }[]> {
    const rows = await this.prisma.metricPoint.groupBy({ by: ['name'], where: { runId, name }, _count: { _all: true }, orderBy: { name: 'asc' } });
    return rows.map((r) => ({ name: r.name, count: r._count._all }));
  }

  /**
   * One metric in `buckets` equal step ranges, each with its mean, min and max, computed in the
   * database so a long series never crosses the wire whole.
   */
  metricBuckets(runId: string, name: string, buckets: number) {
    return this.prisma.$queryRaw<{ step: number; stepEnd: number; value: number; min: number; max: number; count: number; time: Date }[]>`
      WITH bounds AS (
        SELECT min(step) AS lo, max(step) AS hi FROM metric_points WHERE run_id = ${runId} AND name = ${name}
      )
      SELECT min(m.step)::int AS "step", max(m.step)::int AS "stepEnd", avg(m.value)::float8 AS "value",
             min(m.value)::float8 AS "min", max(m.value)::float8 AS "max", count(*)::int AS "count", max(m.time) AS "time"
      FROM metric_points m, bounds b
      WHERE m.run_id = ${runId} AND m.name = ${name}
      GROUP BY floor((m.step - b.lo)::float8 * ${buckets}::int / (b.hi - b.lo + 1))
      ORDER BY 1`;
  }

  metrics(runId: string, name?: string): Promise<Prisma.MetricPointGetPayload<object>[]> {
    return this.prisma.metricPoint.findMany({
      where: { runId, name },
      orderBy: [{ name: 'asc' }, { step: 'asc' }],
    });
  }
}
