// Pipelines: a request is checked whole (schema, dependencies, no cycles, references only to
// ancestors), stored with a state per step, and advanced by a scheduler: a step whose dependencies
// all succeeded gets its references resolved and starts (a run is submitted, a family created, a
// stitch exported); a running step ends with its run or family. A failed step fails the pipeline
// (its active steps are cancelled, the rest skipped) or, with `onFailure: skip`, skips only what
// depends on it. Postgres holds the state, so any API process can drive a pipeline.
//
// The runs themselves go through the queues like any other; the dependency graph is evaluated here
// rather than with BullMQ flows because a step's "done" is its run's terminal status in Postgres
// (hours later, after retries and resumes), not the completion of one queue job.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  checkPipeline,
  createPipelineSchema,
  formatIssues,
  isTerminal,
  resolveReferences,
  type CreatePipelineRequest,
  type PipelineStep,
  type PipelineView,
  type RunStatus,
} from '@anchorage/contracts';
import type { Prisma } from '@anchorage/db';
import { API_CONFIG, type ApiConfig } from '../config.js';
import { PipelinesRepository, type PipelineRow, type PipelineState, type StepState } from '../repositories/pipelines.repository.js';
import { RunsRepository } from '../repositories/runs.repository.js';
import type { Principal } from './auth.service.js';
import { assertMayChange, ConflictError, InvalidRequestError, NotFoundError } from './errors.js';
import { FamiliesService } from './families.service.js';
import { RunsService } from './runs.service.js';
import { SerialPasses } from './serial-passes.js';
import { StitchesService } from './stitches.service.js';

@Injectable()
export class PipelinesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PipelinesService.name);
  /** Advances run one at a time in this process, so a tick and a create never race on one row. */
  private readonly passes = new SerialPasses('pipeline scheduling', this.logger);

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly pipelines: PipelinesRepository,
    private readonly runs: RunsRepository,
    private readonly runsService: RunsService,
    private readonly families: FamiliesService,
    private readonly stitches: StitchesService,
  ) {}

  onApplicationBootstrap(): void {
    this.passes.start(this.config.schedulerIntervalMs, async () => {
      for (const row of await this.pipelines.running()) await this.advance(row);
    });
  }

  onApplicationShutdown(): void {
    this.passes.stop();
  }

  async create(body: unknown, owner: string): Promise<PipelineView> {
    const parsed = createPipelineSchema.safeParse(body ?? {});
    if (!parsed.success) throw new InvalidRequestError('invalid pipeline request', formatIssues(parsed.error));
    const issues = checkPipeline(parsed.data);
    if (issues.length) throw new InvalidRequestError('invalid pipeline request', issues);
    const state: PipelineState = Object.fromEntries(parsed.data.steps.map((s) => [s.id, { status: 'pending', runId: null, familyId: null, outputs: null, error: null }]));
    const row = await this.pipelines.create({ name: parsed.data.name, owner, request: parsed.data as unknown as Prisma.InputJsonValue, state });
    await this.passes.exclusive(() => this.advance(row)).catch((e: Error) => this.logger.warn(`pipeline ${row.id}: first steps not started yet: ${e.message}`));
    return this.get(row.id);
  }

  async get(id: string): Promise<PipelineView> {
    const row = await this.pipelines.findById(id);
    if (!row) throw new NotFoundError('pipeline', id);
    return view(row);
  }

  async list(limit: number): Promise<{ pipelines: PipelineView[] }> {
    return { pipelines: (await this.pipelines.list(limit)).map(view) };
  }

  async cancel(id: string, by?: Principal): Promise<PipelineView> {
    const row = await this.pipelines.findById(id);
    if (!row) throw new NotFoundError('pipeline', id);
    assertMayChange(by, row.owner, `pipeline ${id}`);
    if (row.status !== 'running') throw new ConflictError(`pipeline ${id} is already ${row.status}`);
    const state = row.state as unknown as PipelineState;
    await this.stopAll(state, 'cancelled with its pipeline');
    await this.pipelines.save(id, state, 'cancelled');
    return this.get(id);
  }


  /** One scheduling pass: finish running steps, fail or skip after failures, start ready steps, end. */
  private async advance(stale: PipelineRow): Promise<void> {
    // Read again: another pass may have moved it since `stale` was read.
    const row = await this.pipelines.findById(stale.id);
    if (!row || row.status !== 'running') return;
    const request = row.request as unknown as CreatePipelineRequest;
    const state = structuredClone(row.state) as unknown as PipelineState;
    const steps = request.steps;

    for (const step of steps) if (state[step.id].status === 'running') await this.observe(state[step.id]);

    // A failed step with onFailure `fail` ends the pipeline; with `skip`, its dependents are skipped.
    const fatal = steps.find((s) => (state[s.id].status === 'failed' || state[s.id].status === 'cancelled') && s.onFailure === 'fail');
    if (fatal) {
      await this.stopAll(state, `step ${fatal.id} failed`);
      await this.pipelines.save(row.id, state, 'failed');
      this.logger.warn(`pipeline ${row.id} failed at step ${fatal.id}: ${state[fatal.id].error ?? ''}`);
      return;
    }
    let changed = true;
    while (changed) {
      changed = false;
      for (const step of steps) {
        if (state[step.id].status !== 'pending') continue;
        if (step.dependsOn.some((d) => ['failed', 'cancelled', 'skipped'].includes(state[d].status))) {
          state[step.id] = { ...state[step.id], status: 'skipped', error: 'a step it depends on did not succeed' };
          changed = true;
        }
      }
    }
    for (const step of steps) {
      if (state[step.id].status !== 'pending' || !step.dependsOn.every((d) => state[d].status === 'succeeded')) continue;
      await this.start(step, state, row.owner);
    }

    const done = steps.every((s) => ['succeeded', 'failed', 'cancelled', 'skipped'].includes(state[s.id].status));
    const failedNow = steps.some((s) => state[s.id].status === 'failed' && s.onFailure === 'fail');
    const ended = failedNow ? 'failed' : done ? (steps.some((s) => state[s.id].status === 'succeeded') ? 'succeeded' : 'failed') : undefined;
    if (failedNow) await this.stopAll(state, 'a step failed');
    await this.pipelines.save(row.id, state, ended);
  }

  /** Starts a ready step with its references resolved; a step that cannot start fails with the reason. */
  private async start(step: PipelineStep, state: PipelineState, owner: string): Promise<void> {
    const outputs = Object.fromEntries(Object.entries(state).map(([id, s]) => [id, s.outputs]));
    const body = step.type === 'run' ? step.run : step.type === 'family' ? step.family : step.export;
    const { value, missing } = resolveReferences(body, outputs);
    const current = state[step.id];
    if (missing.length) {
      state[step.id] = { ...current, status: 'failed', error: `unresolved references: ${missing.join(', ')}` };
      return;
    }
    try {
      if (step.type === 'run') {
        const { run } = await this.runsService.submit(value, { owner });
        state[step.id] = { ...current, status: 'running', runId: run.id, outputs: { runId: run.id, status: run.status, result: null } };
      } else if (step.type === 'family') {
        const family = await this.families.create(value, owner);
        state[step.id] = { ...current, status: 'running', familyId: family.id, outputs: { familyId: family.id, modelIds: [] } };
      } else {
        const { runId, maxFlops, maxLatencyMs } = value as { runId: string; maxFlops?: number; maxLatencyMs?: number };
        const { best } = await this.stitches.frontier(runId, { maxFlops, maxLatencyMs });
        if (!best) throw new InvalidRequestError(`run ${runId} has no stitch to export`);
        const { model } = await this.stitches.export(runId, best.stitchId);
        state[step.id] = { ...current, status: 'succeeded', outputs: { modelId: model.id, stitchId: best.stitchId, accuracy: best.accuracy, flops: best.flops } };
      }
    } catch (error) {
      const issues = error instanceof InvalidRequestError && error.issues.length ? `: ${error.issues.map((i) => `${i.path} ${i.message}`).join('; ')}` : '';
      state[step.id] = { ...current, status: 'failed', error: `${(error as Error).message}${issues}` };
    }
  }

  /** Brings a running step up to date with its run or family. */
  private async observe(current: StepState): Promise<void> {
    if (current.runId) {
      const run = await this.runs.findById(current.runId);
      if (!run || !isTerminal(run.status as RunStatus)) return;
      current.outputs = { runId: run.id, status: run.status, result: run.result };
      current.status = run.status === 'succeeded' ? 'succeeded' : run.status === 'cancelled' ? 'cancelled' : 'failed';
      if (run.status !== 'succeeded') current.error = run.error ?? `run ${run.status}`;
    } else if (current.familyId) {
      const family = await this.families.get(current.familyId);
      if (family.status === 'training') return;
      current.outputs = { familyId: family.id, modelIds: family.members.map((m) => m.modelId) };
      current.status = family.status === 'ready' ? 'succeeded' : 'failed';
      if (family.status !== 'ready') current.error = 'a member of the family did not succeed';
    }
  }

  /** Cancels the runs of running steps and skips what has not started. */
  private async stopAll(state: PipelineState, reason: string): Promise<void> {
    for (const [id, s] of Object.entries(state)) {
      if (s.status === 'running') {
        if (s.runId) await this.runsService.cancel(s.runId, { reason }).catch(() => undefined);
        state[id] = { ...s, status: 'cancelled', error: reason };
      } else if (s.status === 'pending') {
        state[id] = { ...s, status: 'skipped', error: reason };
      }
    }
  }
}

function view(row: PipelineRow): PipelineView {
  const request = row.request as unknown as CreatePipelineRequest;
  const state = row.state as unknown as PipelineState;
  return {
    id: row.id,
    name: row.name,
    status: row.status as PipelineView['status'],
    steps: request.steps.map((s) => ({ id: s.id, type: s.type, dependsOn: s.dependsOn, ...state[s.id] })),
    createdAt: row.createdAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
  };
}
