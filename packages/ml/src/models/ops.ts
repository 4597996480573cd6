/**
 * Differentiable building blocks tuned for the wasm backend (toolchain.md, "TensorFlow.js on wasm"):
 * autodiff of matMul uses transposeA/transposeB, which is 5–30× slower on wasm than an explicit
 * transpose followed by a plain matMul, so trainable products are wrapped in `tf.customGrad` with
 * hand-written gradients that only use plain matMul and ≤4-D transposes.
 */
import * as tf from '@tensorflow/tfjs-core';

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
 * Switches dense/bmm/layerNorm/gelu between the hand-written gradients (default) and plain tfjs
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

const bmmImpl = customGradient((a: tf.Tensor4D, b: tf.Tensor4D, save: GradSave) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b) as tf.Tensor4D,
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor4D, tf.Tensor4D];
      return [tf.matMul(dy, tf.transpose(sb, [0, 1, 3, 2])), tf.matMul(tf.transpose(sa, [0, 1, 3, 2]), dy)];
    },
  };
});

/** Batched product of 4-D tensors [B, H, M, K] · [B, H, K, N] with an explicit-transpose gradient. */
export function bmm(a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  return customGradients ? bmmImpl(a, b) : (tf.matMul(a, b) as tf.Tensor4D);
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
