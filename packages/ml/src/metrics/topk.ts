/**
 * Top-k accuracy (ml-methods.md section 4): a sample is correct when its label is among the k largest
 * scores. Results are **fractions in [0, 1]**; the doc reports 100 × the mean, so multiply by 100 for
 * display only.
 *
 * Ties are broken deterministically by class index (lower index ranks first), the order that
 * `tf.argMax` and `tf.topk` use: the true class's 0-based rank is #{j : s_j > s_y} + #{j < y : s_j = s_y},
 * and the sample counts for top-k when that rank is < k. So top-1 equals arg-max accuracy exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { labelsToInt32, type LabelsLike } from './common.js';

export interface TopKResult {
  /** Top-1 accuracy, fraction in [0, 1]. */
  top1: number;
  /** Top-5 accuracy, fraction in [0, 1] (equals 1 when there are ≤ 5 classes). */
  top5: number;
  count: number;
}

/**
 * 0-based rank of the true class in each row of `scores` [B, C] (ties broken by lower class index).
 * With `requirePositive`, a row whose true-class score is ≤ 0 gets rank C (never a hit): used by kNN,
 * where a class that received no neighbour vote must not count. Pure tensor op: call inside tf.tidy.
 */
export function trueClassRanks(scores: tf.Tensor2D, labels: tf.Tensor1D, options: { requirePositive?: boolean } = {}): tf.Tensor1D {
  return tf.tidy(() => {
    const [, C] = scores.shape;
    const y = tf.reshape(tf.cast(labels, 'int32'), [-1, 1]);
    const isTrue = tf.equal(tf.reshape(tf.range(0, C, 1, 'int32'), [1, C]), y);
    // where() rather than oneHot·scores, so that ±Infinity scores do not turn into NaN.
    const trueScore = tf.sum(tf.where(isTrue, scores, tf.zerosLike(scores)), 1, true);
    const above = tf.greater(scores, trueScore);
    const tiedBefore = tf.logicalAnd(tf.equal(scores, trueScore), tf.less(tf.reshape(tf.range(0, C, 1, 'int32'), [1, C]), y));
    let rank = tf.sum(tf.cast(tf.logicalOr(above, tiedBefore), 'int32'), 1) as tf.Tensor1D;
    if (options.requirePositive) {
      rank = tf.where(tf.greater(tf.reshape(trueScore, [-1]), 0), rank, tf.fill(rank.shape, C, 'int32')) as tf.Tensor1D;
    }
    return rank;
  });
}

/** Fraction of ranks below k (pure JS). */
export function accuracyFromRanks(ranks: ArrayLike<number>, k: number): number {
  if (!Number.isInteger(k) || k <= 0) throw new Error(`k must be a positive integer (got ${k})`);
  if (ranks.length === 0) return NaN;
  let hits = 0;
  for (let i = 0; i < ranks.length; i++) if (ranks[i]! < k) hits++;
  return hits / ranks.length;
}

function checkLogits(logits: tf.Tensor2D, labels: Int32Array): void {
  if (logits.rank !== 2) throw new Error(`logits must be 2-D [batch, classes] (got shape [${logits.shape}])`);
  const [B, C] = logits.shape;
  if (labels.length !== B) throw new Error(`${B} logit rows but ${labels.length} labels`);
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= C) throw new Error(`label ${labels[i]} at index ${i} is out of range for ${C} classes`);
  }
}

/** Per-sample true-class ranks (Int32Array) of `logits` [B, C]. Inputs are not disposed. */
export async function trueClassRanksOf(logits: tf.Tensor2D, labels: LabelsLike, options: { requirePositive?: boolean } = {}): Promise<Int32Array> {
  const y = labelsToInt32(labels);
  checkLogits(logits, y);
  const ranks = tf.tidy(() => trueClassRanks(logits, tf.tensor1d(y, 'int32'), options));
  try {
    return (await ranks.data()) as Int32Array;
  } finally {
    ranks.dispose();
  }
}

/** Top-k accuracy (fraction in [0, 1]) of `logits` [B, C] against integer labels. Inputs are not disposed. */
export async function topKAccuracy(logits: tf.Tensor2D, labels: LabelsLike, k: number): Promise<number> {
  if (!Number.isInteger(k) || k <= 0) throw new Error(`k must be a positive integer (got ${k})`);
  return accuracyFromRanks(await trueClassRanksOf(logits, labels), k);
}

/** Top-1 and top-5 accuracy (fractions in [0, 1]) of `logits` [B, C]. Inputs are not disposed. */
export async function topAccuracies(logits: tf.Tensor2D, labels: LabelsLike): Promise<TopKResult> {
  const ranks = await trueClassRanksOf(logits, labels);
  return { top1: accuracyFromRanks(ranks, 1), top5: accuracyFromRanks(ranks, 5), count: ranks.length };
}
