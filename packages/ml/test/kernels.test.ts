import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AdamW,
  gelu,
  hasFusedKernel,
  initBackend,
  LAYER_NORM,
  layerNorm,
  setFusedKernelsDisabled,
  setSimdKernelsDisabled,
  tf,
  wasmSimdAvailable,
  type BackendName,
} from '../src/index.js';

/** Runs `f` with the fused kernels as SIMD (wasm), as JavaScript loops, and off (op chains). */
function variants<T>(f: () => T): { simd: T; js: T; ops: T } {
  try {
    const simd = f();
    setSimdKernelsDisabled(true);
    const js = f();
    setFusedKernelsDisabled(true);
    const ops = f();
    return { simd, js, ops };
  } finally {
    setSimdKernelsDisabled(false);
    setFusedKernelsDisabled(false);
  }
}

const values = (ts: tf.Tensor[]) => ts.map((t) => Array.from(t.dataSync()));

function maxRelDiff(a: number[][], b: number[][]): number {
  let m = 0;
  a.forEach((arr, k) => arr.forEach((v, i) => (m = Math.max(m, Math.abs(v - b[k]![i]!) / Math.max(1, Math.abs(b[k]![i]!))))));
  return m;
}

/** AdamW as the plain op chain of tfjs's own Adam (after a decoupled decay), for reference. */
function referenceAdamW(named: Array<[string, tf.Variable]>, lr: number, wd: number) {
  const opt = tf.train.adam(lr, 0.9, 0.999, 1e-8);
  return {
    step(grads: tf.NamedTensorMap, stepLr: number) {
      (opt as unknown as { learningRate: number }).learningRate = stepLr;
      for (const [name, v] of named) if (v.rank >= 2 && !name.endsWith('cls_token')) v.assign(tf.mul(v, 1 - stepLr * wd));
      opt.applyGradients(named.map(([, v]) => ({ name: v.name, tensor: grads[v.name] ?? tf.zerosLike(v) })));
    },
    dispose: () => opt.dispose(),
  };
}

describe.each(['wasm', 'cpu'] as BackendName[])('fused kernels on %s', (backend) => {
  let baseline: number;
  beforeAll(async () => {
    await initBackend(backend);
    baseline = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('are registered, as WebAssembly SIMD on wasm', () => {
    expect(hasFusedKernel(LAYER_NORM)).toBe(true);
    expect(wasmSimdAvailable()).toBe(backend === 'wasm');
  });

  it('AdamW: fused updates equal the op chain of tfjs Adam bit for bit', () => {
    const shapes = [[7, 5], [5], [3, 4], [1, 1, 6]];
    const make = () => shapes.map((s, i) => [i === 3 ? 'x.cls_token' : `p${i}.weight`, tf.tidy(() => tf.variable(tf.randomNormal(s, 0, 1, 'float32', i + 1)))] as [string, tf.Variable]);
    const run = (useReference: boolean) => {
      const named = make();
      const opt = useReference ? referenceAdamW(named, 0.01, 0.05) : new AdamW(named, { learningRate: 0.01, weightDecay: 0.05 });
      for (let s = 0; s < 12; s++) {
        tf.tidy(() => {
          const grads: tf.NamedTensorMap = {};
          // Every third step one parameter has no gradient (a zero gradient: momentum keeps moving it).
          named.forEach(([, v], i) => {
            if (s % 3 !== i) grads[v.name] = tf.randomNormal(v.shape, 0, 1, 'float32', 100 + 7 * s + i);
          });
          opt.step(grads, 0.01 * (1 + Math.cos(s)));
        });
      }
      const out = values(named.map(([, v]) => v));
      opt.dispose();
      tf.dispose(named.map(([, v]) => v));
      return out;
    };
    const reference = run(true);
    const { simd, js, ops } = variants(() => run(false));
    expect(simd).toEqual(reference);
    expect(js).toEqual(reference);
    expect(ops).toEqual(reference);
  });

  it('GELU: fused forward and gradient equal the op chain bit for bit', () => {
    const z = tf.linspace(-6, 6, 243);
    const up = tf.randomNormal([243], 0, 1, 'float32', 3);
    const { simd, js, ops } = variants(() => tf.tidy(() => values([gelu(z), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gelu(t), up)))(z)])));
    expect(simd).toEqual(ops);
    expect(js).toEqual(ops);
    tf.dispose([z, up]);
  });

  it('LayerNorm: fused forward and gradients agree with the op chain to float32 rounding', () => {
    for (const d of [8, 13, 64]) {
      const x = tf.randomNormal([37, d], 0.5, 2, 'float32', d);
      const g = tf.randomNormal([d], 1, 0.3, 'float32', d + 1);
      const b = tf.randomNormal([d], 0, 0.3, 'float32', d + 2);
      const up = tf.randomNormal([37, d], 0, 1, 'float32', d + 3);
      const { simd, js, ops } = variants(() =>
        tf.tidy(() =>
          values([
            layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D),
            ...tf.grads((p: tf.Tensor, q: tf.Tensor, r: tf.Tensor) => tf.sum(tf.mul(layerNorm(p as tf.Tensor2D, q as tf.Tensor1D, r as tf.Tensor1D), up)))([x, g, b]),
          ]),
        ),
      );
      expect(maxRelDiff(simd, ops)).toBeLessThan(2e-6);
      expect(maxRelDiff(js, ops)).toBeLessThan(2e-6);
      tf.dispose([x, g, b, up]);
    }
  });
});
