// The one job catalog: every job kind with its spec schema (defaults included), result schema,
// default resource class and whether this build can run it. The API validates submissions with it;
// the worker validates again before running (DESIGN decision 7).
import { z } from 'zod';
import { DATASET_IDS, taskDataSchema } from './datasets.js';

export const ACCELERATORS = ['cpu', 'gpu', 'any'] as const;
export type Accelerator = (typeof ACCELERATORS)[number];

export const JOB_KINDS = ['train', 'stitch', 'finetune', 'evaluate', 'diagnostic'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/**
 * A reference to a stored object (ids such as `mdl_0190…-…`): letters, digits, `_` and `-` only, so
 * a reference can never carry path characters (`/`, `\\`, `.`, `%`, NUL) toward the artifact store.
 */
export const OBJECT_ID = /^[A-Za-z0-9_-]+$/;
const id = (what: string) =>
  z.string().min(1, `${what} is required`).max(200).regex(OBJECT_ID, `${what} must be an id (letters, digits, _ and - only), as the API returns them`);

// ---- train -------------------------------------------------------------------------------------

export const VIT_PRESET_NAMES = ['vit-ti', 'vit-s', 'vit-b'] as const;

export const vitArchitectureSchema = z
  .object({
    preset: z.enum(VIT_PRESET_NAMES).default('vit-s'),
    patchSize: z.literal([2, 4, 7, 14], 'must divide 28: 2, 4, 7 or 14').optional(),
    dim: z.number().int().min(8).max(1024).optional(),
    depth: z.number().int().min(1).max(24).optional(),
    heads: z.number().int().min(1).max(32).optional(),
    mlpRatio: z.number().min(1).max(8).optional(),
    /** Weight init: `fan-in` (std 1/sqrt(fan_in) for linear weights) trains these small widths faster than timm's std 0.02. */
    init: z.enum(['fan-in', 'timm']).default('fan-in'),
  })
  .strict()
  .refine((m) => m.dim === undefined || m.heads === undefined || m.dim % m.heads === 0, {
    message: 'dim must be divisible by heads',
    path: ['heads'],
  });

export const datasetSplitSchema = z
  .object({
    dataset: z.literal('mnist').default('mnist'),
    testFraction: z.number().gt(0).lt(1).default(0.2),
    seed: z.number().int().min(0).default(0),
  })
  .strict();

export const trainSpecSchema = z
  .object({
    model: vitArchitectureSchema.default({ preset: 'vit-s', init: 'fan-in' }),
    data: datasetSplitSchema.default({ dataset: 'mnist', testFraction: 0.2, seed: 0 }),
    // Defaults: the measured demo configuration (ViT-S, ~93% MNIST test accuracy in ~100 s on one core).
    steps: z.number().int().min(1).max(1_000_000).default(500),
    batchSize: z.number().int().min(1).max(4096).default(64),
    learningRate: z.number().gt(0).max(1).default(3e-3),
    /** Decoupled (AdamW) weight decay on weight matrices. */
    weightDecay: z.number().min(0).max(1).default(0.05),
    /** Linear warm-up before the cosine decay; default min(50, steps / 10). */
    warmupSteps: z.number().int().min(0).optional(),
    seed: z.number().int().min(0).default(0),
    metricsEvery: z.number().int().min(1).default(10),
    /** Steps between checkpoints (model, optimizer, step, sampler); a new attempt resumes from the latest. */
    checkpointEvery: z.number().int().min(1).default(100),
    modelName: z.string().min(1).max(200).optional(),
  })
  .strict()
  .refine((s) => s.warmupSteps === undefined || s.warmupSteps === 0 || s.warmupSteps < s.steps, {
    message: 'must be smaller than steps',
    path: ['warmupSteps'],
  })
  .transform((s) => ({ ...s, warmupSteps: s.warmupSteps ?? Math.min(50, Math.floor(s.steps / 10)) }));

export const trainResultSchema = z.object({
  modelId: z.string(),
  steps: z.number().int(),
  trainLoss: z.number(),
  trainAccuracy: z.number(),
  testLoss: z.number(),
  testAccuracy: z.number(),
  params: z.number().int(),
  flops: z.number(),
  durationMs: z.number(),
});

// ---- evaluate ----------------------------------------------------------------------------------

export const EVALUATION_METRICS = ['top1', 'top5', 'loss', 'ece', 'knn', 'linear-probe', 'vci', 'flops', 'params', 'latency'] as const;
export type EvaluationMetric = (typeof EVALUATION_METRICS)[number];

export const latencySpecSchema = z
  .object({
    batchSize: z.number().int().min(1).max(1024).default(64),
    warmup: z.number().int().min(0).max(1000).default(10),
    runs: z.number().int().min(1).max(10_000).default(50),
  })
  .strict();

export const evaluateSpecSchema = z
  .object({
    modelId: id('modelId'),
    // Unset fields default to the split the model was trained on (recorded in its lineage), so
    // this schema has no defaults of its own.
    data: z
      .object({
        /** A registry id (GET /v1/datasets); a fine-tuned model defaults to its task. */
        dataset: z.enum(DATASET_IDS).optional(),
        testFraction: z.number().gt(0).lt(1).optional(),
        seed: z.number().int().min(0).optional(),
      })
      .strict()
      .optional(),
    metrics: z.array(z.enum(EVALUATION_METRICS)).min(1).default(['top1', 'top5', 'loss', 'flops', 'params']),
    batchSize: z.number().int().min(1).max(4096).default(256),
    knn: z
      .object({ k: z.number().int().min(1).max(1000).default(20), temperature: z.number().gt(0).default(0.07) })
      .strict()
      .default({ k: 20, temperature: 0.07 }),
    linearProbe: z
      .object({
        steps: z.number().int().min(1).max(100_000).default(300),
        learningRate: z.number().gt(0).default(0.01),
        weightDecay: z.number().min(0).default(0.01),
      })
      .strict()
      .default({ steps: 300, learningRate: 0.01, weightDecay: 0.01 }),
    latency: latencySpecSchema.default({ batchSize: 64, warmup: 10, runs: 50 }),
  })
  .strict();

export const evaluateResultSchema = z.object({
  modelId: z.string(),
  /** Top-1 accuracy on the test split, as a fraction (always computed). */
  accuracy: z.number(),
  loss: z.number(),
  count: z.number().int(),
  /** Exactly the metrics the spec asked for. */
  metrics: z.record(z.string(), z.unknown()),
  durationMs: z.number(),
});

// ---- diagnostic (tests and benchmarks; enabled by configuration) -------------------------------

export const diagnosticSpecSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('noop') }).strict(),
  z
    .object({
      action: z.literal('sleep'),
      durationMs: z.number().int().min(0).max(3_600_000).default(1000),
      steps: z.number().int().min(1).max(10_000).default(10),
      /** Also report `diag/value` with this value at every step (a curve for sweeps' early stopping). */
      value: z.number().optional(),
    })
    .strict(),
  z
    .object({
      action: z.literal('fail'),
      message: z.string().max(2000).default('diagnostic failure'),
      /** A retryable failure sends the run back to the queue (while attempts are left). */
      retryable: z.boolean().default(false),
    })
    .strict(),
  z.object({ action: z.literal('crash'), exitCode: z.number().int().min(1).max(255).default(70) }).strict(),
  z.object({ action: z.literal('hang') }).strict(),
  /** Asks the runtime for `bytes` at once: a real allocation failure, which recycles the worker process. */
  z.object({ action: z.literal('oom'), bytes: z.number().int().min(1).max(2 ** 52).default(2 ** 40) }).strict(),
]);

export const diagnosticResultSchema = z.object({ action: z.string(), durationMs: z.number() });

// ---- stitch (SN-Net v1 / v2) ---------------------------------------------------------------------

export const stitchSpecSchema = z
  .object({
    /** Anchor model ids, smallest first; or give `familyId` and the family's anchors are used. */
    anchors: z.array(id('anchor model id')).min(2).max(4).optional(),
    familyId: id('familyId').optional(),
    method: z.enum(['snnet-v1', 'snnet-v2']).default('snnet-v1'),
    /** v1 paired sliding window (ml-methods.md 1.3). */
    window: z
      .object({ size: z.number().int().min(1).max(8).default(2), stride: z.number().int().min(1).max(8).default(1) })
      .strict()
      .default({ size: 2, stride: 1 }),
    /** v1: stitch adjacent anchors only (Ti→S, S→B); false adds Ti→B and three-anchor paths. */
    nearest: z.boolean().default(true),
    /** v2 low-rank stitching layers (rank of the LoRA update on the least-squares init). */
    loraRank: z.number().int().min(1).max(1024).optional(),
    /** How a configuration is drawn each step: uniformly, or v2's FLOPs-grouped sampling (default: v1 uniform, v2 ros). */
    sampling: z.enum(['uniform', 'ros']).optional(),
    /** ROS group gap in multiply-adds (default: chosen from the anchors' FLOPs). */
    flopsGap: z.number().gt(0).optional(),
    /** Train the anchors too (SN-Net's default); false trains only the stitching layers. */
    trainAnchors: z.boolean().default(true),
    /**
     * Parameters off the sampled path: `skip` leaves them untouched (PyTorch 2's zero_grad(set_to_none));
     * `zero` gives them zero gradients, so AdamW's decay and momentum still move them (PyTorch 1.x, as
     * the official runs did). `skip` keeps the anchors' accuracy better in short runs (docs/stitching.md).
     */
    offPathUpdates: z.enum(['skip', 'zero']).default('skip'),
    /** Hard distillation from the largest anchor with this weight (0.5 in SN-Net v1); off when absent. */
    distillAlpha: z.number().min(0).max(1).optional(),
    steps: z.number().int().min(1).max(1_000_000).default(300),
    batchSize: z.number().int().min(1).max(4096).default(64),
    /** About 10× below training from scratch (the SN-Net README's rule). */
    learningRate: z.number().gt(0).max(1).default(5e-4),
    weightDecay: z.number().min(0).max(1).default(0.05),
    warmupSteps: z.number().int().min(0).optional(),
    /** Images in the batch that initialises stitching layers by least squares. */
    initBatch: z.number().int().min(2).max(10_000).default(100),
    checkpointEvery: z.number().int().min(1).default(100),
    metricsEvery: z.number().int().min(1).default(10),
    seed: z.number().int().min(0).default(0),
    /** Defaults to the split the first anchor was trained on. */
    data: z
      .object({ dataset: z.literal('mnist').optional(), testFraction: z.number().gt(0).lt(1).optional(), seed: z.number().int().min(0).optional() })
      .strict()
      .optional(),
    evaluation: z
      .object({ batchSize: z.number().int().min(1).max(4096).default(256), latency: latencySpecSchema.or(z.literal(false)).default({ batchSize: 64, warmup: 10, runs: 50 }) })
      .strict()
      .default({ batchSize: 256, latency: { batchSize: 64, warmup: 10, runs: 50 } }),
  })
  .strict()
  // The API rejects both at submit and then stores the family's anchors next to its id.
  .refine((s) => s.anchors !== undefined || s.familyId !== undefined, {
    message: 'give anchors or familyId',
    path: ['anchors'],
  })
  .refine((s) => s.method !== 'snnet-v2' || s.anchors === undefined || s.anchors.length === 2, {
    message: 'snnet-v2 stitches exactly two anchors',
    path: ['anchors'],
  })
  .refine((s) => s.warmupSteps === undefined || s.warmupSteps === 0 || s.warmupSteps < s.steps, {
    message: 'must be smaller than steps',
    path: ['warmupSteps'],
  })
  .transform((s) => ({ ...s, warmupSteps: s.warmupSteps ?? Math.min(50, Math.floor(s.steps / 10)) }));

export const stitchResultSchema = z.object({
  method: z.string(),
  anchors: z.array(z.string()),
  /** Directory of the trained SN-Net in the artifact store. */
  artifactUri: z.string(),
  /** The data split used (the anchors'), so exported stitches evaluate on the same test split. */
  data: z.object({ dataset: z.string(), testFraction: z.number(), seed: z.number().int() }),
  configurations: z.number().int(),
  frontier: z.array(z.number().int()),
  /** Spearman rank correlation of FLOPs and accuracy across the stitches (anchors excluded). */
  spearman: z.number().nullable(),
  best: z.object({ stitchId: z.number().int(), label: z.string(), accuracy: z.number(), flops: z.number() }),
  trainSteps: z.number().int(),
  durationMs: z.number(),
});

// ---- finetune (ml-methods.md section 3) -------------------------------------------------------

/** Which weights an adapter wraps: the query/key/value slices of attention's qkv, its output projection, the MLP. */
export const ADAPTER_TARGETS = ['q', 'k', 'v', 'proj', 'fc1', 'fc2'] as const;

export const FINETUNE_METHODS = ['full', 'linear-probe', 'lora', 'spectral', 'subtuning'] as const;
export type FinetuneMethod = (typeof FINETUNE_METHODS)[number];

export const finetuneSpecSchema = z
  .object({
    /** The model to adapt: an anchor, an exported stitch or an earlier fine-tune. */
    modelId: id('modelId'),
    /** The transfer task (GET /v1/datasets); the model gets a new head for its classes. */
    data: taskDataSchema.default({ task: 'mnist-parity', testFraction: 0.2, seed: 0 }),
    method: z.enum(FINETUNE_METHODS).default('lora'),
    steps: z.number().int().min(1).max(1_000_000).default(300),
    batchSize: z.number().int().min(1).max(4096).default(64),
    learningRate: z.number().gt(0).max(1).default(1e-3),
    weightDecay: z.number().min(0).max(1).default(0.01),
    warmupSteps: z.number().int().min(0).default(0),
    seed: z.number().int().min(0).default(0),
    metricsEvery: z.number().int().min(1).default(10),
    checkpointEvery: z.number().int().min(1).default(100),
    /** LoRA (3.1): h = W0·x + (alpha/rank)·B·A·dropout(x); B starts at 0. */
    lora: z
      .object({
        rank: z.number().int().min(1).max(256).default(4),
        alpha: z.number().gt(0).default(8),
        dropout: z.number().min(0).lt(1).default(0),
        targets: z.array(z.enum(ADAPTER_TARGETS)).min(1).default(['q', 'v']),
      })
      .strict()
      .default({ rank: 4, alpha: 8, dropout: 0, targets: ['q', 'v'] }),
    /** Spectral Adapter (3.2): additive (ΔU, ΔV on the top-r singular vectors) or rotation (Cayley). */
    spectral: z
      .object({
        rank: z.number().int().min(1).max(256).default(4),
        variant: z.enum(['additive', 'rotation']).default('additive'),
        targets: z.array(z.enum(ADAPTER_TARGETS)).min(1).default(['q', 'v']),
      })
      .strict()
      .default({ rank: 4, variant: 'additive', targets: ['q', 'v'] }),
    /** SubTuning (3.3): greedy choice of the transformer blocks to train, each candidate a short training run. */
    subtuning: z
      .object({
        start: z.enum(['non', 'all', 'best']).default('non'),
        epsilon: z.number().min(0).max(1).default(0.01),
        /** Steps of each candidate's training run (the final run uses `steps`). */
        candidateSteps: z.number().int().min(1).default(100),
      })
      .strict()
      .default({ start: 'non', epsilon: 0.01, candidateSteps: 100 }),
    modelName: z.string().min(1).max(200).optional(),
  })
  .strict();

export const finetuneResultSchema = z.object({
  modelId: z.string(),
  baseModelId: z.string(),
  method: z.enum(FINETUNE_METHODS),
  task: z.string(),
  /** Parameters the method trained (adapters, chosen blocks, the new head). */
  trainableParams: z.number().int(),
  totalParams: z.number().int(),
  /** Test accuracy of the base model with the new, untrained head (the bar a fine-tune must clear). */
  untrainedAccuracy: z.number(),
  testAccuracy: z.number(),
  testLoss: z.number(),
  steps: z.number().int(),
  durationMs: z.number(),
  /** The evaluation suite on the task's test split: top1, loss, ece, flops, params. */
  metrics: z.record(z.string(), z.number()),
  /** SubTuning only: the chosen blocks (e.g. `blocks.3`) and every candidate set it scored on held-out training images. */
  subtuning: z
    .object({
      chosen: z.array(z.string()),
      candidates: z.array(z.object({ blocks: z.array(z.string()), accuracy: z.number() })),
    })
    .optional(),
});

// ---- the catalog -------------------------------------------------------------------------------

export interface JobKindEntry {
  kind: JobKind;
  description: string;
  spec: z.ZodType;
  result: z.ZodType;
  /** Accelerator class used when the submission names none. */
  defaultAccelerator: Accelerator;
  /** False until the kind's handler exists; the API answers 400 "kind not supported yet". */
  supported: boolean;
  /** Long jobs checkpoint and stream progress; short ones do not. */
  long: boolean;
  /** The headline metric of run tables (`resultKeyMetric` reads the result part). */
  keyMetric: KeyMetricRule;
}

/**
 * While a run is going, its headline metric is the latest point of `metric`; once it succeeds,
 * `result` names the result field that replaces it (shown under `resultName`).
 */
export interface KeyMetricRule {
  metric?: string;
  result?: { path: string; name: string };
}

export const JOB_CATALOG: Record<JobKind, JobKindEntry> = {
  train: {
    kind: 'train',
    description: 'Train a ViT anchor on MNIST and register it as a model.',
    spec: trainSpecSchema,
    result: trainResultSchema,
    defaultAccelerator: 'any',
    supported: true,
    long: true,
    keyMetric: { metric: 'train/loss', result: { path: 'testAccuracy', name: 'test/accuracy' } },
  },
  evaluate: {
    kind: 'evaluate',
    description: 'Top-1 accuracy and loss of a registered model on its test split.',
    spec: evaluateSpecSchema,
    result: evaluateResultSchema,
    defaultAccelerator: 'any',
    supported: true,
    long: false,
    keyMetric: { result: { path: 'accuracy', name: 'test/accuracy' } },
  },
  diagnostic: {
    kind: 'diagnostic',
    description: 'Sleep, fail, crash or hang on purpose (tests and benchmarks; needs ANCHORAGE_DIAGNOSTICS=1).',
    spec: diagnosticSpecSchema,
    result: diagnosticResultSchema,
    defaultAccelerator: 'any',
    supported: true,
    long: false,
    keyMetric: { metric: 'diag/step' },
  },
  stitch: {
    kind: 'stitch',
    description: 'Stitch anchors into one SN-Net (v1 or v2), train it, and evaluate every stitch.',
    spec: stitchSpecSchema,
    result: stitchResultSchema,
    defaultAccelerator: 'any',
    supported: true,
    long: true,
    keyMetric: { metric: 'train/loss', result: { path: 'best.accuracy', name: 'best/accuracy' } },
  },
  finetune: {
    kind: 'finetune',
    description: 'Fine-tune a model (full, linear probe, LoRA, Spectral Adapter, SubTuning).',
    spec: finetuneSpecSchema,
    result: finetuneResultSchema,
    defaultAccelerator: 'any',
    supported: true,
    long: true,
    keyMetric: { metric: 'train/loss', result: { path: 'testAccuracy', name: 'test/accuracy' } },
  },
};

export type TrainSpec = z.output<typeof trainSpecSchema>;
export type TrainResult = z.output<typeof trainResultSchema>;
export type EvaluateSpec = z.output<typeof evaluateSpecSchema>;
export type EvaluateResult = z.output<typeof evaluateResultSchema>;
export type StitchSpec = z.output<typeof stitchSpecSchema>;
export type StitchResultSummary = z.output<typeof stitchResultSchema>;
export type LatencySpec = z.output<typeof latencySpecSchema>;
export type DiagnosticSpec = z.output<typeof diagnosticSpecSchema>;
export type FinetuneSpec = z.output<typeof finetuneSpecSchema>;
export type FinetuneResult = z.output<typeof finetuneResultSchema>;
export type DiagnosticResult = z.output<typeof diagnosticResultSchema>;

/** The value at a dotted `path` of a result, when it is a finite number. */
export function resultKeyMetric(kind: JobKind, result: unknown): { name: string; value: number } | null {
  const rule = JOB_CATALOG[kind]?.keyMetric.result;
  if (!rule) return null;
  let value: unknown = result;
  for (const key of rule.path.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === 'number' && Number.isFinite(value) ? { name: rule.name, value } : null;
}

/** The catalog as data for forms and clients: each kind's spec as JSON Schema (input side, defaults included). */
export function describeCatalog() {
  return {
    kinds: JOB_KINDS.map((kind) => {
      const entry = JOB_CATALOG[kind];
      return {
        kind,
        description: entry.description,
        supported: entry.supported,
        defaultAccelerator: entry.defaultAccelerator,
        specSchema: z.toJSONSchema(entry.spec, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
      };
    }),
  };
}
