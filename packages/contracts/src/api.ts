// Response shapes of the REST API. The OpenAPI document is generated from these schemas, and the
// API's views are typed by them, so the document cannot drift from what is served.
import { z } from 'zod';
import { ATTEMPT_STATUSES, RUN_STATUSES } from './runs.js';

const timestamp = z.string().describe('ISO 8601 time');

export const errorResponseSchema = z
  .object({
    error: z.string().describe('What went wrong'),
    issues: z
      .array(z.object({ path: z.string().describe('Dotted path of the offending field'), message: z.string() }))
      .optional(),
  })
  .meta({ id: 'Error' });

export const attemptSchema = z
  .object({
    number: z.number().int(),
    status: z.enum(ATTEMPT_STATUSES),
    workerId: z.string().nullable(),
    backend: z.string().nullable(),
    fencingToken: z.string(),
    startedAt: timestamp.nullable(),
    endedAt: timestamp.nullable(),
    endReason: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'Attempt' });

export const runSummarySchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    name: z.string().nullable(),
    status: z.enum(RUN_STATUSES),
    statusReason: z.string().nullable(),
    priority: z.number().int(),
    owner: z.string().describe('Who submitted the run; per-user concurrency limits count by it'),
    resources: z.unknown(),
    resourceClass: z.string().describe('The resource class (queue) the run was placed in'),
    maxAttempts: z.number().int(),
    progress: z.number(),
    backend: z.string().nullable().describe('TensorFlow.js backend of the latest attempt'),
    workerId: z.string().nullable().describe('Worker of the latest attempt'),
    keyMetric: z
      .object({ name: z.string(), value: z.number(), step: z.number().int().nullable() })
      .nullable()
      .describe("The kind's headline metric: its latest point while running, the result's once succeeded"),
    error: z.string().nullable(),
    createdAt: timestamp.nullable(),
    startedAt: timestamp.nullable(),
    endedAt: timestamp.nullable(),
    cancelRequestedAt: timestamp.nullable(),
  })
  .meta({ id: 'RunSummary' });

export const runSchema = runSummarySchema
  .extend({
    spec: z.unknown().describe('The validated spec, defaults applied'),
    result: z.unknown().describe('The kind\'s result once the run succeeded'),
    attempts: z.array(attemptSchema),
    warnings: z
      .array(z.string())
      .optional()
      .describe('On submission only: why the run may wait (no online worker serves its class yet, its owner is at the concurrency limit)'),
  })
  .meta({ id: 'Run' });

export const runListSchema = z
  .object({
    runs: z.array(runSummarySchema),
    nextCursor: z.string().nullable(),
    total: z.number().int().describe('Runs matching the filter, on all pages'),
  })
  .meta({ id: 'RunList' });

export const metricSeriesSchema = z
  .object({
    runId: z.string(),
    metrics: z.array(
      z.object({
        name: z.string(),
        /** Points stored for this metric (before any downsampling). */
        count: z.number().int(),
        /** True when the points are buckets of `maxPoints` step ranges rather than raw points. */
        downsampled: z.boolean(),
        points: z.array(
          z.object({
            step: z.number().int().describe('Raw: the step. Bucket: its first step'),
            value: z.number().describe('Raw: the value. Bucket: the mean'),
            time: timestamp,
            attempt: z.number().int().nullable().optional().describe('Raw: the attempt that reported the point'),
            stepEnd: z.number().int().optional().describe('Bucket: its last step'),
            min: z.number().optional().describe('Bucket: smallest value, so single-step spikes survive'),
            max: z.number().optional().describe('Bucket: largest value'),
            count: z.number().int().optional().describe('Bucket: points in it'),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'RunMetrics' });

export const modelSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.string().describe('anchor, stitched or finetuned'),
    architecture: z.unknown(),
    artifactUri: z.string(),
    runId: z.string().nullable().describe('The run that produced it'),
    params: z.number().int().nullable(),
    metrics: z.unknown(),
    lineage: z.unknown(),
    createdAt: timestamp.nullable(),
  })
  .meta({ id: 'Model' });

export const modelListSchema = z
  .object({ models: z.array(modelSchema), nextCursor: z.string().nullable() })
  .meta({ id: 'ModelList' });

export const workerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    host: z.string(),
    backend: z.string(),
    accelerators: z.unknown(),
    capacity: z.number().int(),
    resourceClasses: z.array(z.string()),
    status: z.string().describe('online, busy, draining, dead or offline'),
    connected: z.boolean().describe('Whether its command stream is open to this API process'),
    version: z.string().nullable(),
    currentRunId: z.string().nullable(),
    registeredAt: timestamp.nullable(),
    lastHeartbeatAt: timestamp.nullable(),
    heartbeatAgeMs: z.number(),
  })
  .meta({ id: 'Worker' });

export const workerListSchema = z.object({ workers: z.array(workerSchema) }).meta({ id: 'WorkerList' });

export type RunView = z.output<typeof runSchema>;
export type RunSummaryView = z.output<typeof runSummarySchema>;
export type ModelView = z.output<typeof modelSchema>;
export type WorkerView = z.output<typeof workerSchema>;
export type MetricSeriesView = z.output<typeof metricSeriesSchema>;

// ---- request bodies ----------------------------------------------------------------------------

import { JOB_CATALOG, JOB_KINDS } from './catalog.js';
import { createRunSchema } from './runs.js';

/** One request shape per kind (kind fixes the spec schema), for the OpenAPI document. */
export const createRunRequestSchemas = JOB_KINDS.map((kind) =>
  createRunSchema
    .extend({ kind: z.literal(kind), spec: JOB_CATALOG[kind].spec.optional() })
    .meta({
      id: `Create${kind[0].toUpperCase()}${kind.slice(1)}Run`,
      description: `${JOB_CATALOG[kind].description}${JOB_CATALOG[kind].supported ? '' : ' (not supported yet: answered 400)'}`,
    }),
);

export const createRunRequestSchema = z
  .discriminatedUnion('kind', createRunRequestSchemas as unknown as [z.ZodObject, ...z.ZodObject[]])
  .meta({ id: 'CreateRunRequest' });

export const REQUEST_SCHEMA_IDS = ['CreateRunRequest', 'CreateKeyRequest', 'CreateFamilyRequest', 'CreateSweepRequest', 'CreatePipelineRequest', ...createRunRequestSchemas.map((s) => s.meta()?.id as string)];

// ---- families and stitches ---------------------------------------------------------------------

export const familySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    status: z.enum(['training', 'ready', 'failed']),
    members: z.array(
      z.object({
        preset: z.string(),
        runId: z.string().nullable(),
        runStatus: z.string().nullable(),
        modelId: z.string().nullable().describe('The trained anchor, once its run succeeded'),
      }),
    ),
    createdAt: timestamp.nullable(),
  })
  .meta({ id: 'Family' });

export const familyListSchema = z.object({ families: z.array(familySchema) }).meta({ id: 'FamilyList' });

export const stitchSchema = z
  .object({
    stitchId: z.number().int(),
    label: z.string(),
    kind: z.enum(['anchor', 'stitch']),
    configuration: z.unknown(),
    flops: z.number().describe('Multiply-adds per image (fvcore convention)'),
    params: z.number().int(),
    accuracy: z.number().describe('Top-1 on the test split, as a fraction'),
    top5: z.number().nullable(),
    loss: z.number().nullable(),
    latencyMs: z.number().nullable().describe('Median latency at the measured batch size'),
    latency: z.unknown(),
    onFrontier: z.boolean(),
  })
  .meta({ id: 'Stitch' });

export const stitchListSchema = z.object({ runId: z.string(), stitches: z.array(stitchSchema) }).meta({ id: 'StitchList' });

export const frontierSchema = z
  .object({
    runId: z.string(),
    cost: z.enum(['flops', 'latencyMs']).describe('The cost axis of the frontier'),
    frontier: z.array(stitchSchema),
    best: stitchSchema.nullable().describe('The most accurate frontier stitch within the budget (or overall)'),
  })
  .meta({ id: 'Frontier' });

export type FamilyView = z.output<typeof familySchema>;
export type StitchView = z.output<typeof stitchSchema>;

// ---- queues and logs ---------------------------------------------------------------------------

export const queueListSchema = z
  .object({
    queues: z.array(
      z.object({
        resourceClass: z.string().describe('Resource class, e.g. cpu, gpu, gpu-80g or any'),
        accelerator: z.string().describe("The class's device kind: cpu, gpu or any"),
        minDeviceMemoryGb: z.number().describe("Device memory every worker of the class has (0: no minimum)"),
        name: z.string().describe('BullMQ queue name'),
        waiting: z.number().int(),
        prioritized: z.number().int(),
        delayed: z.number().int(),
        dueDelayed: z.number().int().describe('Delayed jobs whose delay has passed'),
        active: z.number().int(),
        depth: z.number().int().describe('Jobs waiting to start now: waiting + prioritized + due delayed (the autoscaling metric)'),
        workers: z.number().int().describe('Online workers consuming this class'),
      }),
    ),
  })
  .meta({ id: 'QueueList' });

export const runLogsSchema = z
  .object({
    runId: z.string(),
    lines: z.array(z.object({ id: z.string(), attempt: z.number().int().nullable(), level: z.string(), message: z.string(), time: timestamp })),
    nextCursor: z.string().nullable().describe('Pass as `after` to read on; null at the end'),
  })
  .meta({ id: 'RunLogs' });

export type QueueListView = z.output<typeof queueListSchema>;
export type RunLogsView = z.output<typeof runLogsSchema>;

// ---- the job catalog ---------------------------------------------------------------------------

export const catalogSchema = z
  .object({
    kinds: z.array(
      z.object({
        kind: z.string(),
        description: z.string(),
        supported: z.boolean(),
        defaultAccelerator: z.string(),
        specSchema: z.record(z.string(), z.unknown()).describe('JSON Schema (draft 2020-12) of the spec, defaults included'),
      }),
    ),
  })
  .meta({ id: 'Catalog' });

export type CatalogView = z.output<typeof catalogSchema>;

// ---- sweeps ------------------------------------------------------------------------------------

export const sweepTrialSchema = z.object({
  index: z.number().int(),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  runId: z.string().nullable().describe('Null until the trial is submitted'),
  status: z.string().describe('pending (not submitted yet), a run status, or stopped (the median rule cancelled it)'),
  objective: z.number().nullable().describe("The objective field of the trial's result"),
});

export const sweepSchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
    strategy: z.enum(['grid', 'random']),
    concurrency: z.number().int(),
    objective: z.object({ field: z.string(), goal: z.enum(['max', 'min']) }),
    earlyStopping: z.unknown().describe('The median stopping rule, when enabled'),
    counts: z.object({ pending: z.number().int(), active: z.number().int(), succeeded: z.number().int(), failed: z.number().int(), cancelled: z.number().int(), stopped: z.number().int() }),
    trials: z.array(sweepTrialSchema).describe('Best objective first; trials without one after, by index'),
    best: sweepTrialSchema.nullable(),
    createdAt: timestamp.nullable(),
    endedAt: timestamp.nullable(),
  })
  .meta({ id: 'Sweep' });

export const sweepListSchema = z.object({ sweeps: z.array(sweepSchema) }).meta({ id: 'SweepList' });

export type SweepView = z.output<typeof sweepSchema>;
export type SweepTrialView = z.output<typeof sweepTrialSchema>;

// ---- pipelines ---------------------------------------------------------------------------------

export const pipelineStepStateSchema = z.object({
  id: z.string(),
  type: z.enum(['run', 'family', 'export']),
  dependsOn: z.array(z.string()),
  status: z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped', 'cancelled']),
  runId: z.string().nullable().describe('Run steps: the run'),
  familyId: z.string().nullable().describe('Family steps: the family'),
  outputs: z.unknown().describe('What later steps can refer to as ${id.path}'),
  error: z.string().nullable(),
});

export const pipelineSchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    status: z.enum(['running', 'succeeded', 'failed', 'cancelled']),
    steps: z.array(pipelineStepStateSchema),
    createdAt: timestamp.nullable(),
    endedAt: timestamp.nullable(),
  })
  .meta({ id: 'Pipeline' });

export const pipelineListSchema = z.object({ pipelines: z.array(pipelineSchema) }).meta({ id: 'PipelineList' });

export type PipelineView = z.output<typeof pipelineSchema>;
export type PipelineStepState = z.output<typeof pipelineStepStateSchema>;
