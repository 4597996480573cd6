import { beforeAll, describe, expect, it } from 'vitest';
import {
  createViT,
  fitAffineLeastSquares,
  initBackend,
  mulberry32,
  permutation,
  recordBlockOutputs,
  SNNet,
  tf,
  ViT,
  type ViTConfig,
} from '../src/index.js';

const gauss = (rand: () => number) => {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
};

/** A ReLU MLP in float64: x → relu(xW1+b1) → relu(·W2+b2) → ·W3+b3; returns every activation. */
interface Mlp {
  W: Float64Array[];
  b: Float64Array[];
  dims: number[];
}

function mlpForward(m: Mlp, x: Float64Array, rows: number): Float64Array[] {
  const acts: Float64Array[] = [x];
  let h = x;
  for (let l = 0; l < m.W.length; l++) {
    const din = m.dims[l]!;
    const dout = m.dims[l + 1]!;
    const out = new Float64Array(rows * dout);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < dout; o++) {
        let s = m.b[l]![o]!;
        for (let i = 0; i < din; i++) s += h[r * din + i]! * m.W[l]![i * dout + o]!;
        out[r * dout + o] = l < m.W.length - 1 ? Math.max(0, s) : s;
      }
    }
    acts.push(out);
    h = out;
  }
  return acts;
}

/** B = A with the hidden units of every layer permuted and positively scaled (exact ReLU symmetry). */
function permuteScale(a: Mlp, rand: () => number): { b: Mlp; perms: Int32Array[]; scales: Float64Array[] } {
  const L = a.W.length;
  const perms: Int32Array[] = [];
  const scales: Float64Array[] = [];
  for (let l = 0; l < L - 1; l++) {
    const d = a.dims[l + 1]!;
    perms.push(permutation(d, rand));
    scales.push(Float64Array.from({ length: d }, () => 0.5 + 2 * rand()));
  }
  const W: Float64Array[] = [];
  const b: Float64Array[] = [];
  for (let l = 0; l < L; l++) {
    const din = a.dims[l]!;
    const dout = a.dims[l + 1]!;
    const w = new Float64Array(din * dout);
    const bb = new Float64Array(dout);
    // New unit o' = perm[o'] of the old layer, scaled by s[o']; inputs undo the previous layer's map.
    for (let o = 0; o < dout; o++) {
      const src = l < L - 1 ? perms[l]![o]! : o;
      const s = l < L - 1 ? scales[l]![o]! : 1;
      bb[o] = a.b[l]![src]! * s;
      for (let i = 0; i < din; i++) {
        const srcIn = l > 0 ? perms[l - 1]![i]! : i;
        const sIn = l > 0 ? scales[l - 1]![i]! : 1;
        w[i * dout + o] = (a.W[l]![srcIn * dout + src]! / sIn) * s;
      }
    }
    W.push(w);
    b.push(bb);
  }
  return { b: { W, b, dims: a.dims }, perms, scales };
}

function randomMlp(dims: number[], rand: () => number, deadUnits = 0): Mlp {
  const W: Float64Array[] = [];
  const b: Float64Array[] = [];
  for (let l = 0; l + 1 < dims.length; l++) {
    W.push(Float64Array.from({ length: dims[l]! * dims[l + 1]! }, () => gauss(rand) / Math.sqrt(dims[l]!)));
    const bias = Float64Array.from({ length: dims[l + 1]! }, () => 0.1 * gauss(rand));
    // Dead ReLU units: a large negative bias keeps them at 0 for every input.
    if (l === 0) for (let u = 0; u < deadUnits; u++) bias[u] = -100;
    b.push(bias);
  }
  return { W, b, dims };
}

describe('least-squares stitching initialisation', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('is exact between MLPs related by a permuted, positively scaled ReLU symmetry; stitched logits equal B’s', () => {
    const rand = mulberry32(21);
    const dims = [10, 16, 12, 4];
    const A = randomMlp(dims, rand);
    const { b: B } = permuteScale(A, rand);
    const rows = 200; // ≥ D_in + 1
    const x = Float64Array.from({ length: rows * dims[0]! }, () => gauss(rand));
    const actA = mlpForward(A, x, rows);
    const actB = mlpForward(B, x, rows);
    for (const layer of [1, 2]) {
      // Activations arrive as float32 from tfjs.
      const X = Float32Array.from(actA[layer]!);
      const Y = Float32Array.from(actB[layer]!);
      for (const method of ['qr', 'ridge'] as const) {
        const fit = fitAffineLeastSquares(X, Y, rows, dims[layer]!, dims[layer]!, { method });
        expect(fit.residual / fit.centredNorm).toBeLessThan(1e-4);
        // Stitch: A up to `layer`, the fitted layer, then B's remaining layers.
        const stitched = new Float64Array(rows * dims[layer]!);
        const d = dims[layer]!;
        for (let r = 0; r < rows; r++) {
          for (let o = 0; o < d; o++) {
            let s = fit.bias[o]!;
            for (let i = 0; i < d; i++) s += actA[layer]![r * d + i]! * fit.weight[i * d + o]!;
            stitched[r * d + o] = s;
          }
        }
        const rest: Mlp = { W: B.W.slice(layer), b: B.b.slice(layer), dims: B.dims.slice(layer) };
        const logits = mlpForward(rest, stitched, rows).at(-1)!;
        const ref = actB.at(-1)!;
        let err = 0;
        let scale = 0;
        for (let i = 0; i < ref.length; i++) {
          err = Math.max(err, Math.abs(logits[i]! - ref[i]!));
          scale = Math.max(scale, Math.abs(ref[i]!));
        }
        expect(err / scale).toBeLessThan(1e-4);
      }
    }
  });

  it('with dead ReLU units W is not unique, but the residual is still zero', () => {
    const rand = mulberry32(5);
    const dims = [8, 16, 4];
    const A = randomMlp(dims, rand, 4);
    const { b: B } = permuteScale(A, rand);
    const rows = 100;
    const x = Float64Array.from({ length: rows * 8 }, () => gauss(rand));
    const X = Float32Array.from(mlpForward(A, x, rows)[1]!);
    const Y = Float32Array.from(mlpForward(B, x, rows)[1]!);
    const fit = fitAffineLeastSquares(X, Y, rows, 16, 16);
    expect(fit.rank).toBe(12);
    expect(fit.residual / fit.centredNorm).toBeLessThan(1e-4);
  });

  it('never does worse than the best constant: residual ≤ ‖Y − mean(Y)‖_F', () => {
    const rand = mulberry32(8);
    for (let t = 0; t < 10; t++) {
      const rows = 30 + Math.floor(rand() * 50);
      const dIn = 1 + Math.floor(rand() * 12);
      const dOut = 1 + Math.floor(rand() * 12);
      const X = Float32Array.from({ length: rows * dIn }, () => gauss(rand));
      const Y = Float32Array.from({ length: rows * dOut }, () => gauss(rand) + 3);
      for (const method of ['qr', 'ridge'] as const) {
        const fit = fitAffineLeastSquares(X, Y, rows, dIn, dOut, { method });
        expect(fit.residual).toBeLessThanOrEqual(fit.centredNorm * (1 + 1e-9));
      }
    }
  });

  it('identical ViT anchors give W = I and b = 0 at every (j, j+1) position before v1 averaging', async () => {
    const config: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 16, depth: 3, heads: 2, mlpRatio: 2, numClasses: 10 };
    const a = createViT(config, { seed: 4, init: 'fan-in' });
    const images = tf.randomUniform([12, 28, 28, 1], 0, 1, 'float32', 1);
    const rec = await recordBlockOutputs(a, images);
    const rows = 12 * 17;
    for (let j = 0; j + 1 < config.depth; j++) {
      // Position (j, j+1): X = output of block j, Y = input of block j+1 = the same tensor.
      const fit = fitAffineLeastSquares(rec[j + 1]!, rec[j + 1]!, rows, 16, 16);
      let maxW = 0;
      for (let i = 0; i < 16; i++) for (let o = 0; o < 16; o++) maxW = Math.max(maxW, Math.abs(fit.weight[i * 16 + o]! - (i === o ? 1 : 0)));
      expect(maxW).toBeLessThan(1e-4);
      expect(Math.max(...Array.from(fit.bias, Math.abs))).toBeLessThan(1e-4);
    }
    // Through the SNNet: the (j, j+1) fits of two identical anchors are exact.
    const b = new ViT(config, { weights: await a.getWeights() });
    const net = new SNNet([a, b], { method: 'v1' });
    const report = await net.initializeStitching(images);
    for (const l of report.layers) {
      for (const f of l.fits) {
        expect(f.relativeResidual).toBeLessThanOrEqual(1 + 1e-9);
        if (f.position[1] === f.position[0] + 1) expect(f.relativeResidual).toBeLessThan(1e-4);
      }
    }
    images.dispose();
    net.dispose();
  });

  it('a ViT whose residual stream is a permutation of another’s is stitched exactly (W = P, logits = B’s)', async () => {
    const config: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 16, depth: 3, heads: 2, mlpRatio: 2, numClasses: 10 };
    const a = createViT(config, { seed: 9, init: 'fan-in' });
    const wa = await a.getWeights();
    for (const [n, v] of wa) for (let i = 0; i < v.length; i++) v[i]! += 0.1 * Math.sin(3 * i + n.length);
    a.setWeights(wa);
    const rand = mulberry32(77);
    const P = permutation(16, rand); // new dim d holds old dim P[d]
    const H = permutation(32, rand); // MLP hidden units too
    const wb = new Map<string, Float32Array>();
    const D = 16;
    for (const [n, v] of wa) {
      const out = new Float32Array(v.length);
      const permLast = (cols: number, p: Int32Array) => {
        for (let r = 0; r < v.length / cols; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = v[r * cols + p[c]!]!;
      };
      const permRows = (cols: number, p: Int32Array) => {
        for (let r = 0; r < p.length; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = v[p[r]! * cols + c]!;
      };
      if (/qkv\.weight$/.test(n)) permRows(3 * D, P);
      else if (/fc1\.weight$/.test(n)) {
        const tmp = new Float32Array(v.length);
        for (let r = 0; r < D; r++) for (let c = 0; c < 32; c++) tmp[r * 32 + c] = v[P[r]! * 32 + H[c]!]!;
        out.set(tmp);
      } else if (/fc1\.bias$/.test(n)) permLast(32, H);
      else if (/fc2\.weight$/.test(n)) {
        for (let r = 0; r < 32; r++) for (let c = 0; c < D; c++) out[r * D + c] = v[H[r]! * D + P[c]!]!;
      } else if (/head\.weight$/.test(n)) permRows(10, P);
      else if (/qkv\.bias$|head\.bias$/.test(n)) out.set(v);
      else permLast(D, P); // patch embedding, CLS, position embedding, norms, proj, fc2 bias
      wb.set(n, out);
    }
    const b = new ViT(config, { weights: wb });
    const images = tf.randomUniform([10, 28, 28, 1], 0, 1, 'float32', 6);
    const ya = a.forward(images);
    const yb = b.forward(images);
    const close = tf.tidy(() => tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0]!);
    expect(close).toBeLessThan(1e-4);

    // v2 over the two (equal width and depth): SL_j is fitted from its single position (j, j+1).
    const net = new SNNet([a, b], { method: 'v2', lora: false });
    const report = await net.initializeStitching(images);
    for (const l of report.layers) for (const f of l.fits) expect(f.relativeResidual).toBeLessThan(1e-4);
    const w = net.layer('SL_0').weight.dataSync();
    for (let i = 0; i < D; i++) for (let o = 0; o < D; o++) expect(Math.abs(w[i * D + o]! - (P[o] === i ? 1 : 0))).toBeLessThan(1e-3);
    for (const c of net.configurations().filter((k) => k.kind === 'stitch')) {
      const y = net.forward(images, c.id);
      const end = c.segments.at(-1)!.anchor === 1 ? yb : ya;
      const err = tf.tidy(() => tf.max(tf.abs(tf.sub(y, end))).dataSync()[0]! / tf.max(tf.abs(end)).dataSync()[0]!);
      expect(err).toBeLessThan(1e-3);
      y.dispose();
    }
    tf.dispose([images, ya, yb]);
    net.dispose();
  });
});
