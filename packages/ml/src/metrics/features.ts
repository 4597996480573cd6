/** Batched extraction of penultimate features (e.g. a ViT's CLS token after the final LayerNorm). */
import * as tf from '@tensorflow/tfjs-core';
import { sequentialBatches, type Dataset } from '../data/mnist.js';
import { abortError, yieldToEventLoop } from '../train.js';
import { positiveInt, type FeatureSet } from './common.js';

/** Any model with a penultimate-feature method: images [B, H, W, C] → [B, d]. */
export interface FeatureModel {
  features(x: tf.Tensor): tf.Tensor2D;
}

export interface ExtractFeaturesOptions {
  /** Default 256. */
  batchSize?: number;
  /** Aborting rejects with an AbortError after disposing everything. */
  signal?: AbortSignal;
  /** Fraction of the dataset done, after each batch. */
  onProgress?: (fraction: number) => void;
}

/**
 * Runs `model.features` over the whole dataset in order (no training, no gradients) and returns the
 * features as plain JS data, together with the labels. The model is only read.
 */
export async function extractFeatures(model: FeatureModel, dataset: Dataset, options: ExtractFeaturesOptions = {}): Promise<FeatureSet> {
  const batchSize = positiveInt('batchSize', options.batchSize, 256);
  const { signal } = options;
  const { height, width, channels } = dataset;
  let features: Float32Array | undefined;
  let dim = 0;
  let offset = 0;
  for (const batch of sequentialBatches(dataset, batchSize)) {
    if (signal?.aborted) throw abortError(signal);
    const n = batch.size;
    const out = tf.tidy(() => model.features(tf.tensor4d(batch.images, [n, height, width, channels])));
    try {
      if (out.rank !== 2 || out.shape[0] !== n) throw new Error(`features() returned shape [${out.shape}] for a batch of ${n}`);
      if (features === undefined) {
        dim = out.shape[1];
        features = new Float32Array(dataset.count * dim);
      } else if (out.shape[1] !== dim) {
        throw new Error(`features() width changed from ${dim} to ${out.shape[1]}`);
      }
      features.set((await out.data()) as Float32Array, offset * dim);
    } finally {
      out.dispose();
    }
    offset += n;
    options.onProgress?.(offset / dataset.count);
    await yieldToEventLoop();
  }
  return {
    features: features ?? new Float32Array(0),
    labels: Int32Array.from(dataset.labels),
    count: dataset.count,
    dim,
    numClasses: dataset.numClasses,
  };
}
