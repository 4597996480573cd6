import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockMacs,
  blockParamCount,
  createViT,
  embedMacs,
  headMacs,
  initBackend,
  numTokens,
  SNNet,
  StitchingLayer,
  stitchMacs,
  tf,
  vitMacs,
  vitParamCount,
  type ViT,
  type ViTConfig,
} from '../src/index.js';

const base = { imageSize: 28, channels: 1, patchSize: 7, mlpRatio: 2, numClasses: 10 } as const;
const cfg = (dim: number, depth: number, heads = 2): ViTConfig => ({ ...base, dim, depth, heads });

/** Perturbs every weight so that biases and norms matter. */
async function perturb(model: ViT, amount = 0.2): Promise<void> {
  const w = await model.getWeights();
  for (const [n, v] of w) for (let i = 0; i < v.length; i++) v[i]! += amount * Math.sin(i * 0.7 + n.length);
  model.setWeights(w);
}

const bits = (t: tf.Tensor) => Array.from(t.dataSync());

describe('SNNet (v1 and v2 over ViT anchors)', () => {
  let x: tf.Tensor4D;
  let baseline: number;

  beforeAll(async () => {
    await initBackend();
    baseline = tf.memory().numTensors;
    x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
  });

  afterAll(() => {
    x.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('sorts anchors by width, validates them, and builds the documented spaces', () => {
    const big = createViT(cfg(16, 4), { seed: 1 });
    const small = createViT(cfg(8, 4), { seed: 2 });
    const net = new SNNet([big, small], { method: 'v1' });
    expect(net.anchors[0]).toBe(small);
    expect(net.configurations().length).toBe(12);
    expect(net.layers.size).toBe(3);
    expect(() => net.config(12)).toThrow(/unknown configuration/);
    net.dispose();
    expect(big.isDisposed && small.isDisposed).toBe(true);

    const a = createViT(cfg(8, 2), { seed: 1 });
    const b = createViT(cfg(16, 3), { seed: 1 });
    expect(() => new SNNet([a, b], { method: 'v1' })).toThrow(/equal-depth/);
    const c = createViT({ ...cfg(16, 2), numClasses: 3 }, { seed: 1 });
    expect(() => new SNNet([a, c], { method: 'v1' })).toThrow(/numClasses/);
    const v2 = new SNNet([createViT(cfg(8, 2), { seed: 1 }), createViT(cfg(16, 4), { seed: 2 })], { method: 'v2' });
    expect(v2.configurations().length).toBe(4);
    expect(() => v2.config(3)).toThrow(/not used/);
    expect([...v2.layers.keys()]).toEqual(['SL_0', 'LS_0']);
    v2.dispose();
    a.dispose();
    b.dispose();
    c.dispose();
  });

  it('an anchor-only configuration gives the anchor’s logits and features bit for bit', async () => {
    const anchors = [createViT(cfg(8, 3), { seed: 1, init: 'fan-in' }), createViT(cfg(16, 3, 4), { seed: 2, init: 'fan-in' }), createViT(cfg(24, 3), { seed: 3, init: 'fan-in' })];
    for (const a of anchors) await perturb(a);
    const expected = anchors.map((a) => tf.tidy(() => ({ logits: bits(a.forward(x)), feats: bits(a.features(x)) })));
    const net = new SNNet(anchors, { method: 'v1' });
    await net.initializeStitching(x);
    for (let i = 0; i < 3; i++) {
      const y = net.forward(x, i);
      const f = net.features(x, i);
      expect(bits(y)).toEqual(expected[i]!.logits);
      expect(bits(f)).toEqual(expected[i]!.feats);
      tf.dispose([y, f]);
    }
    // Stitched paths: logits = end anchor's head on the path's tokens; features = CLS after its final norm.
    for (const c of net.configurations().filter((k) => k.kind === 'stitch').slice(0, 6)) {
      const end = net.anchors[c.segments[c.segments.length - 1]!.anchor]!;
      const logits = net.forward(x, c.id);
      const feats = net.features(x, c.id);
      const h = net.hidden(x, c.id);
      const viaHead = end.head(h);
      const viaNorm = end.clsFeatures(h);
      expect(logits.shape).toEqual([3, 10]);
      expect(feats.shape).toEqual([3, end.dim]);
      expect(bits(logits)).toEqual(bits(viaHead));
      expect(bits(feats)).toEqual(bits(viaNorm));
      tf.dispose([logits, feats, h, viaHead, viaNorm]);
    }
    net.dispose();
  });

  it('FLOPs are the sum of the parts and (j, j+1) stitches get cheaper as j grows', () => {
    const anchors = [createViT(cfg(8, 4), { seed: 1 }), createViT(cfg(16, 4), { seed: 2 }), createViT(cfg(32, 4), { seed: 3 })];
    const net = new SNNet(anchors, { method: 'v1' });
    const N = numTokens(anchors[0]!.config);
    for (const c of net.configurations()) {
      if (c.kind === 'anchor') {
        expect(net.flops(c.id)).toBe(vitMacs(net.anchors[c.anchors[0]!]!.config));
        expect(net.params(c.id)).toBe(vitParamCount(net.anchors[c.anchors[0]!]!.config));
        continue;
      }
      const [j, k] = c.positions[0]!;
      const [fa, ea] = c.anchors.map((a) => net.anchors[a]!.config) as [ViTConfig, ViTConfig];
      const expected = embedMacs(fa) + (j + 1) * blockMacs(N, fa.dim, 2) + N * fa.dim * ea.dim + (4 - k) * blockMacs(N, ea.dim, 2) + headMacs(ea);
      expect(net.flops(c.id)).toBe(expected);
      expect(stitchMacs(N, fa.dim, ea.dim)).toBe(N * fa.dim * ea.dim);
      // Official get_model_size: patch embedding (no CLS/pos), blocks, D_in·D_out + D_out, final norm + head.
      const params = 49 * fa.dim + fa.dim + (j + 1) * blockParamCount(fa.dim, 2) + fa.dim * ea.dim + ea.dim + (4 - k) * blockParamCount(ea.dim, 2) + 2 * ea.dim + ea.dim * 10 + 10;
      expect(net.params(c.id)).toBe(params);
    }
    for (const pair of ['0,1', '1,2']) {
      const twelve = net
        .configurations()
        .filter((c) => c.anchors.join() === pair && c.positions[0]![1] === c.positions[0]![0] + 1)
        .sort((a, b) => a.positions[0]![0] - b.positions[0]![0]);
      expect(twelve.length).toBe(3);
      for (let i = 1; i < twelve.length; i++) expect(net.flops(twelve[i]!.id)).toBeLessThan(net.flops(twelve[i - 1]!.id));
    }
    net.dispose();
  });

  it('selects trainable parameters: all, or stitching layers (+ v1 CLS tokens) when anchors are frozen', () => {
    const v1 = new SNNet([createViT(cfg(8, 2), { seed: 1 }), createViT(cfg(16, 2), { seed: 2 })], { method: 'v1' });
    const all = v1.trainableParams();
    expect(all.size).toBe(v1.allParams().size);
    const frozen = [...v1.trainableParams({ trainAnchors: false }).keys()];
    expect(frozen.filter((n) => n.startsWith('anchors.'))).toEqual(['anchors.0.cls_token', 'anchors.1.cls_token']);
    expect(frozen.filter((n) => n.startsWith('stitches.')).length).toBe(2 * v1.layers.size);
    v1.dispose();

    const v2 = new SNNet([createViT(cfg(8, 2), { seed: 1 }), createViT(cfg(16, 4), { seed: 2 })], { method: 'v2' });
    const t2 = [...v2.trainableParams({ trainAnchors: false }).keys()];
    expect(t2.sort()).toEqual(['stitches.LS_0.bias', 'stitches.LS_0.lora_A', 'stitches.LS_0.lora_B', 'stitches.SL_0.bias', 'stitches.SL_0.lora_A', 'stitches.SL_0.lora_B']);
    expect(v2.trainableParams().has('stitches.SL_0.weight')).toBe(false);
    expect(v2.allParams().has('stitches.SL_0.weight')).toBe(true);
    v2.dispose();
  });
});

describe('LoRA stitching layer (SN-Netv2 2.3)', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('equals the least-squares layer at init; merged equals unmerged; ∂L/∂A = 0 and ∂L/∂B ≠ 0 at step 0', () => {
    const baseline = tf.memory().numTensors;
    const dIn = 12;
    const dOut = 20;
    const w = Float32Array.from({ length: dIn * dOut }, (_, i) => Math.sin(i));
    const b = Float32Array.from({ length: dOut }, (_, i) => Math.cos(i));
    const plain = new StitchingLayer('plain', { dimIn: dIn, dimOut: dOut, weight: w, bias: b });
    const lora = new StitchingLayer('lora', { dimIn: dIn, dimOut: dOut, weight: w, bias: b, lora: { rank: 64, alpha: 1 }, seed: 5 });
    // r = 64 capped at min(D_in, D_out) = 12; scale α/r.
    expect(lora.rank).toBe(12);
    expect(lora.scale).toBeCloseTo(1 / 12, 12);
    expect(lora.loraParamCount()).toBe(12 * (dIn + dOut));
    const tp = lora.trainableParams();
    expect([...tp.keys()].sort()).toEqual(['bias', 'lora_A', 'lora_B']);
    expect(tp.get('lora_A')!.size + tp.get('lora_B')!.size).toBe(lora.rank * (dIn + dOut));
    expect(lora.weight.trainable).toBe(false);
    // kaiming-uniform(a = √5): U(±1/√D_in); B = 0.
    const a = lora.loraA!.dataSync();
    expect(Math.max(...Array.from(a, Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(dIn));
    expect(Math.max(...Array.from(a, Math.abs))).toBeGreaterThan(0.5 / Math.sqrt(dIn));
    expect(Array.from(lora.loraB!.dataSync()).every((v) => v === 0)).toBe(true);

    const h = tf.randomNormal([2, 5, dIn], 0, 1, 'float32', 9) as tf.Tensor3D;
    const y0 = plain.apply(h);
    const y1 = lora.apply(h);
    expect(bits(y1)).toEqual(bits(y0));

    // Gradients at step 0.
    const target = tf.randomNormal([2, 5, dOut], 0, 1, 'float32', 4);
    const { grads, value } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(lora.apply(h), target))) as tf.Scalar, [lora.loraA!, lora.loraB!, lora.bias]);
    const gA = grads[lora.loraA!.name]!;
    const gB = grads[lora.loraB!.name]!;
    expect(Array.from(gA.dataSync()).every((v) => v === 0)).toBe(true);
    expect(Math.max(...Array.from(gB.dataSync(), Math.abs))).toBeGreaterThan(1e-4);
    tf.dispose([value, ...Object.values(grads)]);

    // Merged equals unmerged once B ≠ 0.
    tf.tidy(() => lora.loraB!.assign(tf.randomNormal([lora.rank, dOut], 0, 1, 'float32', 2)));
    const unmerged = lora.apply(h);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(unmerged, y0))).dataSync()[0]!)).toBeGreaterThan(1e-3);
    lora.merge();
    const merged = lora.apply(h);
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(merged, unmerged))).dataSync()[0]!);
    expect(diff).toBeLessThan(1e-5);
    expect(Array.from(lora.loraB!.dataSync()).every((v) => v === 0)).toBe(true);

    tf.dispose([h, y0, y1, target, unmerged, merged]);
    plain.dispose();
    lora.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('keeps r = 64 when the widths allow it', () => {
    const l = new StitchingLayer('x', { dimIn: 96, dimOut: 128, lora: {} });
    expect(l.rank).toBe(64);
    expect(l.scale).toBe(1 / 64);
    expect(l.loraParamCount()).toBe(64 * (96 + 128));
    l.dispose();
  });
});
