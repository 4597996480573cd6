/**
 * A Vision Transformer (DeiT/timm layout, pre-norm blocks, CLS token, learned position embedding)
 * written with raw tfjs-core ops, exposed block by block so that stitched networks can run the
 * embedding and a prefix of one model's blocks, a stitching layer, then a suffix of another model's
 * blocks and its head.
 *
 * Parameter naming follows timm (`blocks.3.attn.qkv.weight`), but linear weights are stored
 * input-major [in, out] (the transpose of PyTorch's `Linear.weight`), and the patch-embedding weight
 * is [P·P·C, D] with patch pixels ordered (row, column, channel).
 *
 * Fixed choices (what format 'anchorage-vit/1' means): LayerNorm eps 1e-6; attention scale 1/√d_head
 * applied to q; MLP activation GELU in its tanh form (|Δ| < 5e-4 from exact GELU; erf is ~10× slower
 * than sigmoid on wasm); the final LayerNorm and the head see only the CLS token.
 */
import * as tf from '@tensorflow/tfjs-core';
import { deriveSeed, mulberry32, truncatedNormal, uniform } from '../random.js';
import { ensureGradients } from '../gradients.js';
import { attention, dense, gelu, layerNorm, selfAttention, variablesFromWeights } from './ops.js';

export interface ViTConfig {
  /** Square input side in pixels (28 for MNIST). */
  imageSize: number;
  /** Input channels (1 for MNIST). */
  channels: number;
  /** Square patch side; must divide imageSize. */
  patchSize: number;
  /** Embedding width D; must be divisible by heads. */
  dim: number;
  /** Number of transformer blocks. */
  depth: number;
  heads: number;
  /** MLP hidden width = dim · mlpRatio (must be an integer). */
  mlpRatio: number;
  numClasses: number;
}

/** LayerNorm epsilon (timm ViT / DeiT use 1e-6). */
export const VIT_LAYER_NORM_EPS = 1e-6;

/** Named trainable variables, in a stable order (embedding, blocks, head). */
export type NamedVariables = ReadonlyMap<string, tf.Variable>;

/** Anything that maps a batch of images to logits and owns named variables. */
export interface Classifier {
  forward(x: tf.Tensor): tf.Tensor2D;
  params(): NamedVariables;
}

const isPosInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;

/** Throws a descriptive error if the configuration is not a valid ViT; returns a normalised copy. */
export function validateViTConfig(config: ViTConfig): ViTConfig {
  if (typeof config !== 'object' || config === null) throw new Error('ViT config must be an object');
  const problems: string[] = [];
  for (const key of ['imageSize', 'channels', 'patchSize', 'dim', 'depth', 'heads', 'numClasses'] as const) {
    if (!isPosInt(config[key])) problems.push(`${key} must be a positive integer (got ${String(config[key])})`);
  }
  if (!(typeof config.mlpRatio === 'number' && Number.isFinite(config.mlpRatio) && config.mlpRatio > 0)) {
    problems.push(`mlpRatio must be a positive number (got ${String(config.mlpRatio)})`);
  }
  if (problems.length === 0) {
    if (config.imageSize % config.patchSize !== 0) problems.push(`patchSize ${config.patchSize} must divide imageSize ${config.imageSize}`);
    if (config.dim % config.heads !== 0) problems.push(`dim ${config.dim} must be divisible by heads ${config.heads}`);
    if (!Number.isInteger(config.dim * config.mlpRatio)) problems.push(`dim·mlpRatio must be an integer (got ${config.dim * config.mlpRatio})`);
  }
  if (problems.length > 0) throw new Error(`invalid ViT config: ${problems.join('; ')}`);
  const { imageSize, channels, patchSize, dim, depth, heads, mlpRatio, numClasses } = config;
  return { imageSize, channels, patchSize, dim, depth, heads, mlpRatio, numClasses };
}

/** Number of patches N_p = (imageSize / patchSize)². */
export function numPatches(config: ViTConfig): number {
  const g = config.imageSize / config.patchSize;
  return g * g;
}

/** Number of tokens N = N_p + 1 (CLS). */
export function numTokens(config: ViTConfig): number {
  return numPatches(config) + 1;
}

// ---------------------------------------------------------------------------------------------
// FLOPs (fvcore convention: 1 multiply-add = 1 "FLOP"; see ml-methods.md section 4) and parameters.

/** MACs of one block: (4+2r)·N·D² + 2·N²·D + 10·N·D. */
export function blockMacs(tokens: number, dim: number, mlpRatio: number): number {
  return (4 + 2 * mlpRatio) * tokens * dim * dim + 2 * tokens * tokens * dim + 10 * tokens * dim;
}

/** MACs of the patch embedding: N_p·(C·P²)·D. */
export function embedMacs(config: ViTConfig): number {
  return numPatches(config) * config.channels * config.patchSize * config.patchSize * config.dim;
}

/** MACs of the final LayerNorm (over all N tokens, 5 per element) plus the CLS head (D·C). */
export function headMacs(config: ViTConfig): number {
  return 5 * numTokens(config) * config.dim + config.dim * config.numClasses;
}

/** MACs of a token-wise stitching Linear: N·D_in·D_out. */
export function stitchMacs(tokens: number, dimIn: number, dimOut: number): number {
  return tokens * dimIn * dimOut;
}

/** Total MACs of a ViT forward pass for one image (fvcore convention). */
export function vitMacs(config: ViTConfig): number {
  const c = validateViTConfig(config);
  return embedMacs(c) + c.depth * blockMacs(numTokens(c), c.dim, c.mlpRatio) + headMacs(c);
}

/** Parameters of one block: (4+2r)·D² + (9+r)·D. */
export function blockParamCount(dim: number, mlpRatio: number): number {
  return (4 + 2 * mlpRatio) * dim * dim + (9 + mlpRatio) * dim;
}

/** Total parameter count of a ViT with this configuration. */
export function vitParamCount(config: ViTConfig): number {
  const c = validateViTConfig(config);
  const patchIn = c.channels * c.patchSize * c.patchSize;
  const embed = patchIn * c.dim + c.dim + c.dim /* cls */ + numTokens(c) * c.dim; /* pos */
  const head = 2 * c.dim /* final LN */ + c.dim * c.numClasses + c.numClasses;
  return embed + c.depth * blockParamCount(c.dim, c.mlpRatio) + head;
}

// ---------------------------------------------------------------------------------------------

/** Names and shapes of all parameters, in canonical order. */
export function vitParamShapes(config: ViTConfig): Array<{ name: string; shape: number[] }> {
  const c = validateViTConfig(config);
  const D = c.dim;
  const H = D * c.mlpRatio;
  const out: Array<{ name: string; shape: number[] }> = [
    { name: 'patch_embed.proj.weight', shape: [c.channels * c.patchSize * c.patchSize, D] },
    { name: 'patch_embed.proj.bias', shape: [D] },
    { name: 'cls_token', shape: [1, 1, D] },
    { name: 'pos_embed', shape: [1, numTokens(c), D] },
  ];
  for (let i = 0; i < c.depth; i++) {
    const p = `blocks.${i}.`;
    out.push(
      { name: `${p}norm1.weight`, shape: [D] },
      { name: `${p}norm1.bias`, shape: [D] },
      { name: `${p}attn.qkv.weight`, shape: [D, 3 * D] },
      { name: `${p}attn.qkv.bias`, shape: [3 * D] },
      { name: `${p}attn.proj.weight`, shape: [D, D] },
      { name: `${p}attn.proj.bias`, shape: [D] },
      { name: `${p}norm2.weight`, shape: [D] },
      { name: `${p}norm2.bias`, shape: [D] },
      { name: `${p}mlp.fc1.weight`, shape: [D, H] },
      { name: `${p}mlp.fc1.bias`, shape: [H] },
      { name: `${p}mlp.fc2.weight`, shape: [H, D] },
      { name: `${p}mlp.fc2.bias`, shape: [D] },
    );
  }
  out.push(
    { name: 'norm.weight', shape: [D] },
    { name: 'norm.bias', shape: [D] },
    { name: 'head.weight', shape: [D, c.numClasses] },
    { name: 'head.bias', shape: [c.numClasses] },
  );
  return out;
}

/**
 * Weight initialisation schemes:
 * - `'timm'` (default): timm's VisionTransformer.init_weights (mode ''): every Linear weight (qkv,
 *   proj, fc1, fc2, head) and pos_embed ~ truncated normal with std 0.02; cls_token ~ normal with
 *   std 1e-6; the patch embedding (a Conv2d in timm, left at PyTorch's default) ~ U(±1/√fan_in) for
 *   weight and bias.
 * - `'fan-in'`: as 'timm', but Linear weights use std 1/√fan_in (LeCun). At widths of 32–128, std
 *   0.02 leaves the blocks almost silent at the start (0.02 ≪ 1/√D) and a CLS-token ViT then
 *   needs hundreds of steps before the CLS token carries image information; 'fan-in' trains
 *   markedly faster on MNIST-sized anchors.
 * In both, Linear biases are 0 and LayerNorm weight/bias are 1/0. Values come from a seeded JS PRNG
 * and are identical on every backend.
 */
export type ViTInit = 'timm' | 'fan-in';

export function initialViTWeights(config: ViTConfig, seed: number, init: ViTInit = 'timm'): Map<string, Float32Array> {
  const c = validateViTConfig(config);
  if (init !== 'timm' && init !== 'fan-in') throw new Error(`unknown init ${JSON.stringify(init)}; use 'timm' or 'fan-in'`);
  const values = new Map<string, Float32Array>();
  const patchFanIn = c.channels * c.patchSize * c.patchSize;
  const isNorm = (name: string) => /(^|\.)norm\d?\.(weight|bias)$/.test(name);
  for (const { name, shape } of vitParamShapes(c)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const rand = mulberry32(deriveSeed(seed, name));
    let v: Float32Array;
    if (name.startsWith('patch_embed.')) v = uniform(n, 1 / Math.sqrt(patchFanIn), rand);
    else if (name === 'cls_token') v = truncatedNormal(n, 1e-6, rand);
    else if (name === 'pos_embed') v = truncatedNormal(n, 0.02, rand);
    else if (isNorm(name)) v = name.endsWith('.weight') ? new Float32Array(n).fill(1) : new Float32Array(n);
    else if (name.endsWith('.weight')) v = truncatedNormal(n, init === 'timm' ? 0.02 : 1 / Math.sqrt(shape[0]!), rand);
    else v = new Float32Array(n);
    values.set(name, v);
  }
  return values;
}

/** The tensors of one transformer block (variables in a ViT, plain tensors elsewhere). */
export interface ViTBlockWeights {
  norm1w: tf.Tensor1D;
  norm1b: tf.Tensor1D;
  qkvW: tf.Tensor2D;
  qkvB: tf.Tensor1D;
  projW: tf.Tensor2D;
  projB: tf.Tensor1D;
  norm2w: tf.Tensor1D;
  norm2b: tf.Tensor1D;
  fc1W: tf.Tensor2D;
  fc1B: tf.Tensor1D;
  fc2W: tf.Tensor2D;
  fc2B: tf.Tensor1D;
}

/** Patch embedding, CLS token and position embedding. */
export interface ViTEmbedWeights {
  patchW: tf.Tensor2D;
  patchB: tf.Tensor1D;
  cls: tf.Tensor;
  pos: tf.Tensor;
}

/** Final LayerNorm (γ, β) and the linear head. */
export interface ViTHeadWeights {
  normW: tf.Tensor1D;
  normB: tf.Tensor1D;
  headW: tf.Tensor2D;
  headB: tf.Tensor1D;
}

/** Looks up the weights of block `i` by timm name through `get` (e.g. a ViT's variables). */
export function vitBlockWeights(get: (name: string) => tf.Tensor, i: number, prefix = ''): ViTBlockWeights {
  const p = `${prefix}blocks.${i}.`;
  const g = <T extends tf.Tensor>(n: string) => get(`${p}${n}`) as T;
  return {
    norm1w: g('norm1.weight'),
    norm1b: g('norm1.bias'),
    qkvW: g('attn.qkv.weight'),
    qkvB: g('attn.qkv.bias'),
    projW: g('attn.proj.weight'),
    projB: g('attn.proj.bias'),
    norm2w: g('norm2.weight'),
    norm2b: g('norm2.bias'),
    fc1W: g('mlp.fc1.weight'),
    fc1B: g('mlp.fc1.bias'),
    fc2W: g('mlp.fc2.weight'),
    fc2B: g('mlp.fc2.bias'),
  };
}

/**
 * Patch embedding + CLS token + position embedding (see {@link ViT.embed}). A free function so that
 * models assembled from parts of ViTs (exported stitches) run exactly the same ops.
 */
export function vitEmbed(config: ViTConfig, w: ViTEmbedWeights, x: tf.Tensor): tf.Tensor3D {
  const { imageSize: S, channels: C, patchSize: P, dim: D } = config;
  const perImage = S * S * C;
  if (x.size % perImage !== 0 || x.shape[0] === undefined || x.size / x.shape[0] !== perImage) {
    throw new Error(`embed: expected images of ${S}×${S}×${C}, got shape [${x.shape}]`);
  }
  const B = x.shape[0];
  const g = S / P;
  return tf.tidy(() => {
    // [B, g, P, g, P·C] viewed as [B·g, P, g, P·C] → [B·g, g, P, P·C] → [B·N_p, P·P·C]
    const patches = tf.reshape(tf.transpose(tf.reshape(x, [B * g, P, g, P * C]), [0, 2, 1, 3]), [B * g * g, P * P * C]);
    const emb = dense(patches as tf.Tensor2D, w.patchW, w.patchB, { inputGrad: false });
    const tokens = tf.reshape(emb, [B, g * g, D]);
    const cls = tf.add(tf.zeros([B, 1, D]), w.cls);
    return tf.add(tf.concat([cls, tokens], 1), w.pos) as tf.Tensor3D;
  });
}

/** Which of a block's four Linear layers a {@link BlockLinear} hook computes. */
export type BlockLinearSite = 'qkv' | 'proj' | 'fc1' | 'fc2';

/**
 * Computes one of a block's Linear layers, y = x·W + b, from the block's own W and b (the default is
 * `dense(x, w, b)`). A hook for adapters (fine-tuning: LoRA, Spectral Adapter) that replace W or add
 * a low-rank path; without one a block runs exactly the ops it always ran.
 */
export type BlockLinear = (site: BlockLinearSite, x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

const plainLinear: BlockLinear = (_site, x, w, b) => dense(x, w, b);

/**
 * One pre-norm transformer block (see {@link ViT.block}); `label` names it in error messages;
 * `linear` (optional) computes the block's four Linear layers (see {@link BlockLinear}).
 */
export function vitBlock(config: ViTConfig, p: ViTBlockWeights, h: tf.Tensor3D, label = 'block', linear: BlockLinear = plainLinear): tf.Tensor3D {
  const { dim: D, heads: H } = config;
  const [B, N, hd] = h.shape;
  if (hd !== D) throw new Error(`${label}: expected width ${D}, got [${h.shape}]`);
  return tf.tidy(() => {
    const x = tf.reshape(h, [B * N, D]) as tf.Tensor2D;
    const n1 = layerNorm(x, p.norm1w, p.norm1b, VIT_LAYER_NORM_EPS);
    const shape = { batch: B, tokens: N, heads: H };
    let o: tf.Tensor2D;
    if (linear === plainLinear) {
      // The qkv projection and the attention in one custom gradient (ops.ts selfAttention).
      o = selfAttention(n1, p.qkvW, p.qkvB, shape);
    } else {
      const [q, k, v] = tf.split(linear('qkv', n1, p.qkvW, p.qkvB), 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      o = attention(q, k, v, shape);
    }
    const h1 = tf.add(x, linear('proj', o, p.projW, p.projB)) as tf.Tensor2D;
    const n2 = layerNorm(h1, p.norm2w, p.norm2b, VIT_LAYER_NORM_EPS);
    const m = linear('fc2', gelu(linear('fc1', n2, p.fc1W, p.fc1B), 'tanh'), p.fc2W, p.fc2B);
    return tf.reshape(tf.add(h1, m), [B, N, D]) as tf.Tensor3D;
  });
}

/** The final LayerNorm applied to the CLS token: [B, N, D] → [B, D] (penultimate features). */
export function vitClsFeatures(config: ViTConfig, w: Pick<ViTHeadWeights, 'normW' | 'normB'>, h: tf.Tensor3D, label = 'head'): tf.Tensor2D {
  const D = config.dim;
  const [B, , hd] = h.shape;
  if (hd !== D) throw new Error(`${label}: expected width ${D}, got [${h.shape}]`);
  return tf.tidy(() => {
    // LayerNorm is per token, so normalising only CLS equals timm's norm-then-select.
    const cls = tf.reshape(tf.slice(h, [0, 0, 0], [B, 1, D]), [B, D]) as tf.Tensor2D;
    return layerNorm(cls, w.normW, w.normB, VIT_LAYER_NORM_EPS);
  });
}

/** Final LayerNorm and linear head on the CLS token: [B, N, D] → logits [B, numClasses]. */
export function vitHead(config: ViTConfig, w: ViTHeadWeights, h: tf.Tensor3D): tf.Tensor2D {
  return tf.tidy(() => dense(vitClsFeatures(config, w, h), w.headW, w.headB));
}

/** What a model is, for model-agnostic consumers (see io.ts `loadModel`). */
export interface ViTArchitecture {
  kind: 'vit';
  config: ViTConfig;
}

export interface CreateViTOptions {
  /** Seed for the initial weights (default 0). Ignored when `weights` is given. */
  seed?: number;
  /** Initialisation scheme (default 'timm'). Ignored when `weights` is given. */
  init?: ViTInit;
  /** Explicit initial values by parameter name (all parameters, exact shapes). */
  weights?: ReadonlyMap<string, Float32Array>;
}

export class ViT implements Classifier {
  readonly config: Readonly<ViTConfig>;
  /** Tokens per image including CLS. */
  readonly tokens: number;
  private readonly vars: Map<string, tf.Variable>;
  private readonly blockVars: ViTBlockWeights[];
  private readonly embedVars: ViTEmbedWeights;
  private readonly headVars: ViTHeadWeights;
  private disposed = false;

  constructor(config: ViTConfig, options: CreateViTOptions = {}) {
    this.config = Object.freeze(validateViTConfig(config));
    ensureGradients();
    this.tokens = numTokens(this.config);
    const values = options.weights ?? initialViTWeights(this.config, options.seed ?? 0, options.init);
    this.vars = variablesFromWeights(vitParamShapes(this.config), values);
    const get = (name: string) => this.vars.get(name)!;
    this.blockVars = [];
    for (let i = 0; i < this.config.depth; i++) this.blockVars.push(vitBlockWeights(get, i));
    this.embedVars = {
      patchW: get('patch_embed.proj.weight') as tf.Tensor2D,
      patchB: get('patch_embed.proj.bias') as tf.Tensor1D,
      cls: get('cls_token'),
      pos: get('pos_embed'),
    };
    this.headVars = {
      normW: get('norm.weight') as tf.Tensor1D,
      normB: get('norm.bias') as tf.Tensor1D,
      headW: get('head.weight') as tf.Tensor2D,
      headB: get('head.bias') as tf.Tensor1D,
    };
  }

  get depth(): number {
    return this.config.depth;
  }

  get dim(): number {
    return this.config.dim;
  }

  private assertLive(): void {
    if (this.disposed) throw new Error('ViT has been disposed');
  }

  /**
   * Patch embedding + CLS token + position embedding: images [B, H, W, C] (or [B, H·W·C]) →
   * tokens [B, N, D]. Patchify is reshape + 4-D transpose + matMul (no conv, no gather).
   */
  embed(x: tf.Tensor): tf.Tensor3D {
    this.assertLive();
    return vitEmbed(this.config, this.embedVars, x);
  }

  /** Transformer block i (pre-norm attention + MLP, residuals): [B, N, D] → [B, N, D]. */
  block(i: number, h: tf.Tensor3D): tf.Tensor3D {
    this.assertLive();
    if (!Number.isInteger(i) || i < 0 || i >= this.config.depth) throw new Error(`block index ${i} out of range 0..${this.config.depth - 1}`);
    return vitBlock(this.config, this.blockVars[i]!, h, `block ${i}`);
  }

  /** Runs blocks [from, to) on h. */
  blocks(h: tf.Tensor3D, from = 0, to = this.config.depth): tf.Tensor3D {
    return tf.tidy(() => {
      let out = h;
      for (let i = from; i < to; i++) out = this.block(i, out);
      return out;
    });
  }

  /** The final LayerNorm applied to the CLS token of block output h: [B, N, D] → [B, D]. */
  clsFeatures(h: tf.Tensor3D): tf.Tensor2D {
    this.assertLive();
    return vitClsFeatures(this.config, this.headVars, h);
  }

  /** Final LayerNorm and linear head on the CLS token: [B, N, D] → logits [B, numClasses]. */
  head(h: tf.Tensor3D): tf.Tensor2D {
    this.assertLive();
    return vitHead(this.config, this.headVars, h);
  }

  /** CLS features after the final LayerNorm (penultimate features, for probes and kNN): [B, D]. */
  features(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.clsFeatures(this.blocks(this.embed(x))));
  }

  /** Full forward pass: images → logits [B, numClasses]. */
  forward(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => this.head(this.blocks(this.embed(x))));
  }

  /** Named variables in canonical order (see {@link vitParamShapes}). */
  params(): NamedVariables {
    this.assertLive();
    return this.vars;
  }

  /** Number of scalar parameters. */
  countParams(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /** What this model is (see io.ts `loadModel`, which returns ViTs and exported stitches). */
  get architecture(): ViTArchitecture {
    return { kind: 'vit', config: { ...this.config } };
  }

  /** MACs per image, fvcore convention (ml-methods.md section 4). */
  flops(): number {
    return vitMacs(this.config);
  }

  /** Copies of all weights as Float32Arrays (name → values), in canonical order. */
  async getWeights(): Promise<Map<string, Float32Array>> {
    this.assertLive();
    const out = new Map<string, Float32Array>();
    for (const [name, v] of this.vars) out.set(name, ((await v.data()) as Float32Array).slice());
    return out;
  }

  /** Overwrites weights by name (exact shapes required); unknown names are an error. */
  setWeights(values: ReadonlyMap<string, Float32Array>): void {
    this.assertLive();
    for (const [name, arr] of values) {
      const v = this.vars.get(name);
      if (!v) throw new Error(`unknown parameter ${name}`);
      if (arr.length !== v.size) throw new Error(`weight ${name}: expected ${v.size} values, got ${arr.length}`);
      tf.tidy(() => v.assign(tf.tensor(arr, v.shape, 'float32')));
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.vars.values()) v.dispose();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }
}

/** Convenience: `new ViT(config, { seed })`. */
export function createViT(config: ViTConfig, options: CreateViTOptions = {}): ViT {
  return new ViT(config, options);
}
