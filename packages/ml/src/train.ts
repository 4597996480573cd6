/**
 * Supervised classifier training: Adam (optionally AdamW-style decoupled weight decay), linear
 * warm-up and cosine decay, one `tf.tidy` per batch, and a macrotask yield between steps so the
 * event loop (gRPC streams, cancel commands) keeps running while a model trains.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createBatchIterator, type Dataset } from './data/mnist.js';
import type { Classifier } from './models/vit.js';
import { accuracyOf, softmaxCrossEntropy } from './models/ops.js';
import { ensureGradients } from './gradients.js';

export interface TrainStepInfo {
  /** Steps completed (1-based). */
  step: number;
  totalSteps: number;
  /** Mean training loss over the steps since the previous report. */
  loss: number;
  /** Mean training accuracy (fraction in [0, 1]) over the steps since the previous report. */
  accuracy: number;
  /** Learning rate used for the latest step. */
  lr: number;
}

export type LearningRateSchedule = 'cosine' | 'constant';

export interface TrainOptions {
  model: Classifier;
  data: Dataset;
  batchSize: number;
  steps: number;
  /** Peak learning rate. */
  learningRate: number;
  /**
   * Decoupled (AdamW) weight decay, applied as w ← w·(1 − lr·wd) to every parameter of rank ≥ 2
   * except `cls_token` and `pos_embed` (timm/DeiT exclude biases, norms and those). Default 0.
   */
  weightDecay?: number;
  /** Linear warm-up from lr/warmupSteps to lr over this many steps. Default 0. */
  warmupSteps?: number;
  /** After warm-up: 'cosine' (default) decays to `minLearningRate`; 'constant' keeps the peak. */
  schedule?: LearningRateSchedule;
  /** Floor of the cosine schedule. Default 0. */
  minLearningRate?: number;
  /** Seeds the batch order. */
  seed: number;
  /** Aborting rejects with an error whose name is 'AbortError', after disposing every tensor. */
  signal?: AbortSignal;
  /** Called every `logEvery` steps and after the last step; awaited. */
  onStep?: (s: TrainStepInfo) => void | Promise<void>;
  /** Reporting period in steps (default 10). */
  logEvery?: number;
  /** Which named parameters to train (default: all). */
  trainable?: (name: string) => boolean;
  /** Adam β1, β2, ε (defaults 0.9, 0.999, 1e-8 as in PyTorch). */
  adam?: { beta1?: number; beta2?: number; epsilon?: number };
}

export interface TrainResult {
  steps: number;
  /** Mean loss over the final reporting window. */
  loss: number;
  /** Mean accuracy (fraction) over the final reporting window. */
  accuracy: number;
  /** Learning rate of the last step. */
  lr: number;
  /** Wall-clock seconds spent in the training loop. */
  seconds: number;
  msPerStep: number;
  /** Epochs seen (fractional). */
  epochs: number;
}

/** Learning rate for 0-based step `step` of `totalSteps`. */
export function learningRateAt(
  step: number,
  opts: { learningRate: number; totalSteps: number; warmupSteps?: number; schedule?: LearningRateSchedule; minLearningRate?: number },
): number {
  const base = opts.learningRate;
  const warm = opts.warmupSteps ?? 0;
  if (step < warm) return (base * (step + 1)) / warm;
  if ((opts.schedule ?? 'cosine') === 'constant') return base;
  const min = opts.minLearningRate ?? 0;
  const span = Math.max(1, opts.totalSteps - warm);
  const progress = Math.min(1, (step - warm) / span);
  return min + 0.5 * (base - min) * (1 + Math.cos(Math.PI * progress));
}

/** An Error with name 'AbortError' (what fetch and AbortSignal-aware APIs throw). */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const err = new Error('training aborted', reason === undefined ? undefined : { cause: reason });
  err.name = 'AbortError';
  return err;
}

/** Resolves on the next macrotask (after pending I/O callbacks). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer (got ${v})`);
}

/** Trains `model` in place and returns the final training metrics. */
export async function trainClassifier(options: TrainOptions): Promise<TrainResult> {
  const { model, data, batchSize, steps, learningRate, signal, onStep } = options;
  checkPositiveInt('batchSize', batchSize);
  checkPositiveInt('steps', steps);
  const logEvery = options.logEvery ?? 10;
  checkPositiveInt('logEvery', logEvery);
  if (!(learningRate > 0)) throw new Error(`learningRate must be > 0 (got ${learningRate})`);
  const weightDecay = options.weightDecay ?? 0;
  if (!(weightDecay >= 0)) throw new Error(`weightDecay must be >= 0 (got ${weightDecay})`);
  const warmupSteps = options.warmupSteps ?? 0;
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new Error(`warmupSteps must be a non-negative integer`);
  if (signal?.aborted) throw abortError(signal);
  ensureGradients();

  const named = [...model.params()].filter(([name]) => options.trainable?.(name) ?? true);
  if (named.length === 0) throw new Error('no trainable parameters selected');
  const varList = named.map(([, v]) => v);
  const decayed = weightDecay > 0 ? named.filter(([name, v]) => v.rank >= 2 && name !== 'cls_token' && name !== 'pos_embed').map(([, v]) => v) : [];

  const { height, width, channels } = data;
  const batches = createBatchIterator(data, { batchSize, seed: options.seed });
  const bs = batches.batchSize;
  const optimizer = tf.train.adam(learningRate, options.adam?.beta1 ?? 0.9, options.adam?.beta2 ?? 0.999, options.adam?.epsilon ?? 1e-8);
  const setLr = (lr: number) => {
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
  };

  let windowLoss = 0;
  let windowAcc = 0;
  let windowN = 0;
  let last = { loss: NaN, accuracy: NaN };
  let lr = learningRate;
  const t0 = performance.now();
  try {
    for (let s = 0; s < steps; s++) {
      if (signal?.aborted) throw abortError(signal);
      lr = learningRateAt(s, { learningRate, totalSteps: steps, warmupSteps, schedule: options.schedule, minLearningRate: options.minLearningRate });
      setLr(lr);
      const batch = batches.next();
      const kept: { acc?: tf.Scalar } = {};
      let stats: tf.Tensor1D | undefined;
      try {
        stats = tf.tidy(() => {
          const x = tf.tensor4d(batch.images, [bs, height, width, channels]);
          const y = tf.tensor1d(batch.labels, 'int32');
          const { value, grads } = tf.variableGrads(() => {
            const logits = model.forward(x);
            kept.acc = tf.keep(accuracyOf(logits, y));
            return softmaxCrossEntropy(logits, y);
          }, varList);
          if (decayed.length > 0) {
            const factor = 1 - lr * weightDecay;
            for (const v of decayed) v.assign(tf.mul(v, factor));
          }
          optimizer.applyGradients(Object.entries(grads).map(([name, tensor]) => ({ name, tensor })));
          return tf.stack([value, kept.acc!]) as tf.Tensor1D;
        });
        const vals = await stats.data();
        const loss = vals[0]!;
        if (!Number.isFinite(loss)) throw new Error(`training diverged at step ${s + 1} (loss ${loss})`);
        windowLoss += loss;
        windowAcc += vals[1]!;
        windowN++;
      } finally {
        kept.acc?.dispose();
        stats?.dispose();
      }
      const done = s + 1;
      if (done % logEvery === 0 || done === steps) {
        last = { loss: windowLoss / windowN, accuracy: windowAcc / windowN };
        windowLoss = windowAcc = windowN = 0;
        if (onStep) await onStep({ step: done, totalSteps: steps, loss: last.loss, accuracy: last.accuracy, lr });
      }
      // Let I/O callbacks (streams, cancel commands) run between steps.
      await yieldToEventLoop();
    }
  } finally {
    optimizer.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    steps,
    loss: last.loss,
    accuracy: last.accuracy,
    lr,
    seconds,
    msPerStep: (seconds * 1000) / steps,
    epochs: (steps * bs) / data.count,
  };
}
