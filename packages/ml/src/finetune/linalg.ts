/**
 * Small float64 linear algebra on the CPU for the fine-tuning adapters (ml-methods.md 3.2): a
 * one-sided Jacobi SVD (Hestenes) for the Spectral Adapter's one-time decomposition of W₀, a
 * Gauss–Jordan inverse for the r×r Cayley map, and the Cayley map itself. Matrices are row-major.
 */

/** A = U·diag(s)·Vᵀ with k = min(m, n) components, singular values sorted descending. */
export interface SvdResult {
  m: number;
  n: number;
  k: number;
  /** Left singular vectors, row-major [m, k] (orthonormal columns; a zero column where s = 0). */
  u: Float64Array;
  /** Singular values, descending, ≥ 0. */
  s: Float64Array;
  /** Right singular vectors, row-major [n, k] (orthonormal columns). */
  v: Float64Array;
  /** Jacobi sweeps run. */
  sweeps: number;
}

export interface JacobiSvdOptions {
  /** Columns p, q count as orthogonal when |aₚ·a_q| ≤ tolerance·‖aₚ‖·‖a_q‖ (default 1e-15). */
  tolerance?: number;
  /** Upper bound on sweeps over all column pairs (default 80). */
  maxSweeps?: number;
}

/**
 * Singular value decomposition of the row-major m×n matrix `a` in float64 by one-sided Jacobi
 * rotations (Hestenes): pairs of columns are rotated until all are mutually orthogonal; their norms
 * are then the singular values and the accumulated rotations V. For m < n it decomposes Aᵀ and
 * swaps the factors; for m > n it first takes a Householder QR (A = Q·R) and rotates the n×n R,
 * which is several times cheaper for the 4:1 MLP matrices. Singular vectors are unique only up to
 * sign (harmless for the adapters).
 */
export function jacobiSvd(a: ArrayLike<number>, m: number, n: number, options: JacobiSvdOptions = {}): SvdResult {
  if (!Number.isInteger(m) || !Number.isInteger(n) || m < 1 || n < 1) throw new Error(`jacobiSvd: bad shape ${m}×${n}`);
  if (a.length !== m * n) throw new Error(`jacobiSvd: expected ${m * n} values, got ${a.length}`);
  if (m < n) {
    const r = jacobiSvd(transpose64(a, m, n), n, m, options);
    return { m, n, k: r.k, u: r.v, s: r.s, v: r.u, sweeps: r.sweeps };
  }
  if (m === n) return { m, n, ...oneSidedJacobi(a, n, n, options) };
  const { q, r } = householderQR(a, m, n);
  const core = oneSidedJacobi(r, n, n, options);
  // A = Q·R = (Q·U_R)·diag(s)·V_Rᵀ.
  return { m, n, k: n, u: matmul64(q, core.u, m, n, n), s: core.s, v: core.v, sweeps: core.sweeps };
}

/** Thin Householder QR of a row-major m×n matrix (m ≥ n): Q [m, n] (orthonormal columns), R [n, n] upper triangular, row-major. */
export function householderQR(a: ArrayLike<number>, m: number, n: number): { q: Float64Array; r: Float64Array } {
  if (m < n) throw new Error(`householderQR: needs m ≥ n (got ${m}×${n})`);
  const cols: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(m);
    for (let i = 0; i < m; i++) c[i] = Number(a[i * n + j]);
    cols.push(c);
  }
  const reflectors: Array<{ v: Float64Array; j: number; f: number } | null> = [];
  for (let j = 0; j < n; j++) {
    const cj = cols[j]!;
    let norm = 0;
    for (let i = j; i < m; i++) norm += cj[i]! * cj[i]!;
    norm = Math.sqrt(norm);
    if (norm === 0) {
      reflectors.push(null);
      continue;
    }
    const alpha = cj[j]! >= 0 ? -norm : norm;
    const v = new Float64Array(m);
    v[j] = cj[j]! - alpha;
    for (let i = j + 1; i < m; i++) v[i] = cj[i]!;
    let vv = 0;
    for (let i = j; i < m; i++) vv += v[i]! * v[i]!;
    if (vv === 0) {
      reflectors.push(null);
      continue;
    }
    const f = 2 / vv;
    for (let k = j; k < n; k++) {
      const ck = cols[k]!;
      let dot = 0;
      for (let i = j; i < m; i++) dot += v[i]! * ck[i]!;
      const g = f * dot;
      for (let i = j; i < m; i++) ck[i]! -= g * v[i]!;
    }
    reflectors.push({ v, j, f });
  }
  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let k = i; k < n; k++) r[i * n + k] = cols[k]![i]!;
  // Q = H_0·H_1·…·H_{n−1} applied to the first n columns of I (in reverse order).
  const qcols: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const e = new Float64Array(m);
    e[k] = 1;
    for (let t = n - 1; t >= 0; t--) {
      const h = reflectors[t];
      if (!h) continue;
      let dot = 0;
      for (let i = h.j; i < m; i++) dot += h.v[i]! * e[i]!;
      if (dot === 0) continue;
      const g = h.f * dot;
      for (let i = h.j; i < m; i++) e[i]! -= g * h.v[i]!;
    }
    qcols.push(e);
  }
  const q = new Float64Array(m * n);
  for (let k = 0; k < n; k++) for (let i = 0; i < m; i++) q[i * n + k] = qcols[k]![i]!;
  return { q, r };
}

/** One-sided Jacobi on a row-major m×n matrix with m ≥ n; factors row-major, k = n. */
function oneSidedJacobi(a: ArrayLike<number>, m: number, n: number, options: JacobiSvdOptions): { k: number; u: Float64Array; s: Float64Array; v: Float64Array; sweeps: number } {
  const tol = options.tolerance ?? 1e-15;
  const maxSweeps = options.maxSweeps ?? 80;
  // Work column-major: column j of A (length m) and of V (length n) as contiguous arrays.
  const cols: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(m);
    for (let i = 0; i < m; i++) c[i] = Number(a[i * n + j]);
    cols.push(c);
  }
  const vcols: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(n);
    c[j] = 1;
    vcols.push(c);
  }
  let sweeps = 0;
  for (; sweeps < maxSweeps; ) {
    sweeps++;
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      const cp = cols[p]!;
      const vp = vcols[p]!;
      for (let q = p + 1; q < n; q++) {
        const cq = cols[q]!;
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = cp[i]!;
          const y = cq[i]!;
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        // Rotation angle that zeroes the off-diagonal entry of the 2×2 Gram matrix.
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const x = cp[i]!;
          const y = cq[i]!;
          cp[i] = c * x - s * y;
          cq[i] = s * x + c * y;
        }
        const vq = vcols[q]!;
        for (let i = 0; i < n; i++) {
          const x = vp[i]!;
          const y = vq[i]!;
          vp[i] = c * x - s * y;
          vq[i] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = cols.map((c) => Math.sqrt(c.reduce((acc, x) => acc + x * x, 0)));
  const order = norms.map((_, j) => j).sort((x, y) => norms[y]! - norms[x]! || x - y);
  const k = n;
  const u = new Float64Array(m * k);
  const v = new Float64Array(n * k);
  const sv = new Float64Array(k);
  order.forEach((j, r) => {
    const sj = norms[j]!;
    sv[r] = sj;
    const c = cols[j]!;
    if (sj > 0) for (let i = 0; i < m; i++) u[i * k + r] = c[i]! / sj;
    const vc = vcols[j]!;
    for (let i = 0; i < n; i++) v[i * k + r] = vc[i]!;
  });
  return { k, u, s: sv, v, sweeps };
}

/** Row-major transpose of an m×n matrix (float64). */
export function transpose64(a: ArrayLike<number>, m: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = Number(a[i * n + j]);
  return out;
}

/** Row-major product of [m, k] and [k, n] (float64). */
export function matmul64(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const x = Number(a[i * k + p]);
      if (x === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += x * Number(b[p * n + j]);
    }
  }
  return out;
}

/**
 * U_r·diag(s_r)·V_rᵀ of the first `r` components of an SVD (r = k gives back A up to rounding).
 * Row-major [m, n], float64.
 */
export function svdReconstruct(svd: SvdResult, r = svd.k): Float64Array {
  const { m, n, k } = svd;
  if (!Number.isInteger(r) || r < 0 || r > k) throw new Error(`svdReconstruct: rank ${r} outside 0..${k}`);
  const out = new Float64Array(m * n);
  for (let c = 0; c < r; c++) {
    const s = svd.s[c]!;
    for (let i = 0; i < m; i++) {
      const us = svd.u[i * k + c]! * s;
      if (us === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += us * svd.v[j * k + c]!;
    }
  }
  return out;
}

/** Inverse of the row-major r×r matrix `a` by Gauss–Jordan elimination with partial pivoting. */
export function invert64(a: ArrayLike<number>, r: number): Float64Array {
  if (a.length !== r * r) throw new Error(`invert64: expected ${r * r} values, got ${a.length}`);
  const w = Float64Array.from(a as ArrayLike<number>);
  const inv = new Float64Array(r * r);
  for (let i = 0; i < r; i++) inv[i * r + i] = 1;
  for (let col = 0; col < r; col++) {
    let piv = col;
    for (let i = col + 1; i < r; i++) if (Math.abs(w[i * r + col]!) > Math.abs(w[piv * r + col]!)) piv = i;
    const pv = w[piv * r + col]!;
    if (pv === 0 || !Number.isFinite(pv)) throw new Error('invert64: matrix is singular');
    if (piv !== col) {
      for (let j = 0; j < r; j++) {
        [w[col * r + j], w[piv * r + j]] = [w[piv * r + j]!, w[col * r + j]!];
        [inv[col * r + j], inv[piv * r + j]] = [inv[piv * r + j]!, inv[col * r + j]!];
      }
    }
    for (let j = 0; j < r; j++) {
      w[col * r + j]! /= pv;
      inv[col * r + j]! /= pv;
    }
    for (let i = 0; i < r; i++) {
      if (i === col) continue;
      const f = w[i * r + col]!;
      if (f === 0) continue;
      for (let j = 0; j < r; j++) {
        w[i * r + j]! -= f * w[col * r + j]!;
        inv[i * r + j]! -= f * inv[col * r + j]!;
      }
    }
  }
  return inv;
}

/**
 * The Cayley map of ml-methods.md 3.2 in float64: K = (P − Pᵀ)/2, M = (I + K)⁻¹,
 * Q = (I − K)(I + K)⁻¹ = 2M − I (orthogonal for every P; Q = I at P = 0). Row-major r×r.
 */
export function cayley64(p: ArrayLike<number>, r: number): { q: Float64Array; m: Float64Array } {
  if (p.length !== r * r) throw new Error(`cayley64: expected ${r * r} values, got ${p.length}`);
  const ik = new Float64Array(r * r);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < r; j++) ik[i * r + j] = (Number(p[i * r + j]) - Number(p[j * r + i])) / 2 + (i === j ? 1 : 0);
  }
  const m = invert64(ik, r);
  const q = new Float64Array(r * r);
  for (let i = 0; i < r * r; i++) q[i] = 2 * m[i]!;
  for (let i = 0; i < r; i++) q[i * r + i]! -= 1;
  return { q, m };
}
