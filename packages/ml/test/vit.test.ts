import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockMacs,
  createViT,
  initBackend,
  numTokens,
  stitchMacs,
  tf,
  validateViTConfig,
  vitMacs,
  vitParamCount,
  VIT_PRESETS,
  ViT,
  type ViTConfig,
} from '../src/index.js';

const tiny: ViTConfig = { imageSize: 28, channels: 1, patchSize: 7, dim: 8, depth: 2, heads: 2, mlpRatio: 2, numClasses: 3 };

const deit = (dim: number, heads: number): ViTConfig => ({
  imageSize: 224,
  channels: 3,
  patchSize: 16,
  dim,
  depth: 12,
  heads,
  mlpRatio: 4,
  numClasses: 1000,
});

/** Perturbs every weight so LayerNorm affine parameters and biases matter. */
async function perturb(model: ViT): Promise<Map<string, Float32Array>> {
  const w = await model.getWeights();
  for (const [n, v] of w) for (let i = 0; i < v.length; i++) v[i]! += 0.3 * Math.sin(i * 1.3 + n.length);
  model.setWeights(w);
  return w;
}

/** Plain-JS ViT forward for one image (float64), following timm's pre-norm block. */
function referenceLogits(cfg: ViTConfig, W: Map<string, Float32Array>, img: Float32Array): number[] {
  const { dim: D, heads: H, patchSize: P, imageSize: S, mlpRatio } = cfg;
  const dh = D / H;
  const g = S / P;
  const hid = D * mlpRatio;
  const get = (n: string) => W.get(n)!;
  const lin = (x: number[], w: Float32Array, b: Float32Array, din: number, dout: number) =>
    Array.from({ length: dout }, (_, o) => {
      let s = b[o]!;
      for (let i = 0; i < din; i++) s += x[i]! * w[i * dout + o]!;
      return s;
    });
  const ln = (x: number[], gm: Float32Array, bt: Float32Array) => {
    const m = x.reduce((a, c) => a + c, 0) / x.length;
    const v = x.reduce((a, c) => a + (c - m) ** 2, 0) / x.length;
    return x.map((c, i) => ((c - m) / Math.sqrt(v + 1e-6)) * gm[i]! + bt[i]!);
  };
  const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  const pos = get('pos_embed');
  const cls = get('cls_token');
  let h: number[][] = [Array.from({ length: D }, (_, d) => cls[d]! + pos[d]!)];
  for (let gy = 0; gy < g; gy++) {
    for (let gx = 0; gx < g; gx++) {
      const patch: number[] = [];
      for (let py = 0; py < P; py++) for (let px = 0; px < P; px++) patch.push(img[(gy * P + py) * S + gx * P + px]!);
      const e = lin(patch, get('patch_embed.proj.weight'), get('patch_embed.proj.bias'), P * P, D);
      const t = 1 + gy * g + gx;
      h.push(e.map((v, d) => v + pos[t * D + d]!));
    }
  }
  const N = h.length;
  for (let L = 0; L < cfg.depth; L++) {
    const p = (n: string) => get(`blocks.${L}.${n}`);
    const qkv = h.map((t) => lin(ln(t, p('norm1.weight'), p('norm1.bias')), p('attn.qkv.weight'), p('attn.qkv.bias'), D, 3 * D));
    const o = h.map(() => new Array<number>(D).fill(0));
    for (let hh = 0; hh < H; hh++) {
      for (let i = 0; i < N; i++) {
        const sc: number[] = [];
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let d = 0; d < dh; d++) s += qkv[i]![hh * dh + d]! * qkv[j]![D + hh * dh + d]!;
          sc.push(s / Math.sqrt(dh));
        }
        const mx = Math.max(...sc);
        const ex = sc.map((s) => Math.exp(s - mx));
        const z = ex.reduce((a, c) => a + c, 0);
        for (let j = 0; j < N; j++) for (let d = 0; d < dh; d++) o[i]![hh * dh + d]! += (ex[j]! / z) * qkv[j]![2 * D + hh * dh + d]!;
      }
    }
    h = h.map((t, i) => {
      const a = lin(o[i]!, p('attn.proj.weight'), p('attn.proj.bias'), D, D);
      return t.map((v, d) => v + a[d]!);
    });
    h = h.map((t) => {
      const f = lin(ln(t, p('norm2.weight'), p('norm2.bias')), p('mlp.fc1.weight'), p('mlp.fc1.bias'), D, hid).map(gelu);
      const m = lin(f, p('mlp.fc2.weight'), p('mlp.fc2.bias'), hid, D);
      return t.map((v, d) => v + m[d]!);
    });
  }
  const c = ln(h[0]!, get('norm.weight'), get('norm.bias'));
  return lin(c, get('head.weight'), get('head.bias'), D, cfg.numClasses);
}

describe('ViT', () => {
  let model: ViT;
  let x: tf.Tensor4D;
  let baseline: number;

  beforeAll(async () => {
    await initBackend();
    baseline = tf.memory().numTensors;
    model = createViT(tiny, { seed: 1 });
    x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
  });

  afterAll(() => {
    x.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('maps images to logits [B, numClasses] (NHWC or flat input)', () => {
    const y = model.forward(x);
    expect(y.shape).toEqual([3, 3]);
    const flat = tf.reshape(x, [3, 784]);
    const y2 = model.forward(flat);
    expect(Array.from(y2.dataSync())).toEqual(Array.from(y.dataSync()));
    const bad = tf.zeros([2, 27, 27, 1]);
    expect(() => model.forward(bad)).toThrow(/expected images/);
    tf.dispose([y, flat, y2, bad]);
  });

  it('embed → blocks → head equals the full forward bit for bit', () => {
    const full = model.forward(x);
    const h0 = model.embed(x);
    expect(h0.shape).toEqual([3, numTokens(tiny), 8]);
    const h1 = model.block(0, h0);
    const h2 = model.block(1, h1);
    const logits = model.head(h2);
    expect(Array.from(logits.dataSync())).toEqual(Array.from(full.dataSync()));
    const viaRange = tf.tidy(() => model.head(model.blocks(model.embed(x), 0, 2)));
    expect(Array.from(viaRange.dataSync())).toEqual(Array.from(full.dataSync()));
    expect(() => model.block(2, h2)).toThrow(/out of range/);
    const feats = model.features(x);
    expect(feats.shape).toEqual([3, 8]);
    feats.dispose();
    tf.dispose([full, h0, h1, h2, logits, viaRange]);
  });

  it('matches a plain-JS reference forward and keeps samples independent', async () => {
    await perturb(model);
    const W = await model.getWeights();
    const logits = model.forward(x);
    const out = (await logits.array()) as number[][];
    const imgs = x.dataSync() as Float32Array;
    for (let b = 0; b < 3; b++) {
      const ref = referenceLogits(tiny, W, imgs.subarray(b * 784, (b + 1) * 784));
      ref.forEach((v, k) => expect(out[b]![k]!).toBeCloseTo(v, 4));
    }
    const one = tf.slice(x, [1, 0, 0, 0], [1, 28, 28, 1]);
    const single = model.forward(one);
    const s = single.dataSync();
    out[1]!.forEach((v, k) => expect(s[k]!).toBeCloseTo(v, 5));
    tf.dispose([logits, one, single]);
  });

  it('has the named timm-style parameters and counts them', () => {
    const names = [...model.params().keys()];
    expect(names.slice(0, 4)).toEqual(['patch_embed.proj.weight', 'patch_embed.proj.bias', 'cls_token', 'pos_embed']);
    expect(names).toContain('blocks.1.attn.qkv.weight');
    expect(names.slice(-2)).toEqual(['head.weight', 'head.bias']);
    expect(model.params().get('blocks.0.attn.qkv.weight')!.shape).toEqual([8, 24]);
    expect(model.countParams()).toBe(vitParamCount(tiny));
    for (const preset of Object.values(VIT_PRESETS)) {
      const m = createViT(preset, { seed: 0 });
      expect(m.countParams()).toBe(vitParamCount(preset));
      expect(numTokens(preset)).toBe(17);
      m.dispose();
    }
  });

  it('initialises like timm by default, deterministically per seed', async () => {
    const a = createViT(tiny, { seed: 3 });
    const b = createViT(tiny, { seed: 3 });
    const c = createViT(tiny, { seed: 4, init: 'fan-in' });
    const wa = await a.getWeights();
    const wb = await b.getWeights();
    const wc = await c.getWeights();
    for (const [n, v] of wa) expect(wb.get(n)).toEqual(v);
    expect(Array.from(wa.get('blocks.0.norm1.weight')!)).toEqual(new Array(8).fill(1));
    expect(Array.from(wa.get('blocks.0.attn.qkv.bias')!)).toEqual(new Array(24).fill(0));
    const std = (v: Float32Array) => Math.sqrt(v.reduce((s, e) => s + e * e, 0) / v.length);
    const qkv = wa.get('blocks.0.attn.qkv.weight')!;
    expect(std(qkv)).toBeGreaterThan(0.012);
    expect(std(qkv)).toBeLessThan(0.025);
    expect(Math.max(...qkv.map(Math.abs))).toBeLessThanOrEqual(0.04 + 1e-7);
    expect(std(wc.get('blocks.0.attn.qkv.weight')!)).toBeGreaterThan(0.2); // 1/√8 ≈ 0.35, truncated at 2σ
    a.dispose();
    b.dispose();
    c.dispose();
    expect(a.isDisposed).toBe(true);
    expect(() => a.forward(x)).toThrow(/disposed/);
  });

  it('validates its configuration', () => {
    expect(() => validateViTConfig({ ...tiny, patchSize: 5 })).toThrow(/must divide/);
    expect(() => validateViTConfig({ ...tiny, heads: 3 })).toThrow(/divisible by heads/);
    expect(() => validateViTConfig({ ...tiny, depth: 0 })).toThrow(/depth/);
    expect(() => validateViTConfig({ ...tiny, mlpRatio: 1.1 })).toThrow(/mlpRatio/);
    expect(() => new ViT({ ...tiny, dim: 8.5 })).toThrow(/dim/);
  });
});

describe('FLOPs (fvcore MACs) and parameter counts', () => {
  it('reproduces the DeiT-Ti/S/B numbers of ml-methods.md section 4', () => {
    expect(vitMacs(deit(192, 3))).toBe(1_258_411_200);
    expect(vitMacs(deit(384, 6))).toBe(4_608_338_304);
    expect(vitMacs(deit(768, 12))).toBe(17_582_740_224);
    expect(vitParamCount(deit(192, 3))).toBe(5_717_416);
    expect(vitParamCount(deit(384, 6))).toBe(22_050_664);
    expect(vitParamCount(deit(768, 12))).toBe(86_567_656);
  });

  it('is the sum of its parts and grows with width', () => {
    const c = VIT_PRESETS['vit-s'];
    const N = numTokens(c);
    expect(blockMacs(N, c.dim, c.mlpRatio)).toBe(12 * N * c.dim ** 2 + 2 * N * N * c.dim + 10 * N * c.dim);
    expect(vitMacs(c)).toBe(16 * 49 * 64 + 4 * blockMacs(N, 64, 4) + 5 * N * 64 + 64 * 10);
    expect(stitchMacs(N, 32, 64)).toBe(N * 32 * 64);
    expect(vitMacs(VIT_PRESETS['vit-ti'])).toBeLessThan(vitMacs(VIT_PRESETS['vit-s']));
    expect(vitMacs(VIT_PRESETS['vit-s'])).toBeLessThan(vitMacs(VIT_PRESETS['vit-b']));
  });
});
