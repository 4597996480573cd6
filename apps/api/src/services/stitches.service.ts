// Reading a stitch run's evaluated configurations: the list, the Pareto frontier, the best stitch
// under a budget, and export of one configuration as a registered model.
import { Injectable } from '@nestjs/common';
import { bestUnderBudget, paretoFrontier, type Budget, type ModelView } from '@anchorage/contracts';
import { ModelsRepository } from '../repositories/models.repository.js';
import { RunsRepository, type RunRow } from '../repositories/runs.repository.js';
import { StitchesRepository, type StitchRow } from '../repositories/stitches.repository.js';
import { ConflictError, InvalidRequestError, NotFoundError } from './errors.js';
import { modelView, stitchView } from './views.js';

@Injectable()
export class StitchesService {
  constructor(
    private readonly runs: RunsRepository,
    private readonly stitches: StitchesRepository,
    private readonly models: ModelsRepository,
  ) {}

  async list(runId: string) {
    const { rows } = await this.rowsOf(runId);
    return { runId, stitches: rows.map(stitchView) };
  }

  async frontier(runId: string, budget: Budget) {
    const points = (await this.rowsOf(runId)).rows.map(point);
    const cost = budget.maxLatencyMs !== undefined && budget.maxFlops === undefined ? 'latencyMs' : 'flops';
    const frontier = paretoFrontier(points, { cost: cost === 'flops' ? 'flops' : 'latency' }).map((p) => p.row);
    const hasBudget = budget.maxFlops !== undefined || budget.maxLatencyMs !== undefined;
    const best = hasBudget ? (bestUnderBudget(points, budget)?.row ?? null) : (frontier.at(-1) ?? null);
    if (hasBudget && !best) {
      const cheapest = frontier[0];
      const limits = [
        budget.maxFlops !== undefined ? `maxFlops=${budget.maxFlops}` : null,
        budget.maxLatencyMs !== undefined ? `maxLatencyMs=${budget.maxLatencyMs}` : null,
      ].filter(Boolean);
      throw new NotFoundError(
        'stitch within budget',
        `${limits.join(', ')} (the cheapest frontier stitch needs ${cost === 'flops' ? `${cheapest?.flops} FLOPs` : `${cheapest?.latencyMs} ms`})`,
      );
    }
    return { runId, cost, frontier: frontier.map(stitchView), best: best ? stitchView(best) : null };
  }

  /** Registers one configuration as a model (kind `stitched`); a repeat returns the same model. */
  async export(runId: string, stitchId: number): Promise<{ model: ModelView; created: boolean }> {
    const { run, rows } = await this.rowsOf(runId);
    const row = rows.find((r) => r.stitchId === stitchId);
    if (!row) throw new NotFoundError('stitch', `${stitchId} of run ${runId}`);
    const existing = await this.models.findExportedStitch(runId, stitchId);
    if (existing) return { model: modelView(existing), created: false };
    const result = run.result as { artifactUri: string; anchors: string[]; method: string; data: object };
    const model = await this.models.create({
      name: `${run.name ?? runId} #${stitchId} ${row.label}`.slice(0, 200),
      kind: 'stitched',
      // The SN-Net holds every configuration's weights; the worker materialises this one on load.
      architecture: { format: 'snnet-stitch', stitchId, label: row.label, configuration: row.configuration as object, method: result.method },
      artifactUri: result.artifactUri,
      runId,
      params: row.params,
      metrics: { accuracy: row.accuracy, top5: row.top5, loss: row.loss, flops: row.flops, latencyMs: row.latencyMs },
      lineage: { runId, stitchId, anchors: result.anchors, method: result.method, data: result.data },
    });
    return { model: modelView(model), created: true };
  }

  private async rowsOf(runId: string): Promise<{ run: RunRow; rows: StitchRow[] }> {
    const run = await this.runs.findById(runId);
    if (!run) throw new NotFoundError('run', runId);
    if (run.kind !== 'stitch') throw new InvalidRequestError(`run ${runId} is a ${run.kind} run, not a stitch run`, [{ path: 'id', message: 'not a stitch run' }]);
    if (run.status !== 'succeeded') throw new ConflictError(`run ${runId} has no stitch results yet (it is ${run.status})`);
    return { run, rows: await this.stitches.list(runId) };
  }
}

/** A row as the frontier functions read it (latency is left out when it was not measured). */
const point = (row: StitchRow) => ({
  accuracy: row.accuracy,
  flops: row.flops,
  latencyMs: row.latencyMs === null ? undefined : { median: row.latencyMs },
  row,
});
