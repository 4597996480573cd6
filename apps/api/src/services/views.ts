// Row → public JSON, typed by the response schemas the OpenAPI document is generated from.
import type { FamilyView, ModelView, RunSummaryView, RunView, StitchView, WorkerView } from '@anchorage/contracts';
import type { FamilyWithMembers } from '../repositories/families.repository.js';
import type { StitchRow } from '../repositories/stitches.repository.js';
import type { ModelRow } from '../repositories/models.repository.js';
import type { RunRow, RunWithAttempts } from '../repositories/runs.repository.js';
import type { WorkerRow } from '../repositories/workers.repository.js';

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function runSummaryView(run: RunRow): RunSummaryView {
  return {
    id: run.id,
    kind: run.kind,
    name: run.name,
    status: run.status,
    statusReason: run.statusReason,
    priority: run.priority,
    owner: run.owner,
    resources: run.resources,
    resourceClass: run.resourceClass,
    maxAttempts: run.maxAttempts,
    progress: run.progress,
    backend: run.backend,
    workerId: run.workerId,
    keyMetric:
      run.keyMetricName !== null && run.keyMetricValue !== null
        ? { name: run.keyMetricName, value: run.keyMetricValue, step: run.keyMetricStep }
        : null,
    error: run.error,
    createdAt: iso(run.createdAt),
    startedAt: iso(run.startedAt),
    endedAt: iso(run.endedAt),
    cancelRequestedAt: iso(run.cancelRequestedAt),
  };
}

export function runView(run: RunWithAttempts): RunView {
  return {
    ...runSummaryView(run),
    spec: run.spec,
    result: run.result,
    attempts: run.attempts.map((a) => ({
      number: a.number,
      status: a.status,
      workerId: a.workerId,
      backend: a.backend,
      fencingToken: a.fencingToken,
      startedAt: iso(a.startedAt),
      endedAt: iso(a.endedAt),
      endReason: a.endReason,
      error: a.error,
    })),
  };
}

export function modelView(model: ModelRow): ModelView {
  return {
    id: model.id,
    name: model.name,
    kind: model.kind,
    architecture: model.architecture,
    artifactUri: model.artifactUri,
    runId: model.runId,
    params: model.params,
    metrics: model.metrics,
    lineage: model.lineage,
    createdAt: iso(model.createdAt),
  };
}

export function workerView(worker: WorkerRow, now: Date, connected: boolean): WorkerView {
  return {
    id: worker.id,
    name: worker.name,
    host: worker.host,
    backend: worker.backend,
    accelerators: worker.accelerators,
    capacity: worker.capacity,
    resourceClasses: worker.resourceClasses,
    status: worker.status,
    connected,
    version: worker.version,
    currentRunId: worker.currentRunId,
    registeredAt: iso(worker.registeredAt),
    lastHeartbeatAt: iso(worker.lastHeartbeatAt),
    heartbeatAgeMs: now.getTime() - worker.lastHeartbeatAt.getTime(),
  };
}

export function familyView(family: FamilyWithMembers): FamilyView {
  return {
    id: family.id,
    name: family.name,
    status: family.status as FamilyView['status'],
    members: (family.members as string[]).map((preset) => {
      const run = family.runs.find((r) => (r.spec as { model?: { preset?: string } }).model?.preset === preset) ?? null;
      const model = run ? (family.models.find((m) => m.runId === run.id) ?? null) : null;
      return { preset, runId: run?.id ?? null, runStatus: run?.status ?? null, modelId: model?.id ?? null };
    }),
    createdAt: iso(family.createdAt),
  };
}

export function stitchView(row: StitchRow): StitchView {
  return {
    stitchId: row.stitchId,
    label: row.label,
    kind: row.kind as StitchView['kind'],
    configuration: row.configuration,
    flops: row.flops,
    params: row.params,
    accuracy: row.accuracy,
    top5: row.top5,
    loss: row.loss,
    latencyMs: row.latencyMs,
    latency: row.latency,
    onFrontier: row.onFrontier,
  };
}
