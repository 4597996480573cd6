/** Shared helpers and types of the evaluation metrics (no tensors kept). */
import * as tf from '@tensorflow/tfjs-core';

/** Integer class labels given either as a JS array or as a 1-D tensor. */
export type LabelsLike = ArrayLike<number> | tf.Tensor1D;

/**
 * Penultimate features of a labelled set, extracted once and kept as plain JS data so that kNN,
 * linear probing (tensors) and VCI (float64 JS) can all use them. Row-major [count, dim].
 */
export interface FeatureSet {
  readonly features: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly dim: number;
  readonly numClasses: number;
}

/** A feature matrix with labels: either a {@link FeatureSet} or a [N, d] tensor (not disposed). */
export type LabeledFeatures = FeatureSet | { readonly features: tf.Tensor2D; readonly labels: LabelsLike; readonly numClasses?: number };

/** Reads labels into an Int32Array (a tensor is read with dataSync, not disposed), checking that they are integers. */
export function labelsToInt32(labels: LabelsLike, expectedCount?: number): Int32Array {
  let out: Int32Array;
  if (labels instanceof tf.Tensor) {
    if (labels.rank !== 1) throw new Error(`labels must be a 1-D tensor (got shape [${labels.shape}])`);
    const data = labels.dataSync();
    out = data instanceof Int32Array ? data.slice() : Int32Array.from(data as ArrayLike<number>);
    if (!(data instanceof Int32Array)) checkIntegers(data as ArrayLike<number>);
  } else {
    checkIntegers(labels);
    out = labels instanceof Int32Array ? labels : Int32Array.from(labels);
  }
  if (expectedCount !== undefined && out.length !== expectedCount) {
    throw new Error(`expected ${expectedCount} labels, got ${out.length}`);
  }
  for (let i = 0; i < out.length; i++) {
    if (out[i]! < 0) throw new Error(`labels must be non-negative (label ${out[i]} at index ${i})`);
  }
  return out;
}

function checkIntegers(values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v)) throw new Error(`labels must be integers (got ${v} at index ${i})`);
  }
}

/** max(label) + 1, or 0 for no labels. */
export function inferNumClasses(labels: ArrayLike<number>): number {
  let m = -1;
  for (let i = 0; i < labels.length; i++) if (labels[i]! > m) m = labels[i]!;
  return m + 1;
}

/** Validates an optional positive integer option, returning the default when undefined. */
export function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer (got ${v})`);
  return v;
}

/** Validates an optional positive finite number option, returning the default when undefined. */
export function positiveNumber(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new Error(`${name} must be a positive number (got ${v})`);
  return v;
}

/**
 * Quantile q ∈ [0, 1] of already-sorted ascending values with linear interpolation between closest
 * ranks (numpy's default `method='linear'`): position q·(n−1).
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile must be in [0, 1] (got ${q})`);
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const frac = pos - lo;
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * frac;
}

/**
 * Turns {@link LabeledFeatures} into a [N, d] float32 tensor plus Int32 labels. `owned` tells whether
 * the tensor was created here (and must be disposed by the caller) or belongs to the input.
 */
export function featureTensor(input: LabeledFeatures): { x: tf.Tensor2D; labels: Int32Array; owned: boolean; numClasses: number } {
  if (input.features instanceof tf.Tensor) {
    const x = input.features;
    if (x.rank !== 2) throw new Error(`features must be a 2-D tensor (got shape [${x.shape}])`);
    const labels = labelsToInt32(input.labels, x.shape[0]);
    const numClasses = input.numClasses ?? inferNumClasses(labels);
    return { x, labels, owned: false, numClasses };
  }
  const fs = input as FeatureSet;
  if (fs.features.length !== fs.count * fs.dim) {
    throw new Error(`FeatureSet: ${fs.features.length} values for ${fs.count}×${fs.dim}`);
  }
  const labels = labelsToInt32(fs.labels, fs.count);
  const x = tf.tensor2d(fs.features, [fs.count, fs.dim], 'float32');
  return { x, labels, owned: true, numClasses: fs.numClasses };
}
