/**
 * SN-Net training (ml-methods.md 1.4, 2.4, 2.5): one configuration sampled per step (uniformly, or by
 * ROS), the whole batch sent through it, AdamW with warm-up + cosine, optional hard distillation from
 * the largest anchor. Shares the loop, schedule and optimizer with `trainClassifier` (../train.ts).
 *
 * Choices:
 * - Parameters off the sampled path get a zero gradient by default, so AdamW still moves them with
 *   their momentum and decays them, as the official code does (gradients zeroed, not set to None);
 *   `offPathUpdates: 'skip'` leaves them untouched instead (ml-methods.md 7).
 * - Distillation `{ teacher: 'largest-anchor' }` uses the largest anchor's current weights without
 *   gradient (in-place distillation; nothing extra to checkpoint). Loss: (1−α)·CE(z, y) +
 *   α·CE(z, argmax teacher(x)) with α = 0.5 by default (DeiT/SN-Net hard distillation).
 * - Checkpoints hold the network weights, the Adam moments and step counters, the step, the
 *   sampler's PRNG state, the batch order's position (re-derived from the seed) and the metric
 *   window. Resuming from a checkpoint taken after k steps reproduces the uninterrupted run (same
 *   configurations, same batches, same optimizer state, same reported metrics). On abort,
 *   `checkpointOnAbort` receives the state after the last completed step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createBatchIterator, type BatchIteratorState, type Dataset } from '../data/mnist.js';
import { ensureGradients } from '../gradients.js';
import { accuracyOf, softmaxCrossEntropy } from '../models/ops.js';
import type { Classifier } from '../models/vit.js';
import { deriveSeed } from '../random.js';
import {
  abortError,
  AdamW,
  checkTrainOptions,
  emptyMetricCursor,
  isAbortOf,
  runStepLoop,
  type AdamWState,
  type LearningRateSchedule,
  type MetricCursor,
  type TrainStepInfo,
} from '../train.js';
import { defaultFlopsGap, rosSampler, uniformSampler, type ConfigSampler, type SamplerKind, type SamplerState } from './sampler.js';
import type { SNNet } from './snnet.js';
import type { SNNetCheckpoint } from './checkpoint.js';

export interface SNNetStepInfo extends TrainStepInfo {
  /** Configuration trained at the latest step. */
  configId: number;
}

export interface DistillOptions {
  /** 'largest-anchor' (the net's largest anchor, no gradient) or any frozen classifier. */
  teacher: 'largest-anchor' | Classifier;
  /** Weight of the distillation term (default 0.5). */
  alpha?: number;
}

/** Everything a trainer needs to continue exactly where it stopped (JSON + Float32Arrays). */
export interface SNNetTrainerState {
  format: 'anchorage-snnet-trainer/1';
  /** Steps completed. */
  step: number;
  totalSteps: number;
  seed: number;
  batchSize: number;
  trainAnchors: boolean;
  sampling: { kind: SamplerKind; flopsGap?: number; flopsSamplingK?: number; configIds: number[] };
  sampler: SamplerState;
  optimizer: AdamWState;
  /** The batch order's position (absent in older checkpoints: re-derived from `step`). */
  batches?: BatchIteratorState;
  /** Reporting window (absent in older checkpoints: the resumed run starts a fresh window). */
  metrics?: MetricCursor;
}

export interface SNNetTrainOptions {
  net: SNNet;
  data: Dataset;
  steps: number;
  batchSize: number;
  /** Peak learning rate. */
  learningRate: number;
  /** Decoupled weight decay (default 0.05, the official value). */
  weightDecay?: number;
  warmupSteps?: number;
  schedule?: LearningRateSchedule;
  minLearningRate?: number;
  /** 'uniform' (default for v1) or 'ros' (default for v2). */
  sampling?: SamplerKind;
  /** ROS FLOPs gap in MACs (default {@link defaultFlopsGap}: (F_max − F_min)/(5·L_min) over the anchors). */
  flopsGap?: number;
  /** ROS group weighting k (p_g ∝ g/k + 1/G); default: uniform over groups. */
  flopsSamplingK?: number;
  /** Restrict sampling to these configuration ids (default: all used configurations). */
  configIds?: number[];
  /** Train the anchors (default true); false trains only the stitching layers (+ v1 CLS tokens). */
  trainAnchors?: boolean;
  distill?: DistillOptions;
  /** What happens to parameters off the sampled path (default 'zero'; see the file header). */
  offPathUpdates?: 'zero' | 'skip';
  /**
   * Least-squares initialisation before training: default true when the stitching layers are not
   * initialised yet and the run is not resumed (100 seeded images from `data`).
   */
  initStitching?: boolean | { count?: number };
  adam?: { beta1?: number; beta2?: number; epsilon?: number };
  seed: number;
  signal?: AbortSignal;
  onStep?: (s: SNNetStepInfo) => void | Promise<void>;
  logEvery?: number;
  /** Calls `onCheckpoint` every this many steps (and not otherwise). */
  checkpointEvery?: number;
  onCheckpoint?: (state: SNNetTrainerState) => void | Promise<void>;
  /**
   * On abort, before rejecting with the AbortError: called with the state after the last completed
   * step when at least one step completed since the last checkpoint (or the resumed step); awaited,
   * and its errors propagate. The network holds that step's weights while it runs.
   */
  checkpointOnAbort?: (state: SNNetTrainerState) => void | Promise<void>;
  /** Continue from a checkpoint (or a trainer state whose net weights are already in `net`). */
  resume?: SNNetCheckpoint | SNNetTrainerState;
}

export interface SNNetTrainResult {
  steps: number;
  /** Steps run by this call (steps − resumed step). */
  stepsRun: number;
  loss: number;
  accuracy: number;
  lr: number;
  seconds: number;
  msPerStep: number;
  epochs: number;
  /** How often each configuration id was trained by this call. */
  configCounts: Record<number, number>;
}

/** Builds the sampler a training run uses (exported for inspection and tests). */
export function createConfigSampler(
  net: SNNet,
  options: { sampling?: SamplerKind; flopsGap?: number; flopsSamplingK?: number; configIds?: number[]; seed: number },
): { sampler: ConfigSampler; sampling: SNNetTrainerState['sampling'] } {
  const kind = options.sampling ?? (net.method === 'v2' ? 'ros' : 'uniform');
  const ids = options.configIds ?? net.configurations().map((c) => c.id);
  if (ids.length === 0) throw new Error('configIds is empty');
  for (const id of ids) net.config(id);
  const seed = deriveSeed(options.seed, 'config-sampler');
  if (kind === 'uniform') return { sampler: uniformSampler(ids, seed), sampling: { kind, configIds: [...ids] } };
  if (kind !== 'ros') throw new Error(`unknown sampling ${JSON.stringify(kind)}; use 'uniform' or 'ros'`);
  const anchorIds = net.configurations().filter((c) => c.kind === 'anchor').map((c) => c.id);
  const flopsGap = options.flopsGap ?? defaultFlopsGap(anchorIds.map((id) => net.flops(id)), net.anchors.map((a) => a.depth));
  const sampler = rosSampler(ids.map((id) => ({ id, flops: net.flops(id) })), { flopsGap, flopsSamplingK: options.flopsSamplingK, seed });
  return { sampler, sampling: { kind, flopsGap, flopsSamplingK: options.flopsSamplingK, configIds: [...ids] } };
}

function isCheckpoint(r: SNNetCheckpoint | SNNetTrainerState): r is SNNetCheckpoint {
  return (r as SNNetCheckpoint).format === 'anchorage-snnet-checkpoint/1';
}

/** Trains `net` in place. */
export async function trainSNNet(options: SNNetTrainOptions): Promise<SNNetTrainResult> {
  const { net, data, steps, batchSize, learningRate, signal, onStep } = options;
  const logEvery = options.logEvery ?? 10;
  const weightDecay = options.weightDecay ?? 0.05;
  const warmupSteps = options.warmupSteps ?? 0;
  checkTrainOptions({ batchSize, steps, logEvery, learningRate, weightDecay, warmupSteps });
  if (options.checkpointEvery !== undefined && !(Number.isInteger(options.checkpointEvery) && options.checkpointEvery > 0)) {
    throw new Error(`checkpointEvery must be a positive integer (got ${options.checkpointEvery})`);
  }
  const alpha = options.distill?.alpha ?? 0.5;
  if (options.distill && !(alpha >= 0 && alpha <= 1)) throw new Error(`distill.alpha must be in [0, 1] (got ${alpha})`);
  if (net.isDisposed) throw new Error('SNNet has been disposed');
  if (data.numClasses !== net.numClasses) throw new Error(`dataset has ${data.numClasses} classes, the network ${net.numClasses}`);
  if (signal?.aborted) throw abortError(signal);
  ensureGradients();

  const resumeState = options.resume ? (isCheckpoint(options.resume) ? options.resume.trainer : options.resume) : undefined;
  const trainAnchors = resumeState?.trainAnchors ?? options.trainAnchors ?? true;
  if (resumeState) {
    if (resumeState.format !== 'anchorage-snnet-trainer/1') throw new Error('resume: not an SN-Net trainer state');
    const mismatch: string[] = [];
    if (resumeState.batchSize !== batchSize) mismatch.push(`batchSize ${resumeState.batchSize} ≠ ${batchSize}`);
    if (resumeState.seed !== options.seed) mismatch.push(`seed ${resumeState.seed} ≠ ${options.seed}`);
    if (options.trainAnchors !== undefined && options.trainAnchors !== resumeState.trainAnchors) mismatch.push('trainAnchors differs');
    if (options.sampling !== undefined && options.sampling !== resumeState.sampling.kind) mismatch.push('sampling differs');
    if (mismatch.length > 0) throw new Error(`resume: options differ from the checkpoint's (${mismatch.join('; ')})`);
    if (resumeState.step > steps) throw new Error(`resume: the checkpoint is at step ${resumeState.step}, beyond steps = ${steps}`);
  }

  const samplingOpts = resumeState
    ? { sampling: resumeState.sampling.kind, flopsGap: resumeState.sampling.flopsGap, flopsSamplingK: resumeState.sampling.flopsSamplingK, configIds: resumeState.sampling.configIds, seed: options.seed }
    : { sampling: options.sampling, flopsGap: options.flopsGap, flopsSamplingK: options.flopsSamplingK, configIds: options.configIds, seed: options.seed };
  const { sampler, sampling } = createConfigSampler(net, samplingOpts);

  if (options.resume && isCheckpoint(options.resume)) net.setWeights(options.resume.net.weights);
  const wantInit = options.initStitching ?? (!net.stitchingInitialized && !resumeState);
  if (wantInit && !resumeState) {
    const count = typeof wantInit === 'object' ? wantInit.count : undefined;
    await net.initializeStitching(data, { count, seed: deriveSeed(options.seed, 'stitch-init') });
  }

  const named = [...net.trainableParams({ trainAnchors })];
  const varList = named.map(([, v]) => v);
  const optimizer = new AdamW(named, {
    learningRate,
    weightDecay,
    beta1: options.adam?.beta1,
    beta2: options.adam?.beta2,
    epsilon: options.adam?.epsilon,
    missingGradients: options.offPathUpdates ?? 'zero',
  });

  const { height, width, channels } = data;
  const startStep = resumeState?.step ?? 0;
  if (resumeState?.batches && resumeState.batches.batches !== startStep) {
    throw new Error(`resume: the checkpoint's batch order is at batch ${resumeState.batches.batches}, not at its step ${startStep}`);
  }
  const batches = createBatchIterator(data, { batchSize, seed: options.seed, resume: resumeState?.batches });
  const bs = batches.batchSize;
  const cursor: MetricCursor = resumeState?.metrics ? { ...resumeState.metrics } : emptyMetricCursor();
  /** Steps completed (the network and optimizer hold this step's state). */
  let done = startStep;
  /** Step of the latest checkpoint handed out (or resumed from). */
  let checkpointed = startStep;
  const teacher: Classifier | undefined = options.distill
    ? options.distill.teacher === 'largest-anchor'
      ? net.anchors[net.anchors.length - 1]!
      : options.distill.teacher
    : undefined;
  const configCounts: Record<number, number> = {};

  const snapshot = async (): Promise<SNNetTrainerState> => ({
    format: 'anchorage-snnet-trainer/1',
    step: done,
    totalSteps: steps,
    seed: options.seed,
    batchSize,
    trainAnchors,
    sampling: { ...sampling, configIds: [...sampling.configIds] },
    sampler: sampler.state(),
    optimizer: await optimizer.getState(),
    batches: batches.state(),
    metrics: { ...cursor },
  });

  let result: Awaited<ReturnType<typeof runStepLoop<number>>>;
  try {
    if (resumeState) {
      await optimizer.setState(resumeState.optimizer);
      sampler.restore(resumeState.sampler);
      // Older checkpoints lack the batch position: skip the batches the first `step` steps consumed.
      if (!resumeState.batches) for (let i = 0; i < startStep; i++) batches.next();
    }
    result = await runStepLoop<number>({
      steps,
      startStep,
      learningRate,
      warmupSteps,
      schedule: options.schedule,
      minLearningRate: options.minLearningRate,
      signal,
      logEvery,
      cursor,
      step: (s, lr) => {
        const configId = sampler.next();
        configCounts[configId] = (configCounts[configId] ?? 0) + 1;
        const batch = batches.next();
        const kept: { acc?: tf.Scalar } = {};
        try {
          const stats = tf.tidy(() => {
            const x = tf.tensor4d(batch.images, [bs, height, width, channels]);
            const y = tf.tensor1d(batch.labels, 'int32');
            // Teacher labels outside the gradient tape.
            const teacherLabels = teacher ? (tf.argMax(teacher.forward(x), 1) as tf.Tensor1D) : undefined;
            const { value, grads } = tf.variableGrads(() => {
              const logits = net.forward(x, configId);
              kept.acc = tf.keep(accuracyOf(logits, y));
              const ce = softmaxCrossEntropy(logits, y);
              if (!teacherLabels) return ce;
              return tf.add(tf.mul(ce, 1 - alpha), tf.mul(softmaxCrossEntropy(logits, teacherLabels), alpha)) as tf.Scalar;
            }, varList);
            optimizer.step(grads, lr);
            return tf.stack([value, kept.acc!]);
          });
          done = s + 1;
          return { stats, info: configId };
        } finally {
          kept.acc?.dispose();
        }
      },
      report: onStep ? (s, configId) => onStep({ ...s, configId }) : undefined,
      afterStep:
        options.onCheckpoint && options.checkpointEvery
          ? async (d) => {
              if (d % options.checkpointEvery! === 0) {
                await options.onCheckpoint!(await snapshot());
                checkpointed = d;
              }
            }
          : undefined,
    });
  } catch (err) {
    // Checkpoint on abort (worker shutdown): the state after the last completed step.
    if (options.checkpointOnAbort && isAbortOf(err, signal) && done > checkpointed) await options.checkpointOnAbort(await snapshot());
    throw err;
  } finally {
    optimizer.dispose();
  }
  const stepsRun = result.stepsRun;
  return {
    steps,
    stepsRun,
    loss: result.loss,
    accuracy: result.accuracy,
    lr: result.lr,
    seconds: result.seconds,
    msPerStep: stepsRun > 0 ? (result.seconds * 1000) / stepsRun : 0,
    epochs: (steps * bs) / data.count,
    configCounts,
  };
}
