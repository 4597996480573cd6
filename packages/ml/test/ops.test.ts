import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  attention,
  attentionReference,
  createViT,
  dense,
  denseAutodiff,
  ensureGradients,
  gelu,
  geluAutodiff,
  initBackend,
  layerNorm,
  layerNormAutodiff,
  selfAttention,
  setCustomGradients,
  softmaxCrossEntropy,
  sumRows,
  tf,
} from '../src/index.js';

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);
}

function expectClose(a: tf.Tensor, b: tf.Tensor, tol = 1e-5): void {
  expect(a.shape).toEqual(b.shape);
  const scale = tf.tidy(() => Math.max(1, tf.max(tf.abs(b)).dataSync()[0]!));
  expect(maxAbsDiff(a, b)).toBeLessThan(tol * scale);
}

describe('custom-gradient ops', () => {
  let baseline: number;
  beforeAll(async () => {
    await initBackend();
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    setCustomGradients(true);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('dense: forward and gradients equal plain autodiff', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([13, 7], 0, 1, 'float32', 1) as tf.Tensor2D;
      const w = tf.randomNormal([7, 5], 0, 1, 'float32', 2) as tf.Tensor2D;
      const b = tf.randomNormal([5], 0, 1, 'float32', 3) as tf.Tensor1D;
      const up = tf.randomNormal([13, 5], 0, 1, 'float32', 4);
      const loss = (f: typeof dense) => (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(f(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D), up));
      const custom = tf.grads(loss(dense))([x, w, b]);
      const plain = tf.grads(loss(denseAutodiff))([x, w, b]);
      expectClose(dense(x, w, b), denseAutodiff(x, w, b));
      custom.forEach((g, i) => expectClose(g, plain[i]!));
      // inputGrad: false still gives exact weight gradients.
      const noIn = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
        tf.sum(tf.mul(dense(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, { inputGrad: false }), up)),
      )([x, w, b]);
      expectClose(noIn[1]!, plain[1]!);
      expectClose(noIn[2]!, plain[2]!);
      expectClose(sumRows(up as tf.Tensor2D), tf.sum(up, 0));
    });
  });

  it('layerNorm and gelu: gradients equal plain autodiff', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([9, 8], 0.5, 2, 'float32', 8) as tf.Tensor2D;
      const gamma = tf.randomNormal([8], 1, 0.3, 'float32', 9) as tf.Tensor1D;
      const beta = tf.randomNormal([8], 0, 0.3, 'float32', 10) as tf.Tensor1D;
      const upL = tf.randomNormal([9, 8], 0, 1, 'float32', 11);
      expectClose(layerNorm(x, gamma, beta), layerNormAutodiff(x, gamma, beta));
      const gl = tf.grads((p: tf.Tensor, g: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.mul(layerNorm(p as tf.Tensor2D, g as tf.Tensor1D, q as tf.Tensor1D), upL)),
      )([x, gamma, beta]);
      const pl = tf.grads((p: tf.Tensor, g: tf.Tensor, q: tf.Tensor) =>
        tf.sum(tf.mul(layerNormAutodiff(p as tf.Tensor2D, g as tf.Tensor1D, q as tf.Tensor1D), upL)),
      )([x, gamma, beta]);
      gl.forEach((g, i) => expectClose(g, pl[i]!, 1e-4));

      const z = tf.linspace(-6, 6, 241);
      for (const mode of ['tanh', 'none'] as const) {
        expectClose(gelu(z, mode), geluAutodiff(z, mode));
        expectClose(tf.grad((t: tf.Tensor) => tf.sum(gelu(t, mode)))(z), tf.grad((t: tf.Tensor) => tf.sum(geluAutodiff(t, mode)))(z));
      }
      // The tanh form stays within 5e-4 of the exact GELU.
      expect(maxAbsDiff(gelu(z, 'tanh'), gelu(z, 'none'))).toBeLessThan(5e-4);
    });
  });

  it('attention: grouped-GEMM forward and gradients equal the batched-matMul reference', () => {
    tf.tidy(() => {
      const shape = { batch: 3, tokens: 5, heads: 2 };
      const M = shape.batch * shape.tokens;
      const x = tf.randomNormal([M, 8], 0, 1, 'float32', 20) as tf.Tensor2D;
      const w = tf.randomNormal([8, 24], 0, 0.5, 'float32', 21) as tf.Tensor2D;
      const b = tf.randomNormal([24], 0, 0.1, 'float32', 22) as tf.Tensor1D;
      const up = tf.randomNormal([M, 8], 0, 1, 'float32', 23);
      const reference = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
        const [q, k, v] = tf.split(tf.add(tf.matMul(xx, ww), bb), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        return attentionReference(q, k, v, shape);
      };
      const fused = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => selfAttention(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D, shape);
      // Same computation from given q, k, v (the path adapters take).
      const split = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => {
        const [q, k, v] = tf.split(tf.add(tf.matMul(xx, ww), bb), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        return attention(q, k, v, shape);
      };
      const ref = reference(x, w, b);
      const gRef = tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(reference(p, q, r), up)))([x, w, b]);
      for (const f of [fused, split]) {
        expectClose(f(x, w, b), ref);
        const g = tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(f(p, q, r), up)))([x, w, b]);
        g.forEach((gi, i) => expectClose(gi, gRef[i]!));
      }
    });
  });

  it('whole-model gradients: custom ops equal plain autodiff', () => {
    const model = createViT({ imageSize: 28, channels: 1, patchSize: 7, dim: 16, depth: 2, heads: 2, mlpRatio: 4, numClasses: 10 }, { seed: 2, init: 'fan-in' });
    const vars = [...model.params()];
    tf.tidy(() => {
      const x = tf.randomUniform([6, 28, 28, 1], 0, 1, 'float32', 12);
      const y = tf.tensor1d([0, 1, 2, 3, 4, 5], 'int32');
      const run = () => tf.variableGrads(() => softmaxCrossEntropy(model.forward(x), y), vars.map(([, v]) => v));
      const custom = run();
      setCustomGradients(false);
      const plain = run();
      setCustomGradients(true);
      expect(custom.value.dataSync()[0]).toBeCloseTo(plain.value.dataSync()[0]!, 5);
      for (const [, v] of vars) expectClose(custom.grads[v.name]!, plain.grads[v.name]!, 1e-4);
    });
    model.dispose();
  });

  it('registered gradients agree with finite differences', () => {
    ensureGradients();
    tf.tidy(() => {
      // Exercises Slice, Concat, Transpose, Reshape, Softmax, SplitV, Mean, Sum, Sub, Mul, RealDiv, Rsqrt.
      const f = (t: tf.Tensor) => {
        const [p, q] = tf.split(tf.reshape(t, [4, 6]), 2, 1);
        const s = tf.softmax(tf.concat([tf.transpose(p!), tf.transpose(tf.slice(q!, [0, 1], [4, 2]))], 0));
        const m = tf.mean(tf.square(tf.sub(s, tf.mean(s, 0, true))), 1);
        return tf.sum(tf.div(tf.mul(m, tf.rsqrt(tf.add(tf.sum(tf.square(t)), 1))), 0.5));
      };
      const x0 = tf.randomNormal([24], 0, 1, 'float32', 13);
      const g = tf.grad(f)(x0).dataSync();
      const base = x0.dataSync();
      const eps = 1e-2;
      for (const i of [0, 5, 11, 17, 23]) {
        const plus = Float32Array.from(base);
        const minus = Float32Array.from(base);
        plus[i]! += eps;
        minus[i]! -= eps;
        const fd = (f(tf.tensor1d(plus)).dataSync()[0]! - f(tf.tensor1d(minus)).dataSync()[0]!) / (2 * eps);
        expect(Math.abs(fd - g[i]!)).toBeLessThan(2e-3 + 0.02 * Math.abs(fd));
      }
    });
  });
});
