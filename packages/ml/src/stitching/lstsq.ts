/**
 * Affine least squares in float64 on the CPU (tfjs has no pinv/SVD): min ‖[X 1]·A − Y‖_F, the
 * stitching-layer initialisation of ml-methods.md 1.2 (official `utils.ps_inv`).
 *
 * Both columns sets are centred first (the bias then drops out: b = ȳ − x̄·W), and the centred problem
 * is solved by Householder QR with column pivoting (default) or by ridge-stabilised normal equations.
 * The pivoted QR stops at the numerical rank (|R_kk| ≤ rcond·|R_00|): directions that float32
 * activations cannot resolve get zero weight, like the pseudo-inverse's truncation, and the fit's
 * residual stays optimal (W itself is not unique then — e.g. with dead ReLU units).
 */

export interface LeastSquaresOptions {
  /** 'qr' (default): pivoted Householder QR of the centred design; 'ridge': (XcᵀXc + λI)W = XcᵀYc. */
  method?: 'qr' | 'ridge';
  /** QR rank cut-off relative to the largest pivot (default 1e-6; float32 data carry ~6e-8 relative noise). */
  rcond?: number;
  /** Ridge λ as a fraction of trace(XcᵀXc)/D (default 1e-6). */
  ridge?: number;
}

export interface LeastSquaresFit {
  /** W, input-major [dIn, dOut] (y = x·W + b), row-major. */
  weight: Float64Array;
  bias: Float64Array;
  /** ‖[X 1]·A − Y‖_F of this fit. */
  residual: number;
  /** ‖Y − mean(Y)‖_F: the residual of the best constant fit (an upper bound of `residual`). */
  centredNorm: number;
  /** Numerical rank of the centred design (QR) or dIn (ridge). */
  rank: number;
}

type Matrix = ArrayLike<number>;

/**
 * Fits y ≈ x·W + b over `rows` samples: X is row-major [rows, dIn], Y row-major [rows, dOut].
 */
export function fitAffineLeastSquares(X: Matrix, Y: Matrix, rows: number, dIn: number, dOut: number, options: LeastSquaresOptions = {}): LeastSquaresFit {
  if (X.length !== rows * dIn) throw new Error(`least squares: X has ${X.length} values, expected ${rows}×${dIn}`);
  if (Y.length !== rows * dOut) throw new Error(`least squares: Y has ${Y.length} values, expected ${rows}×${dOut}`);
  if (rows < 1) throw new Error('least squares: no rows');
  // Column-major centred copies (float64).
  const xMean = new Float64Array(dIn);
  const yMean = new Float64Array(dOut);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < dIn; c++) xMean[c]! += X[r * dIn + c]!;
    for (let c = 0; c < dOut; c++) yMean[c]! += Y[r * dOut + c]!;
  }
  for (let c = 0; c < dIn; c++) xMean[c]! /= rows;
  for (let c = 0; c < dOut; c++) yMean[c]! /= rows;
  const xc: Float64Array[] = Array.from({ length: dIn }, () => new Float64Array(rows));
  const yc: Float64Array[] = Array.from({ length: dOut }, () => new Float64Array(rows));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < dIn; c++) xc[c]![r] = X[r * dIn + c]! - xMean[c]!;
    for (let c = 0; c < dOut; c++) yc[c]![r] = Y[r * dOut + c]! - yMean[c]!;
  }
  let centredNorm2 = 0;
  for (const col of yc) for (let r = 0; r < rows; r++) centredNorm2 += col[r]! * col[r]!;

  const method = options.method ?? 'qr';
  let weight: Float64Array;
  let rank: number;
  if (method === 'qr') ({ weight, rank } = solveQr(xc.map((c) => c.slice()), yc.map((c) => c.slice()), rows, dIn, dOut, options.rcond ?? 1e-6));
  else if (method === 'ridge') ({ weight, rank } = solveRidge(xc, yc, rows, dIn, dOut, options.ridge ?? 1e-6));
  else throw new Error(`least squares: unknown method ${JSON.stringify(method)}`);

  const bias = new Float64Array(dOut);
  for (let o = 0; o < dOut; o++) {
    let s = yMean[o]!;
    for (let i = 0; i < dIn; i++) s -= xMean[i]! * weight[i * dOut + o]!;
    bias[o] = s;
  }
  // Residual of the centred problem = residual of the affine one.
  let res2 = 0;
  const pred = new Float64Array(rows);
  for (let o = 0; o < dOut; o++) {
    pred.fill(0);
    for (let i = 0; i < dIn; i++) {
      const w = weight[i * dOut + o]!;
      if (w === 0) continue;
      const col = xc[i]!;
      for (let r = 0; r < rows; r++) pred[r]! += col[r]! * w;
    }
    const ycol = yc[o]!;
    for (let r = 0; r < rows; r++) {
      const d = pred[r]! - ycol[r]!;
      res2 += d * d;
    }
  }
  return { weight, bias, residual: Math.sqrt(res2), centredNorm: Math.sqrt(centredNorm2), rank };
}

/** Pivoted Householder QR; A and B are column-major and overwritten. */
function solveQr(A: Float64Array[], B: Float64Array[], m: number, n: number, e: number, rcond: number): { weight: Float64Array; rank: number } {
  const perm = Array.from({ length: n }, (_, i) => i);
  const steps = Math.min(m, n);
  const rdiag = new Float64Array(steps);
  let rank = 0;
  let r00 = 0;
  for (let k = 0; k < steps; k++) {
    // Pivot: the remaining column with the largest norm below row k (recomputed exactly).
    let best = k;
    let bestNorm = -1;
    for (let j = k; j < n; j++) {
      const col = A[j]!;
      let s = 0;
      for (let r = k; r < m; r++) s += col[r]! * col[r]!;
      if (s > bestNorm) {
        bestNorm = s;
        best = j;
      }
    }
    if (best !== k) {
      [A[k], A[best]] = [A[best]!, A[k]!];
      [perm[k], perm[best]] = [perm[best]!, perm[k]!];
    }
    const alpha = Math.sqrt(bestNorm);
    if (k === 0) r00 = alpha;
    if (!(alpha > 0) || alpha <= rcond * r00) break;
    const v = A[k]!;
    const sign = v[k]! >= 0 ? 1 : -1;
    // Householder vector in v[k..m): v_k += sign·α; H = I − 2vvᵀ/(vᵀv).
    const vk = v[k]! + sign * alpha;
    let vtv = vk * vk;
    for (let r = k + 1; r < m; r++) vtv += v[r]! * v[r]!;
    const apply = (col: Float64Array) => {
      let dot = vk * col[k]!;
      for (let r = k + 1; r < m; r++) dot += v[r]! * col[r]!;
      const f = (2 * dot) / vtv;
      col[k]! -= f * vk;
      for (let r = k + 1; r < m; r++) col[r]! -= f * v[r]!;
    };
    for (let j = k + 1; j < n; j++) apply(A[j]!);
    for (let o = 0; o < e; o++) apply(B[o]!);
    rdiag[k] = -sign * alpha;
    rank = k + 1;
  }
  // Back substitution on R[0:rank, 0:rank]·Z = (QᵀB)[0:rank]; R[i][j] (j > i) sits in A[j][i].
  const weight = new Float64Array(n * e);
  const z = new Float64Array(rank);
  for (let o = 0; o < e; o++) {
    const b = B[o]!;
    for (let i = rank - 1; i >= 0; i--) {
      let s = b[i]!;
      for (let j = i + 1; j < rank; j++) s -= A[j]![i]! * z[j]!;
      z[i] = s / rdiag[i]!;
    }
    for (let i = 0; i < rank; i++) weight[perm[i]! * e + o] = z[i]!;
  }
  return { weight, rank };
}

/** Ridge-stabilised normal equations via Cholesky. */
function solveRidge(xc: Float64Array[], yc: Float64Array[], m: number, n: number, e: number, ridge: number): { weight: Float64Array; rank: number } {
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      const a = xc[i]!;
      const b = xc[j]!;
      for (let r = 0; r < m; r++) s += a[r]! * b[r]!;
      G[i * n + j] = s;
      G[j * n + i] = s;
    }
  }
  let trace = 0;
  for (let i = 0; i < n; i++) trace += G[i * n + i]!;
  const lambda = trace > 0 ? (ridge * trace) / n : ridge;
  for (let i = 0; i < n; i++) G[i * n + i]! += lambda;
  // Cholesky G = LLᵀ (in place, lower triangle).
  for (let j = 0; j < n; j++) {
    let d = G[j * n + j]!;
    for (let k = 0; k < j; k++) d -= G[j * n + k]! * G[j * n + k]!;
    if (!(d > 0)) throw new Error('least squares (ridge): the regularised Gram matrix is not positive definite');
    const ljj = Math.sqrt(d);
    G[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = G[i * n + j]!;
      for (let k = 0; k < j; k++) s -= G[i * n + k]! * G[j * n + k]!;
      G[i * n + j] = s / ljj;
    }
  }
  const weight = new Float64Array(n * e);
  const rhs = new Float64Array(n);
  for (let o = 0; o < e; o++) {
    const y = yc[o]!;
    for (let i = 0; i < n; i++) {
      let s = 0;
      const x = xc[i]!;
      for (let r = 0; r < m; r++) s += x[r]! * y[r]!;
      rhs[i] = s;
    }
    for (let i = 0; i < n; i++) {
      let s = rhs[i]!;
      for (let k = 0; k < i; k++) s -= G[i * n + k]! * rhs[k]!;
      rhs[i] = s / G[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = rhs[i]!;
      for (let k = i + 1; k < n; k++) s -= G[k * n + i]! * rhs[k]!;
      rhs[i] = s / G[i * n + i]!;
    }
    for (let i = 0; i < n; i++) weight[i * e + o] = rhs[i]!;
  }
  return { weight, rank: n };
}
