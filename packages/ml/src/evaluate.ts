/** Batched classifier evaluation (top-1, top-5, mean cross-entropy). */
import * as tf from '@tensorflow/tfjs-core';
import { sequentialBatches, type Dataset } from './data/mnist.js';
import type { Classifier } from './models/vit.js';
import { abortError, yieldToEventLoop } from './train.js';

export interface EvaluateOptions {
  /** Default 256. */
  batchSize?: number;
  signal?: AbortSignal;
  /** Also return all logits, row-major [count, numClasses] (for calibration, stitch analysis). */
  returnLogits?: boolean;
}

export interface EvaluateResult {
  /** Top-1 accuracy, fraction in [0, 1]. */
  accuracy: number;
  /** Mean softmax cross-entropy. */
  loss: number;
  count: number;
  /** Top-5 accuracy (fraction), when there are more than 5 classes. */
  top5?: number;
  logits?: Float32Array;
}

/**
 * Evaluates `model` over the whole dataset in order. Top-1 uses arg-max; top-5 counts a sample as
 * correct when fewer than 5 logits are strictly larger than the true class's logit.
 */
export async function evaluateClassifier(model: Classifier, dataset: Dataset, options: EvaluateOptions = {}): Promise<EvaluateResult> {
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new Error(`batchSize must be a positive integer (got ${batchSize})`);
  const { height, width, channels, numClasses } = dataset;
  const withTop5 = numClasses > 5;
  let correct = 0;
  let correct5 = 0;
  let lossSum = 0;
  const logitsOut = options.returnLogits ? new Float32Array(dataset.count * numClasses) : undefined;
  let offset = 0;
  for (const batch of sequentialBatches(dataset, batchSize)) {
    if (options.signal?.aborted) throw abortError(options.signal);
    const n = batch.size;
    const [stats, logits] = tf.tidy(() => {
      const x = tf.tensor4d(batch.images, [n, height, width, channels]);
      const y = tf.tensor1d(batch.labels, 'int32');
      const lg = model.forward(x);
      if (lg.shape[1] !== numClasses) throw new Error(`model outputs ${lg.shape[1]} classes, dataset has ${numClasses}`);
      const oneHot = tf.oneHot(y, numClasses);
      const lossSumT = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(lg))));
      const correctT = tf.sum(tf.cast(tf.equal(tf.argMax(lg, 1), y), 'float32'));
      const parts: tf.Tensor[] = [lossSumT, correctT];
      if (withTop5) {
        const trueLogit = tf.sum(tf.mul(oneHot, lg), 1, true);
        const rank = tf.sum(tf.cast(tf.greater(lg, trueLogit), 'float32'), 1);
        parts.push(tf.sum(tf.cast(tf.less(rank, 5), 'float32')));
      }
      return logitsOut ? [tf.stack(parts), lg] : [tf.stack(parts)];
    }) as [tf.Tensor, tf.Tensor2D?];
    try {
      const vals = await stats.data();
      lossSum += vals[0]!;
      correct += vals[1]!;
      if (withTop5) correct5 += vals[2]!;
      if (logitsOut && logits) logitsOut.set((await logits.data()) as Float32Array, offset * numClasses);
    } finally {
      stats.dispose();
      logits?.dispose();
    }
    offset += n;
    await yieldToEventLoop();
  }
  const count = dataset.count;
  const result: EvaluateResult = {
    accuracy: count > 0 ? correct / count : NaN,
    loss: count > 0 ? lossSum / count : NaN,
    count,
  };
  if (withTop5) result.top5 = count > 0 ? correct5 / count : NaN;
  if (logitsOut) result.logits = logitsOut;
  return result;
}
