/**
 * Float64 linear algebra in plain JS for small symmetric matrices (d ≤ a few hundred): the cyclic
 * Jacobi eigenvalue method. Slow (O(n³) per sweep, ~6–10 sweeps) but simple, robust and accurate to
 * about machine precision relative to ‖A‖, which is what pseudo-inverses with a relative cut-off need.
 */

export interface SymmetricEigen {
  /** Eigenvalues, sorted descending. */
  values: Float64Array;
  /**
   * Eigenvectors as columns of an n×n row-major matrix: vector i is (vectors[0·n+i], …, vectors[(n−1)·n+i]),
   * orthonormal, in the order of `values`.
   */
  vectors: Float64Array;
  n: number;
  /** Jacobi sweeps used. */
  sweeps: number;
}

export interface JacobiOptions {
  /** Stop when the off-diagonal Frobenius norm ≤ tolerance · ‖A‖_F (default 1e-14). */
  tolerance?: number;
  /** Default 100. */
  maxSweeps?: number;
  /** Skip accumulating eigenvectors (faster when only eigenvalues are needed). */
  valuesOnly?: boolean;
}

/**
 * Eigen-decomposition A = V·diag(λ)·Vᵀ of a symmetric n×n matrix given row-major (only symmetric
 * input is meaningful; the upper and lower triangles are averaged first). The input is not modified.
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number, options: JacobiOptions = {}): SymmetricEigen {
  if (!Number.isInteger(n) || n < 0) throw new Error(`n must be a non-negative integer (got ${n})`);
  if (matrix.length !== n * n) throw new Error(`expected ${n * n} values for a ${n}×${n} matrix, got ${matrix.length}`);
  const tol = options.tolerance ?? 1e-14;
  const maxSweeps = options.maxSweeps ?? 100;
  const wantVectors = !(options.valuesOnly ?? false);
  const a = new Float64Array(n * n);
  let frob2 = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = 0.5 * (Number(matrix[i * n + j]) + Number(matrix[j * n + i]));
      if (!Number.isFinite(v)) throw new Error(`matrix entry (${i}, ${j}) is not finite`);
      a[i * n + j] = v;
      frob2 += v * v;
    }
  }
  const v = new Float64Array(wantVectors ? n * n : 0);
  if (wantVectors) for (let i = 0; i < n; i++) v[i * n + i] = 1;

  const threshold2 = tol * tol * frob2;
  let sweeps = 0;
  for (; sweeps < maxSweeps; sweeps++) {
    let off2 = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off2 += 2 * a[p * n + q]! * a[p * n + q]!;
    if (off2 <= threshold2 || off2 === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        // Golub & Van Loan, sym.schur2: the rotation that zeroes a_pq.
        const tau = (aqq - app) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        // A ← A·J (columns p, q) then Jᵀ·A (rows p, q).
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        a[p * n + q] = 0;
        a[q * n + p] = 0;
        if (wantVectors) {
          for (let k = 0; k < n; k++) {
            const vkp = v[k * n + p]!;
            const vkq = v[k * n + q]!;
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
          }
        }
      }
    }
  }
  if (sweeps === maxSweeps) {
    let off2 = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off2 += 2 * a[p * n + q]! * a[p * n + q]!;
    if (off2 > threshold2) throw new Error(`Jacobi eigenvalue iteration did not converge in ${maxSweeps} sweeps`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j]! - a[i * n + i]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(wantVectors ? n * n : 0);
  order.forEach((src, dst) => {
    values[dst] = a[src * n + src]!;
    if (wantVectors) for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values, vectors, n, sweeps };
}
