/**
 * Expected calibration error (Guo et al. 2017; ml-methods.md section 4): M equal-width bins (default
 * 15) over confidence = max softmax probability; bin m (1-based) is ((m−1)/M, m/M];
 * ECE = Σ_m (|B_m|/n)·|acc(B_m) − conf(B_m)|. The prediction is the arg-max class (lowest index on ties).
 *
 * Values are fractions (ECE in [0, 1]). A confidence of exactly 0 (impossible for a softmax) is put in
 * the first bin rather than dropped. Empty bins have count 0 and NaN accuracy/confidence (JSON: null).
 */
import * as tf from '@tensorflow/tfjs-core';
import { labelsToInt32, positiveInt, type LabelsLike } from './common.js';

/** Default number of bins (Guo et al.). */
export const ECE_BINS = 15;

export interface CalibrationBin {
  /** Exclusive lower edge (m−1)/M. */
  lower: number;
  /** Inclusive upper edge m/M. */
  upper: number;
  count: number;
  /** Fraction of correct predictions in the bin (NaN when empty). */
  accuracy: number;
  /** Mean confidence in the bin (NaN when empty). */
  confidence: number;
}

export interface EceResult {
  /** Expected calibration error, fraction in [0, 1]. */
  ece: number;
  /** Maximum calibration error max_m |acc − conf| over non-empty bins. */
  mce: number;
  numBins: number;
  count: number;
  /** Reliability-diagram table, bin 1 first. */
  bins: CalibrationBin[];
}

/** 0-based bin of `confidence` ∈ [0, 1]: the m−1 with (m−1)/M < c ≤ m/M (edges computed as m/M). */
export function calibrationBinIndex(confidence: number, numBins: number = ECE_BINS): number {
  if (!(confidence >= 0 && confidence <= 1)) throw new Error(`confidence must be in [0, 1] (got ${confidence})`);
  let m = Math.min(numBins, Math.max(1, Math.ceil(confidence * numBins)));
  // c·M can round across an edge; compare with the edges themselves.
  while (m > 1 && confidence <= (m - 1) / numBins) m--;
  while (m < numBins && confidence > m / numBins) m++;
  return m - 1;
}

/**
 * ECE from per-sample confidences and correctness (1/true = correct). Pure JS, float64 sums.
 */
export function eceFromConfidences(
  confidences: ArrayLike<number>,
  correct: ArrayLike<number | boolean>,
  options: { numBins?: number } = {},
): EceResult {
  const M = positiveInt('numBins', options.numBins, ECE_BINS);
  const n = confidences.length;
  if (correct.length !== n) throw new Error(`${n} confidences but ${correct.length} correctness flags`);
  const count = new Float64Array(M);
  const hits = new Float64Array(M);
  const confSum = new Float64Array(M);
  for (let i = 0; i < n; i++) {
    const c = confidences[i]!;
    const b = calibrationBinIndex(c, M);
    count[b]!++;
    confSum[b]! += c;
    if (correct[i]) hits[b]!++;
  }
  const bins: CalibrationBin[] = [];
  let ece = 0;
  let mce = 0;
  for (let b = 0; b < M; b++) {
    const k = count[b]!;
    const accuracy = k > 0 ? hits[b]! / k : NaN;
    const confidence = k > 0 ? confSum[b]! / k : NaN;
    if (k > 0) {
      const gap = Math.abs(accuracy - confidence);
      ece += (k / n) * gap;
      mce = Math.max(mce, gap);
    }
    bins.push({ lower: b / M, upper: (b + 1) / M, count: k, accuracy, confidence });
  }
  return { ece: n > 0 ? ece : NaN, mce: n > 0 ? mce : NaN, numBins: M, count: n, bins };
}

/**
 * Per-row max-softmax confidence and correctness (1 = arg-max equals label) of logits [B, C], as
 * float32 tensors [B]. Pure tensor op: call inside tf.tidy.
 */
export function confidenceAndCorrectness(logits: tf.Tensor2D, labels: tf.Tensor1D): { confidence: tf.Tensor1D; correct: tf.Tensor1D } {
  const probs = tf.softmax(logits);
  // Clipped: float32 rounding must not push a confidence past 1.
  const confidence = tf.clipByValue(tf.max(probs, 1), 0, 1) as tf.Tensor1D;
  const correct = tf.cast(tf.equal(tf.argMax(logits, 1), tf.cast(labels, 'int32')), 'float32') as tf.Tensor1D;
  return { confidence, correct };
}

/** ECE of logits [B, C] against integer labels (inputs are not disposed). */
export async function expectedCalibrationError(logits: tf.Tensor2D, labels: LabelsLike, options: { numBins?: number } = {}): Promise<EceResult> {
  if (logits.rank !== 2) throw new Error(`logits must be 2-D [batch, classes] (got shape [${logits.shape}])`);
  const y = labelsToInt32(labels, logits.shape[0]);
  const packed = tf.tidy(() => {
    const { confidence, correct } = confidenceAndCorrectness(logits, tf.tensor1d(y, 'int32'));
    return tf.stack([confidence, correct]);
  });
  let vals: Float32Array;
  try {
    vals = (await packed.data()) as Float32Array;
  } finally {
    packed.dispose();
  }
  const B = logits.shape[0];
  return eceFromConfidences(vals.subarray(0, B), vals.subarray(B, 2 * B), options);
}
