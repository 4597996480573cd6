// Where a run goes and when: placement in a resource class (the tightest configured class that fits
// its `resources`), and admission under the per-user concurrency limit — a run beyond its owner's
// limit is stored but held back from the queue until one of the owner's runs ends, so one user's
// sweep cannot fill the queues ahead of everyone else. Every path that creates runs goes through here.
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { formatResourceClass, placeRun, type JobKind, type RunResources } from '@anchorage/contracts';
import { API_CONFIG, type ApiConfig } from '../config.js';
import { QueueRepository } from '../repositories/queue.repository.js';
import { RunsRepository, type RunRow } from '../repositories/runs.repository.js';
import { WorkersRepository } from '../repositories/workers.repository.js';
import { InvalidRequestError } from './errors.js';
import { SerialPasses } from './serial-passes.js';

export interface PlacedRun {
  resourceClass: string;
  /** Why the run may wait although it was accepted (no live worker serves its class yet). */
  warnings: string[];
}

/** The admission fields of a new run row. */
export interface Admission {
  owner: string;
  admittedAt: Date | null;
  statusReason?: string;
}

const LIVE_CLASSES_TTL_MS = 2_000;

@Injectable()
export class DispatchService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DispatchService.name);
  private readonly passes = new SerialPasses('admission pass', this.logger);
  private liveClasses: { at: number; counts: Promise<Map<string, number>> } | null = null;

  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly runs: RunsRepository,
    private readonly queue: QueueRepository,
    private readonly workers: WorkersRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.maxActiveRunsPerUser > 0) this.passes.start(this.config.schedulerIntervalMs, () => this.admitWaiting());
  }

  onApplicationShutdown(): void {
    this.passes.stop();
  }

  /**
   * The class a run goes to. A run no configured class could ever serve is refused (400, naming the
   * field); one whose class has no live worker right now is accepted with a warning, because
   * autoscaling (KEDA scales classes from zero) or an operator may add such workers.
   */
  async place(resources: RunResources, pathPrefix = ''): Promise<PlacedRun> {
    const placement = placeRun(resources, this.config.resourceClasses);
    if (!placement.ok) {
      throw new InvalidRequestError('no resource class can serve this run', [{ path: `${pathPrefix}${placement.path}`, message: placement.message }]);
    }
    const name = placement.resourceClass.name;
    // Unknown (the read failed) is not "none": no warning then.
    const counts = await this.liveClassCounts().catch(() => null);
    const warnings =
      counts !== null && (counts.get(name) ?? 0) === 0
        ? [`no live worker consumes resource class ${formatResourceClass(placement.resourceClass)} yet; the run waits in its queue until one registers`]
        : [];
    return { resourceClass: name, warnings };
  }

  /** The admission fields of a new run: admitted at once unless a per-user limit is set. */
  admission(owner: string): Admission {
    if (this.config.maxActiveRunsPerUser === 0) return { owner, admittedAt: new Date() };
    return { owner, admittedAt: null, statusReason: `waiting for one of ${owner}'s ${this.config.maxActiveRunsPerUser} concurrency slots` };
  }

  /**
   * Sends newly stored runs on: admitted ones to their queues, held ones through their owner's
   * admission. Enqueue failures are logged, not thrown: the row is the truth and reconcile
   * enqueues it once Redis is back. Returns a warning per run still held.
   */
  async dispatch(created: RunRow[]): Promise<Map<string, string>> {
    const held = new Map<string, string>();
    for (const run of created.filter((r) => r.admittedAt !== null)) await this.enqueue(run);
    const owners = [...new Set(created.filter((r) => r.admittedAt === null).map((r) => r.owner))];
    for (const owner of owners) {
      const admitted = new Set((await this.admit(owner)).map((r) => r.id));
      for (const run of created) {
        if (run.owner === owner && run.admittedAt === null && !admitted.has(run.id)) {
          held.set(run.id, `${owner} already has ${this.config.maxActiveRunsPerUser} active runs (the per-user limit); this run starts when one of them ends`);
        }
      }
    }
    return held;
  }

  /** Admits an owner's held runs into its free slots and enqueues them. */
  async admit(owner: string): Promise<RunRow[]> {
    if (this.config.maxActiveRunsPerUser === 0) return [];
    const admitted = await this.runs.admitHeld(owner, this.config.maxActiveRunsPerUser);
    for (const run of admitted) await this.enqueue(run);
    return admitted;
  }

  /** One pass over every owner with held runs (slots free up as runs end anywhere). */
  async admitWaiting(): Promise<number> {
    let n = 0;
    for (const owner of await this.runs.ownersWithHeldRuns()) n += (await this.admit(owner)).length;
    return n;
  }

  private async enqueue(run: RunRow): Promise<void> {
    try {
      await this.queue.enqueue({ ...run, kind: run.kind as JobKind });
    } catch (error) {
      this.logger.warn(`run ${run.id} stored but not enqueued yet: ${(error as Error).message}`);
    }
  }

  private liveClassCounts(): Promise<Map<string, number>> {
    if (!this.liveClasses || Date.now() - this.liveClasses.at > LIVE_CLASSES_TTL_MS) {
      this.liveClasses = { at: Date.now(), counts: this.workers.liveClassCounts() };
    }
    return this.liveClasses.counts;
  }
}
