// Sweeps: a request is planned into trials at once (every trial validated as a run, so a bad
// parameter is a 400 before anything runs), stored, and then fed to the queue by a scheduler that
// keeps `concurrency` trials active, applies the median stopping rule, and ends the sweep when every
// trial has ended. Postgres holds the plan and the trial runs; any API process can drive a sweep
// (a trial's (sweep, index) is unique, so two drivers never submit it twice).
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { isUniqueViolation, type Prisma } from '@anchorage/db';
import {
  createSweepSchema,
  formatIssues,
  isTerminal,
  objectiveValue,
  planSweep,
  shouldStopEarly,
  trialRequest,
  type CreateSweepRequest,
  type RunStatus,
  type SweepTrialView,
  type SweepView,
  type ValidRunRequest,
} from '@anchorage/contracts';
import { API_CONFIG, type ApiConfig } from '../config.js';
import { RunsRepository, type RunRow } from '../repositories/runs.repository.js';
import { SweepsRepository, type StoredTrial, type SweepRow } from '../repositories/sweeps.repository.js';
import { DispatchService } from './dispatch.service.js';
import type { Principal } from './auth.service.js';
import { assertMayChange, ConflictError, InvalidRequestError, NotFoundError } from './errors.js';
import { RunsService } from './runs.service.js';
import { SerialPasses } from './serial-passes.js';

const ACTIVE: RunStatus[] = ['queued', 'running', 'retrying'];

@Injectable()
export class SweepsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SweepsService.name);
  /** Advances run one at a time in this process, so a tick and a create never race on one row. */
  private readonly passes = new SerialPasses('sweep scheduling', this.logger);

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly sweeps: SweepsRepository,
    private readonly runs: RunsRepository,
    private readonly dispatch: DispatchService,
    private readonly runsService: RunsService,
  ) {}

  onApplicationBootstrap(): void {
    this.passes.start(this.config.schedulerIntervalMs, async () => {
      for (const sweep of await this.sweeps.running()) await this.advance(sweep);
    });
  }

  onApplicationShutdown(): void {
    this.passes.stop();
  }

  async create(body: unknown, owner: string): Promise<SweepView> {
    const parsed = createSweepSchema.safeParse(body ?? {});
    if (!parsed.success) throw new InvalidRequestError('invalid sweep request', formatIssues(parsed.error));
    const plan = planSweep(parsed.data);
    if (!plan.ok) throw new InvalidRequestError(plan.error, plan.issues);
    const first = trialRequest(parsed.data, plan.trials[0].index, plan.trials[0].params);
    if (first.ok) await this.dispatch.place(first.trial.request.resources, 'base.');
    const sweep = await this.sweeps.create({
      name: parsed.data.name,
      owner,
      request: parsed.data as unknown as Prisma.InputJsonValue,
      plan: plan.trials.map((t) => ({ index: t.index, params: t.params })),
      concurrency: parsed.data.concurrency,
    });
    await this.passes.exclusive(() => this.advance(sweep)).catch((e: Error) => this.logger.warn(`sweep ${sweep.id}: first trials not submitted yet: ${e.message}`));
    return this.get(sweep.id);
  }

  async get(id: string): Promise<SweepView> {
    const sweep = await this.sweeps.findById(id);
    if (!sweep) throw new NotFoundError('sweep', id);
    return this.view(sweep, await this.runs.sweepTrials(id));
  }

  async list(limit: number): Promise<{ sweeps: SweepView[] }> {
    const rows = await this.sweeps.list(limit);
    const trials = await this.runs.trialsOfSweeps(rows.map((s) => s.id));
    return { sweeps: rows.map((s) => this.view(s, trials.filter((t) => t.sweepId === s.id))) };
  }

  /** Stops submitting trials and cancels the active ones. */
  async cancel(id: string, by?: Principal): Promise<SweepView> {
    const sweep = await this.sweeps.findById(id);
    if (!sweep) throw new NotFoundError('sweep', id);
    assertMayChange(by, sweep.owner, `sweep ${id}`);
    if (!(await this.sweeps.finish(id, 'cancelled'))) throw new ConflictError(`sweep ${id} is already ${sweep.status}`);
    for (const run of await this.runs.sweepTrials(id)) {
      if (ACTIVE.includes(run.status as RunStatus)) await this.runsService.cancel(run.id, { reason: 'cancelled with its sweep' }).catch(() => undefined);
    }
    return this.get(id);
  }


  /** One scheduling step of a sweep: early stopping, new trials up to the concurrency, the end. */
  private async advance(sweep: SweepRow): Promise<void> {
    const request = sweep.request as unknown as CreateSweepRequest;
    const plan = sweep.plan as unknown as StoredTrial[];
    let trials = await this.runs.sweepTrials(sweep.id);

    if (request.earlyStopping && (await this.applyMedianRule(sweep, request, plan, trials)) > 0) {
      trials = await this.runs.sweepTrials(sweep.id);
    }

    const submitted = new Set(trials.map((t) => t.trialIndex));
    let active = trials.filter((t) => ACTIVE.includes(t.status as RunStatus)).length;
    let submittedNow = 0;
    for (const planned of [...plan].sort((a, b) => a.index - b.index)) {
      if (active >= sweep.concurrency) break;
      if (submitted.has(planned.index)) continue;
      const trial = trialRequest(request, planned.index, planned.params);
      if (!trial.ok) throw new Error(`sweep ${sweep.id}: trial ${planned.index + 1} is no longer a valid run: ${trial.error}`);
      const run = await this.submitTrial(sweep, planned.index, planned.params, trial.trial.request);
      if (run) active++;
      submittedNow++;
    }

    // A trial submitted in this pass has not ended, so the sweep can only end in a pass without one.
    if (submittedNow === 0 && trials.length === plan.length && trials.every((t) => isTerminal(t.status as RunStatus))) {
      const status = trials.some((t) => t.status === 'succeeded') ? 'succeeded' : 'failed';
      if (await this.sweeps.finish(sweep.id, status)) this.logger.log(`sweep ${sweep.id} ${status}: ${trials.length} trials ended`);
    }
  }

  private async submitTrial(sweep: SweepRow, index: number, params: StoredTrial['params'], request: ValidRunRequest): Promise<RunRow | null> {
    const placed = await this.dispatch.place(request.resources, 'base.');
    let created: RunRow;
    try {
      created = await this.runs.create({
        kind: request.kind,
        name: request.name,
        priority: request.priority,
        ...this.dispatch.admission(sweep.owner),
        resourceClass: placed.resourceClass,
        resources: { ...request.resources },
        spec: request.spec as Prisma.InputJsonValue,
        maxAttempts: request.maxAttempts,
        sweepId: sweep.id,
        trialIndex: index,
        trialParams: params,
      });
    } catch (error) {
      if (isUniqueViolation(error)) return null; // another API process submitted it first
      throw error;
    }
    await this.dispatch.dispatch([created]);
    return created;
  }

  /** Cancels running trials that the median rule says are worse than the finished ones. */
  /** Returns how many trials it stopped. */
  private async applyMedianRule(sweep: SweepRow, request: CreateSweepRequest, plan: StoredTrial[], trials: RunRow[]): Promise<number> {
    const rule = request.earlyStopping!;
    const finished = trials.filter((t) => t.status === 'succeeded');
    const running = trials.filter((t) => t.status === 'running');
    if (finished.length < rule.minTrials || running.length === 0) return 0;
    let stopped = 0;
    const series = async (run: RunRow) => (await this.runs.metrics(run.id, rule.metric)).map((p) => ({ step: p.step, value: p.value }));
    const finishedSeries = await Promise.all(finished.map(series));
    for (const run of running) {
      if (!shouldStopEarly(await series(run), finishedSeries, rule)) continue;
      await this.sweeps.markStopped(sweep.id, plan, run.trialIndex!);
      plan = plan.map((t) => (t.index === run.trialIndex ? { ...t, stoppedEarly: true } : t));
      await this.runsService.cancel(run.id, { reason: `stopped early: its ${rule.metric} is worse than the median of finished trials` }).catch(() => undefined);
      stopped++;
    }
    return stopped;
  }

  private view(sweep: SweepRow, runs: RunRow[]): SweepView {
    const request = sweep.request as unknown as CreateSweepRequest;
    const plan = sweep.plan as unknown as StoredTrial[];
    const byIndex = new Map(runs.map((r) => [r.trialIndex, r]));
    const trials: SweepTrialView[] = plan.map((t) => {
      const run = byIndex.get(t.index);
      const status = !run ? 'pending' : t.stoppedEarly && run.status === 'cancelled' ? 'stopped' : run.status;
      return { index: t.index, params: t.params, runId: run?.id ?? null, status, objective: run ? objectiveValue(run.result, request.objective.field) : null };
    });
    const sign = request.objective.goal === 'max' ? -1 : 1;
    trials.sort((a, b) => (a.objective === null ? 1 : 0) - (b.objective === null ? 1 : 0) || sign * ((a.objective ?? 0) - (b.objective ?? 0)) || a.index - b.index);
    const count = (pred: (t: SweepTrialView) => boolean) => trials.filter(pred).length;
    return {
      id: sweep.id,
      name: sweep.name,
      status: sweep.status as SweepView['status'],
      strategy: request.strategy,
      concurrency: sweep.concurrency,
      objective: request.objective,
      earlyStopping: request.earlyStopping ?? null,
      counts: {
        pending: count((t) => t.status === 'pending'),
        active: count((t) => ACTIVE.includes(t.status as RunStatus)),
        succeeded: count((t) => t.status === 'succeeded'),
        failed: count((t) => t.status === 'failed'),
        cancelled: count((t) => t.status === 'cancelled'),
        stopped: count((t) => t.status === 'stopped'),
      },
      trials,
      best: trials[0]?.objective !== null && trials[0]?.objective !== undefined ? trials[0] : null,
      createdAt: sweep.createdAt.toISOString(),
      endedAt: sweep.endedAt?.toISOString() ?? null,
    };
  }
}
