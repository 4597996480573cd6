/**
 * Weighted k-nearest-neighbour classifier on frozen features (DINO eval_knn.py; ml-methods.md
 * section 4): L2-normalise train and test features, cosine similarity s to every train point, keep
 * the top k (default 20), weight each neighbour by exp(s/T) (T default 0.07), sum the weights per
 * class, and score top-1 / top-5 on those class scores.
 *
 * Memory stays bounded: test points go in batches of `testBatchSize` and the train set in chunks of
 * `trainChunkSize` columns (a running top-k is merged across chunks), so at most
 * testBatchSize × trainChunkSize similarities exist at once. Only forward ops (matMul, topk, gather,
 * oneHot) are used, all of which the wasm backend has.
 *
 * Numerics and ties: the weights are computed as exp((s − s_max)/T), with s_max the row's largest
 * similarity: a common factor per test point, so class rankings equal DINO's, without float32
 * overflow for small T. Class ties are broken by lower class index; a class that received no
 * neighbour vote never counts as a hit (DINO's torch.topk picks arbitrary zero-score classes when
 * fewer than 5 classes were voted for). With T < ~0.025 a neighbour whose similarity is far below the
 * best one can underflow to weight 0 and then casts no vote.
 */
import * as tf from '@tensorflow/tfjs-core';
import { abortError, yieldToEventLoop } from '../train.js';
import { featureTensor, positiveInt, positiveNumber, type LabeledFeatures } from './common.js';
import { accuracyFromRanks, trueClassRanks } from './topk.js';

export const KNN_DEFAULT_K = 20;
export const KNN_DEFAULT_TEMPERATURE = 0.07;

export interface KnnOptions {
  /** Neighbours per test point (default 20; capped at the train-set size). */
  k?: number;
  /** Temperature T of the exp(s/T) weights (default 0.07). */
  temperature?: number;
  /** Number of classes (default: the larger of the two sets' class counts). */
  numClasses?: number;
  /** Test points per similarity batch (default 1024). */
  testBatchSize?: number;
  /** Train points per similarity chunk (default 8192). */
  trainChunkSize?: number;
  /** Also return the arg-max class of each test point. */
  returnPredictions?: boolean;
  signal?: AbortSignal;
  /** Fraction of test points done, after each batch. */
  onProgress?: (fraction: number) => void;
}

export interface KnnResult {
  /** Top-1 accuracy, fraction in [0, 1]. */
  top1: number;
  /** Top-5 accuracy, fraction in [0, 1]. */
  top5: number;
  /** Test points scored. */
  count: number;
  /** Neighbours actually used (min(k, train size)). */
  k: number;
  temperature: number;
  predictions?: Int32Array;
}

/** Rows divided by their L2 norm (rows of norm < 1e-12 are divided by 1e-12, as torch's F.normalize). */
export function l2NormalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.sqrt(tf.sum(tf.square(x), 1, true)), 1e-12)) as tf.Tensor2D);
}

/**
 * Weighted kNN top-1/top-5 of `test` against `train` features. Tensors passed in are not disposed;
 * everything created here is.
 */
export async function knnAccuracy(train: LabeledFeatures, test: LabeledFeatures, options: KnnOptions = {}): Promise<KnnResult> {
  const k = positiveInt('k', options.k, KNN_DEFAULT_K);
  const T = positiveNumber('temperature', options.temperature, KNN_DEFAULT_TEMPERATURE);
  const testBatch = positiveInt('testBatchSize', options.testBatchSize, 1024);
  const trainChunk = positiveInt('trainChunkSize', options.trainChunkSize, 8192);
  const { signal } = options;
  if (signal?.aborted) throw abortError(signal);

  const tr = featureTensor(train);
  let te: ReturnType<typeof featureTensor> | undefined;
  let trainNormT: tf.Tensor2D | undefined;
  let trainLabels: tf.Tensor1D | undefined;
  try {
    te = featureTensor(test);
    const [N, d] = tr.x.shape;
    const [M, dTest] = te.x.shape;
    if (d !== dTest) throw new Error(`train features have width ${d}, test features ${dTest}`);
    if (N === 0) throw new Error('kNN needs at least one train point');
    const C = options.numClasses ?? Math.max(tr.numClasses, te.numClasses);
    positiveInt('numClasses', C, C);
    for (const [name, labels] of [['train', tr.labels], ['test', te.labels]] as const) {
      for (let i = 0; i < labels.length; i++) {
        if (labels[i]! >= C) throw new Error(`${name} label ${labels[i]} at index ${i} is out of range for ${C} classes`);
      }
    }
    const kEff = Math.min(k, N);
    const trainX = tr.x;
    // [d, N]: an explicit transpose once, then plain matMuls (transposeB is slow on wasm).
    trainNormT = tf.tidy(() => tf.transpose(l2NormalizeRows(trainX)) as tf.Tensor2D);
    trainLabels = tf.tensor1d(tr.labels, 'int32');
    const ranks = new Int32Array(M);
    const predictions = options.returnPredictions ? new Int32Array(M) : undefined;
    const testX = te.x;
    const testLabels = te.labels;
    const trainT = trainNormT;
    const trainY = trainLabels;
    for (let start = 0; start < M; start += testBatch) {
      if (signal?.aborted) throw abortError(signal);
      const b = Math.min(testBatch, M - start);
      let bestVals: tf.Tensor2D | undefined;
      let bestIdx: tf.Tensor2D | undefined;
      let out: tf.Tensor1D | undefined;
      try {
        const q = tf.tidy(() => l2NormalizeRows(tf.slice(testX, [start, 0], [b, d])));
        try {
          for (let j = 0; j < N; j += trainChunk) {
            // One tidy per chunk: only the running top-k survives, so memory is bounded by the chunk.
            const [vals, ids] = tf.tidy(() => {
              const len = Math.min(trainChunk, N - j);
              const cols = len === N ? trainT : tf.slice(trainT, [0, j], [d, len]);
              const top = tf.topk(tf.matMul(q, cols), Math.min(kEff, len), true);
              const idx = j === 0 ? top.indices : tf.add(top.indices, tf.scalar(j, 'int32'));
              if (bestVals === undefined || bestIdx === undefined) return [top.values, idx] as tf.Tensor2D[];
              const allVals = tf.concat([bestVals, top.values], 1);
              const allIds = tf.concat([bestIdx, idx], 1);
              const width = allVals.shape[1]!;
              const merged = tf.topk(allVals, kEff, true);
              // Row-wise gather of the merged positions through a flat index.
              const rowBase = tf.mul(tf.reshape(tf.range(0, b, 1, 'int32'), [b, 1]), tf.scalar(width, 'int32'));
              const flat = tf.reshape(tf.add(merged.indices, rowBase), [-1]);
              return [merged.values, tf.reshape(tf.gather(tf.reshape(allIds, [-1]), flat), [b, kEff])] as tf.Tensor2D[];
            });
            bestVals?.dispose();
            bestIdx?.dispose();
            bestVals = vals;
            bestIdx = ids;
          }
        } finally {
          q.dispose();
        }
        const topVals = bestVals!;
        const topIdx = bestIdx!;
        out = tf.tidy(() => {
          const sMax = tf.slice(topVals, [0, 0], [b, 1]);
          const weights = tf.exp(tf.div(tf.sub(topVals, sMax), T)); // [b, k]
          const neighbourLabels = tf.gather(trainY, tf.reshape(topIdx, [-1])); // [b·k]
          const votes = tf.reshape(tf.oneHot(neighbourLabels, C), [b, kEff, C]);
          const scores = tf.sum(tf.mul(votes, tf.reshape(weights, [b, kEff, 1])), 1) as tf.Tensor2D; // [b, C]
          const y = tf.tensor1d(testLabels.subarray(start, start + b), 'int32');
          const r = trueClassRanks(scores, y, { requirePositive: true });
          return predictions ? (tf.concat([r, tf.cast(tf.argMax(scores, 1), 'int32')]) as tf.Tensor1D) : r;
        });
      } finally {
        bestVals?.dispose();
        bestIdx?.dispose();
      }
      try {
        const vals = (await out.data()) as Int32Array;
        ranks.set(vals.subarray(0, b), start);
        predictions?.set(vals.subarray(b, 2 * b), start);
      } finally {
        out.dispose();
      }
      options.onProgress?.(Math.min(1, (start + b) / M));
      await yieldToEventLoop();
    }
    const result: KnnResult = {
      top1: accuracyFromRanks(ranks, 1),
      top5: accuracyFromRanks(ranks, 5),
      count: M,
      k: kEff,
      temperature: T,
    };
    if (predictions) result.predictions = predictions;
    return result;
  } finally {
    trainNormT?.dispose();
    trainLabels?.dispose();
    if (tr.owned) tr.x.dispose();
    if (te?.owned) te.x.dispose();
  }
}
