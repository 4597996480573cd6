/**
 * Stitchable neural networks over ViT anchors: SN-Net v1 (paired sliding window, shared layers) and
 * SN-Netv2 (two-way SL/LS/LSL/SLS space, low-rank stitching layers). ml-methods.md sections 1 and 2.
 *
 * Fixed choices:
 * - Anchors are sorted small → large by width (stable; ties keep the given order); space indices
 *   refer to that order (`net.anchors`).
 * - Stitched paths apply the end anchor's final LayerNorm (the v2 behaviour, ml-methods.md 1.6.1),
 *   so `features()` is the CLS token after that norm on every path, and FLOPs count its 5·N·D.
 * - `params(id)` follows the official `get_model_size` (1.6.2): anchors count every parameter;
 *   stitched paths count the first anchor's patch embedding (no CLS token or position embedding),
 *   the blocks used, D_in·D_out + D_out per stitching layer, and the last anchor's norm and head.
 * - The SNNet owns its anchors: `dispose()` disposes them with the stitching layers.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Dataset } from '../data/mnist.js';
import { deriveSeed, mulberry32, permutation } from '../random.js';
import {
  blockMacs,
  blockParamCount,
  embedMacs,
  headMacs,
  numTokens,
  stitchMacs,
  vitMacs,
  vitParamCount,
  type Classifier,
  type NamedVariables,
  type ViT,
  type ViTConfig,
} from '../models/vit.js';
import type { LeastSquaresOptions } from './lstsq.js';
import { leastSquaresInit, recordBlockOutputs, StitchingLayer, type LoRAOptions, type PositionFit } from './layers.js';
import { v1Space, v2Space, type StitchConfig, type StitchMethod, type StitchSpace } from './space.js';

export interface SNNetOptions {
  method: StitchMethod;
  /** v1: sliding-window size k_w (default 2). */
  windowSize?: number;
  /** v1: window stride (default 1). */
  stride?: number;
  /** v1: only adjacent anchor pairs (default true); false adds all pairs and multi-anchor paths. */
  nearest?: boolean;
  /**
   * Low-rank stitching layers (2.3). Default: `{ rank: 64, alpha: 1 }` for v2, none for v1.
   * Pass `false` for plain trainable Linear layers.
   */
  lora?: LoRAOptions | false;
  /** Seeds the LoRA A initialisation (default 0). */
  seed?: number;
}

/** The normalised options an SNNet was built with (serialised with it). */
export interface ResolvedSNNetOptions {
  method: StitchMethod;
  windowSize: number;
  stride: number;
  nearest: boolean;
  lora: { rank: number; alpha: number } | false;
  seed: number;
}

export function resolveSNNetOptions(options: SNNetOptions): ResolvedSNNetOptions {
  if (options.method !== 'v1' && options.method !== 'v2') throw new Error(`unknown stitching method ${JSON.stringify(options.method)}; use 'v1' or 'v2'`);
  const lora =
    options.lora === false ? false : options.lora === undefined ? (options.method === 'v2' ? { rank: 64, alpha: 1 } : false) : { rank: options.lora.rank ?? 64, alpha: options.lora.alpha ?? 1 };
  return {
    method: options.method,
    windowSize: options.windowSize ?? 2,
    stride: options.stride ?? 1,
    nearest: options.nearest ?? true,
    lora,
    seed: options.seed ?? 0,
  };
}

export interface StitchInitOptions extends LeastSquaresOptions {
  /** Images used when a Dataset is given (default 100, `stitch_init_bs`). */
  count?: number;
  /** Seeds the choice of images from a Dataset (default 0). */
  seed?: number;
}

export interface StitchInitReport {
  /** Images used. */
  images: number;
  /** Rows of each fit (images × tokens). */
  rows: number;
  layers: Array<{ id: string; fits: PositionFit[] }>;
}

export interface TrainableParamsOptions {
  /**
   * Train the anchors too (default true, the official `fulltune`). When false only the stitching
   * layers train — plus, for v1, every anchor's CLS token (official v1 with fulltune off).
   */
  trainAnchors?: boolean;
}

const COMPAT_KEYS = ['imageSize', 'channels', 'patchSize', 'numClasses'] as const;

/** Width of the stitching layer between segments i and i+1 of a path. */
function stitchDims(anchors: readonly ViTConfig[], c: StitchConfig, i: number): [number, number] {
  return [anchors[c.segments[i]!.anchor]!.dim, anchors[c.segments[i + 1]!.anchor]!.dim];
}

/**
 * MACs per image of a configuration over anchors with these configurations (fvcore convention,
 * ml-methods.md 4): the first anchor's patch embedding, every block of every segment, N·D_in·D_out
 * per stitching layer, the last anchor's final LayerNorm (5·N·D) and head. Anchors: `vitMacs`.
 * (The official v1 result files omit the final norm on stitched paths, quirk 1.6.1: 5·N·D_end less.)
 */
export function configFlops(anchors: readonly ViTConfig[], c: StitchConfig): number {
  if (c.kind === 'anchor') return vitMacs(anchors[c.anchors[0]!]!);
  const N = numTokens(anchors[c.segments[0]!.anchor]!);
  let total = embedMacs(anchors[c.segments[0]!.anchor]!);
  for (const seg of c.segments) total += (seg.end - seg.start) * blockMacs(N, anchors[seg.anchor]!.dim, anchors[seg.anchor]!.mlpRatio);
  for (let i = 0; i + 1 < c.segments.length; i++) total += stitchMacs(N, ...stitchDims(anchors, c, i));
  return total + headMacs(anchors[c.segments[c.segments.length - 1]!.anchor]!);
}

/**
 * Parameters of a configuration, official `get_model_size` convention (ml-methods.md 1.6.2): all
 * parameters for anchors; for stitched paths the first anchor's patch embedding (no CLS token or
 * position embedding), the blocks used, D_in·D_out + D_out per stitching layer, and the last
 * anchor's final norm and head.
 */
export function configParams(anchors: readonly ViTConfig[], c: StitchConfig): number {
  if (c.kind === 'anchor') return vitParamCount(anchors[c.anchors[0]!]!);
  const first = anchors[c.segments[0]!.anchor]!;
  let total = first.channels * first.patchSize * first.patchSize * first.dim + first.dim;
  for (const seg of c.segments) total += (seg.end - seg.start) * blockParamCount(anchors[seg.anchor]!.dim, anchors[seg.anchor]!.mlpRatio);
  for (let i = 0; i + 1 < c.segments.length; i++) {
    const [din, dout] = stitchDims(anchors, c, i);
    total += din * dout + dout;
  }
  const last = anchors[c.segments[c.segments.length - 1]!.anchor]!;
  return total + 2 * last.dim + last.dim * last.numClasses + last.numClasses;
}

export class SNNet {
  readonly anchors: readonly ViT[];
  readonly options: Readonly<ResolvedSNNetOptions>;
  readonly space: StitchSpace;
  readonly layers: ReadonlyMap<string, StitchingLayer>;
  /** True once the stitching layers hold a least-squares (or loaded) initialisation. */
  stitchingInitialized = false;
  private readonly byId: Map<number, StitchConfig>;
  private disposed = false;

  /**
   * @param anchors ViTs of one family (same image size, patch size, channels and classes); sorted
   *   small → large by width. The SNNet takes ownership of them.
   */
  constructor(anchors: readonly ViT[], options: SNNetOptions, init?: { layerWeights?: ReadonlyMap<string, Float32Array> }) {
    this.options = Object.freeze(resolveSNNetOptions(options));
    if (anchors.length === 0) throw new Error('SNNet needs at least one anchor');
    const sorted = anchors.map((a, i) => ({ a, i })).sort((x, y) => x.a.dim - y.a.dim || x.i - y.i).map((e) => e.a);
    if (new Set(sorted).size !== sorted.length) throw new Error('SNNet: the same ViT instance is given twice');
    const c0 = sorted[0]!.config;
    for (const a of sorted) {
      if (a.isDisposed) throw new Error('SNNet: an anchor has been disposed');
      for (const k of COMPAT_KEYS) {
        if (a.config[k] !== c0[k]) throw new Error(`SNNet: anchors must share ${k} (got ${c0[k]} and ${a.config[k]})`);
      }
    }
    this.anchors = Object.freeze(sorted);
    const depths = sorted.map((a) => a.depth);
    if (this.options.method === 'v1') {
      if (depths.some((d) => d !== depths[0])) throw new Error(`SN-Net v1 stitches equal-depth anchors (got depths ${depths.join(', ')}); use method 'v2' for two anchors of different depth`);
      this.space = v1Space(depths[0]!, sorted.length, this.options);
    } else {
      if (sorted.length !== 2) throw new Error(`SN-Netv2 stitches exactly two anchors (got ${sorted.length})`);
      if (depths[0]! > depths[1]!) throw new Error(`SN-Netv2: the narrower anchor must not be deeper (depths ${depths[0]} and ${depths[1]})`);
      this.space = v2Space(depths[0]!, depths[1]!);
    }
    this.byId = new Map(this.space.configs.map((c) => [c.id, c]));
    const layers = new Map<string, StitchingLayer>();
    try {
      for (const spec of this.space.layers) {
        const name = (p: string) => `stitches.${spec.id}.${p}`;
        layers.set(
          spec.id,
          new StitchingLayer(spec.id, {
            dimIn: sorted[spec.from]!.dim,
            dimOut: sorted[spec.to]!.dim,
            lora: this.options.lora,
            seed: this.options.seed,
            weight: init?.layerWeights?.get(name('weight')),
            bias: init?.layerWeights?.get(name('bias')),
            loraA: init?.layerWeights?.get(name('lora_A')),
            loraB: init?.layerWeights?.get(name('lora_B')),
          }),
        );
      }
    } catch (err) {
      for (const l of layers.values()) l.dispose();
      throw err;
    }
    this.layers = layers;
  }

  get method(): StitchMethod {
    return this.options.method;
  }

  /** Tokens per image (shared by all anchors). */
  get tokens(): number {
    return numTokens(this.anchors[0]!.config);
  }

  get numClasses(): number {
    return this.anchors[0]!.config.numClasses;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('SNNet has been disposed');
  }

  /** The used configurations in id order. */
  configurations(): StitchConfig[] {
    return this.space.configs;
  }

  /** The configuration with this id (throws for unknown or excluded ids). */
  config(id: number): StitchConfig {
    const c = this.byId.get(id);
    if (!c) {
      if (this.space.excludedIds.includes(id)) throw new Error(`configuration ${id} is enumerated but not used (SL_{n−1}, excluded as in the official code)`);
      throw new Error(`unknown configuration id ${id} (this SNNet has ${this.space.configs.length} configurations)`);
    }
    return c;
  }

  /** The stitching layer with this id. */
  layer(id: string): StitchingLayer {
    const l = this.layers.get(id);
    if (!l) throw new Error(`unknown stitching layer ${id}`);
    return l;
  }

  /**
   * Runs a stitched path up to the last block: images → tokens [B, N, D_end] (before the end anchor's
   * final LayerNorm).
   */
  hidden(x: tf.Tensor, configId: number): tf.Tensor3D {
    this.assertLive();
    const c = this.config(configId);
    return tf.tidy(() => {
      let h = this.anchors[c.segments[0]!.anchor]!.embed(x);
      c.segments.forEach((seg, i) => {
        h = this.anchors[seg.anchor]!.blocks(h, seg.start, seg.end);
        if (i < c.stitches.length) h = this.layer(c.stitches[i]!).apply(h);
      });
      return h;
    });
  }

  /** Logits [B, numClasses] of configuration `configId`; an anchor id gives that anchor's forward exactly. */
  forward(x: tf.Tensor, configId: number): tf.Tensor2D {
    this.assertLive();
    const c = this.config(configId);
    if (c.kind === 'anchor') return this.anchors[c.anchors[0]!]!.forward(x);
    const last = this.anchors[c.segments[c.segments.length - 1]!.anchor]!;
    return tf.tidy(() => last.head(this.hidden(x, configId)));
  }

  /** Penultimate features [B, D_end]: the CLS token after the end anchor's final LayerNorm. */
  features(x: tf.Tensor, configId: number): tf.Tensor2D {
    this.assertLive();
    const c = this.config(configId);
    if (c.kind === 'anchor') return this.anchors[c.anchors[0]!]!.features(x);
    const last = this.anchors[c.segments[c.segments.length - 1]!.anchor]!;
    return tf.tidy(() => last.clsFeatures(this.hidden(x, configId)));
  }

  /** MACs per image (fvcore convention): sum of the parts, incl. N·D_in·D_out per stitching layer. */
  flops(configId: number): number {
    return configFlops(this.anchorConfigs(), this.config(configId));
  }

  /** Parameter count under the official convention (see the file header). */
  params(configId: number): number {
    return configParams(this.anchorConfigs(), this.config(configId));
  }

  /**
   * Every variable by name: `anchors.<i>.<timm name>` and `stitches.<layer id>.<weight|bias|lora_A|lora_B>`
   * (frozen ones included), anchors first.
   */
  allParams(): Map<string, tf.Variable> {
    this.assertLive();
    const out = new Map<string, tf.Variable>();
    this.anchors.forEach((a, i) => {
      for (const [n, v] of a.params()) out.set(`anchors.${i}.${n}`, v);
    });
    for (const [id, l] of this.layers) for (const [n, v] of l.params()) out.set(`stitches.${id}.${n}`, v);
    return out;
  }

  /** The variables training updates (see {@link TrainableParamsOptions}), in a stable order. */
  trainableParams(options: TrainableParamsOptions = {}): Map<string, tf.Variable> {
    this.assertLive();
    const trainAnchors = options.trainAnchors ?? true;
    const out = new Map<string, tf.Variable>();
    this.anchors.forEach((a, i) => {
      for (const [n, v] of a.params()) {
        if (trainAnchors || (this.method === 'v1' && n === 'cls_token')) out.set(`anchors.${i}.${n}`, v);
      }
    });
    for (const [id, l] of this.layers) for (const [n, v] of l.trainableParams()) out.set(`stitches.${id}.${n}`, v);
    return out;
  }

  /** Copies of every weight by name (see {@link allParams}). */
  async getWeights(): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    for (const [n, v] of this.allParams()) out.set(n, ((await v.data()) as Float32Array).slice());
    return out;
  }

  /** Overwrites weights by name (exact sizes; unknown names are an error). */
  setWeights(values: ReadonlyMap<string, Float32Array>): void {
    const all = this.allParams();
    for (const [name, arr] of values) {
      const v = all.get(name);
      if (!v) throw new Error(`unknown parameter ${name}`);
      if (arr.length !== v.size) throw new Error(`weight ${name}: expected ${v.size} values, got ${arr.length}`);
    }
    tf.tidy(() => {
      for (const [name, arr] of values) {
        const v = all.get(name)!;
        v.assign(tf.tensor(arr, v.shape, 'float32'));
      }
    });
  }

  /**
   * Least-squares initialisation of every stitching layer (1.2, 2.2) from one batch: each anchor runs
   * once and records every block output (the embedding as "block −1"); each position is fitted in
   * float64 and v1's shared layers get the mean of their positions' W and b. With LoRA, this sets the
   * frozen W_LS (B stays 0, so the layer's output equals the least-squares layer).
   */
  async initializeStitching(input: tf.Tensor | Dataset, options: StitchInitOptions = {}): Promise<StitchInitReport> {
    this.assertLive();
    const { imageSize: S, channels: C } = this.anchors[0]!.config;
    let images: tf.Tensor;
    let owned = false;
    if (input instanceof tf.Tensor) {
      images = input;
    } else {
      const count = Math.min(options.count ?? 100, input.count);
      if (!(count > 0)) throw new Error('stitching initialisation needs at least one image');
      const per = input.height * input.width * input.channels;
      const perm = permutation(input.count, mulberry32(deriveSeed(options.seed ?? 0, 'stitch-init'))).subarray(0, count);
      const buf = new Float32Array(count * per);
      perm.forEach((j, i) => buf.set(input.images.subarray(j * per, (j + 1) * per), i * per));
      images = tf.tensor4d(buf, [count, input.height, input.width, input.channels]);
      owned = true;
    }
    try {
      const B = images.shape[0]!;
      if (images.size !== B * S * S * C) throw new Error(`stitching initialisation: expected images of ${S}×${S}×${C}, got [${images.shape}]`);
      const rows = B * this.tokens;
      const needed = new Set<number>();
      for (const spec of this.space.layers) needed.add(spec.from).add(spec.to);
      const records = new Map<number, Float32Array[]>();
      for (const a of [...needed].sort((x, y) => x - y)) records.set(a, await recordBlockOutputs(this.anchors[a]!, images));
      const report: StitchInitReport = { images: B, rows, layers: [] };
      for (const spec of this.space.layers) {
        const layer = this.layer(spec.id);
        const fit = leastSquaresInit(records.get(spec.from)!, records.get(spec.to)!, spec.positions, { rows, dimIn: layer.dimIn, dimOut: layer.dimOut }, options);
        layer.setWeightAndBias(fit.weight, fit.bias);
        report.layers.push({ id: spec.id, fits: fit.fits });
      }
      this.stitchingInitialized = true;
      return report;
    } finally {
      if (owned) images.dispose();
    }
  }

  /** A {@link Classifier} view of one configuration (e.g. for `evaluateClassifier`). */
  asClassifier(configId: number): Classifier {
    const c = this.config(configId);
    const names = new Set<string>();
    c.segments.forEach((seg, i) => {
      const p = `anchors.${seg.anchor}.`;
      if (i === 0) ['patch_embed.proj.weight', 'patch_embed.proj.bias', 'cls_token', 'pos_embed'].forEach((n) => names.add(p + n));
      for (let b = seg.start; b < seg.end; b++) for (const [n] of this.anchors[seg.anchor]!.params()) if (n.startsWith(`blocks.${b}.`)) names.add(p + n);
      if (i === c.segments.length - 1) ['norm.weight', 'norm.bias', 'head.weight', 'head.bias'].forEach((n) => names.add(p + n));
    });
    for (const id of c.stitches) for (const n of this.layer(id).params().keys()) names.add(`stitches.${id}.${n}`);
    return {
      forward: (x: tf.Tensor) => this.forward(x, configId),
      params: (): NamedVariables => new Map([...this.allParams()].filter(([n]) => names.has(n))),
    };
  }

  /** The anchors' configurations (small → large). */
  anchorConfigs(): ViTConfig[] {
    return this.anchors.map((a) => ({ ...a.config }));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const l of this.layers.values()) l.dispose();
    for (const a of this.anchors) a.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}
