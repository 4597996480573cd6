/**
 * Variability Collapse Index (Xu & Liu, ICML 2023; definition as in ml-methods.md section 4),
 * computed in float64 in plain JS:
 *
 *   μ_c = class means, μ_G = global mean, p_c = n_c / N
 *   Σ_T = (1/N)·Σ_i (h_i − μ_G)(h_i − μ_G)ᵀ
 *   Σ_B = Σ_c p_c·(μ_c − μ_G)(μ_c − μ_G)ᵀ        (p_c, not 1/K: stays in [0, 1] on unbalanced data)
 *   VCI = 1 − Tr(Σ_T⁺·Σ_B) / rank(Σ_B)
 *
 * Σ_T⁺ comes from a Jacobi eigen-decomposition of Σ_T, dropping eigenvalues ≤ τ with
 * τ = relativeTolerance · λ_max(Σ_T) (default 1e-6). rank(Σ_B) counts the eigenvalues of Σ_B above the
 * same absolute cut-off τ (Σ_B ≼ Σ_T, so λ_max(Σ_T) is the natural scale for both; generically the
 * rank is min(d, K−1)). Only classes that occur count towards K.
 *
 * Conventions where the definition is silent: if rank(Σ_B) = 0 (all class means coincide) VCI is 1
 * (no collapse at all: the limit as the means merge, since VCI → 1 there); if Σ_T = 0 (every feature
 * identical) VCI is NaN.
 */
import * as tf from '@tensorflow/tfjs-core';
import { labelsToInt32, type LabelsLike } from './common.js';
import { symmetricEigen } from './eigen.js';

/** A dense row-major matrix. */
export interface DenseMatrix {
  readonly values: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
}

/** Features as a [N, d] tensor (read with dataSync, not disposed), an array of rows, or a dense matrix. */
export type MatrixInput = tf.Tensor2D | ReadonlyArray<ArrayLike<number>> | DenseMatrix;

export const VCI_RELATIVE_TOLERANCE = 1e-6;

export interface VciOptions {
  /** Eigenvalue cut-off relative to λ_max(Σ_T) (default 1e-6). */
  relativeTolerance?: number;
}

export interface VciResult {
  /** The index, in [0, 1] up to rounding (0 = within-class variability fully collapsed). */
  vci: number;
  /** Tr(Σ_T⁺·Σ_B). */
  trace: number;
  /** Numerical rank of Σ_B. */
  rankB: number;
  /** Eigenvalues of Σ_T kept in the pseudo-inverse. */
  rankT: number;
  /** Classes present (K). */
  numClasses: number;
  dim: number;
  count: number;
}

/** Copies a {@link MatrixInput} into a row-major Float64Array. */
export function toFloat64Matrix(input: MatrixInput): { values: Float64Array; rows: number; cols: number } {
  if (input instanceof tf.Tensor) {
    if (input.rank !== 2) throw new Error(`features must be 2-D (got shape [${input.shape}])`);
    const [rows, cols] = input.shape;
    return { values: Float64Array.from(input.dataSync() as ArrayLike<number>), rows, cols };
  }
  if (Array.isArray(input)) {
    const rowsArr = input as ReadonlyArray<ArrayLike<number>>;
    const rows = rowsArr.length;
    const cols = rows > 0 ? rowsArr[0]!.length : 0;
    const values = new Float64Array(rows * cols);
    rowsArr.forEach((r, i) => {
      if (r.length !== cols) throw new Error(`row ${i} has ${r.length} values, expected ${cols}`);
      for (let j = 0; j < cols; j++) values[i * cols + j] = r[j]!;
    });
    return { values, rows, cols };
  }
  const m = input as DenseMatrix;
  if (m.values.length !== m.rows * m.cols) throw new Error(`${m.values.length} values for a ${m.rows}×${m.cols} matrix`);
  return { values: Float64Array.from(m.values), rows: m.rows, cols: m.cols };
}

/** VCI of features h_i (rows) with integer labels y_i. */
export function variabilityCollapseIndex(features: MatrixInput, labels: LabelsLike, options: VciOptions = {}): VciResult {
  const relTol = options.relativeTolerance ?? VCI_RELATIVE_TOLERANCE;
  if (!(relTol >= 0 && relTol < 1)) throw new Error(`relativeTolerance must be in [0, 1) (got ${relTol})`);
  const { values: h, rows: N, cols: d } = toFloat64Matrix(features);
  const y = labelsToInt32(labels, N);
  if (N === 0 || d === 0) throw new Error('VCI needs at least one sample and one feature');
  for (let i = 0; i < h.length; i++) if (!Number.isFinite(h[i]!)) throw new Error(`feature value ${h[i]} at flat index ${i} is not finite`);

  // Class index compaction: only classes that occur.
  const classOf = new Map<number, number>();
  for (let i = 0; i < N; i++) if (!classOf.has(y[i]!)) classOf.set(y[i]!, classOf.size);
  const K = classOf.size;
  const counts = new Float64Array(K);
  const means = new Float64Array(K * d);
  const muG = new Float64Array(d);
  for (let i = 0; i < N; i++) {
    const c = classOf.get(y[i]!)!;
    counts[c]!++;
    for (let j = 0; j < d; j++) {
      means[c * d + j]! += h[i * d + j]!;
      muG[j]! += h[i * d + j]!;
    }
  }
  for (let j = 0; j < d; j++) muG[j]! /= N;
  for (let c = 0; c < K; c++) for (let j = 0; j < d; j++) means[c * d + j]! /= counts[c]!;

  // Σ_T (upper triangle accumulated, then mirrored).
  const sT = new Float64Array(d * d);
  const x = new Float64Array(d);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < d; j++) x[j] = h[i * d + j]! - muG[j]!;
    for (let p = 0; p < d; p++) {
      const xp = x[p]!;
      if (xp === 0) continue;
      const row = p * d;
      for (let q = p; q < d; q++) sT[row + q]! += xp * x[q]!;
    }
  }
  for (let p = 0; p < d; p++) {
    for (let q = p; q < d; q++) {
      const v = sT[p * d + q]! / N;
      sT[p * d + q] = v;
      sT[q * d + p] = v;
    }
  }
  // Class-mean deviations δ_c = μ_c − μ_G, and p_c.
  const delta = new Float64Array(K * d);
  const p = new Float64Array(K);
  for (let c = 0; c < K; c++) {
    p[c] = counts[c]! / N;
    for (let j = 0; j < d; j++) delta[c * d + j] = means[c * d + j]! - muG[j]!;
  }

  const eigT = symmetricEigen(sT, d);
  const lambdaMax = eigT.values[0]!;
  const base = { numClasses: K, dim: d, count: N };
  if (!(lambdaMax > 0)) return { vci: NaN, trace: NaN, rankB: 0, rankT: 0, ...base };
  const tau = relTol * lambdaMax;

  // Tr(Σ_T⁺·Σ_B) = Σ_c p_c Σ_{i: λ_i > τ} (v_iᵀ δ_c)² / λ_i.
  let trace = 0;
  let rankT = 0;
  for (let i = 0; i < d; i++) {
    const lambda = eigT.values[i]!;
    if (!(lambda > tau)) break; // sorted descending
    rankT++;
    for (let c = 0; c < K; c++) {
      let proj = 0;
      for (let j = 0; j < d; j++) proj += eigT.vectors[j * d + i]! * delta[c * d + j]!;
      trace += (p[c]! * proj * proj) / lambda;
    }
  }

  // rank(Σ_B) from the smaller of Σ_B = Δᵀ·diag(p)·Δ (d×d) and its Gram matrix (K×K): same non-zero eigenvalues.
  let eigB: Float64Array;
  if (K <= d) {
    const g = new Float64Array(K * K);
    for (let c = 0; c < K; c++) {
      for (let e = c; e < K; e++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += delta[c * d + j]! * delta[e * d + j]!;
        const v = Math.sqrt(p[c]! * p[e]!) * dot;
        g[c * K + e] = v;
        g[e * K + c] = v;
      }
    }
    eigB = symmetricEigen(g, K, { valuesOnly: true }).values;
  } else {
    const sB = new Float64Array(d * d);
    for (let c = 0; c < K; c++) {
      for (let a = 0; a < d; a++) {
        const da = p[c]! * delta[c * d + a]!;
        for (let b = a; b < d; b++) sB[a * d + b]! += da * delta[c * d + b]!;
      }
    }
    for (let a = 0; a < d; a++) for (let b = a + 1; b < d; b++) sB[b * d + a] = sB[a * d + b]!;
    eigB = symmetricEigen(sB, d, { valuesOnly: true }).values;
  }
  let rankB = 0;
  for (const v of eigB) if (v > tau) rankB++;

  const vci = rankB > 0 ? 1 - trace / rankB : 1;
  return { vci, trace, rankB, rankT, ...base };
}
