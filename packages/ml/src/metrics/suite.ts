/**
 * One entry point that evaluates a model on a train/test pair and returns exactly the requested
 * metrics. Penultimate features are extracted at most once per split and shared by kNN, the linear
 * probe and VCI; logits-based metrics (top-1, top-5, loss, ECE) share one forward pass over the test
 * set. Accuracies are fractions in [0, 1]; `flops` is MACs per image (fvcore convention, 1
 * multiply-add = 1 "FLOP"), read from the model when it has `flops()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { sequentialBatches, type Dataset } from '../data/mnist.js';
import { abortError, yieldToEventLoop } from '../train.js';
import { positiveInt, type FeatureSet } from './common.js';
import { confidenceAndCorrectness, eceFromConfidences, type EceResult } from './ece.js';
import { extractFeatures } from './features.js';
import { knnAccuracy, type KnnOptions, type KnnResult } from './knn.js';
import { measureLatency, type LatencyOptions, type LatencyResult } from './latency.js';
import { linearProbe, type LinearProbeOptions, type LinearProbeResult } from './linear-probe.js';
import { accuracyFromRanks, trueClassRanks } from './topk.js';
import { variabilityCollapseIndex, type VciOptions, type VciResult } from './vci.js';

export const METRIC_NAMES = ['top1', 'top5', 'loss', 'ece', 'knn', 'linear-probe', 'vci', 'flops', 'params', 'latency'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export function isMetricName(value: unknown): value is MetricName {
  return typeof value === 'string' && (METRIC_NAMES as readonly string[]).includes(value);
}

/** What {@link evaluateModel} needs from a model. */
export interface EvaluableModel {
  /** Images [B, H, W, C] → logits [B, numClasses]. */
  forward(x: tf.Tensor): tf.Tensor2D;
  /** Images → penultimate features [B, d] (ViT: CLS after the final LayerNorm). */
  features(x: tf.Tensor): tf.Tensor2D;
  /** MACs per image (fvcore convention). */
  flops?(): number;
  countParams?(): number;
}

/** The value type of every metric. */
export interface MetricValues {
  /** Test top-1 accuracy, fraction in [0, 1]. */
  top1: number;
  /** Test top-5 accuracy, fraction in [0, 1]. */
  top5: number;
  /** Mean test softmax cross-entropy. */
  loss: number;
  ece: EceResult;
  knn: KnnResult;
  'linear-probe': LinearProbeResult;
  vci: VciResult;
  /** MACs per image, or null when the model has no `flops()`. */
  flops: number | null;
  /** Parameter count, or null when the model has no `countParams()`. */
  params: number | null;
  latency: LatencyResult;
}

/** Exactly the requested metrics. */
export type EvaluationMetrics<M extends MetricName = MetricName> = { [K in M]: MetricValues[K] };

export interface EvaluateModelOptions<M extends MetricName = MetricName> {
  metrics: readonly M[];
  /** Batch size of the forward and feature passes (default 256). */
  batchSize?: number;
  ece?: { numBins?: number };
  knn?: Pick<KnnOptions, 'k' | 'temperature' | 'testBatchSize' | 'trainChunkSize'>;
  linearProbe?: Pick<LinearProbeOptions, 'epochs' | 'steps' | 'learningRate' | 'weightDecay' | 'batchSize' | 'seed' | 'schedule' | 'warmupSteps'>;
  /** VCI options; `split` picks the features it is computed on (default 'train'). */
  vci?: VciOptions & { split?: 'train' | 'test' };
  /** Latency options; `inputShape` defaults to the test set's [H, W, C]. */
  latency?: Partial<Pick<LatencyOptions, 'inputShape' | 'batchSizes' | 'warmupRuns' | 'timedRuns' | 'seed'>>;
  /** Aborting rejects with an AbortError after disposing every tensor. */
  signal?: AbortSignal;
  /** Overall progress in [0, 1], non-decreasing, 1 at the end. */
  onProgress?: (fraction: number) => void;
}

interface LogitStats {
  top1: number;
  top5: number;
  loss: number;
  confidences: Float32Array;
  correct: Float32Array;
}

async function logitPass(
  model: EvaluableModel,
  data: Dataset,
  batchSize: number,
  signal: AbortSignal | undefined,
  progress: (f: number) => void,
): Promise<LogitStats> {
  const { height, width, channels, numClasses, count } = data;
  const ranks = new Int32Array(count);
  const confidences = new Float32Array(count);
  const correct = new Float32Array(count);
  let lossSum = 0;
  let offset = 0;
  for (const batch of sequentialBatches(data, batchSize)) {
    if (signal?.aborted) throw abortError(signal);
    const n = batch.size;
    const packed = tf.tidy(() => {
      const lg = model.forward(tf.tensor4d(batch.images, [n, height, width, channels]));
      if (lg.rank !== 2 || lg.shape[0] !== n || lg.shape[1] !== numClasses) {
        throw new Error(`forward() returned shape [${lg.shape}]; expected [${n}, ${numClasses}]`);
      }
      const y = tf.tensor1d(batch.labels, 'int32');
      const ce = tf.neg(tf.sum(tf.mul(tf.oneHot(y, numClasses), tf.logSoftmax(lg)), 1));
      const { confidence, correct: ok } = confidenceAndCorrectness(lg, y);
      return tf.stack([tf.cast(trueClassRanks(lg, y), 'float32'), confidence, ok, ce]);
    });
    let vals: Float32Array;
    try {
      vals = (await packed.data()) as Float32Array;
    } finally {
      packed.dispose();
    }
    for (let i = 0; i < n; i++) {
      ranks[offset + i] = vals[i]!;
      lossSum += vals[3 * n + i]!;
    }
    confidences.set(vals.subarray(n, 2 * n), offset);
    correct.set(vals.subarray(2 * n, 3 * n), offset);
    offset += n;
    progress(offset / count);
    await yieldToEventLoop();
  }
  return {
    top1: accuracyFromRanks(ranks, 1),
    top5: accuracyFromRanks(ranks, 5),
    loss: count > 0 ? lossSum / count : NaN,
    confidences,
    correct,
  };
}

/**
 * Evaluates `model` and returns an object with exactly the keys in `options.metrics`.
 * `data.train` is needed only for 'knn', 'linear-probe' and 'vci' (with split 'train'). The model is
 * only read (the linear probe trains a separate head on extracted features).
 */
export async function evaluateModel<M extends MetricName>(
  model: EvaluableModel,
  data: { train?: Dataset; test: Dataset },
  options: EvaluateModelOptions<M>,
): Promise<EvaluationMetrics<M>> {
  const requested = new Set<MetricName>(options.metrics);
  for (const m of options.metrics) {
    if (!isMetricName(m)) throw new Error(`unknown metric ${JSON.stringify(m)}; use ${METRIC_NAMES.join(', ')}`);
  }
  const batchSize = positiveInt('batchSize', options.batchSize, 256);
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);
  const { train, test } = data;
  const has = (m: MetricName) => requested.has(m);
  const needLogits = has('top1') || has('top5') || has('loss') || has('ece');
  const vciSplit = options.vci?.split ?? 'train';
  const needTrainFeatures = has('knn') || has('linear-probe') || (has('vci') && vciSplit === 'train');
  const needTestFeatures = has('knn') || has('linear-probe') || (has('vci') && vciSplit === 'test');
  if (needTrainFeatures && !train) throw new Error(`metrics ${[...requested].join(', ')} need a train set`);
  const nTrain = train?.count ?? 0;
  const nTest = test.count;

  // Progress: phases weighted roughly by the work they do.
  const phases: Array<[string, number]> = [];
  if (needLogits) phases.push(['logits', nTest]);
  if (needTrainFeatures) phases.push(['train-features', nTrain]);
  if (needTestFeatures) phases.push(['test-features', nTest]);
  if (has('knn')) phases.push(['knn', 0.2 * nTest + 1]);
  if (has('linear-probe')) phases.push(['linear-probe', 0.5 * nTrain + 1]);
  if (has('vci')) phases.push(['vci', 0.05 * (vciSplit === 'train' ? nTrain : nTest) + 1]);
  if (has('latency')) phases.push(['latency', 0.5 * nTest + 1]);
  const totalWeight = phases.reduce((a, [, w]) => a + w, 0);
  let doneWeight = 0;
  let lastReported = 0;
  const report = (f: number) => {
    if (!options.onProgress) return;
    const value = Math.min(1, Math.max(lastReported, f));
    lastReported = value;
    options.onProgress(value);
  };
  const phase = (name: string) => {
    const w = phases.find(([n]) => n === name)?.[1] ?? 0;
    const start = doneWeight;
    doneWeight += w;
    return {
      progress: (f: number) => report(totalWeight > 0 ? (start + w * Math.min(1, Math.max(0, f))) / totalWeight : 1),
      end: () => report(totalWeight > 0 ? (start + w) / totalWeight : 1),
    };
  };

  const out: Partial<MetricValues> = {};
  if (needLogits) {
    const p = phase('logits');
    const stats = await logitPass(model, test, batchSize, signal, p.progress);
    if (has('top1')) out.top1 = stats.top1;
    if (has('top5')) out.top5 = stats.top5;
    if (has('loss')) out.loss = stats.loss;
    if (has('ece')) out.ece = eceFromConfidences(stats.confidences, stats.correct, { numBins: options.ece?.numBins });
    p.end();
  }

  let trainFeatures: FeatureSet | undefined;
  let testFeatures: FeatureSet | undefined;
  if (needTrainFeatures) {
    const p = phase('train-features');
    trainFeatures = await extractFeatures(model, train!, { batchSize, signal, onProgress: p.progress });
    p.end();
  }
  if (needTestFeatures) {
    const p = phase('test-features');
    testFeatures = await extractFeatures(model, test, { batchSize, signal, onProgress: p.progress });
    p.end();
  }
  const numClasses = Math.max(train?.numClasses ?? 0, test.numClasses);
  if (has('knn')) {
    const p = phase('knn');
    out.knn = await knnAccuracy(trainFeatures!, testFeatures!, { ...options.knn, numClasses, signal, onProgress: p.progress });
    p.end();
  }
  if (has('linear-probe')) {
    const p = phase('linear-probe');
    out['linear-probe'] = await linearProbe(trainFeatures!, testFeatures!, { ...options.linearProbe, numClasses, signal, onProgress: p.progress });
    p.end();
  }
  if (has('vci')) {
    const p = phase('vci');
    if (signal?.aborted) throw abortError(signal);
    const fs = (vciSplit === 'train' ? trainFeatures : testFeatures)!;
    out.vci = variabilityCollapseIndex({ values: fs.features, rows: fs.count, cols: fs.dim }, fs.labels, {
      relativeTolerance: options.vci?.relativeTolerance,
    });
    p.end();
    await yieldToEventLoop();
  }
  if (has('flops')) out.flops = typeof model.flops === 'function' ? model.flops() : null;
  if (has('params')) out.params = typeof model.countParams === 'function' ? model.countParams() : null;
  if (has('latency')) {
    const p = phase('latency');
    out.latency = await measureLatency(model, {
      ...options.latency,
      inputShape: options.latency?.inputShape ?? [test.height, test.width, test.channels],
      signal,
      onProgress: p.progress,
    });
    p.end();
  }
  report(1);
  return out as EvaluationMetrics<M>;
}

/**
 * Flattens an evaluation into scalar name → value pairs (for metric tables and time series):
 * 'top1', 'top5', 'loss', 'ece', 'knn.top1', 'knn.top5', 'linear-probe.top1', 'linear-probe.top5',
 * 'vci', 'flops', 'params', 'latency.bs<B>.median_ms', 'latency.bs<B>.p90_ms'. Null values are left out.
 */
export function scalarMetrics(metrics: Partial<MetricValues>): Record<string, number> {
  const s: Record<string, number> = {};
  if (metrics.top1 !== undefined) s['top1'] = metrics.top1;
  if (metrics.top5 !== undefined) s['top5'] = metrics.top5;
  if (metrics.loss !== undefined) s['loss'] = metrics.loss;
  if (metrics.ece !== undefined) s['ece'] = metrics.ece.ece;
  if (metrics.knn !== undefined) {
    s['knn.top1'] = metrics.knn.top1;
    s['knn.top5'] = metrics.knn.top5;
  }
  const lp = metrics['linear-probe'];
  if (lp !== undefined) {
    s['linear-probe.top1'] = lp.top1;
    s['linear-probe.top5'] = lp.top5;
  }
  if (metrics.vci !== undefined) s['vci'] = metrics.vci.vci;
  if (metrics.flops !== undefined && metrics.flops !== null) s['flops'] = metrics.flops;
  if (metrics.params !== undefined && metrics.params !== null) s['params'] = metrics.params;
  if (metrics.latency !== undefined) {
    for (const r of metrics.latency.results) {
      s[`latency.bs${r.batchSize}.median_ms`] = r.medianMs;
      s[`latency.bs${r.batchSize}.p90_ms`] = r.p90Ms;
    }
  }
  return s;
}
