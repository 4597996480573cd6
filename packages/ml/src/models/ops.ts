/**
 * Differentiable building blocks tuned for the wasm backend (toolchain.md, "TensorFlow.js on wasm"):
 * autodiff of matMul uses transposeA/transposeB, which is 5–30× slower on wasm than an explicit
 * transpose followed by a plain matMul, so trainable products are wrapped in `tf.customGrad` with
 * hand-written gradients that only use plain matMul and ≤4-D transposes. Multi-head attention runs
 * its per-head products as grouped GEMMs (a depthwise convolution: wasm's batched matMul is a scalar
 * loop), and LayerNorm and GELU use the fused kernels of ../kernels.ts where the backend has them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GELU_ARG, GELU_GRAD, geluArg, geluGrad, hasFusedKernel, LAYER_NORM, LAYER_NORM_GRAD, layerNormFused, layerNormFusedGrad } from '../kernels.js';

type GradSave = (tensors: tf.Tensor[]) => void;
type CustomGradArg = Parameters<typeof tf.customGrad>[0];

/** Typed wrapper over tf.customGrad: `f(...inputs, save)` returns the value and its gradient function. */
export function customGradient<A extends tf.Tensor[], R extends tf.Tensor>(
  f: (...args: [...A, GradSave]) => { value: R; gradFunc: (dy: R, saved: tf.Tensor[]) => tf.Tensor[] },
): (...inputs: A) => R {
  return tf.customGrad(f as unknown as CustomGradArg) as unknown as (...inputs: A) => R;
}

/**
 * Column sums of a 2-D tensor as a [1, M]·[M, N] product: wasm's Sum reduces the innermost axis, so
 * summing over axis 0 needs a transpose first, while this product reuses the XNNPACK operator that
 * the weight gradient (xᵀ·dy) just packed for the same `dy`.
 */
export function sumRows(m: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, m.shape[0]]), m), [m.shape[1]]);
}

const denseImpl = customGradient((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: GradSave) => {
  save([x, w]);
  const value = tf.fused.matMul({ a: x, b: w, bias: b }) as tf.Tensor2D;
  return {
    value,
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy, tf.transpose(sw)), tf.matMul(tf.transpose(sx), dy), sumRows(dy)];
    },
  };
});

const denseNoInputGradImpl = customGradient((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: GradSave) => {
  save([x]);
  const value = tf.fused.matMul({ a: x, b: w, bias: b }) as tf.Tensor2D;
  return {
    value,
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [sx] = saved as [tf.Tensor2D];
      // The input is data (e.g. pixels): its gradient is never used, so skip the product.
      return [tf.zerosLike(sx), tf.matMul(tf.transpose(sx), dy), sumRows(dy)];
    },
  };
});

let customGradients = true;

/**
 * Switches dense/attention/layerNorm/gelu between the hand-written gradients (default) and plain tfjs
 * autodiff of the same forward ops. For tests and debugging; returns the previous setting.
 */
export function setCustomGradients(enabled: boolean): boolean {
  const prev = customGradients;
  customGradients = enabled;
  return prev;
}

/**
 * y = x·W + b for x [M, K], W [K, N] (stored input-major, i.e. the transpose of PyTorch's
 * Linear.weight), b [N]. Set `inputGrad: false` when x is data and needs no gradient.
 */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, options?: { inputGrad?: boolean }): tf.Tensor2D {
  if (!customGradients) return denseAutodiff(x, w, b);
  return options?.inputGrad === false ? denseNoInputGradImpl(x, w, b) : denseImpl(x, w, b);
}

/** Reference dense layer using plain autodiff (for tests and comparisons). */
export function denseAutodiff(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.add(tf.matMul(x, w), b);
}

/**
 * Per-group products C[g] = A[g]·B[g] for A in layout (m, k, g) [M, K, G] and B in layout (k, g, n)
 * [K, G, N], returning C in layout (m, g, n) [M, G, N]. Written as a depthwise convolution (input
 * [1, M, K, G], filter [1, K, G, N]: channel g, window over k, channel multiplier n), which wasm runs
 * through XNNPACK's grouped GEMM: ~3–5× faster than its BatchMatMul, which takes a scalar loop for
 * anything but one 2-D product. No gradient of its own: used inside custom gradients only.
 */
function groupedMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const [M, K, G] = a.shape;
  const N = b.shape[2];
  const y = tf.depthwiseConv2d(tf.reshape(a, [1, M, K, G]) as tf.Tensor4D, tf.reshape(b, [1, K, G, N]) as tf.Tensor4D, 1, 'valid');
  return tf.reshape(y, [M, G, N]) as tf.Tensor3D;
}

/** Shapes of a multi-head attention over `batch` sequences of `tokens` tokens, `heads` heads. */
export interface AttentionShape {
  batch: number;
  tokens: number;
  heads: number;
}

/**
 * Softmax attention over token-major q, k, v [N, G, dh] (G = batch·heads groups): scores
 * S = q·kᵀ·scale per group, P = softmax over keys, O = P·v. Returns O [N, G, dh] and what the
 * backward pass needs.
 */
function attentionForward(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, scale: number): { o: tf.Tensor3D; vt: tf.Tensor3D; p: tf.Tensor3D } {
  // S[i,g,j] = Σ_d q[i,g,d]·k[j,g,d]: A = q laid out (i, d, g), B = k laid out (d, g, j).
  const s = groupedMatMul(tf.transpose(q, [0, 2, 1]), tf.transpose(k, [2, 1, 0]));
  const p = tf.softmax(tf.mul(s, scale)) as tf.Tensor3D;
  // O[i,g,d] = Σ_j P[i,g,j]·v[j,g,d]: A = P laid out (i, j, g), B = v as it is (j, g, d).
  const o = groupedMatMul(tf.transpose(p, [0, 2, 1]), v);
  return { o, vt: tf.transpose(v, [2, 1, 0]), p };
}

/** Gradients of {@link attentionForward} with respect to q, k, v (all token-major [N, G, dh]). */
function attentionBackward(dO: tf.Tensor3D, q: tf.Tensor3D, k: tf.Tensor3D, vt: tf.Tensor3D, p: tf.Tensor3D, scale: number): [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D] {
  // dP[i,g,j] = Σ_d dO[i,g,d]·v[j,g,d]: A = dO laid out (i, d, g), B = v laid out (d, g, j).
  // dv[j,g,d] = Σ_i P[i,g,j]·dO[i,g,d]: A = P laid out (j, i, g), B = dO (i, g, d).
  const dP = groupedMatMul(tf.transpose(dO, [0, 2, 1]), vt);
  const dv = groupedMatMul(tf.transpose(p, [2, 0, 1]), dO);
  // Softmax backward (rows over keys), then the scale.
  const dS = tf.mul(tf.mul(p, tf.sub(dP, tf.sum(tf.mul(dP, p), -1, true))), scale) as tf.Tensor3D;
  // dq[i,g,d] = Σ_j dS[i,g,j]·k[j,g,d]: A = dS laid out (i, j, g), B = k (j, g, d).
  // dk[j,g,d] = Σ_i dS[i,g,j]·q[i,g,d]: A = dS laid out (j, i, g), B = q (i, g, d).
  const dq = groupedMatMul(tf.transpose(dS, [0, 2, 1]), k);
  const dk = groupedMatMul(tf.transpose(dS, [2, 0, 1]), q);
  return [dq, dk, dv];
}

/** [B·N, D] (batch-major rows) → token-major [N, B·H, dh]. */
function toTokenMajor(x: tf.Tensor, s: AttentionShape): tf.Tensor3D {
  const D = x.shape[x.rank - 1]!;
  return tf.reshape(tf.transpose(tf.reshape(x, [s.batch, s.tokens, D]), [1, 0, 2]), [s.tokens, s.batch * s.heads, D / s.heads]) as tf.Tensor3D;
}

/** Token-major [N, B·H, dh] (or [N·B, D]) → batch-major rows [B·N, D]. */
function toBatchMajor(x: tf.Tensor, s: AttentionShape, D: number): tf.Tensor2D {
  return tf.reshape(tf.transpose(tf.reshape(x, [s.tokens, s.batch, D]), [1, 0, 2]), [s.batch * s.tokens, D]) as tf.Tensor2D;
}

function checkAttention(rows: number, D: number, s: AttentionShape): void {
  if (rows !== s.batch * s.tokens || D % s.heads !== 0) {
    throw new Error(`attention: expected ${s.batch}·${s.tokens} rows and a width divisible by ${s.heads} heads, got [${rows}, ${D}]`);
  }
}

const attentionCache = new Map<string, (...t: tf.Tensor[]) => tf.Tensor2D>();

function cached(key: string, make: () => (...t: tf.Tensor[]) => tf.Tensor2D): (...t: tf.Tensor[]) => tf.Tensor2D {
  let fn = attentionCache.get(key);
  if (!fn) {
    fn = make();
    attentionCache.set(key, fn);
  }
  return fn;
}

/**
 * Multi-head self-attention of x [B·N, D] (batch-major rows, the LayerNorm output) with the fused
 * qkv projection W [D, 3D], b [3D] (columns q | k | v, each head-major (h, d_h)): returns the
 * attention output O [B·N, D] (heads concatenated, before the output projection), with the scale
 * 1/√d_h applied to the scores. One custom gradient for the projection and the attention: the
 * per-head products run as grouped GEMMs ({@link groupedMatMul}) in a token-major layout, so
 * there is no column split of the qkv activations (a slow copy on wasm) and no 4-D batched
 * matMul (a scalar loop on wasm).
 */
export function selfAttention(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, shape: AttentionShape): tf.Tensor2D {
  const D = x.shape[1];
  checkAttention(x.shape[0], D, shape);
  if (w.shape[0] !== D || w.shape[1] !== 3 * D || b.shape[0] !== 3 * D) throw new Error(`attention: qkv weight [${w.shape}] and bias [${b.shape}] do not fit width ${D}`);
  if (!customGradients) {
    const [q, k, v] = tf.split(tf.add(tf.matMul(x, w), b), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
    return attentionReference(q, k, v, shape);
  }
  const { batch: B, tokens: N, heads: H } = shape;
  const fn = cached(`qkv:${B}:${N}:${H}:${D}`, () =>
    customGradient((xi: tf.Tensor2D, wi: tf.Tensor2D, bi: tf.Tensor1D, save: GradSave) => {
      const scale = 1 / Math.sqrt(D / H);
      // Token-major rows (i, b): the products then come out as (i, g = (b, h), d_h).
      const xt = tf.reshape(tf.transpose(tf.reshape(xi, [B, N, D]), [1, 0, 2]), [N * B, D]) as tf.Tensor2D;
      const part = (j: number) => {
        const y = tf.fused.matMul({ a: xt, b: tf.slice(wi, [0, j * D], [D, D]), bias: tf.slice(bi, [j * D], [D]) });
        return tf.reshape(y, [N, B * H, D / H]) as tf.Tensor3D;
      };
      const [q, k, v] = [part(0), part(1), part(2)];
      const { o, vt, p } = attentionForward(q, k, v, scale);
      save([xt, wi, q, k, vt, p]);
      return {
        value: toBatchMajor(o, shape, D),
        gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
          const [sxt, sw, sq, sk, svt, sp] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
          const grads = attentionBackward(toTokenMajor(dy, shape), sq, sk, svt, sp, scale);
          // [3, N·B, D] → [N·B, 3D]: the gradient of the fused projection's output, token-major rows.
          const dqkv = tf.reshape(tf.transpose(tf.reshape(tf.stack(grads), [3, N * B, D]), [1, 0, 2]), [N * B, 3 * D]) as tf.Tensor2D;
          const dxt = tf.matMul(dqkv, tf.transpose(sw));
          return [toBatchMajor(dxt, shape, D), tf.matMul(tf.transpose(sxt), dqkv), sumRows(dqkv)];
        },
      };
    }) as (...t: tf.Tensor[]) => tf.Tensor2D,
  );
  return fn(x, w, b);
}

/**
 * Multi-head attention of given q, k, v [B·N, D] (batch-major rows, heads concatenated on the last
 * axis, q not yet scaled): returns O [B·N, D]. Same computation and gradient scheme as
 * {@link selfAttention}, for callers that produce q, k, v themselves (adapters).
 */
export function attention(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, shape: AttentionShape): tf.Tensor2D {
  const D = q.shape[1];
  checkAttention(q.shape[0], D, shape);
  if (!customGradients) return attentionReference(q, k, v, shape);
  const { batch: B, tokens: N, heads: H } = shape;
  const fn = cached(`qkv3:${B}:${N}:${H}:${D}`, () =>
    customGradient((qi: tf.Tensor2D, ki: tf.Tensor2D, vi: tf.Tensor2D, save: GradSave) => {
      const scale = 1 / Math.sqrt(D / H);
      const [qt, kt, vt0] = [qi, ki, vi].map((t) => toTokenMajor(t, shape)) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
      const { o, vt, p } = attentionForward(qt, kt, vt0, scale);
      save([qt, kt, vt, p]);
      return {
        value: toBatchMajor(o, shape, D),
        gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
          const [sq, sk, svt, sp] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
          return attentionBackward(toTokenMajor(dy, shape), sq, sk, svt, sp, scale).map((g) => toBatchMajor(g, shape, D));
        },
      };
    }) as (...t: tf.Tensor[]) => tf.Tensor2D,
  );
  return fn(q, k, v);
}

/**
 * Reference attention by plain autodiff (the formulation the ViT used before the grouped-GEMM
 * kernels): q scaled by 1/√d_h, 4-D transposes, batched matMul, softmax.
 */
export function attentionReference(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, shape: AttentionShape): tf.Tensor2D {
  const { batch: B, tokens: N, heads: H } = shape;
  const D = q.shape[1];
  const dh = D / H;
  const qh = tf.transpose(tf.reshape(tf.mul(q, 1 / Math.sqrt(dh)), [B, N, H, dh]), [0, 2, 1, 3]);
  const kT = tf.transpose(tf.reshape(k, [B, N, H, dh]), [0, 2, 3, 1]);
  const vh = tf.transpose(tf.reshape(v, [B, N, H, dh]), [0, 2, 1, 3]);
  const attn = tf.softmax(tf.matMul(qh, kT));
  return tf.reshape(tf.transpose(tf.matMul(attn, vh), [0, 2, 1, 3]), [B * N, D]) as tf.Tensor2D;
}

const layerNormCache = new Map<number, (x: tf.Tensor2D, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor2D>();

/**
 * LayerNorm over the last axis of x [M, D] with a hand-written gradient:
 * dx = inv·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = dy·γ.
 */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = 1e-6): tf.Tensor2D {
  if (!customGradients) return layerNormAutodiff(x, gamma, beta, eps);
  let fn = layerNormCache.get(eps);
  if (!fn) {
    fn = customGradient((xi: tf.Tensor2D, g: tf.Tensor1D, bt: tf.Tensor1D, save: GradSave) => {
      if (hasFusedKernel(LAYER_NORM) && hasFusedKernel(LAYER_NORM_GRAD)) {
        // One kernel each way (kernels.ts) instead of ~9 forward and ~12 backward ops.
        const [y, xhat, inv] = layerNormFused(xi, g, bt, eps);
        save([xhat, inv, g]);
        return {
          value: y,
          gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
            const [sxhat, sinv, sg] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
            return layerNormFusedGrad(dy, sxhat, sinv, sg);
          },
        };
      }
      const mean = tf.mean(xi, -1, true);
      const xc = tf.sub(xi, mean);
      const variance = tf.mean(tf.square(xc), -1, true);
      const inv = tf.rsqrt(tf.add(variance, eps));
      const xhat = tf.mul(xc, inv);
      save([xhat, inv, g]);
      return {
        value: tf.add(tf.mul(xhat, g), bt),
        gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
          const [sxhat, sinv, sg] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
          const ghat = tf.mul(dy, sg);
          const dx = tf.mul(
            sinv,
            tf.sub(tf.sub(ghat, tf.mean(ghat, -1, true)), tf.mul(sxhat, tf.mean(tf.mul(ghat, sxhat), -1, true))),
          );
          return [dx, sumRows(tf.mul(dy, sxhat)), sumRows(dy)];
        },
      };
    });
    layerNormCache.set(eps, fn);
  }
  return fn(x, gamma, beta);
}

/** LayerNorm by plain autodiff (reference). */
export function layerNormAutodiff(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps = 1e-6): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
// tanh-approximate GELU written with a sigmoid: 0.5·x·(1 + tanh(u)) = x·σ(2u),
// u = √(2/π)·(x + 0.044715·x³). wasm's Sigmoid is vectorised (XNNPACK); Erf, Exp and Tanh are not.
const GELU_K1 = 2 * Math.sqrt(2 / Math.PI);
const GELU_K2 = GELU_K1 * 0.044715;

const geluExactImpl = customGradient((x: tf.Tensor, save: GradSave) => {
  const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, SQRT1_2))));
  save([x, cdf]);
  return {
    value: tf.mul(x, cdf),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, scdf] = saved as [tf.Tensor, tf.Tensor];
      const pdf = tf.mul(tf.exp(tf.mul(tf.square(sx), -0.5)), INV_SQRT_2PI);
      return [tf.mul(dy, tf.add(scdf, tf.mul(sx, pdf)))];
    },
  };
});

const geluTanhImpl = customGradient((x: tf.Tensor, save: GradSave) => {
  if (hasFusedKernel(GELU_ARG) && hasFusedKernel(GELU_GRAD)) {
    // The same float32 operations in the same order, in two fused kernels and a sigmoid (kernels.ts).
    const s = tf.sigmoid(geluArg(x, GELU_K1, GELU_K2));
    save([x, s]);
    return {
      value: tf.mul(x, s),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, ss] = saved as [tf.Tensor, tf.Tensor];
        return [geluGrad(dy, sx, ss, GELU_K1, GELU_K2)];
      },
    };
  }
  const x2 = tf.square(x);
  const s = tf.sigmoid(tf.mul(x, tf.add(tf.mul(x2, GELU_K2), GELU_K1)));
  save([x, x2, s]);
  return {
    value: tf.mul(x, s),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sx2, ss] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
      // d/dx x·σ(z) = σ + x·σ·(1 − σ)·z', z' = K1 + 3·K2·x²
      const dz = tf.add(tf.mul(sx2, 3 * GELU_K2), GELU_K1);
      const ds = tf.mul(ss, tf.sub(1, ss));
      return [tf.mul(dy, tf.add(ss, tf.mul(tf.mul(sx, ds), dz)))];
    },
  };
});

export type GeluApproximation = 'none' | 'tanh';

/**
 * GELU. `approximate: 'tanh'` (the default, as PyTorch's nn.GELU(approximate='tanh'); |error| < 5e-4
 * against the exact form) runs ~3× faster on wasm; `'none'` is the exact erf form of nn.GELU().
 * Both have hand-written gradients.
 */
export function gelu<T extends tf.Tensor>(x: T, approximate: GeluApproximation = 'tanh'): T {
  if (!customGradients) return geluAutodiff(x, approximate);
  return (approximate === 'none' ? geluExactImpl(x) : geluTanhImpl(x)) as T;
}

/** GELU by plain autodiff of the same forward ops (reference). */
export function geluAutodiff<T extends tf.Tensor>(x: T, approximate: GeluApproximation = 'tanh'): T {
  if (approximate === 'none') return tf.mul(x, tf.mul(0.5, tf.add(1, tf.erf(tf.mul(x, SQRT1_2))))) as T;
  return tf.mul(x, tf.sigmoid(tf.mul(x, tf.add(tf.mul(tf.square(x), GELU_K2), GELU_K1)))) as T;
}

/** Mean softmax cross-entropy of logits [B, C] against integer labels [B]. */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const numClasses = logits.shape[1];
  const oneHot = tf.oneHot(labels, numClasses);
  const logp = tf.logSoftmax(logits);
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logp), 1))) as tf.Scalar;
}

/** Fraction of rows whose arg-max equals the label. */
export function accuracyOf(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'float32')) as tf.Scalar;
}

/**
 * Trainable variables for named weights, each checked against its shape. Names missing from
 * `values` are an error, and so are extra names when `exact`. On any error nothing stays allocated.
 */
export function variablesFromWeights(
  shapes: ReadonlyArray<{ name: string; shape: number[] }>,
  values: ReadonlyMap<string, Float32Array>,
  options: { exact?: boolean } = {},
): Map<string, tf.Variable> {
  const missing = shapes.filter((s) => !values.has(s.name)).map((s) => s.name);
  if (missing.length > 0) throw new Error(`missing weights: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  if (options.exact) {
    const known = new Set(shapes.map((s) => s.name));
    const extra = [...values.keys()].filter((n) => !known.has(n));
    if (extra.length > 0) throw new Error(`unexpected weights: ${extra.slice(0, 5).join(', ')}`);
  }
  const vars = new Map<string, tf.Variable>();
  try {
    for (const { name, shape } of shapes) {
      const v = values.get(name)!;
      const n = shape.reduce((a, b) => a * b, 1);
      if (v.length !== n) throw new Error(`weight ${name}: expected ${n} values for shape [${shape}], got ${v.length}`);
      // Variables are not given engine names: those must be globally unique across models.
      vars.set(name, tf.tidy(() => tf.variable(tf.tensor(v, shape, 'float32'), true)));
    }
  } catch (err) {
    for (const v of vars.values()) v.dispose();
    throw err;
  }
  return vars;
}
