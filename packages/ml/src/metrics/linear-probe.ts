/**
 * Linear probing on frozen features (ml-methods.md 3.4, defaults from 3.3): a new Linear head with
 * PyTorch's default initialisation (weight and bias ~ U(±1/√d)) trained with softmax cross-entropy
 * by AdamW (lr 0.01, decoupled weight decay 0.01 on the weight only, cosine schedule to 0) on
 * mini-batches of a feature matrix extracted once. The backbone is never touched: this module only
 * sees features (use {@link extractFeatures} to get them from a model).
 */
import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, mulberry32, permutation, uniform } from '../random.js';
import { dense, softmaxCrossEntropy } from '../models/ops.js';
import { ensureGradients } from '../gradients.js';
import { abortError, learningRateAt, yieldToEventLoop, type LearningRateSchedule } from '../train.js';
import { featureTensor, positiveInt, type LabeledFeatures } from './common.js';
import { accuracyFromRanks, trueClassRanks } from './topk.js';

export const LINEAR_PROBE_DEFAULTS = Object.freeze({
  learningRate: 0.01,
  weightDecay: 0.01,
  epochs: 40,
  batchSize: 256,
  seed: 0,
});

export interface LinearProbeOptions {
  /** Passes over the train features (default 40, as SubTuning's config). Ignored when `steps` is set. */
  epochs?: number;
  /** Total optimiser steps (overrides `epochs`). */
  steps?: number;
  /** Default 256 (the last batch of an epoch may be smaller). */
  batchSize?: number;
  /** Peak learning rate (default 0.01). */
  learningRate?: number;
  /** Decoupled weight decay on the head weight, not the bias (default 0.01). */
  weightDecay?: number;
  /** Default 'cosine' (to 0). */
  schedule?: LearningRateSchedule;
  warmupSteps?: number;
  /** Seeds the head initialisation and batch order (default 0). */
  seed?: number;
  /** Default: the larger of the two sets' class counts. */
  numClasses?: number;
  /** Also return the trained head. */
  returnHead?: boolean;
  signal?: AbortSignal;
  /** Fraction of training steps done. */
  onProgress?: (fraction: number) => void;
}

export interface LinearProbeResult {
  /** Test top-1 accuracy, fraction in [0, 1]. */
  top1: number;
  /** Test top-5 accuracy, fraction in [0, 1]. */
  top5: number;
  /** Mean test cross-entropy. */
  loss: number;
  /** Mean training loss over the last epoch's steps (or the last ≤ stepsPerEpoch steps). */
  trainLoss: number;
  steps: number;
  /** Epochs seen (fractional when `steps` is not a multiple of the epoch length). */
  epochs: number;
  count: number;
  /** Trained head, weight [d, C] input-major, when `returnHead` is set. */
  head?: { weight: Float32Array; bias: Float32Array; dim: number; numClasses: number };
}

/** Trains a linear head on `train` features and scores it on `test` features. Inputs are not disposed. */
export async function linearProbe(train: LabeledFeatures, test: LabeledFeatures, options: LinearProbeOptions = {}): Promise<LinearProbeResult> {
  const D = LINEAR_PROBE_DEFAULTS;
  const batchSize = positiveInt('batchSize', options.batchSize, D.batchSize);
  const lr = options.learningRate ?? D.learningRate;
  if (!(lr > 0)) throw new Error(`learningRate must be > 0 (got ${lr})`);
  const wd = options.weightDecay ?? D.weightDecay;
  if (!(wd >= 0)) throw new Error(`weightDecay must be >= 0 (got ${wd})`);
  const seed = options.seed ?? D.seed;
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);
  ensureGradients();

  const tr = featureTensor(train);
  let te: ReturnType<typeof featureTensor> | undefined;
  let w: tf.Variable | undefined;
  let b: tf.Variable | undefined;
  let yTrain: tf.Tensor1D | undefined;
  let optimizer: tf.Optimizer | undefined;
  try {
    te = featureTensor(test);
    const [N, d] = tr.x.shape;
    const [M, dTest] = te.x.shape;
    if (d !== dTest) throw new Error(`train features have width ${d}, test features ${dTest}`);
    if (N === 0) throw new Error('linear probe needs at least one train sample');
    const C = options.numClasses ?? Math.max(tr.numClasses, te.numClasses);
    positiveInt('numClasses', C, C);
    for (const [name, labels] of [['train', tr.labels], ['test', te.labels]] as const) {
      for (let i = 0; i < labels.length; i++) {
        if (labels[i]! >= C) throw new Error(`${name} label ${labels[i]} at index ${i} is out of range for ${C} classes`);
      }
    }
    const bs = Math.min(batchSize, N);
    const stepsPerEpoch = Math.ceil(N / bs);
    const totalSteps =
      options.steps !== undefined ? positiveInt('steps', options.steps, 1) : stepsPerEpoch * positiveInt('epochs', options.epochs, D.epochs);

    // nn.Linear's default init: kaiming_uniform(a=√5) ⇒ U(±1/√fan_in) for the weight, same bound for the bias.
    const bound = 1 / Math.sqrt(d);
    const w0 = uniform(d * C, bound, mulberry32(deriveSeed(seed, 'linear-probe.weight')));
    const b0 = uniform(C, bound, mulberry32(deriveSeed(seed, 'linear-probe.bias')));
    // tf.variable keeps a reference to its initial tensor's data: create both inside a tidy.
    w = tf.tidy(() => tf.variable(tf.tensor2d(w0, [d, C]), true));
    b = tf.tidy(() => tf.variable(tf.tensor1d(b0), true));
    const weight = w as tf.Variable<tf.Rank.R2>;
    const bias = b as tf.Variable<tf.Rank.R1>;
    yTrain = tf.tensor1d(tr.labels, 'int32');
    const xTrain = tr.x;
    const labelsTrain = yTrain;
    optimizer = tf.train.adam(lr, 0.9, 0.999, 1e-8);
    const opt = optimizer;
    const rand = mulberry32(deriveSeed(seed, 'linear-probe.batches'));
    let perm = permutation(N, rand);
    let pos = 0;
    let seen = 0;
    let lossWindow: number[] = [];
    for (let s = 0; s < totalSteps; s++) {
      if (signal?.aborted) throw abortError(signal);
      if (pos >= N) {
        perm = permutation(N, rand);
        pos = 0;
      }
      const idx = perm.subarray(pos, Math.min(N, pos + bs));
      pos += idx.length;
      seen += idx.length;
      const stepLr = learningRateAt(s, { learningRate: lr, totalSteps, warmupSteps: options.warmupSteps, schedule: options.schedule });
      (opt as unknown as { learningRate: number }).learningRate = stepLr;
      const lossT = tf.tidy(() => {
        const ids = tf.tensor1d(idx, 'int32');
        const xb = tf.gather(xTrain, ids) as tf.Tensor2D;
        const yb = tf.gather(labelsTrain, ids) as tf.Tensor1D;
        const { value, grads } = tf.variableGrads(() => softmaxCrossEntropy(dense(xb, weight, bias, { inputGrad: false }), yb), [weight, bias]);
        if (wd > 0) weight.assign(tf.mul(weight, 1 - stepLr * wd));
        opt.applyGradients(grads);
        return value;
      });
      const loss = (await lossT.data())[0]!;
      lossT.dispose();
      if (!Number.isFinite(loss)) throw new Error(`linear probe diverged at step ${s + 1} (loss ${loss})`);
      lossWindow.push(loss);
      if (lossWindow.length > stepsPerEpoch) lossWindow = lossWindow.slice(-stepsPerEpoch);
      options.onProgress?.((s + 1) / totalSteps);
      if ((s + 1) % 16 === 0) await yieldToEventLoop();
    }

    // Test: chunked logits → true-class ranks and cross-entropy sum.
    const ranks = new Int32Array(M);
    let lossSum = 0;
    const chunk = 4096;
    const xTest = te.x;
    const testLabels = te.labels;
    for (let start = 0; start < M; start += chunk) {
      if (signal?.aborted) throw abortError(signal);
      const n = Math.min(chunk, M - start);
      const packed = tf.tidy(() => {
        const logits = dense(tf.slice(xTest, [start, 0], [n, d]), weight, bias);
        const y = tf.tensor1d(testLabels.subarray(start, start + n), 'int32');
        const ce = tf.mul(softmaxCrossEntropy(logits, y), n);
        return tf.concat([tf.cast(trueClassRanks(logits, y), 'float32'), tf.reshape(ce, [1])]);
      });
      const vals = (await packed.data()) as Float32Array;
      packed.dispose();
      for (let i = 0; i < n; i++) ranks[i + start] = vals[i]!;
      lossSum += vals[n]!;
    }
    const result: LinearProbeResult = {
      top1: accuracyFromRanks(ranks, 1),
      top5: accuracyFromRanks(ranks, 5),
      loss: M > 0 ? lossSum / M : NaN,
      trainLoss: lossWindow.reduce((a, v) => a + v, 0) / lossWindow.length,
      steps: totalSteps,
      epochs: seen / N,
      count: M,
    };
    if (options.returnHead) {
      result.head = {
        weight: ((await weight.data()) as Float32Array).slice(),
        bias: ((await bias.data()) as Float32Array).slice(),
        dim: d,
        numClasses: C,
      };
    }
    return result;
  } finally {
    optimizer?.dispose();
    w?.dispose();
    b?.dispose();
    yTrain?.dispose();
    if (tr.owned) tr.x.dispose();
    if (te?.owned) te.x.dispose();
  }
}
