import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdaptedModel,
  cayley64,
  cayleyMap,
  createViT,
  dense,
  greedySubsetSelection,
  initBackend,
  jacobiSvd,
  LoRAMatrix,
  loadMnist,
  mulberry32,
  softmaxCrossEntropy,
  SpectralMatrix,
  subsetDataset,
  svdReconstruct,
  tf,
  trainClassifier,
  uniform,
  vitPreset,
  type Dataset,
  type ViT,
  type ViTConfig,
} from '../src/index.js';

const tiny: ViTConfig = { ...vitPreset('vit-ti'), dim: 16, depth: 2, heads: 2 };
const D = tiny.dim;
const H = tiny.dim * tiny.mlpRatio;
/** [d_in, d_out] of each target in tfjs layout. */
const DIMS = { q: [D, D], k: [D, D], v: [D, D], proj: [D, D], fc1: [D, H], fc2: [H, D] } as const;

const bits = (t: tf.Tensor) => Array.from(t.dataSync());
const randn = (n: number, seed: number) => {
  const r = mulberry32(seed);
  return Float64Array.from({ length: n }, () => r() * 2 - 1);
};
const frob = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0));
const relErr = (a: ArrayLike<number>, b: ArrayLike<number>) => frob(Array.from(a, (x, i) => x - Number(b[i]))) / frob(b);
const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!);

describe('float64 linear algebra', () => {
  it('Jacobi SVD reconstructs random matrices (tall, wide, rank-deficient) with orthonormal factors', () => {
    for (const [m, n, seed] of [
      [12, 7, 1],
      [5, 9, 2],
      [16, 16, 3],
    ] as const) {
      const a = randn(m * n, seed);
      const svd = jacobiSvd(a, m, n);
      expect(svd.k).toBe(Math.min(m, n));
      expect(relErr(svdReconstruct(svd), a)).toBeLessThan(1e-13);
      for (let i = 1; i < svd.k; i++) expect(svd.s[i]!).toBeLessThanOrEqual(svd.s[i - 1]!);
      // UᵀU = VᵀV = I.
      for (const [f, rows] of [
        [svd.u, m],
        [svd.v, n],
      ] as const) {
        for (let p = 0; p < svd.k; p++) {
          for (let q = 0; q < svd.k; q++) {
            let dot = 0;
            for (let i = 0; i < rows; i++) dot += f[i * svd.k + p]! * f[i * svd.k + q]!;
            expect(Math.abs(dot - (p === q ? 1 : 0))).toBeLessThan(1e-12);
          }
        }
      }
    }
    // Rank 2 (outer products): two non-zero singular values, still reconstructed.
    const m = 8;
    const n = 6;
    const u1 = randn(m, 4);
    const v1 = randn(n, 5);
    const u2 = randn(m, 6);
    const v2 = randn(n, 7);
    const a = Float64Array.from({ length: m * n }, (_, i) => 3 * u1[Math.floor(i / n)]! * v1[i % n]! + u2[Math.floor(i / n)]! * v2[i % n]!);
    const svd = jacobiSvd(a, m, n);
    expect(relErr(svdReconstruct(svd), a)).toBeLessThan(1e-13);
    expect(svd.s[2]! / svd.s[0]!).toBeLessThan(1e-12);
    expect(relErr(svdReconstruct(svd, 2), a)).toBeLessThan(1e-13);
  });

  it('Cayley(P) is orthogonal for random P, the identity at P = 0, and its custom gradient matches finite differences', async () => {
    await initBackend();
    const r = 5;
    const baseline = tf.memory().numTensors;
    const p = tf.tensor2d(Float32Array.from(randn(r * r, 11), (x) => x * 1.5), [r, r]);
    const err = tf.tidy(() => {
      const q = cayleyMap(p);
      return tf.norm(tf.sub(tf.matMul(tf.transpose(q), q), tf.eye(r))).dataSync()[0]!;
    });
    expect(err).toBeLessThan(1e-5);
    const [q0, eye] = tf.tidy(() => [bits(cayleyMap(tf.zeros([r, r]) as tf.Tensor2D)), bits(tf.eye(r))]);
    expect(q0).toEqual(eye);
    // L = Σ R⊙Q: analytic ∂L/∂P against central differences of the float64 map.
    const R = randn(r * r, 12);
    const rT = tf.tensor2d(Float32Array.from(R), [r, r]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(cayleyMap(x as tf.Tensor2D), rT)))(p);
    const analytic = g.dataSync();
    const p64 = Float64Array.from(p.dataSync());
    const L = (pp: Float64Array) => cayley64(pp, r).q.reduce((s, x, i) => s + x * R[i]!, 0);
    const h = 1e-6;
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < r * r; i++) {
      const plus = p64.slice();
      const minus = p64.slice();
      plus[i]! += h;
      minus[i]! -= h;
      const fd = (L(plus) - L(minus)) / (2 * h);
      maxDiff = Math.max(maxDiff, Math.abs(fd - analytic[i]!));
      maxAbs = Math.max(maxAbs, Math.abs(fd));
    }
    expect(maxAbs).toBeGreaterThan(0.1);
    expect(maxDiff / maxAbs).toBeLessThan(1e-4);
    tf.dispose([p, rT, g]);
    expect(tf.memory().numTensors).toBe(baseline);
  });
});

describe('adapted models', () => {
  let base: ViT;
  let x: tf.Tensor4D;
  let data: Dataset;

  beforeAll(async () => {
    await initBackend();
    base = createViT(tiny, { seed: 3, init: 'fan-in' });
    const split = loadMnist({ seed: 0 });
    data = subsetDataset(split.train, 64, 1);
    x = tf.tensor4d(data.images.slice(0, 6 * 784), [6, 28, 28, 1]);
  });

  it('LoRA at initialisation: features bit-equal to the base, logits = a plain head on the base features', () => {
    const baseline = tf.memory().numTensors;
    const m = new AdaptedModel(base, { method: 'lora', numClasses: 3, seed: 1, lora: { rank: 4, alpha: 8, targets: ['q', 'k', 'v', 'proj', 'fc1', 'fc2'] } });
    const f0 = base.features(x);
    const f1 = m.features(x);
    expect(bits(f1)).toEqual(bits(f0));
    const y = m.forward(x);
    const p = m.params();
    const yRef = dense(f0, p.get('ft_head.weight') as tf.Tensor2D, p.get('ft_head.bias') as tf.Tensor1D);
    expect(y.shape).toEqual([6, 3]);
    expect(bits(y)).toEqual(bits(yRef));
    tf.dispose([f0, f1, y, yRef]);
    m.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('LoRA: names, trainable counts r(d_in + d_out) per matrix, ∂L/∂A = 0 and ∂L/∂B ≠ 0 at step 0', () => {
    const baseline = tf.memory().numTensors;
    const r = 4;
    const targets = ['q', 'v', 'fc1', 'fc2'] as const;
    const m = new AdaptedModel(base, { method: 'lora', numClasses: 2, lora: { rank: r, alpha: 8, targets: [...targets] } });
    const names = m.trainableNames();
    expect(names).toContain('blocks.1.attn.qkv.lora_A.q');
    expect(names).toContain('blocks.0.attn.qkv.lora_B.v');
    expect(names).not.toContain('blocks.0.attn.qkv.lora_A.k');
    expect(names).toContain('blocks.0.mlp.fc1.lora_A');
    expect(names).toContain('ft_head.weight');
    expect(names.some((n) => n.endsWith('.weight') && !n.startsWith('ft_head'))).toBe(false);
    expect(m.params().get('blocks.0.attn.qkv.lora_A.q')!.shape).toEqual([D, r]);
    expect(m.params().get('blocks.0.attn.qkv.lora_B.q')!.shape).toEqual([r, D]);
    const perBlock = targets.reduce((s, t) => s + r * (DIMS[t][0] + DIMS[t][1]), 0);
    expect(m.countTrainable()).toBe(tiny.depth * perBlock + D * 2 + 2);
    expect(m.countParams()).toBe(base.countParams() - (D * 10 + 10) + tiny.depth * perBlock + D * 2 + 2);
    // A ~ U(±1/√d_in), B = 0.
    const a = m.params().get('blocks.0.mlp.fc2.lora_A')!.dataSync();
    expect(Math.max(...Array.from(a, Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(H));
    expect(Math.max(...Array.from(a, Math.abs))).toBeGreaterThan(0.5 / Math.sqrt(H));
    const labels = tf.tensor1d([0, 1, 1, 0, 1, 0], 'int32');
    const adapterVars = [...m.adapterParams()];
    const { value: loss, grads } = tf.variableGrads(() => softmaxCrossEntropy(m.forward(x), labels), adapterVars.map(([, v]) => v));
    for (const [name, v] of adapterVars) {
      const g = grads[v.name]!.dataSync();
      const maxAbs = Math.max(...Array.from(g, Math.abs));
      if (name.includes('lora_A')) expect(maxAbs, name).toBe(0);
      else expect(maxAbs, name).toBeGreaterThan(0);
    }
    tf.dispose([loss, ...Object.values(grads)]);
    labels.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('LoRA: merged = unmerged (< 1e-5) and the exported ViT has the new head; dropout only in training', async () => {
    const baseline = tf.memory().numTensors;
    const m = new AdaptedModel(base, { method: 'lora', numClasses: 4, seed: 2, lora: { rank: 2, alpha: 4, dropout: 0.3, targets: ['q', 'k', 'proj', 'fc2'] } });
    // Move B away from 0 so the update matters.
    const moved = new Map<string, Float32Array>();
    let s = 0;
    for (const [n, v] of m.adapterParams()) if (n.includes('lora_B')) moved.set(n, uniform(v.size, 0.5, mulberry32(++s)));
    m.setParamValues(moved);
    const f0 = base.features(x);
    const f1 = m.features(x);
    expect(relErr(f1.dataSync(), f0.dataSync())).toBeGreaterThan(1e-3);
    const y = m.forward(x);
    const exported = (await m.export()) as ViT;
    expect(exported.config).toEqual({ ...tiny, numClasses: 4 });
    const y2 = exported.forward(x);
    expect(maxAbsDiff(y, y2)).toBeLessThan(1e-5);
    // The merged weight is W0 + (α/r)·Aᵀ·Bᵀ; every other weight is the base's.
    const w = await exported.getWeights();
    const bw = await base.getWeights();
    const p = m.params();
    const a = p.get('blocks.1.attn.proj.lora_A')!;
    const b = p.get('blocks.1.attn.proj.lora_B')!;
    const expected = tf.tidy(() => tf.add(tf.tensor2d(bw.get('blocks.1.attn.proj.weight')!, [D, D]), tf.mul(tf.matMul(a, b), 2)).dataSync());
    expect(relErr(w.get('blocks.1.attn.proj.weight')!, expected)).toBeLessThan(1e-6);
    expect(w.get('blocks.0.mlp.fc1.weight')).toEqual(bw.get('blocks.0.mlp.fc1.weight'));
    expect(w.get('head.weight')).toEqual(p.get('ft_head.weight')!.dataSync());
    // Dropout: training passes differ from each other and from eval; eval is deterministic.
    m.training = true;
    const t1 = m.forward(x);
    const t2 = m.forward(x);
    m.training = false;
    const e2 = m.forward(x);
    expect(bits(e2)).toEqual(bits(y));
    expect(bits(t1)).not.toEqual(bits(y));
    expect(bits(t1)).not.toEqual(bits(t2));
    expect(m.trainingSteps).toBe(2);
    tf.dispose([f0, f1, y, y2, t1, t2, e2]);
    exported.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('Spectral additive: W reconstructs W₀ at initialisation, both factors get gradients, counts r(d_in + d_out)', async () => {
    const baseline = tf.memory().numTensors;
    const r = 3;
    const m = new AdaptedModel(base, { method: 'spectral', numClasses: 2, spectral: { rank: r, variant: 'additive', targets: ['q', 'k', 'v', 'proj', 'fc1', 'fc2'] } });
    const perBlock = Object.values(DIMS).reduce((s, [i, o]) => s + r * (i + o), 0);
    expect(m.countTrainable()).toBe(tiny.depth * perBlock + D * 2 + 2);
    expect(m.params().get('blocks.0.attn.qkv.spectral_dU.k')!.shape).toEqual([D, r]);
    expect(m.params().get('blocks.0.mlp.fc1.spectral_dV')!.shape).toEqual([D, r]);
    const bw = await base.getWeights();
    // Top-r part (float32 factors) + W_rest (float64) reconstructs W₀, and the forward's weight is W₀ exactly.
    const ad = m.adaptersOf('blocks.1.mlp.fc1.weight')!;
    const sm = ad.slices[0] as SpectralMatrix;
    const top = tf.tidy(() => tf.matMul(tf.mul(sm.vr, sm.sr), sm.urT).dataSync());
    const recon = Array.from(top, (v, i) => v + sm.rest[i]!);
    const w0 = bw.get('blocks.1.mlp.fc1.weight')!;
    expect(relErr(recon, w0)).toBeLessThan(1e-5);
    const w0t = tf.tensor2d(w0, [D, H]);
    const eff = ad.effectiveWeight(w0t);
    expect(bits(eff)).toEqual(Array.from(w0));
    // qkv: each column block has its own SVD.
    const qkv = m.adaptersOf('blocks.0.attn.qkv.weight')!;
    const qkv0 = bw.get('blocks.0.attn.qkv.weight')!;
    const vBlock = Float32Array.from({ length: D * D }, (_, i) => qkv0[Math.floor(i / D) * 3 * D + 2 * D + (i % D)]!);
    const svd = jacobiSvd(vBlock, D, D);
    expect(Array.from((qkv.slices[2] as SpectralMatrix).singularValues)).toEqual(Array.from(svd.s));
    const f0 = base.features(x);
    const f1 = m.features(x);
    expect(bits(f1)).toEqual(bits(f0));
    const labels = tf.tensor1d([0, 1, 1, 0, 1, 0], 'int32');
    const vars = [...m.adapterParams()];
    const { value: loss, grads } = tf.variableGrads(() => softmaxCrossEntropy(m.forward(x), labels), vars.map(([, v]) => v));
    for (const [name, v] of vars) expect(Math.max(...Array.from(grads[v.name]!.dataSync(), Math.abs)), name).toBeGreaterThan(0);
    tf.dispose([w0t, eff, f0, f1, labels, loss, ...Object.values(grads)]);
    m.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('Spectral rotation: 2r² trainable per matrix, W = W₀ at P = 0, rotated W keeps W₀’s singular values', async () => {
    const baseline = tf.memory().numTensors;
    const r = 4;
    const targets = ['v', 'proj', 'fc1'] as const;
    const m = new AdaptedModel(base, { method: 'spectral', numClasses: 2, spectral: { rank: r, variant: 'rotation', targets: [...targets] } });
    expect(m.countTrainable()).toBe(tiny.depth * targets.length * 2 * r * r + D * 2 + 2);
    expect(m.params().get('blocks.1.attn.qkv.spectral_PU.v')!.shape).toEqual([r, r]);
    const f0 = base.features(x);
    const f1 = m.features(x);
    expect(bits(f1)).toEqual(bits(f0));
    // Random rotations.
    const values = new Map<string, Float32Array>();
    let s = 100;
    for (const [n, v] of m.adapterParams()) values.set(n, uniform(v.size, 1, mulberry32(++s)));
    m.setParamValues(values);
    const bw = await base.getWeights();
    for (const [name, rows, cols] of [
      ['blocks.0.mlp.fc1.weight', D, H],
      ['blocks.1.attn.proj.weight', D, D],
    ] as const) {
      const w0 = bw.get(name)!;
      const w0t = tf.tensor2d(w0, [rows, cols]);
      const eff = m.adaptersOf(name)!.effectiveWeight(w0t);
      const rotated = eff.dataSync();
      expect(relErr(rotated, w0)).toBeGreaterThan(1e-2);
      const s0 = jacobiSvd(w0, rows, cols).s;
      const s1 = jacobiSvd(rotated, rows, cols).s;
      expect(relErr(s1, s0)).toBeLessThan(1e-5);
      tf.dispose([w0t, eff]);
    }
    const exported = (await m.export()) as ViT;
    const y = m.forward(x);
    const y2 = exported.forward(x);
    expect(maxAbsDiff(y, y2)).toBeLessThan(1e-5);
    tf.dispose([f0, f1, y, y2]);
    exported.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('linear probe trains only the head: every backbone weight stays byte-identical', async () => {
    const baseline = tf.memory().numTensors;
    const before = await base.getWeights();
    const m = new AdaptedModel(base, { method: 'linear-probe', numClasses: 10, seed: 5 });
    expect(m.trainableNames()).toEqual(['ft_head.weight', 'ft_head.bias']);
    const head0 = m.params().get('ft_head.weight')!.dataSync().slice();
    await trainClassifier({ model: m, data, batchSize: 16, steps: 5, learningRate: 1e-2, weightDecay: 0.05, seed: 0, trainable: (n) => m.isTrainable(n) });
    expect(m.params().get('ft_head.weight')!.dataSync()).not.toEqual(head0);
    const exported = (await m.export()) as ViT;
    const after = await exported.getWeights();
    for (const [n, v] of before) if (!n.startsWith('head.')) expect(Buffer.from(after.get(n)!.buffer).equals(Buffer.from(v.buffer)), n).toBe(true);
    const mine = await m.getParamValues([...m.params().keys()].filter((n) => !n.startsWith('ft_head')));
    for (const [n, v] of mine) expect(Buffer.from(v.buffer).equals(Buffer.from(before.get(n)!.buffer)), n).toBe(true);
    // The base itself is never touched either.
    const baseAfter = await base.getWeights();
    for (const [n, v] of before) expect(baseAfter.get(n)).toEqual(v);
    exported.dispose();
    m.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('SubTuning units and trainable sets; full trains everything', () => {
    const st = new AdaptedModel(base, { method: 'subtuning', numClasses: 2, subset: ['blocks.1'] });
    expect(st.units).toEqual(['blocks.0', 'blocks.1']);
    const names = st.trainableNames();
    expect(names.every((n) => n.startsWith('blocks.1.') || n.startsWith('ft_head.'))).toBe(true);
    expect(names).toContain('blocks.1.norm1.weight');
    expect(names).toContain('blocks.1.mlp.fc2.bias');
    expect(() => new AdaptedModel(base, { method: 'subtuning', numClasses: 2, subset: ['blocks.7'] })).toThrow(/unknown unit/);
    st.dispose();
    const full = new AdaptedModel(base, { method: 'full', numClasses: 2 });
    expect(full.countTrainable()).toBe(full.countParams());
    full.dispose();
    expect(() => new AdaptedModel(base, { method: 'lora', numClasses: 2, lora: { targets: ['qq' as never] } })).toThrow(/unknown adapter target/);
  });
});

describe('LoRA and Spectral matrices', () => {
  it('LoRA delta is (α/r)·Aᵀ·Bᵀ and the spectral matrix validates its rank', async () => {
    await initBackend();
    const l = new LoRAMatrix({ dimIn: 6, dimOut: 4, rank: 2, alpha: 6, seed: 0, label: 't' });
    expect(l.scale).toBe(3);
    expect(tf.tidy(() => bits(l.delta()))).toEqual(new Array(24).fill(0));
    l.dispose();
    expect(() => new SpectralMatrix({ dimIn: 3, dimOut: 5, rank: 4, variant: 'additive', weight: new Float32Array(15) })).toThrow(/rank/);
  });
});

describe('SubTuning greedy selection (mocked evaluate)', () => {
  const table = (entries: Record<string, number>) => {
    const calls: string[] = [];
    return {
      calls,
      evaluate: async (s: string[]) => {
        const k = s.join(',');
        calls.push(k);
        if (!(k in entries)) throw new Error(`no entry for [${k}]`);
        return entries[k]!;
      },
    };
  };
  const units = ['a', 'b', 'c', 'd'];

  it("start 'non': continues while a round stays within ε of the best, stops below best − ε, returns the best set", async () => {
    const t = table({
      '': 0.5,
      a: 0.6,
      b: 0.7,
      c: 0.7, // tie with b: the first unit wins
      d: 0.55,
      'a,b': 0.69,
      'b,c': 0.695, // round 2 best 0.695: not > 0.7 but within ε = 0.01 → continue
      'b,d': 0.65,
      'a,b,c': 0.68, // round 3 best 0.68 < 0.7 − 0.01 → stop
      'b,c,d': 0.6,
    });
    const r = await greedySubsetSelection({ units, start: 'non', epsilon: 0.01, evaluate: t.evaluate });
    expect(r.chosen).toEqual(['b']);
    expect(r.best).toBe(0.7);
    expect(r.start).toBe('non');
    expect(t.calls).toEqual(['', 'a', 'b', 'c', 'd', 'a,b', 'b,c', 'b,d', 'a,b,c', 'b,c,d']);
    expect(r.candidates.map((c) => c.round)).toEqual([0, 1, 1, 1, 1, 2, 2, 2, 3, 3]);
  });

  it("start 'non': a later strict improvement becomes the best, and the search runs at most |units| rounds", async () => {
    const t = table({ '': 0.5, a: 0.6, b: 0.59, c: 0.58, d: 0.57, 'a,b': 0.595, 'a,c': 0.59, 'a,d': 0.5, 'a,b,c': 0.65, 'a,b,d': 0.6, 'a,b,c,d': 0.66 });
    const r = await greedySubsetSelection({ units, start: 'non', epsilon: 0.01, evaluate: t.evaluate });
    expect(r.chosen).toEqual(['a', 'b', 'c', 'd']);
    expect(r.best).toBe(0.66);
    expect(t.calls.length).toBe(1 + 4 + 3 + 2 + 1);
  });

  it("start 'all': removes units, continues within ε, stops below best − ε", async () => {
    const t = table({
      'a,b,c,d': 0.8,
      'b,c,d': 0.75,
      'a,c,d': 0.81,
      'a,b,d': 0.79,
      'a,b,c': 0.7,
      'c,d': 0.805, // round 2 best 0.805: within ε of 0.81 → continue
      'a,d': 0.8,
      'a,c': 0.78,
      d: 0.79, // round 3 best 0.79 < 0.81 − 0.01 → stop
      c: 0.6,
    });
    const r = await greedySubsetSelection({ units, start: 'all', epsilon: 0.01, evaluate: t.evaluate });
    expect(r.chosen).toEqual(['a', 'c', 'd']);
    expect(r.best).toBe(0.81);
    expect(r.start).toBe('all');
    expect(t.calls).toEqual(['a,b,c,d', 'b,c,d', 'a,c,d', 'a,b,d', 'a,b,c', 'c,d', 'a,d', 'a,c', 'd', 'c']);
  });

  it("start 'best' evaluates both start sets and searches from the better one", async () => {
    const t = table({ 'a,b': 0.9, '': 0.4, a: 0.7, b: 0.95 });
    const r = await greedySubsetSelection({ units: ['a', 'b'], start: 'best', epsilon: 0.01, evaluate: t.evaluate });
    // Round 2 removes b as well: ∅ (0.4) is below best − ε, so the search stops.
    expect(t.calls).toEqual(['a,b', '', 'b', 'a', '']);
    expect(r.start).toBe('all');
    expect(r.chosen).toEqual(['b']);
    expect(r.best).toBe(0.95);
  });
});
